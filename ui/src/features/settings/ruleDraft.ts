// A discount rule as the owner's form holds it: every field as typed (text),
// one set of fields per benefit and per condition type, and the way back to
// the rule the store validates. Only what JSON cannot carry is checked here
// (a number typed as letters); every range and every combination is the
// store's validation, asked through the preview before saving.
import type { Benefit } from "../../lib/bindings/Benefit";
import type { Condition } from "../../lib/bindings/Condition";
import type { DiscountRule } from "../../lib/bindings/DiscountRule";
import type { LimitPeriod } from "../../lib/bindings/LimitPeriod";
import type { Tier } from "../../lib/bindings/Tier";
import type { TimeWindow } from "../../lib/bindings/TimeWindow";

export type BenefitType = Benefit["type"];
export type ConditionType = Condition["type"];
export type Weekday = TimeWindow["days"][number];
export type ScopeType = "cart" | "categories" | "products";

export const BENEFITS: BenefitType[] = ["percent_off", "amount_off", "free_items", "buy_x_get_y", "redeem_points"];
export const CONDITIONS: ConditionType[] = [
  "min_age",
  "min_tier",
  "birthday",
  "first_visit",
  "stamps",
  "coupon",
  "time_window",
  "min_spend",
];
export const WEEKDAYS: Weekday[] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
export const TIERS: Tier[] = ["basic", "silver", "gold", "vip"];
export const PERIODS: LimitPeriod[] = ["lifetime", "year", "month", "day"];

export interface ConditionDraft {
  type: ConditionType;
  tier: Tier;
  years: string;
  birthday: "month" | "days";
  days: string;
  count: string;
  weekdays: Weekday[];
  start: string;
  end: string;
  amount: string;
}

export interface RuleDraft {
  id: string;
  name: string;
  nameEn: string;
  benefit: BenefitType;
  percent: string;
  amount: string;
  count: string;
  maxUnitPrice: string;
  buy: string;
  get: string;
  wonPerPoint: string;
  minPoints: string;
  maxShare: string;
  scope: ScopeType;
  scopeList: string;
  conditions: ConditionDraft[];
  validFrom: string;
  validUntil: string;
  limitCount: string;
  limitPer: LimitPeriod;
  exclusive: boolean;
  active: boolean;
}

/** A field typed as something JSON cannot carry as the rule needs it: the rule's field path (as the store names it) and what was expected. */
export interface NotANumber {
  field: string;
  expected: "number" | "date" | "time";
}

export function blankCondition(type: ConditionType): ConditionDraft {
  return {
    type,
    tier: "silver",
    years: "65",
    birthday: "month",
    days: "7",
    count: "10",
    weekdays: [],
    start: "15:00",
    end: "17:00",
    amount: "10000",
  };
}

export function newDraft(): RuleDraft {
  return {
    id: "",
    name: "",
    nameEn: "",
    benefit: "percent_off",
    percent: "10",
    amount: "1000",
    count: "1",
    maxUnitPrice: "",
    buy: "2",
    get: "1",
    wonPerPoint: "1",
    minPoints: "0",
    maxShare: "",
    scope: "cart",
    scopeList: "",
    conditions: [],
    validFrom: "",
    validUntil: "",
    limitCount: "",
    limitPer: "month",
    exclusive: false,
    active: true,
  };
}

/** Basis points as the percentage an owner types: 1000 → "10", 1250 → "12.5". */
export function percentText(bp: number): string {
  return String(bp / 100);
}

const hm = (t: string) => t.slice(0, 5);

export function toDraft(rule: DiscountRule): RuleDraft {
  const d = newDraft();
  d.id = rule.id;
  d.name = rule.name;
  d.nameEn = rule.name_en ?? "";
  d.benefit = rule.benefit.type;
  const b = rule.benefit;
  switch (b.type) {
    case "percent_off":
      d.percent = percentText(b.percent_bp);
      break;
    case "amount_off":
      d.amount = String(b.amount);
      break;
    case "free_items":
      d.count = String(b.count);
      d.maxUnitPrice = b.max_unit_price == null ? "" : String(b.max_unit_price);
      break;
    case "buy_x_get_y":
      d.buy = String(b.buy);
      d.get = String(b.get);
      break;
    case "redeem_points":
      d.wonPerPoint = String(b.won_per_point ?? 1);
      d.minPoints = String(b.min_points ?? 0);
      d.maxShare = b.max_share_bp == null ? "" : percentText(b.max_share_bp);
      break;
  }
  // A rule as the store returns it has every field; one typed by hand may
  // leave out what has a default.
  const scope = rule.scope ?? { type: "cart" };
  d.scope = scope.type;
  if (scope.type === "categories") d.scopeList = scope.categories.join(", ");
  if (scope.type === "products") d.scopeList = scope.skus.join(", ");
  d.conditions = (rule.conditions ?? []).map((c) => {
    const x = blankCondition(c.type);
    switch (c.type) {
      case "min_tier":
        x.tier = c.tier;
        break;
      case "min_age":
        x.years = String(c.years);
        break;
      case "birthday":
        x.birthday = c.window.type;
        if (c.window.type === "days") x.days = String(c.window.days);
        break;
      case "stamps":
        x.count = String(c.count);
        break;
      case "time_window":
        x.weekdays = [...c.window.days];
        x.start = hm(c.window.start);
        x.end = hm(c.window.end);
        break;
      case "min_spend":
        x.amount = String(c.amount);
        break;
    }
    return x;
  });
  d.validFrom = rule.valid_from ?? "";
  d.validUntil = rule.valid_until ?? "";
  d.limitCount = rule.limit ? String(rule.limit.count) : "";
  d.limitPer = rule.limit?.per ?? "month";
  d.exclusive = rule.stacking === "exclusive";
  d.active = rule.active ?? true;
  return d;
}

class Bad extends Error {
  constructor(
    readonly field: string,
    readonly expected: NotANumber["expected"] = "number",
  ) {
    super(field);
  }
}

/** A whole number as typed (thousands separators and spaces allowed). */
function whole(text: string, field: string): number {
  const t = text.replace(/[,\s]/g, "");
  // Beyond 2^53 a JavaScript number is no longer exact: refused here, by name.
  if (!/^-?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) throw new Bad(field);
  return Number(t);
}

/** A percentage as typed ("10", "12.5", "0.05") in basis points. */
function basisPoints(text: string, field: string): number {
  const t = text.replace(/[%\s]/g, "");
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) throw new Bad(field);
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

const optional = <T>(text: string, read: (t: string) => T): T | null => (text.trim() === "" ? null : read(text));
const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
/** "15:00" or "9:30" as the store's "15:00:00". */
function time(text: string, field: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Bad(field, "time");
  return `${m[1].padStart(2, "0")}:${m[2]}:00`;
}

/** A calendar date as YYYY-MM-DD, or null when left blank. */
function date(text: string, field: string): string | null {
  const t = text.trim();
  if (t === "") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== t) throw new Bad(field, "date");
  return t;
}

function benefitOf(d: RuleDraft): Benefit {
  switch (d.benefit) {
    case "percent_off":
      return { type: "percent_off", percent_bp: basisPoints(d.percent, "benefit.percent_bp") };
    case "amount_off":
      return { type: "amount_off", amount: whole(d.amount, "benefit.amount") };
    case "free_items":
      return {
        type: "free_items",
        count: whole(d.count, "benefit.count"),
        max_unit_price: optional(d.maxUnitPrice, (t) => whole(t, "benefit.max_unit_price")),
      };
    case "buy_x_get_y":
      return { type: "buy_x_get_y", buy: whole(d.buy, "benefit.buy"), get: whole(d.get, "benefit.get") };
    case "redeem_points":
      return {
        type: "redeem_points",
        won_per_point: optional(d.wonPerPoint, (t) => whole(t, "benefit.won_per_point")) ?? 1,
        min_points: optional(d.minPoints, (t) => whole(t, "benefit.min_points")) ?? 0,
        max_share_bp: optional(d.maxShare, (t) => basisPoints(t, "benefit.max_share_bp")),
      };
  }
}

function conditionOf(c: ConditionDraft): Condition {
  switch (c.type) {
    case "min_tier":
      return { type: "min_tier", tier: c.tier };
    case "min_age":
      return { type: "min_age", years: whole(c.years, "conditions.min_age.years") };
    case "birthday":
      return {
        type: "birthday",
        window:
          c.birthday === "month"
            ? { type: "month" }
            : { type: "days", days: whole(c.days, "conditions.birthday.window.days") },
      };
    case "first_visit":
      return { type: "first_visit" };
    case "stamps":
      return { type: "stamps", count: whole(c.count, "conditions.stamps.count") };
    case "coupon":
      return { type: "coupon" };
    case "time_window":
      return {
        type: "time_window",
        window: {
          days: WEEKDAYS.filter((w) => c.weekdays.includes(w)),
          start: time(c.start, "conditions.time_window"),
          end: time(c.end, "conditions.time_window"),
        },
      };
    case "min_spend":
      return { type: "min_spend", amount: whole(c.amount, "conditions.min_spend.amount") };
  }
}

/** The rule the form describes, or the first field typed as something that is not a number. */
export function fromDraft(d: RuleDraft): DiscountRule | NotANumber {
  try {
    const scope =
      d.scope === "cart"
        ? ({ type: "cart" } as const)
        : d.scope === "categories"
          ? ({ type: "categories", categories: list(d.scopeList) } as const)
          : ({ type: "products", skus: list(d.scopeList) } as const);
    const limitCount = optional(d.limitCount, (t) => whole(t, "limit.count"));
    return {
      id: d.id.trim(),
      name: d.name.trim(),
      name_en: d.nameEn.trim() === "" ? null : d.nameEn.trim(),
      benefit: benefitOf(d),
      scope,
      conditions: d.conditions.map(conditionOf),
      valid_from: date(d.validFrom, "valid_from"),
      valid_until: date(d.validUntil, "valid_until"),
      limit: limitCount === null ? null : { count: limitCount, per: d.limitPer },
      stacking: d.exclusive ? "exclusive" : "stackable",
      active: d.active,
    };
  } catch (e) {
    if (e instanceof Bad) return { field: e.field, expected: e.expected };
    throw e;
  }
}

export function isRule(x: DiscountRule | NotANumber): x is DiscountRule {
  return "benefit" in x;
}

/** Whether an error naming `errorField` (the store's path) is about the form field `field`. */
export function fieldMatches(errorField: string, field: string): boolean {
  return errorField === field || errorField.startsWith(`${field}.`) || field.startsWith(`${errorField}.`);
}
