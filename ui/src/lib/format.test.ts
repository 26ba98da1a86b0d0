import { describe, expect, it } from "vitest";
import { ago, daysBetween, grouped, shopDate, shopDateTime, won, zoneLabel, zoneName } from "./format";

const SEOUL = "Asia/Seoul";
const NEW_YORK = "America/New_York";

describe("won", () => {
  it.each([
    [0, "₩0"],
    [900, "₩900"],
    [4500, "₩4,500"],
    [1234567, "₩1,234,567"],
    [-3000, "-₩3,000"],
  ])("formats %i as %s", (n, want) => expect(won(n)).toBe(want));
});

describe("grouped", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [1200, "1,200"],
    [8002, "8,002"],
    [-1234567, "-1,234,567"],
  ])("formats %i as %s", (n, want) => expect(grouped(n)).toBe(want));
});

describe("dates follow the shop's calendar", () => {
  it("counts days by local date, not 24-hour spans (Seoul)", () => {
    // 23:50 on the 22nd and 00:10 on the 23rd in Seoul are one day apart.
    expect(daysBetween("2026-11-22T14:50:00Z", new Date("2026-11-22T15:10:00Z"), SEOUL)).toBe(1);
    expect(shopDate("2026-11-22T15:10:00Z", SEOUL)).toBe("2026-11-23");
  });

  it("puts Seoul's midnight at 15:00 UTC, not at UTC midnight", () => {
    expect(shopDate("2026-11-22T14:59:59Z", SEOUL)).toBe("2026-11-22");
    expect(shopDate("2026-11-22T15:00:00Z", SEOUL)).toBe("2026-11-23");
    expect(shopDate("2026-11-22T23:59:59Z", SEOUL)).toBe("2026-11-23");
    expect(shopDate("2026-11-23T00:00:01Z", SEOUL)).toBe("2026-11-23");
    // Across UTC midnight but within one Seoul morning: the same day.
    expect(ago("2026-11-22T23:30:00Z", new Date("2026-11-23T00:30:00Z"), "ko", SEOUL)).toBe("오늘");
    // Across Seoul midnight, an hour apart: yesterday.
    expect(ago("2026-11-22T14:30:00Z", new Date("2026-11-22T15:30:00Z"), "en", SEOUL)).toBe("yesterday");
  });

  it("reads the same instant in each shop's own zone", () => {
    expect(shopDate("2026-11-22T15:10:00Z", SEOUL)).toBe("2026-11-23");
    expect(shopDate("2026-11-22T15:10:00Z", NEW_YORK)).toBe("2026-11-22");
    expect(daysBetween("2026-11-22T14:50:00Z", new Date("2026-11-22T15:10:00Z"), NEW_YORK)).toBe(0);
  });

  it("follows New York into daylight saving time (2026-03-08)", () => {
    // 23:30 EST on the 7th, then 00:30 EDT on the 9th: 24 hours, two calendar days.
    expect(shopDate("2026-03-08T04:30:00Z", NEW_YORK)).toBe("2026-03-07");
    expect(shopDate("2026-03-09T04:30:00Z", NEW_YORK)).toBe("2026-03-09");
    expect(daysBetween("2026-03-08T04:30:00Z", new Date("2026-03-09T04:30:00Z"), NEW_YORK)).toBe(2);
    expect(ago("2026-03-08T04:30:00Z", new Date("2026-03-09T04:30:00Z"), "en", NEW_YORK)).toBe("2 days ago");
    expect(shopDateTime("2026-03-08T06:59:00Z", NEW_YORK)).toBe("2026-03-08 01:59");
    expect(shopDateTime("2026-03-08T07:00:00Z", NEW_YORK)).toBe("2026-03-08 03:00");
  });

  it("follows New York out of daylight saving time (2026-11-01)", () => {
    // 00:30 EDT on the 1st, then 23:30 EST on the 1st: 24 hours, the same calendar day.
    expect(shopDate("2026-11-02T04:30:00Z", NEW_YORK)).toBe("2026-11-01");
    expect(daysBetween("2026-11-01T04:30:00Z", new Date("2026-11-02T04:30:00Z"), NEW_YORK)).toBe(0);
    expect(ago("2026-11-01T04:30:00Z", new Date("2026-11-02T04:30:00Z"), "ko", NEW_YORK)).toBe("오늘");
    expect(ago("2026-11-01T04:30:00Z", new Date("2026-11-02T05:30:00Z"), "ko", NEW_YORK)).toBe("어제");
  });

  it("says when in both languages", () => {
    const now = new Date("2026-11-23T03:00:00Z");
    expect(ago("2026-11-20T03:00:00Z", now, "ko", SEOUL)).toBe("3일 전");
    expect(ago("2026-11-22T03:00:00Z", now, "en", SEOUL)).toBe("yesterday");
    expect(ago(null, now, "en", SEOUL)).toBe("no visits yet");
    expect(ago(null, now, "ko", SEOUL)).toBe("방문 기록 없음");
  });

  it("keeps a bare date and an unreadable instant as they are", () => {
    expect(shopDate("2026-12-31", NEW_YORK)).toBe("2026-12-31");
    expect(shopDate("not a date", SEOUL)).toBe("not a date");
    expect(ago("not a date", new Date("2026-11-23T03:00:00Z"), "ko", SEOUL)).toBe("not a date");
  });

  it("falls back to Seoul for a zone the browser does not know", () => {
    expect(shopDate("2026-11-22T15:10:00Z", "Mars/Olympus_Mons")).toBe("2026-11-23");
  });

  it("shows the audit's times on the shop's clock", () => {
    expect(shopDateTime("2026-11-22T15:10:00Z", SEOUL)).toBe("2026-11-23 00:10");
    expect(shopDateTime("2026-11-22T15:10:00Z", NEW_YORK)).toBe("2026-11-22 10:10");
  });
});

describe("zoneName", () => {
  it("names a zone in the cashier's language", () => {
    expect(zoneName(SEOUL, "ko")).toMatch(/한국/);
    expect(zoneName(SEOUL, "en")).toMatch(/Korea/);
  });
  it("shows an unknown zone as it is", () => {
    expect(zoneName("Mars/Olympus_Mons", "ko")).toBe("Mars/Olympus_Mons");
    expect(zoneLabel("Mars/Olympus_Mons", "ko")).toBe("Mars/Olympus_Mons");
  });
  it("keeps the IANA name beside the spoken one", () => {
    expect(zoneLabel(NEW_YORK, "ko")).toMatch(/^\S.* \(America\/New_York\)$/);
  });
});
