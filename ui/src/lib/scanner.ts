// A keyboard-wedge barcode/QR scanner types like a very fast person and ends
// with Enter. ScanDetector tells a scan from typing by the gaps between keys.

export interface ScanOptions {
  /** Longest gap between two scanner keystrokes, in ms. */
  maxGapMs: number;
  /** Fewest characters in a scan (shorter bursts are typing). */
  minLength: number;
}

export const DEFAULT_SCAN: ScanOptions = { maxGapMs: 35, minLength: 5 };

export class ScanDetector {
  private buffer = "";
  private last = -Infinity;
  private fast = true;

  constructor(private readonly options: ScanOptions = DEFAULT_SCAN) {}

  /**
   * Feeds one key at time `at` (ms). Returns the scanned code when Enter
   * completes a fast burst, otherwise null.
   */
  key(key: string, at: number): string | null {
    if (key === "Enter") {
      const code = this.buffer;
      const scanned = this.fast && code.length >= this.options.minLength && at - this.last <= this.options.maxGapMs * 3;
      this.reset();
      return scanned ? code : null;
    }
    if (key.length !== 1) return null;
    if (this.buffer.length > 0 && at - this.last > this.options.maxGapMs) this.fast = false;
    if (this.buffer.length === 0) this.fast = true;
    this.buffer += key;
    this.last = at;
    return null;
  }

  reset(): void {
    this.buffer = "";
    this.last = -Infinity;
    this.fast = true;
  }
}
