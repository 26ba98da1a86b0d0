// Formatting for the counter: KRW as integers, dates in the shop's calendar.
import type { Lang } from "./bindings/Lang";

/** ₩12,300 — won are integers; no decimals ever. */
export function won(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  const digits = Math.abs(Math.trunc(amount)).toString();
  return `${sign}₩${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
}

/** Whole days between two instants (later - earlier), by calendar day in Seoul. */
export function daysBetween(earlierIso: string, later: Date): number {
  const day = (d: Date) => Math.floor((d.getTime() + 9 * 3600_000) / 86_400_000);
  return day(later) - day(new Date(earlierIso));
}

/** "오늘", "3일 전", "today", "3 days ago". */
export function ago(iso: string | null, now: Date, lang: Lang): string {
  if (!iso) return lang === "ko" ? "방문 기록 없음" : "no visits yet";
  const d = daysBetween(iso, now);
  if (lang === "ko") return d <= 0 ? "오늘" : d === 1 ? "어제" : `${d}일 전`;
  return d <= 0 ? "today" : d === 1 ? "yesterday" : `${d} days ago`;
}

/** A date as YYYY-MM-DD in Seoul time. */
export function seoulDate(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 9 * 3600_000);
  return d.toISOString().slice(0, 10);
}
