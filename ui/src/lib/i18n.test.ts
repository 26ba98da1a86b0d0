import { describe, expect, it } from "vitest";
import { dictionaries, langFromLocale, t } from "./i18n";

describe("i18n", () => {
  it("has every key in both languages, with the same placeholders", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(dictionaries.ko) as (keyof typeof dictionaries.ko)[]) {
      expect(dictionaries.en[key], key).toBeTruthy();
      expect(placeholders(dictionaries.en[key]), key).toEqual(placeholders(dictionaries.ko[key]));
    }
  });
  it("fills placeholders", () => {
    expect(t("ko", "search.visits", { n: 12 })).toBe("방문 12회");
    expect(t("en", "checkout.points", { earned: 50, balance: 1200 })).toBe("Points +50 → 1200");
  });
  it("defaults to Korean", () => {
    expect(langFromLocale(undefined)).toBe("ko");
    expect(langFromLocale("ko-KR")).toBe("ko");
    expect(langFromLocale("en-US")).toBe("en");
  });
});
