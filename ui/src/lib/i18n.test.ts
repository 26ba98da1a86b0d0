import { describe, expect, it } from "vitest";
import type { Tier } from "./bindings/Tier";
import { auditActionLabel, auditSubjectLabel, categoryLabel, dictionaries, langFromLocale, t, tierLabel } from "./i18n";

/** Every error kind, read from the TypeScript unions generated from Rust. */
const unions = import.meta.glob<string>(["./bindings/DomainError.ts", "./bindings/StoreErrorData.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});
function errorKinds(): string[] {
  return Object.values(unions).flatMap((text) => [...text.matchAll(/"kind": "(\w+)"/g)].map((m) => m[1]));
}

describe("i18n", () => {
  it("has a headline for every error kind the shell can send, in both languages", () => {
    const kinds = errorKinds();
    expect(kinds.length).toBeGreaterThan(25);
    for (const kind of kinds) {
      expect(dictionaries.ko[`error.${kind}` as keyof typeof dictionaries.ko], kind).toBeTruthy();
      expect(dictionaries.en[`error.${kind}` as keyof typeof dictionaries.en], kind).toBeTruthy();
    }
  });
  it("has every key in both languages, with the same placeholders", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(dictionaries.ko) as (keyof typeof dictionaries.ko)[]) {
      expect(dictionaries.en[key], key).toBeTruthy();
      expect(placeholders(dictionaries.en[key]), key).toEqual(placeholders(dictionaries.ko[key]));
    }
  });
  it("has no English words in the Korean texts beyond keys, codes and abbreviations", () => {
    // Key names (Enter, Esc, Ctrl), file formats and labels the shop uses as they are,
    // units (MB, ms) and the visit model's published name (BG/NBD).
    const allowed = new Set(["Enter", "Esc", "Ctrl", "SKU", "YYYY", "MM", "DD", "PIN", "JSON", "CSV", "DEMO", "VIP", "UTF", "BOM", "CP", "MB", "ms", "BG", "NBD", "QR", "PC"]);
    for (const [key, text] of Object.entries(dictionaries.ko)) {
      const words = text.replace(/\{\w+\}/g, "").split(/[^A-Za-z]+/).filter((w) => w.length >= 2);
      expect(words.filter((w) => !allowed.has(w)), key).toEqual([]);
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

describe("tier labels", () => {
  const tiers: Tier[] = ["basic", "silver", "gold", "vip"];
  it("names every tier in Korean, never the English code", () => {
    expect(tiers.map((tier) => tierLabel("ko", tier))).toEqual(["일반", "실버", "골드", "VIP"]);
  });
  it("names every tier in English", () => {
    expect(tiers.map((tier) => tierLabel("en", tier))).toEqual(["Basic", "Silver", "Gold", "VIP"]);
  });
  it("reads a tier whatever its case, and shows an unknown one as it is", () => {
    expect(tierLabel("ko", "GOLD")).toBe("골드");
    expect(tierLabel("ko", "platinum")).toBe("platinum");
  });
});

describe("feedback category labels", () => {
  // The codes the feedback dialog offers and the demo shop records.
  const codes = ["taste", "service", "wait", "price", "product", "menu", "facility"];
  it("labels every known category in both languages", () => {
    for (const code of codes) {
      expect(categoryLabel("ko", code), code).toMatch(/^[가-힣]+$/);
      expect(categoryLabel("en", code), code).not.toBe(code);
    }
    expect(categoryLabel("ko", "taste")).toBe("맛");
    expect(categoryLabel("en", "wait")).toBe("Waiting");
  });
  it("shows a free-text category as it was typed", () => {
    expect(categoryLabel("ko", "주차")).toBe("주차");
    expect(categoryLabel("en", "Parking lot")).toBe("Parking lot");
  });
});

describe("audit labels", () => {
  it("labels the audit actions the shell records", () => {
    for (const action of [
      "goodwill.granted",
      "owner.pin_failed",
      "owner.pin_set",
      "owner.pin_changed",
      "balances.adjusted",
      "coupon.issued",
      "customers.imported",
      "customers.exported",
      "products.imported",
      "rule.saved",
      "sale.refunded",
      "setting.changed",
      "write.backdated",
    ]) {
      expect(auditActionLabel("ko", action), action).toMatch(/[가-힣]/);
      expect(auditActionLabel("en", action), action).not.toBe(action);
    }
    expect(auditActionLabel("ko", "something.new")).toBe("something.new");
  });
  it("names a setting, the owner PIN and a table; ids stay as they are", () => {
    expect(auditSubjectLabel("ko", "setting.changed", "goodwill_limit")).toBe("직원 서비스 할인 한도 (원)");
    expect(auditSubjectLabel("en", "setting.changed", "time_zone")).toBe("Time zone");
    expect(auditSubjectLabel("ko", "owner.pin_failed", "owner PIN")).toBe("사장님 PIN");
    expect(auditSubjectLabel("ko", "customers.imported", "customers")).toBe("고객");
    expect(auditSubjectLabel("ko", "rule.saved", "senior-65")).toBe("senior-65");
  });
});
