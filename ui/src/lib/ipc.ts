// The only module that talks to the Tauri shell. Every command is typed with
// the declarations generated from Rust (./bindings); errors arrive as
// {kind, message} and are rethrown as WireError so callers switch on `kind`.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { Cart } from "./bindings/Cart";
import type { CustomerInput } from "./bindings/CustomerInput";
import type { CustomerSummary } from "./bindings/CustomerSummary";
import type { Decision } from "./bindings/Decision";
import type { DiscountRule } from "./bindings/DiscountRule";
import type { ErrorView } from "./bindings/ErrorView";
import type { FeedbackKind } from "./bindings/FeedbackKind";
import type { FeedbackView } from "./bindings/FeedbackView";
import type { GoodwillRequest } from "./bindings/GoodwillRequest";
import type { Lang } from "./bindings/Lang";
import type { PreviewView } from "./bindings/PreviewView";
import type { Product } from "./bindings/Product";
import type { Profile } from "./bindings/Profile";
import type { Receipt } from "./bindings/Receipt";
import type { ShopInfo } from "./bindings/ShopInfo";

export class WireError extends Error {
  readonly kind: string;
  constructor(view: ErrorView) {
    super(view.message);
    this.kind = view.kind;
  }
}

/** Turns whatever a failed call threw into a WireError. */
export function toWireError(e: unknown): WireError {
  if (e instanceof WireError) return e;
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    return new WireError({ kind: String((e as ErrorView).kind), message: String((e as ErrorView).message) });
  }
  return new WireError({ kind: "internal", message: e instanceof Error ? e.message : String(e) });
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toWireError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  uiReady: () => call<number>("ui_ready"),
  lookup: (query: string, limit = 12) => call<CustomerSummary[]>("lookup", { query, limit }),
  profile: (customer: string) => call<Profile>("profile", { customer }),
  products: () => call<Product[]>("products"),
  findProduct: (code: string) => call<Product | null>("find_product", { code }),
  /** `selected` null means the best combination. */
  preview: (customer: string, cart: Cart, told: string[], selected: string[] | null, lang: Lang) =>
    call<PreviewView>("preview", { customer, cart, told, selected, lang }),
  checkout: (customer: string, cart: Cart, decision: Decision, goodwill: GoodwillRequest | null, lang: Lang) =>
    call<Receipt>("checkout", { customer, cart, decision, goodwill, lang }),
  addCustomer: (input: CustomerInput) => call<CustomerSummary>("add_customer", { input }),
  addFeedback: (customer: string, kind: FeedbackKind, category: string, text: string) =>
    call<FeedbackView>("add_feedback", { customer, kind, category, text }),
  resolveFeedback: (id: string, resolution: string) => call<FeedbackView>("resolve_feedback", { id, resolution }),
  recordPrompt: (customer: string, key: string, accepted: boolean, reason: string | null) =>
    call<null>("record_prompt", { customer, key, accepted, reason }),
  ownerUnlock: (pin: string) => call<DiscountRule[]>("owner_unlock", { pin }),
  ownerSaveRule: (pin: string, rule: DiscountRule) => call<DiscountRule[]>("owner_save_rule", { pin, rule }),
  ownerUpdateSetting: (pin: string, key: string, value: string) => call<ShopInfo>("owner_update_setting", { pin, key, value }),
  ownerChangePin: (pin: string, newPin: string) => call<null>("owner_change_pin", { pin, newPin }),
};
