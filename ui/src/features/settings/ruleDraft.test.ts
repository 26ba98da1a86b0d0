import { describe, expect, it } from "vitest";
import type { DiscountRule } from "../../lib/bindings/DiscountRule";
import { blankCondition, fieldMatches, fromDraft, isRule, newDraft, toDraft } from "./ruleDraft";

const base: Omit<DiscountRule, "id" | "name" | "benefit"> = {
  name_en: null,
  scope: { type: "cart" },
  conditions: [],
  valid_from: null,
  valid_until: null,
  limit: null,
  stacking: "stackable",
  active: true,
};

// One rule of every benefit, scope and condition shape the store knows
// (the demo shop's among them).
const rules: DiscountRule[] = [
  { ...base, id: "senior-65", name: "경로 우대 10%", name_en: "Senior 65+ 10%", benefit: { type: "percent_off", percent_bp: 1000 }, conditions: [{ type: "min_age", years: 65 }] },
  {
    ...base,
    id: "birthday-month",
    name: "생일 달 케이크 20%",
    benefit: { type: "percent_off", percent_bp: 2000 },
    scope: { type: "categories", categories: ["디저트", "음료"] },
    conditions: [{ type: "birthday", window: { type: "month" } }],
    limit: { count: 1, per: "year" },
  },
  {
    ...base,
    id: "birthday-drink",
    name: "생일 주간 음료",
    benefit: { type: "free_items", count: 1, max_unit_price: 5500 },
    conditions: [{ type: "birthday", window: { type: "days", days: 7 } }, { type: "coupon" }],
  },
  {
    ...base,
    id: "happy-hour",
    name: "해피아워",
    benefit: { type: "percent_off", percent_bp: 1250 },
    conditions: [{ type: "time_window", window: { days: ["Mon", "Fri"], start: "15:00:00", end: "17:30:00" } }, { type: "min_spend", amount: 10000 }],
    valid_from: "2026-01-01",
    valid_until: "2026-12-31",
    stacking: "exclusive",
  },
  { ...base, id: "bread-2-1", name: "2+1", benefit: { type: "buy_x_get_y", buy: 2, get: 1 }, scope: { type: "products", skus: ["SALT", "CROIS"] }, active: false },
  { ...base, id: "points", name: "포인트", benefit: { type: "redeem_points", won_per_point: 1, min_points: 1000, max_share_bp: 5000 } },
  { ...base, id: "gold", name: "골드", benefit: { type: "amount_off", amount: 1500 }, conditions: [{ type: "min_tier", tier: "gold" }, { type: "first_visit" }, { type: "stamps", count: 10 }] },
];

describe("the rule form", () => {
  it("reads every rule back as it was", () => {
    for (const r of rules) expect(fromDraft(toDraft(r)), r.id).toEqual(r);
  });

  it("takes numbers as an owner types them", () => {
    const d = { ...newDraft(), id: "x", name: "X", percent: "12.5" };
    expect(fromDraft(d)).toMatchObject({ benefit: { percent_bp: 1250 } });
    expect(fromDraft({ ...d, percent: "0.05" })).toMatchObject({ benefit: { percent_bp: 5 } });
    expect(fromDraft({ ...d, benefit: "amount_off", amount: "1,500" })).toMatchObject({ benefit: { amount: 1500 } });
    expect(fromDraft({ ...d, limitCount: " 2 ", limitPer: "day" })).toMatchObject({ limit: { count: 2, per: "day" } });
  });

  it("names the field typed as something that is not a number", () => {
    const d = { ...newDraft(), id: "x", name: "X" };
    const number = (field: string) => ({ field, expected: "number" });
    expect(fromDraft({ ...d, percent: "ten" })).toEqual(number("benefit.percent_bp"));
    expect(fromDraft({ ...d, percent: "10.555" })).toEqual(number("benefit.percent_bp"));
    expect(fromDraft({ ...d, benefit: "amount_off", amount: "1.5" })).toEqual(number("benefit.amount"));
    const age = { ...blankCondition("min_age"), years: "예순" };
    expect(fromDraft({ ...d, conditions: [age] })).toEqual(number("conditions.min_age.years"));
    expect(fromDraft({ ...d, limitCount: "x" })).toEqual(number("limit.count"));
    expect(fromDraft({ ...d, benefit: "amount_off", amount: "9007199254740993" })).toEqual(number("benefit.amount"));
  });

  it("names a date or a time that is not one", () => {
    const d = { ...newDraft(), id: "x", name: "X" };
    for (const bad of ["2026-02-30", "2026-2-1", "내일", "2026-13-01"]) {
      expect(fromDraft({ ...d, validFrom: bad }), bad).toEqual({ field: "valid_from", expected: "date" });
    }
    expect(fromDraft({ ...d, validUntil: "2028-02-29" })).toMatchObject({ valid_until: "2028-02-29" });
    const hours = (start: string, end: string) => ({ ...blankCondition("time_window"), start, end });
    for (const [start, end] of [["24:00", "17:00"], ["15:00", "5pm"], ["", "17:00"]]) {
      expect(fromDraft({ ...d, conditions: [hours(start, end)] })).toEqual({ field: "conditions.time_window", expected: "time" });
    }
    expect(fromDraft({ ...d, conditions: [hours("9:30", "17:05")] })).toMatchObject({
      conditions: [{ window: { start: "09:30:00", end: "17:05:00" } }],
    });
  });

  it("reads a rule typed by hand that leaves out what has a default", () => {
    const typed = { id: "x", name: "X", benefit: { type: "redeem_points" } } as unknown as DiscountRule;
    const d = toDraft(typed);
    expect([d.scope, d.conditions.length, d.wonPerPoint, d.minPoints, d.maxShare, d.active]).toEqual(["cart", 0, "1", "0", "", true]);
  });

  it("leaves ranges to the store: an absurd number still becomes a rule", () => {
    const r = fromDraft({ ...newDraft(), id: "x", name: "X", percent: "250" });
    expect(isRule(r) && r.benefit).toEqual({ type: "percent_off", percent_bp: 25000 });
  });

  it("blank optional fields mean no limit", () => {
    const r = fromDraft({ ...newDraft(), id: "x", name: "X", benefit: "free_items", count: "1", maxUnitPrice: " " });
    expect(isRule(r) && r.benefit).toEqual({ type: "free_items", count: 1, max_unit_price: null });
    expect(isRule(r) && r.limit).toBeNull();
  });

  it("matches the store's field paths to the form's fields", () => {
    expect(fieldMatches("benefit.percent_bp", "benefit.percent_bp")).toBe(true);
    expect(fieldMatches("conditions.time_window", "conditions.time_window.start")).toBe(true);
    expect(fieldMatches("conditions.birthday.window.days", "conditions.birthday.window.days")).toBe(true);
    expect(fieldMatches("benefit.amount", "benefit.count")).toBe(false);
    expect(fieldMatches("valid_from", "valid_until")).toBe(false);
  });
});
