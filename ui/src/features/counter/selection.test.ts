import { describe, expect, it } from "vitest";
import type { EligibleView } from "../../lib/bindings/EligibleView";
import type { PreviewView } from "../../lib/bindings/PreviewView";
import { applied, decision, dismiss, emptySelection, isDefault, sameRules, toggle } from "./selection";

function rule(rule_id: string, saving: number, extra: Partial<EligibleView> = {}): EligibleView {
  return { rule_id, name: rule_id, kind: "percent_off", saving, optional: false, exclusive: false, reasons: [], applied: false, applied_saving: 0, adds: saving, ...extra };
}

function preview(eligible: EligibleView[], best: string[]): PreviewView {
  return {
    customer: { id: "c", name: "김영자", preferred_name: null, phone_masked: "010-****-1004", tier: "gold", visits: 1, last_visit: null, matched: "last4" },
    lines: [],
    subtotal: 11200,
    eligible,
    best: { rule_ids: best, saving: 0, subtotal: 11200, total: 11200 },
    selected: { rule_ids: best, saving: 0, subtotal: 11200, total: 11200 },
    near_misses: [],
    suggestions: [],
  };
}

const p = preview([rule("senior-65", 1120), rule("gold-5", 560), rule("coupon-3000", 1000, { exclusive: true, adds: 0 }), rule("points", 5600, { optional: true })], ["gold-5", "senior-65"]);

describe("discount selection", () => {
  it("pre-selects the best combination", () => {
    expect(isDefault(emptySelection())).toBe(true);
    expect(sameRules(applied(emptySelection(), p), p.best.rule_ids)).toBe(true);
    expect(applied(emptySelection(), p)).toEqual(["senior-65", "gold-5"]);
  });
  it("an unchecked discount is left out of what is sent", () => {
    const s = toggle(emptySelection(), p, "senior-65", false);
    expect(isDefault(s)).toBe(false);
    expect(sameRules(applied(s, p), p.best.rule_ids)).toBe(false);
    expect(applied(s, p)).toEqual(["gold-5"]);
    expect(decision(s, p)).toEqual({ apply: ["gold-5"], dismiss: [] });
  });
  it("skipping with a reason acknowledges it and is sent as a dismissal", () => {
    const s = dismiss(emptySelection(), "senior-65", "Customer declined");
    expect(decision(s, p)).toEqual({ apply: ["gold-5"], dismiss: [["senior-65", "Customer declined"]] });
  });
  it("an exclusive discount turns the others off", () => {
    const s = toggle(emptySelection(), p, "coupon-3000", true);
    expect(applied(s, p)).toEqual(["coupon-3000"]);
    const back = toggle(s, p, "senior-65", true);
    expect(applied(back, p)).toContain("senior-65");
    expect(applied(back, p)).not.toContain("coupon-3000");
  });
  it("a dismissal of a rule no longer eligible is not sent", () => {
    const s = dismiss(emptySelection(), "gone", "Customer declined");
    expect(decision(s, p).dismiss).toEqual([]);
  });
});
