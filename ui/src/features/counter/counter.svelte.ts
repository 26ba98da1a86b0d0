// The counter's state for one customer at a time: who, the cart, the preview
// (discounts and suggestions), the cashier's choices, and the result. Every
// change of customer, cart or selection asks the shell for a fresh preview.
import type { AppInfo } from "../../lib/bindings/AppInfo";
import type { CustomerSummary } from "../../lib/bindings/CustomerSummary";
import type { GoodwillRequest } from "../../lib/bindings/GoodwillRequest";
import type { Lang } from "../../lib/bindings/Lang";
import type { PreviewView } from "../../lib/bindings/PreviewView";
import type { Product } from "../../lib/bindings/Product";
import type { Profile } from "../../lib/bindings/Profile";
import type { Receipt } from "../../lib/bindings/Receipt";
import type { SuggestionView } from "../../lib/bindings/SuggestionView";
import { addItem, removeItem, setQty, toWire, type CartItem } from "../../lib/cart";
import { t, type Key } from "../../lib/i18n";
import { api, toWireError, WireError } from "../../lib/ipc";
import { applied, decision, dismiss, emptySelection, isDefault, sameRules, toggle, unacknowledged, type Selection } from "./selection";

export type Dialog = null | "register" | "feedback" | "goodwill" | "settings";

class Counter {
  info = $state<AppInfo | null>(null);
  lang = $state<Lang>("ko");
  fatal = $state<WireError | null>(null);
  products = $state<Product[]>([]);
  customer = $state<CustomerSummary | null>(null);
  profile = $state<Profile | null>(null);
  items = $state<CartItem[]>([]);
  preview = $state<PreviewView | null>(null);
  selection = $state<Selection>(emptySelection());
  /** Suggestion keys accepted or skipped during this visit. */
  handled = $state<string[]>([]);
  goodwill = $state<GoodwillRequest | null>(null);
  receipt = $state<Receipt | null>(null);
  gateError = $state<string | null>(null);
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  dialog = $state<Dialog>(null);
  busy = $state(false);
  private generation = 0;

  tr = (key: Key, params: Record<string, string | number> = {}) => t(this.lang, key, params);

  async start(): Promise<void> {
    try {
      this.info = await api.appInfo();
      this.lang = this.info.lang;
      this.products = await api.products();
    } catch (e) {
      this.fatal = toWireError(e);
    }
  }

  setLang(lang: Lang): void {
    this.lang = lang;
    void this.refresh();
  }

  /** Selects a customer and starts their visit. */
  async select(c: CustomerSummary): Promise<void> {
    this.resetVisit();
    this.customer = c;
    try {
      this.profile = await api.profile(c.id);
    } catch (e) {
      this.error = toWireError(e).message;
    }
    await this.refresh();
  }

  /**
   * Asks for a fresh preview; stale answers are dropped. Until the cashier
   * makes a choice the store prices the best combination; after one, the
   * selection depends on what is eligible for this cart, so when it differs
   * from what the first answer priced, the totals are asked for once more.
   */
  async refresh(): Promise<void> {
    if (!this.customer) return;
    const gen = ++this.generation;
    const id = this.customer.id;
    const cart = toWire(this.items);
    try {
      const chosen = this.preview && !isDefault(this.selection) ? applied(this.selection, this.preview) : null;
      let p = await api.preview(id, cart, this.told(), chosen, this.lang);
      const want = applied(this.selection, p);
      if (!sameRules(want, p.selected.rule_ids)) p = await api.preview(id, cart, this.told(), want, this.lang);
      if (gen === this.generation) this.preview = p;
    } catch (e) {
      if (gen === this.generation) this.error = toWireError(e).message;
    }
  }

  private told(): string[] {
    return this.handled.filter((k) => k.startsWith("discount:")).map((k) => k.slice("discount:".length));
  }

  get applied(): string[] {
    return this.preview ? applied(this.selection, this.preview) : [];
  }

  get blocking(): string[] {
    return this.preview ? unacknowledged(this.selection, this.preview) : [];
  }

  get suggestions(): SuggestionView[] {
    return (this.preview?.suggestions ?? []).filter((s) => !this.handled.includes(s.key));
  }

  async add(product: Product, qty = 1): Promise<void> {
    this.items = addItem(this.items, product, qty);
    this.receipt = null;
    await this.refresh();
  }

  async setQty(sku: string, qty: number): Promise<void> {
    this.items = setQty(this.items, sku, qty);
    await this.refresh();
  }

  async remove(sku: string): Promise<void> {
    this.items = removeItem(this.items, sku);
    await this.refresh();
  }

  /** Adds a product by barcode, SKU or exact name; says so when unknown. */
  async addByCode(code: string): Promise<boolean> {
    const trimmed = code.trim();
    if (!trimmed) return false;
    try {
      const p = (await api.findProduct(trimmed)) ?? this.products.find((x) => x.name === trimmed) ?? null;
      if (!p) {
        this.error = this.tr("cart.unknown", { code: trimmed });
        return false;
      }
      this.error = null;
      await this.add(p);
      return true;
    } catch (e) {
      this.error = toWireError(e).message;
      return false;
    }
  }

  /**
   * A scanned code: a loyalty card selects its customer; otherwise, with a
   * customer at the counter, a product barcode goes into the cart.
   */
  async scan(code: string): Promise<CustomerSummary | null> {
    const found = await api.lookup(code, 2).catch(() => []);
    if (found.length === 1 && found[0].matched === "card") {
      await this.select(found[0]);
      return found[0];
    }
    if (this.customer) await this.addByCode(code);
    return null;
  }

  async setDiscount(ruleId: string, on: boolean): Promise<void> {
    if (!this.preview) return;
    this.selection = toggle(this.selection, this.preview, ruleId, on);
    this.gateError = null;
    await this.refresh();
  }

  /** Accepting a suggestion: a discount is applied, a usual item added. */
  async accept(s: SuggestionView): Promise<void> {
    if (!this.customer) return;
    this.handled = [...this.handled, s.key];
    if (s.kind === "discount" && s.rule_id && this.preview) {
      this.selection = toggle(this.selection, this.preview, s.rule_id, true);
      this.gateError = null;
    }
    if (s.kind === "usual_item") {
      const sku = s.key.slice("usual_item:".length);
      const p = this.products.find((x) => x.sku === sku);
      if (p) this.items = addItem(this.items, p);
    }
    await api.recordPrompt(this.customer.id, s.key, true, null).catch((e) => (this.error = toWireError(e).message));
    await this.refresh();
  }

  async skip(s: SuggestionView, reason: string): Promise<void> {
    if (!this.customer) return;
    this.handled = [...this.handled, s.key];
    if (s.kind === "discount" && s.rule_id) this.selection = dismiss(this.selection, s.rule_id, reason);
    await api.recordPrompt(this.customer.id, s.key, false, reason).catch((e) => (this.error = toWireError(e).message));
    await this.refresh();
  }

  async skipDiscount(ruleId: string, reason: string): Promise<void> {
    this.selection = dismiss(this.selection, ruleId, reason);
    this.gateError = null;
    await this.refresh();
  }

  async complete(): Promise<void> {
    if (!this.customer || !this.preview || this.items.length === 0 || this.busy) return;
    this.busy = true;
    this.gateError = null;
    try {
      this.receipt = await api.checkout(this.customer.id, toWire(this.items), decision(this.selection, this.preview), this.goodwill, this.lang);
      this.profile = await api.profile(this.customer.id);
      this.error = null;
    } catch (e) {
      const err = toWireError(e);
      if (err.kind === "checkout_refused") this.gateError = err.message;
      else this.error = err.message;
    } finally {
      this.busy = false;
    }
  }

  /** Ready for the next customer. */
  reset(): void {
    this.resetVisit();
    this.customer = null;
    this.profile = null;
  }

  private resetVisit(): void {
    this.generation++;
    this.items = [];
    this.preview = null;
    this.selection = emptySelection();
    this.handled = [];
    this.goodwill = null;
    this.receipt = null;
    this.gateError = null;
    this.error = null;
    this.notice = null;
  }
}

export const counter = new Counter();
