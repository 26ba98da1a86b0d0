// The window checks its own required fields, in the cashier's language: every
// form is `novalidate` (the browser's own bubble speaks the system's language,
// not the cashier's), and an empty required field is named by the form itself.
import type { Key } from "./i18n";

/** A required field: what was typed, the message when it is empty, and where to put the cursor. */
export interface Required {
  value: string;
  message: Key;
  focus?: () => void;
}

/** The first required field left empty (spaces alone count as empty), or null when all are filled. */
export function firstMissing<T extends Required>(fields: readonly T[]): T | null {
  return fields.find((f) => f.value.trim() === "") ?? null;
}
