import type { Key } from "../../lib/i18n";

/** One-tap reasons for skipping a prompt or a discount. */
export const SKIP_REASONS: Key[] = ["dismiss.declined", "dismiss.told", "dismiss.notNow", "dismiss.notRelevant"];
