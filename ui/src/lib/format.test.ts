import { describe, expect, it } from "vitest";
import { ago, daysBetween, seoulDate, won } from "./format";

describe("won", () => {
  it.each([
    [0, "₩0"],
    [900, "₩900"],
    [4500, "₩4,500"],
    [1234567, "₩1,234,567"],
    [-3000, "-₩3,000"],
  ])("formats %i as %s", (n, want) => expect(won(n)).toBe(want));
});

describe("dates follow the Seoul calendar", () => {
  it("counts days by local date, not 24-hour spans", () => {
    // 23:50 on the 22nd and 00:10 on the 23rd in Seoul are one day apart.
    expect(daysBetween("2026-11-22T14:50:00Z", new Date("2026-11-22T15:10:00Z"))).toBe(1);
    expect(seoulDate("2026-11-22T15:10:00Z")).toBe("2026-11-23");
  });
  it("says when in both languages", () => {
    const now = new Date("2026-11-23T03:00:00Z");
    expect(ago("2026-11-20T03:00:00Z", now, "ko")).toBe("3일 전");
    expect(ago("2026-11-22T03:00:00Z", now, "en")).toBe("yesterday");
    expect(ago(null, now, "en")).toBe("no visits yet");
  });
});
