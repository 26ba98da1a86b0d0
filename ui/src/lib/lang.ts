// The window's language: the cashier's own choice (the language switch),
// remembered on this computer, wins over the system language the shell
// reports; without a choice, the system language.
import type { Lang } from "./bindings/Lang";

/** Where the choice is kept (the webview's localStorage). */
export const LANG_STORAGE_KEY = "dangol.lang";

const LANGS: readonly Lang[] = ["ko", "en"];

/** Only a language the window speaks counts as a choice; anything else stored is ignored. */
export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** The language to show: a stored choice first, else the system language. */
export function chooseLang(stored: string | null | undefined, system: Lang): Lang {
  return isLang(stored) ? stored : system;
}

type Store = Pick<Storage, "getItem" | "setItem">;

function defaultStore(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    // Storage may be switched off; the window then follows the system language.
    return null;
  }
}

/** The stored choice, if any (null when none or when storage is unavailable). */
export function loadLang(store: Store | null = defaultStore()): string | null {
  try {
    return store?.getItem(LANG_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** Remembers the cashier's choice; a storage failure only means it is not remembered. */
export function saveLang(lang: Lang, store: Store | null = defaultStore()): void {
  try {
    store?.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Full or switched-off storage: the choice holds for this session only.
  }
}
