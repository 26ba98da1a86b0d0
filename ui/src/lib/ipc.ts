// The only module that talks to the Tauri shell. Every command is typed with
// the declarations generated from Rust (./bindings); errors arrive as an
// ErrorView (a union by `kind`, with each kind's data and the sentence in the
// window's language) and are rethrown as WireError so callers switch on
// `kind` and read the data with the type narrowed.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppInfo } from "./bindings/AppInfo";
import type { AnomalyView } from "./bindings/AnomalyView";
import type { AuditView } from "./bindings/AuditView";
import type { Cart } from "./bindings/Cart";
import type { CustomerInput } from "./bindings/CustomerInput";
import type { CustomerSummary } from "./bindings/CustomerSummary";
import type { Decision } from "./bindings/Decision";
import type { DiscountRule } from "./bindings/DiscountRule";
import type { ErrorView } from "./bindings/ErrorView";
import type { FeedbackKind } from "./bindings/FeedbackKind";
import type { FeedbackView } from "./bindings/FeedbackView";
import type { GoodwillRequest } from "./bindings/GoodwillRequest";
import type { ImportReport } from "./bindings/ImportReport";
import type { Lang } from "./bindings/Lang";
import type { LookupResult } from "./bindings/LookupResult";
import type { NewShop } from "./bindings/NewShop";
import type { PreviewView } from "./bindings/PreviewView";
import type { Product } from "./bindings/Product";
import type { Profile } from "./bindings/Profile";
import type { Receipt } from "./bindings/Receipt";
import type { RegisterCart } from "./bindings/RegisterCart";
import type { CustomerScreen } from "./bindings/CustomerScreen";
import type { ScreenDiscount } from "./bindings/ScreenDiscount";
import type { RuleList } from "./bindings/RuleList";
import type { RulePreview } from "./bindings/RulePreview";
import type { ShopInfo } from "./bindings/ShopInfo";
import type { SyncView } from "./bindings/SyncView";
import type { UndoneMerge } from "./bindings/UndoneMerge";
import type { Review } from "./bindings/Review";
import type { ReviewSort } from "./bindings/ReviewSort";
import type { Segment } from "./bindings/Segment";
import type { SegmentExport } from "./bindings/SegmentExport";
import type { SegmentList } from "./bindings/SegmentList";
import type { MissedReport } from "./bindings/MissedReport";
import type { SuggestionReport } from "./bindings/SuggestionReport";
import type { VoiceReport } from "./bindings/VoiceReport";
import type { TrendReport } from "./bindings/TrendReport";
import type { TabletScreenView } from "./bindings/TabletScreenView";

export class WireError extends Error {
  readonly view: ErrorView;
  constructor(view: ErrorView) {
    super(view.message);
    this.view = view;
  }
  get kind(): ErrorView["kind"] {
    return this.view.kind;
  }
}

/** Turns whatever a failed call threw into a WireError. */
export function toWireError(e: unknown): WireError {
  if (e instanceof WireError) return e;
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    return new WireError(e as ErrorView);
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

/** Progress of an import, as the shell reports it. */
export interface ImportProgress {
  table: string;
  phase: string;
  done: number;
  total: number;
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  /** [needs setup, system language] */
  needsSetup: () => call<[boolean, Lang]>("needs_setup"),
  startDemo: () => call<AppInfo>("start_demo"),
  setupShop: (shop: NewShop) => call<AppInfo>("setup_shop", { shop }),
  uiReady: () => call<number>("ui_ready"),
  /** The window's language: the shell writes error sentences in it. */
  setLang: (lang: Lang) => call<void>("set_lang", { lang }),
  beginVisit: () => call<string>("begin_visit"),
  lookup: (query: string, limit = 12) => call<LookupResult>("lookup", { query, limit }),
  profile: (customer: string) => call<Profile>("profile", { customer }),
  products: () => call<Product[]>("products"),
  findProduct: (code: string) => call<Product | null>("find_product", { code }),
  /** `customer` null is a walk-in sale; `selected` null means the best combination. */
  preview: (
    customer: string | null,
    cart: Cart,
    told: string[],
    selected: string[] | null,
    lang: Lang,
    hold: string | null = null,
  ) => call<PreviewView>("preview", { customer, cart, told, selected, lang, hold }),
  checkout: (
    visit: string,
    customer: string | null,
    cart: Cart,
    decision: Decision,
    goodwill: GoodwillRequest | null,
    confirmLarge: boolean,
    lang: Lang,
  ) => call<Receipt>("checkout", { visit, customer, cart, decision, goodwill, confirmLarge, lang }),
  addCustomer: (input: CustomerInput) => call<CustomerSummary>("add_customer", { input }),
  addFeedback: (customer: string, kind: FeedbackKind, category: string, text: string) =>
    call<FeedbackView>("add_feedback", { customer, kind, category, text }),
  resolveFeedback: (id: string, resolution: string) => call<FeedbackView>("resolve_feedback", { id, resolution }),
  recordPrompt: (customer: string, key: string, accepted: boolean, reason: string | null) =>
    call<null>("record_prompt", { customer, key, accepted, reason }),
  verifyOwnerPin: (pin: string) => call<null>("verify_owner_pin", { pin }),
  ownerUnlock: (pin: string) => call<RuleList>("owner_unlock", { pin }),
  ownerLock: () => call<null>("owner_lock"),
  /** A rule as JSON text (the store parses and validates it) or as data. */
  ownerSaveRule: (rule: DiscountRule | string) =>
    call<RuleList>("owner_save_rule", { json: typeof rule === "string" ? rule : JSON.stringify(rule) }),
  /** What a rule (as JSON text) would do before it is saved; refused as saving would refuse it. */
  ownerRulePreview: (json: string) => call<RulePreview>("owner_rule_preview", { json }),
  ownerUpdateSetting: (key: string, value: string) => call<ShopInfo>("owner_update_setting", { key, value }),
  ownerChangePin: (newPin: string) => call<null>("owner_change_pin", { newPin }),
  ownerAudit: (limit = 100) => call<AuditView[]>("owner_audit", { limit }),
  ownerAnomalies: (limit = 100) => call<AnomalyView[]>("owner_anomalies", { limit }),
  ownerUndoMerge: (merged: string, phone: string) => call<UndoneMerge>("owner_undo_merge", { merged, phone }),
  /** The review of regulars: the visit model, segment counts, the drifting most at stake first. */
  ownerReview: (limit = 100, refit = false) => call<Review>("owner_review", { limit, refit }),
  ownerReviewSegment: (segment: Segment, sort: ReviewSort, limit = 100) =>
    call<SegmentList>("owner_review_segment", { segment, sort, limit }),
  /** Writes the segment's consenting customers to a CSV in Downloads. */
  ownerExportSegment: (segment: Segment) => call<SegmentExport>("owner_export_segment", { segment }),
  /** The owner's reports over the last `weeks` weeks. */
  ownerMissedReport: (weeks: number) => call<MissedReport>("owner_report_missed", { weeks }),
  ownerSuggestionReport: (weeks: number) => call<SuggestionReport>("owner_report_suggestions", { weeks }),
  ownerVoiceReport: (weeks: number) => call<VoiceReport>("owner_report_voice", { weeks }),
  ownerTrendReport: (weeks: number) => call<TrendReport>("owner_report_trend", { weeks }),
  /** The file's bytes as they are: the store detects UTF-8 (BOM or not) or CP949 itself. */
  ownerImport: async (table: "customers" | "products", bytes: Uint8Array): Promise<ImportReport> => {
    try {
      return await invoke<ImportReport>("owner_import", bytes, { headers: { table } });
    } catch (e) {
      throw toWireError(e);
    }
  },
  /** Where sync with the shop's hub stands, and the status bar's sentence. */
  syncStatus: () => call<SyncView>("sync_status"),
  onImportProgress: (f: (p: ImportProgress) => void): Promise<UnlistenFn> =>
    listen<ImportProgress>("import-progress", (e) => f(e.payload)),
  /** Every register's pushed cart (the register API), newest first. */
  registerCarts: () => call<RegisterCart[]>("register_carts"),
  /** The cashier's choices on a register's cart, told to the register. */
  registerChoose: (name: string, revision: number, decision: Decision) =>
    call<boolean>("register_choose", { name, revision, decision }),
  /** The counter shows this customer and visit: the customer's screen follows. */
  showCustomer: (shown: { customer: string | null; discounts: ScreenDiscount[]; saving: number; total: number }) =>
    call<null>("show_customer", { shown }),
  /** What the customer's screen shows now (no phone number, nobody else's data). */
  customerScreen: () => call<CustomerScreen>("customer_screen"),
  /** The customer's own answer to marketing consent, for the customer shown. */
  customerConsent: (showing: number, given: boolean) => call<null>("customer_consent", { showing, given }),
  openCustomerScreen: () => call<null>("open_customer_screen"),
  ownerTabletScreen: () => call<TabletScreenView>("owner_tablet_screen"),
  /** Allows the customer's screen on a tablet at this PC's `IP:PORT`, or stops it (`null`). */
  ownerAllowTabletScreen: (address: string | null) => call<TabletScreenView>("owner_allow_tablet_screen", { address }),
  onCustomerScreen: (f: () => void): Promise<UnlistenFn> => listen("customer-screen", () => f()),
  onConsentChanged: (f: () => void): Promise<UnlistenFn> => listen("consent-changed", () => f()),
  /** Something happened at a register (a push, choices, a sale): read the carts again. */
  onRegisterEvent: (f: () => void): Promise<UnlistenFn> => listen("register-event", () => f()),
};
