import { describe, expect, it } from "vitest";
import { ScanDetector } from "./scanner";

function feed(d: ScanDetector, text: string, start: number, gap: number): string | null {
  let t = start;
  for (const ch of text) {
    d.key(ch, t);
    t += gap;
  }
  return d.key("Enter", t);
}

describe("ScanDetector", () => {
  it("recognises a scanner burst ending in Enter", () => {
    expect(feed(new ScanDetector(), "DG00000001", 0, 8)).toBe("DG00000001");
  });
  it("treats human typing as typing", () => {
    expect(feed(new ScanDetector(), "DG00000001", 0, 120)).toBeNull();
  });
  it("ignores short bursts such as four digits", () => {
    expect(feed(new ScanDetector(), "1004", 0, 5)).toBeNull();
  });
  it("a slow key in the middle breaks the scan", () => {
    const d = new ScanDetector();
    let t = 0;
    for (const ch of "88012") {
      d.key(ch, t);
      t += 8;
    }
    t += 400;
    for (const ch of "34000") {
      d.key(ch, t);
      t += 8;
    }
    expect(d.key("Enter", t)).toBeNull();
  });
  it("starts fresh after each Enter", () => {
    const d = new ScanDetector();
    expect(feed(d, "hello", 0, 200)).toBeNull();
    expect(feed(d, "8801234000011", 5000, 6)).toBe("8801234000011");
  });
});
