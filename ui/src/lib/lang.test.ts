import { describe, expect, it } from "vitest";
import { chooseLang, isLang, LANG_STORAGE_KEY, loadLang, saveLang } from "./lang";

class MemoryStore {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe("choosing the window's language", () => {
  it("follows the system language when nothing was chosen", () => {
    expect(chooseLang(null, "ko")).toBe("ko");
    expect(chooseLang(undefined, "en")).toBe("en");
  });
  it("lets a stored choice win over the system language", () => {
    expect(chooseLang("en", "ko")).toBe("en");
    expect(chooseLang("ko", "en")).toBe("ko");
  });
  it("ignores a stored value that is not a language the window speaks", () => {
    expect(chooseLang("fr", "ko")).toBe("ko");
    expect(chooseLang("", "en")).toBe("en");
    expect(chooseLang("EN", "ko")).toBe("ko");
    expect(isLang("ko")).toBe(true);
    expect(isLang(null)).toBe(false);
  });
});

describe("remembering the choice", () => {
  it("stores the choice and reads it back", () => {
    const store = new MemoryStore();
    expect(loadLang(store)).toBeNull();
    saveLang("en", store);
    expect(store.getItem(LANG_STORAGE_KEY)).toBe("en");
    expect(chooseLang(loadLang(store), "ko")).toBe("en");
    saveLang("ko", store);
    expect(chooseLang(loadLang(store), "en")).toBe("ko");
  });
  it("carries on when storage is missing or refuses", () => {
    const broken = {
      getItem: (): string | null => {
        throw new Error("denied");
      },
      setItem: (): void => {
        throw new Error("quota");
      },
    };
    expect(loadLang(null)).toBeNull();
    expect(loadLang(broken)).toBeNull();
    expect(() => saveLang("en", broken)).not.toThrow();
    expect(() => saveLang("en", null)).not.toThrow();
  });
});
