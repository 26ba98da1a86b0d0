// The counter's state for one visit at a time: who (or a walk-in), the cart,
// the preview (discounts and suggestions, priced by the store for the
// selection), the cashier's choices, and the result.
//
// A visit has an id, made when it starts; the sale is recorded under it, so
// completing twice records one sale. Once a sale is recorded the cart is
// closed: the next scan or search starts the next customer. Esc never
// silently throws away a customer and a cart in progress: the first press
// asks, the second (or the button) discards.
import type { AppInfo } from "../../lib/bindings/AppInfo";
import type { CustomerSummary } from "../../lib/bindings/CustomerSummary";
import type { GoodwillRequest } from "../../lib/bindings/GoodwillRequest";
import type { Lang } from "../../lib/bindings/Lang";
import type { PreviewView } from "../../lib/bindings/PreviewView";
import type { Product } from "../../lib/bindings/Product";
import type { Profile } from "../../lib/bindings/Profile";
import type { Receipt } from "../../lib/bindings/Receipt";
import type { RegisterCart } from "../../lib/bindings/RegisterCart";
import type { SuggestionView } from "../../lib/bindings/SuggestionView";
import type { UnacknowledgedDiscount } from "../../lib/bindings/UnacknowledgedDiscount";
import { addItem, parseQty, removeItem, setQty, subtotal, toWire, type CartItem } from "../../lib/cart";
import { DEFAULT_ZONE } from "../../lib/format";
import { errorText, t, type Key } from "../../lib/i18n";
import { chooseLang, loadLang, saveLang } from "../../lib/lang";
import { api, toWireError, WireError } from "../../lib/ipc";
import { applied, decision, dismiss, emptySelection, isDefault, sameRules, toggle, type Selection } from "./selection";

export type Dialog = null | "register" | "feedback" | "goodwill" | "settings" | "review";

/** How long the "press Esc again to discard" question stays up. */
const DISCARD_WINDOW_MS = 5_000;

class Counter {
  /** The first run: no shop yet, the window asks (demo or my shop). */
  setupNeeded = $state(false);
  info = $state<AppInfo | null>(null);
  /** Until the shell answers: the remembered choice, else Korean. */
  lang = $state<Lang>(chooseLang(loadLang(), "ko"));
  fatal = $state<WireError | null>(null);
  products = $state<Product[]>([]);
  /** The visit's id (the sale is recorded under it), once the visit starts. */
  visit = $state<string | null>(null);
  customer = $state<CustomerSummary | null>(null);
  profile = $state<Profile | null>(null);
  items = $state<CartItem[]>([]);
  preview = $state<PreviewView | null>(null);
  selection = $state<Selection>(emptySelection());
  /** Suggestion keys accepted or skipped during this visit. */
  handled = $state<string[]>([]);
  goodwill = $state<GoodwillRequest | null>(null);
  receipt = $state<Receipt | null>(null);
  /** The store's refusal at the gate: the discounts it says are neither applied nor skipped. */
  refusal = $state<UnacknowledgedDiscount[] | null>(null);
  private refusedCart = "";
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  /** What went wrong with the cart (an unknown code, a quantity refused). */
  cartError = $state<string | null>(null);
  dialog = $state<Dialog>(null);
  busy = $state(false);
  /** An unusually large sale is waiting for the cashier's confirmation. */
  confirmLarge = $state(false);
  /** Esc was pressed once with a visit in progress. */
  confirmDiscard = $state(false);
  /**
   * The register whose pushed cart this visit shows (the register API) and
   * the revision shown: the register records the sale when it takes
   * payment, and the cashier's choices here go back to it.
   */
  register = $state<{ name: string; revision: number; hold: string | null } | null>(null);
  /** The register that closed the cart this window showed (its sale, or dropped). */
  registerClosed = $state<string | null>(null);
  /** Register events are handled one at a time, in order. */
  private registerQueue: Promise<void> = Promise.resolve();
  private generation = 0;
  private discardTimer: ReturnType<typeof setTimeout> | undefined;
  private visitPromise: Promise<string> | null = null;

  tr = (key: Key, params: Record<string, string | number> = {}) => t(this.lang, key, params);

  /** The shop's time zone (IANA): every date on the counter is read in it. */
  get zone(): string {
    return this.info?.shop.time_zone || DEFAULT_ZONE;
  }

  /** Shows an error from the shell: a headline in the cashier's language, then the details. */
  fail(e: unknown): void {
    this.error = errorText(this.lang, toWireError(e));
  }

  async start(): Promise<void> {
    try {
      const [needs, lang] = await api.needsSetup();
      this.lang = chooseLang(loadLang(), lang);
      await api.setLang(this.lang);
      if (needs) {
        this.setupNeeded = true;
        return;
      }
      await this.opened(await api.appInfo());
    } catch (e) {
      this.fatal = toWireError(e);
    }
  }

  /** A shop is open (at start, or after the first-run choice). */
  async opened(info: AppInfo): Promise<void> {
    this.info = info;
    this.lang = chooseLang(loadLang(), info.lang);
    await api.setLang(this.lang);
    this.products = await api.products();
    this.setupNeeded = false;
  }

  /** The cashier's choice of language, remembered for the next start. */
  setLang(lang: Lang): void {
    this.lang = lang;
    saveLang(lang);
    void api.setLang(lang).catch(() => {});
    void this.refresh();
  }

  /** A visit in progress: a customer or a cart, not yet paid. */
  get inProgress(): boolean {
    return !this.receipt && (this.customer !== null || this.items.length > 0);
  }

  get subtotal(): number {
    return subtotal(this.items);
  }

  private async visitId(): Promise<string> {
    if (this.visit) return this.visit;
    const gen = this.generation;
    this.visitPromise ??= api.beginVisit();
    const id = await this.visitPromise;
    if (gen === this.generation) this.visit = id;
    return id;
  }

  /** Selects a customer and starts their visit. */
  async select(c: CustomerSummary): Promise<void> {
    // A register's cart says who it is for: that changes at the register.
    if (this.lockedByRegister()) return;
    const keep = this.receipt ? [] : this.items;
    this.resetVisit();
    this.items = keep;
    this.customer = c;
    void this.visitId();
    try {
      this.profile = await api.profile(c.id);
    } catch (e) {
      this.fail(e);
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
    if (!this.customer && this.items.length === 0) {
      this.preview = null;
      return;
    }
    const gen = ++this.generation;
    const id = this.customer?.id ?? null;
    const cart = toWire(this.items);
    // A refusal was about the cart it was given; a changed cart is judged
    // again at the next Complete.
    if (this.refusal && JSON.stringify(cart) !== this.refusedCart) this.refusal = null;
    try {
      const chosen = this.preview && !isDefault(this.selection) ? applied(this.selection, this.preview) : null;
      const hold = this.register?.hold ?? null;
      let p = await api.preview(id, cart, this.told(), chosen, this.lang, hold);
      const want = applied(this.selection, p);
      if (!sameRules(want, p.selected.rule_ids)) p = await api.preview(id, cart, this.told(), want, this.lang, hold);
      if (gen === this.generation) {
        this.preview = p;
        this.tellScreen();
      }
    } catch (e) {
      if (gen === this.generation) this.fail(e);
    }
  }

  private told(): string[] {
    return this.handled.filter((k) => k.startsWith("discount:")).map((k) => k.slice("discount:".length));
  }

  get applied(): string[] {
    return this.preview ? applied(this.selection, this.preview) : [];
  }

  /** The discounts the store's last refusal named, less those acted on since. */
  get blocking(): string[] {
    return (this.refusal ?? []).map((d) => d.rule_id);
  }

  get suggestions(): SuggestionView[] {
    return (this.preview?.suggestions ?? []).filter((s) => !this.handled.includes(s.key));
  }

  /** Adds a product. After a sale, the next item starts the next customer. */
  async add(product: Product, qty = 1): Promise<boolean> {
    if (this.receipt) this.reset();
    if (this.lockedByRegister()) return false;
    const next = addItem(this.items, product, qty);
    if (!next) {
      this.cartError = this.tr("cart.tooMany", { name: product.name });
      return false;
    }
    this.items = next;
    this.cartError = null;
    this.confirmLarge = false;
    void this.visitId();
    await this.refresh();
    return true;
  }

  /**
   * Sets a line's quantity from what was typed. Anything but a whole number
   * from 1 to 999 is refused with a message (the field shows the quantity
   * charged again); a line is removed only with its ✕.
   */
  async setQty(sku: string, text: string): Promise<boolean> {
    if (this.lockedByRegister()) return false;
    const qty = parseQty(text);
    const next = qty === null ? null : setQty(this.items, sku, qty);
    if (!next) {
      this.cartError = this.tr("cart.badQty", { text: text.trim() || "∅" });
      return false;
    }
    this.items = next;
    this.cartError = null;
    this.confirmLarge = false;
    await this.refresh();
    return true;
  }

  async remove(sku: string): Promise<void> {
    if (this.lockedByRegister()) return;
    this.items = removeItem(this.items, sku);
    this.confirmLarge = false;
    await this.refresh();
  }

  /** Adds a product by barcode, SKU or exact name; says so when unknown. */
  async addByCode(code: string): Promise<boolean> {
    const trimmed = code.trim();
    if (!trimmed) return false;
    try {
      const p = (await api.findProduct(trimmed)) ?? this.products.find((x) => x.name === trimmed) ?? null;
      if (!p) {
        this.cartError = this.tr("cart.unknown", { code: trimmed });
        return false;
      }
      return await this.add(p);
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  /**
   * A scanned code: a loyalty card selects its customer; a product barcode
   * goes into the cart (a walk-in sale if nobody is identified).
   */
  async scan(code: string): Promise<CustomerSummary | null> {
    const found = await api.lookup(code, 2).catch(() => null);
    if (found && found.hits.length === 1 && found.hits[0].matched === "card") {
      await this.select(found.hits[0]);
      return found.hits[0];
    }
    await this.addByCode(code);
    return null;
  }

  async setDiscount(ruleId: string, on: boolean): Promise<void> {
    if (!this.preview) return;
    const to = this.register;
    this.selection = toggle(this.selection, this.preview, ruleId, on);
    if (on) this.settled(ruleId);
    await this.refresh();
    this.tellRegister(to);
  }

  /**
   * A register pushed a cart, changed its choices or closed it: the window
   * shows the register's newest cart (this visit's register's first), with
   * no typing. Events are handled one at a time and a register's cart never
   * goes back to an older revision. A visit the cashier started here is
   * never replaced: the register's cart waits until it is done. A new
   * customer starts a new visit; the same customer keeps the choices.
   */
  fromRegister(): Promise<void> {
    this.registerQueue = this.registerQueue.then(() => this.adoptRegister()).catch((e) => this.fail(e));
    return this.registerQueue;
  }

  private async adoptRegister(): Promise<void> {
    const carts: RegisterCart[] = await api.registerCarts();
    const shown = this.register;
    // The cashier's own visit (a customer or items, or a receipt on screen)
    // is theirs until done.
    if (!shown && (this.inProgress || this.receipt)) return;
    const cart = (shown && carts.find((c) => c.register === shown.name)) || carts[0];
    if (!cart) {
      if (shown) {
        this.reset();
        this.registerClosed = shown.name;
      }
      return;
    }
    if (shown && cart.register === shown.name && cart.revision <= shown.revision) return;
    let missing = cart.lines.filter((l) => !this.products.some((p) => p.sku === l.sku));
    if (missing.length > 0) {
      this.products = await api.products();
      missing = cart.lines.filter((l) => !this.products.some((p) => p.sku === l.sku));
    }
    const customer = cart.customer;
    if ((customer?.id ?? null) !== (this.customer?.id ?? null) || shown?.name !== cart.register) {
      this.reset();
      this.customer = customer;
      if (customer) this.profile = await api.profile(customer.id).catch(() => null);
    }
    this.items = cart.lines.flatMap((l) => {
      const p = this.products.find((x) => x.sku === l.sku);
      return p ? [{ sku: p.sku, name: p.name, category: p.category, price: p.price, qty: l.qty }] : [];
    });
    this.cartError = missing.length > 0 ? this.tr("register.unknown", { codes: missing.map((l) => l.sku).join(", ") }) : null;
    this.register = { name: cart.register, revision: cart.revision, hold: cart.hold };
    this.registerClosed = null;
    await this.refresh();
  }

  /** A register's cart is changed at the register, not here. */
  private lockedByRegister(): boolean {
    if (!this.register) return false;
    this.cartError = this.tr("register.locked", { name: this.register.name });
    return true;
  }

  /**
   * The customer's screen follows the counter: who is here and what this
   * visit takes off (the store decides what it may show).
   */
  tellScreen(): void {
    const p = this.preview;
    const on = p ? this.applied : [];
    const discounts = (p?.eligible ?? [])
      .filter((e) => on.includes(e.rule_id) && e.applied_saving > 0)
      .map((e) => ({ name: e.name, saving: e.applied_saving }));
    void api
      .showCustomer({
        customer: this.customer?.id ?? null,
        discounts,
        saving: p?.selected.saving ?? 0,
        total: p?.selected.total ?? 0,
      })
      .catch(() => {});
  }

  /** The customer answered on their screen: the card shows it. */
  async consentChanged(): Promise<void> {
    if (this.customer) this.profile = await api.profile(this.customer.id).catch(() => this.profile);
  }

  /** The cashier's choices, told to the register whose cart this is. */
  private tellRegister(to: { name: string; revision: number } | null): void {
    // The cart the choice was made on, taken before the preview's await: a
    // choice never goes to a newer cart or another register.
    if (!to || !this.preview || this.register?.name !== to.name || this.register.revision !== to.revision) return;
    const d = decision(this.selection, this.preview);
    void api
      .registerChoose(to.name, to.revision, d)
      .then((taken) => {
        // The register moved on meanwhile: show its cart, and send the
        // cashier's choice again on it.
        if (!taken) void this.fromRegister().then(() => this.tellRegister(this.register));
      })
      .catch((e) => this.fail(e));
  }

  /** Accepting a suggestion: a discount is applied (or was told), a usual item added. */
  async accept(s: SuggestionView): Promise<void> {
    const to = this.register;
    if (s.kind === "usual_item" && this.lockedByRegister()) return;
    this.handled = [...this.handled, s.key];
    if (s.kind === "discount" && s.rule_id && this.preview && !s.applied) {
      this.selection = toggle(this.selection, this.preview, s.rule_id, true);
      this.settled(s.rule_id);
    }
    if (s.kind === "usual_item") {
      const sku = s.key.slice("usual_item:".length);
      const p = this.products.find((x) => x.sku === sku);
      const next = p ? addItem(this.items, p) : null;
      if (next) this.items = next;
    }
    if (this.customer) await api.recordPrompt(this.customer.id, s.key, true, null).catch((e) => this.fail(e));
    await this.refresh();
    this.tellRegister(to);
  }

  async skip(s: SuggestionView, reason: string): Promise<void> {
    const to = this.register;
    this.handled = [...this.handled, s.key];
    if (s.kind === "discount" && s.rule_id && !s.applied) {
      this.selection = dismiss(this.selection, s.rule_id, reason);
      this.settled(s.rule_id);
    }
    if (this.customer) await api.recordPrompt(this.customer.id, s.key, false, reason).catch((e) => this.fail(e));
    await this.refresh();
    this.tellRegister(to);
  }

  /** A discount the refusal named has been applied or skipped: it leaves the list. */
  private settled(ruleId: string): void {
    const rest = (this.refusal ?? []).filter((d) => d.rule_id !== ruleId);
    this.refusal = rest.length > 0 ? rest : null;
  }

  async skipDiscount(ruleId: string, reason: string): Promise<void> {
    const to = this.register;
    this.selection = dismiss(this.selection, ruleId, reason);
    this.settled(ruleId);
    await this.refresh();
    this.tellRegister(to);
  }

  /**
   * Completes the sale under this visit's id. An unusually large sale asks
   * first (Ctrl+Enter again, or the button, confirms). After the sale the
   * cart is closed; pressing again changes nothing.
   */
  async complete(): Promise<boolean> {
    if (!this.preview || this.items.length === 0 || this.busy || this.receipt) return false;
    if (this.register) {
      // The register records it when it takes payment: never twice.
      this.notice = this.tr("register.paysThere", { name: this.register.name });
      return false;
    }
    this.busy = true;
    this.refusal = null;
    try {
      const visit = await this.visitId();
      const customer = this.customer?.id ?? null;
      const d = decision(this.selection, this.preview);
      this.receipt = await api.checkout(visit, customer, toWire(this.items), d, this.goodwill, this.confirmLarge, this.lang);
      this.error = null;
      this.confirmLarge = false;
      // Paid: the customer's screen clears before the next person reaches it.
      void api.showCustomer({ customer: null, discounts: [], saving: 0, total: 0 }).catch(() => {});
      if (customer) this.profile = await api.profile(customer).catch(() => this.profile);
      return true;
    } catch (e) {
      const err = toWireError(e);
      if (err.view.kind === "checkout_refused") {
        this.refusal = err.view.unacknowledged;
        this.refusedCart = JSON.stringify(toWire(this.items));
      }
      else if (err.kind === "large_sale_unconfirmed") this.confirmLarge = true;
      else this.fail(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Esc with nothing else to close: after a sale, the next customer; with a
   * visit in progress, the first press asks and the second discards.
   * Returns true when the counter was cleared for the next customer.
   */
  escape(): boolean {
    if (this.receipt || !this.inProgress || this.confirmDiscard) {
      this.reset();
      return true;
    }
    this.confirmDiscard = true;
    clearTimeout(this.discardTimer);
    this.discardTimer = setTimeout(() => (this.confirmDiscard = false), DISCARD_WINDOW_MS);
    return false;
  }

  /** Ready for the next customer. */
  reset(): void {
    const hadRegister = this.register !== null;
    this.resetVisit();
    this.customer = null;
    this.profile = null;
    this.tellScreen();
    // A register's cart that waited for the cashier's own visit shows now.
    if (!hadRegister) void this.fromRegister();
  }

  private resetVisit(): void {
    this.generation++;
    this.visit = null;
    this.visitPromise = null;
    this.items = [];
    this.preview = null;
    this.selection = emptySelection();
    this.handled = [];
    this.goodwill = null;
    this.receipt = null;
    this.refusal = null;
    this.error = null;
    this.cartError = null;
    this.notice = null;
    this.confirmLarge = false;
    this.confirmDiscard = false;
    this.register = null;
    this.registerClosed = null;
    clearTimeout(this.discardTimer);
  }
}

export const counter = new Counter();
