// Where the customer's screen reads what it shows and sends the customer's
// consent: the Tauri shell for the second window, or the counter PC over
// the shop's network for a tablet (the page the window serves when the
// owner allows it, `dangol_api::tablet`). The same screen component draws
// either.
import type { CustomerScreen } from "../../lib/bindings/CustomerScreen";
import { api } from "../../lib/ipc";

/** Why a tablet cannot show the screen. */
export type ScreenTrouble = "key" | "offline" | "changed";

export class ScreenError extends Error {
  readonly trouble: ScreenTrouble;
  constructor(trouble: ScreenTrouble) {
    super(trouble);
    this.trouble = trouble;
  }
}

export interface ScreenSource {
  /** The screen now, or null when it is what was read last. */
  read(): Promise<CustomerScreen | null>;
  /** Records the customer's answer, given on `showing`. */
  consent(showing: number, given: boolean): Promise<void>;
  /** Calls `f` whenever the screen may have changed. */
  onChange(f: () => void): void;
}

/** The second window: the shell's commands and its event. */
export const windowSource: ScreenSource = {
  read: () => api.customerScreen(),
  consent: async (showing, given) => {
    await api.customerConsent(showing, given);
  },
  onChange: (f) => void api.onCustomerScreen(f),
};

const KEY_ITEM = "dangol.tablet.key";

/**
 * The tablet's screen key: from the address's fragment (`#tablet:KEY`, the
 * owner's QR code; kept, and taken out of the address bar) or as kept.
 */
export function tabletKey(hash: string, storage: Pick<Storage, "getItem" | "setItem">): string | null {
  const m = /^#tablet:([0-9a-fA-F]{16,128})$/.exec(hash);
  if (m) {
    storage.setItem(KEY_ITEM, m[1]);
    return m[1];
  }
  return storage.getItem(KEY_ITEM);
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A tablet's source (refusals in `lang`): the counter PC's `/screen/state` (asked "anything
 * after the version I show?", so an unchanged screen costs the counter
 * nothing) every `everyMs`, and `/screen/consent`.
 */
export function tabletSource(key: string, lang: "ko" | "en", fetcher: Fetch = fetch, everyMs = 1000): ScreenSource {
  let version: number | null = null;
  const headers = { Authorization: `Bearer ${key}`, "Accept-Language": lang };
  const failed = (r: Response) => new ScreenError(r.status === 401 ? "key" : r.status === 409 ? "changed" : "offline");
  async function ask(path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetcher(path, init);
    } catch {
      throw new ScreenError("offline");
    }
  }
  return {
    async read() {
      try {
        const r = await ask(version === null ? "/screen/state" : `/screen/state?seen=${version}`, { headers });
        if (r.status === 204) return null;
        if (!r.ok) throw failed(r);
        const body = (await r.json()) as { version: number; screen: CustomerScreen };
        version = body.version;
        return body.screen;
      } catch (e) {
        // The screen clears when it loses the counter (a refusal, no
        // connection, an answer cut off): the next answer must be the
        // whole screen, not "nothing new".
        version = null;
        throw e instanceof ScreenError ? e : new ScreenError("offline");
      }
    },
    async consent(showing, given) {
      const r = await ask("/screen/consent", {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ showing, given }),
      });
      if (!r.ok) throw failed(r);
      // The next read shows the answer.
      version = null;
    },
    onChange(f) {
      setInterval(f, everyMs);
    },
  };
}
