// Formatting for the counter: KRW as integers, dates in the shop's calendar.
//
// Every date is read in the shop's own time zone (ShopInfo.time_zone, an
// IANA name such as "Asia/Seoul"), never the computer's and never a fixed
// offset: "yesterday" is a calendar day in the shop, whatever the zone and
// whether or not it keeps daylight saving time.
import type { Lang } from "./bindings/Lang";

/** The zone used until the shop's own is known (and when a zone is unusable). */
export const DEFAULT_ZONE = "Asia/Seoul";

/** ₩12,300 — won are integers; no decimals ever. */
export function won(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  return `${sign}₩${grouped(Math.abs(amount))}`;
}

/** 12,345 — a whole number with thousands separators, whatever the computer's locale. */
export function grouped(n: number): string {
  const sign = n < 0 ? "-" : "";
  return sign + Math.abs(Math.trunc(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Year, month, day, hour and minute as numbers, read in `zone`. */
function makeFormatter(zone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    calendar: "gregory",
    numberingSystem: "latn",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    hourCycle: "h23",
  });
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = makeFormatter(zone);
    } catch {
      // A zone this browser does not know: the shop's default, rather than a broken window.
      f = zone === DEFAULT_ZONE ? makeFormatter("UTC") : formatter(DEFAULT_ZONE);
    }
    formatters.set(zone, f);
  }
  return f;
}

/** The shop-local wall clock of an instant. */
export interface ShopTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** An instant as the shop's clock and calendar show it; null for an unreadable instant. */
export function shopTime(instant: Date, zone: string): ShopTime | null {
  if (Number.isNaN(instant.getTime())) return null;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(instant)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute };
}

/** The shop-local calendar day of an instant, as a day number (days since 1970-01-01). */
function shopDay(instant: Date, zone: string): number {
  const t = shopTime(instant, zone);
  return t ? Date.UTC(t.year, t.month - 1, t.day) / 86_400_000 : NaN;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Whole calendar days between two instants (later - earlier), by the shop's calendar. */
export function daysBetween(earlierIso: string, later: Date, zone: string): number {
  return shopDay(later, zone) - shopDay(new Date(earlierIso), zone);
}

/** "오늘", "3일 전", "today", "3 days ago", counted in the shop's calendar. */
export function ago(iso: string | null, now: Date, lang: Lang, zone: string): string {
  if (!iso) return lang === "ko" ? "방문 기록 없음" : "no visits yet";
  const d = daysBetween(iso, now, zone);
  if (Number.isNaN(d)) return iso;
  if (lang === "ko") return d <= 0 ? "오늘" : d === 1 ? "어제" : `${d}일 전`;
  return d <= 0 ? "today" : d === 1 ? "yesterday" : `${d} days ago`;
}

/** An instant as YYYY-MM-DD in the shop's calendar (a bare date is already one). */
export function shopDate(iso: string, zone: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const t = shopTime(new Date(iso), zone);
  return t ? `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}` : iso;
}

/** An instant as YYYY-MM-DD HH:MM (24-hour) on the shop's clock. */
export function shopDateTime(iso: string, zone: string): string {
  const t = shopTime(new Date(iso), zone);
  return t ? `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}` : iso;
}

/** A time zone as people say it ("한국 표준시", "Eastern Time"), or its IANA name when the browser has none. */
export function zoneName(zone: string, lang: Lang): string {
  try {
    const part = new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", { timeZone: zone, timeZoneName: "longGeneric" })
      .formatToParts(new Date())
      .find((p) => p.type === "timeZoneName");
    return part && part.value !== zone ? part.value : zone;
  } catch {
    return zone;
  }
}

/** A zone for a list or the status bar: "한국 표준시 (Asia/Seoul)", or just the IANA name. */
export function zoneLabel(zone: string, lang: Lang): string {
  const name = zoneName(zone, lang);
  return name === zone ? zone : `${name} (${zone})`;
}
