// Which discounts are applied, which were skipped (with a reason), and the
// decision sent at checkout. The best combination is pre-selected; the
// cashier's explicit choices survive cart changes.
import type { Decision } from "../../lib/bindings/Decision";
import type { PreviewView } from "../../lib/bindings/PreviewView";

export interface Selection {
  /** Explicit on/off choices by rule id. */
  choices: Record<string, boolean>;
  /** Skipped discounts and why. */
  dismissed: Record<string, string>;
}

export const emptySelection = (): Selection => ({ choices: {}, dismissed: {} });

/** True while the cashier has made no choice: the best combination applies. */
export function isDefault(sel: Selection): boolean {
  return Object.keys(sel.choices).length === 0 && Object.keys(sel.dismissed).length === 0;
}

/** The same rules, in any order. */
export function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** Rule ids applied for this preview. */
export function applied(sel: Selection, preview: PreviewView): string[] {
  return preview.eligible
    .filter((e) => !(e.rule_id in sel.dismissed))
    .filter((e) => sel.choices[e.rule_id] ?? preview.best.rule_ids.includes(e.rule_id))
    .map((e) => e.rule_id);
}

/** Turns a discount on or off, keeping exclusive rules alone. */
export function toggle(sel: Selection, preview: PreviewView, ruleId: string, on: boolean): Selection {
  const choices = { ...sel.choices, [ruleId]: on };
  const dismissed = { ...sel.dismissed };
  delete dismissed[ruleId];
  if (on) {
    const rule = preview.eligible.find((e) => e.rule_id === ruleId);
    for (const other of applied(sel, preview)) {
      const o = preview.eligible.find((e) => e.rule_id === other);
      if (other !== ruleId && (rule?.exclusive || o?.exclusive)) choices[other] = false;
    }
  }
  return { choices, dismissed };
}

export function dismiss(sel: Selection, ruleId: string, reason: string): Selection {
  return { choices: { ...sel.choices, [ruleId]: false }, dismissed: { ...sel.dismissed, [ruleId]: reason } };
}

export function decision(sel: Selection, preview: PreviewView): Decision {
  const eligible = new Set(preview.eligible.map((e) => e.rule_id));
  return {
    apply: applied(sel, preview),
    dismiss: Object.entries(sel.dismissed).filter(([id]) => eligible.has(id)) as [string, string][],
  };
}
