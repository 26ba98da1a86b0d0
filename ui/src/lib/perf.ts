// Measurements the app keeps about itself, read by the performance harness
// through WebDriver (window.__dangolPerf): cold start to a focused search
// field, and keystroke-to-rendered-results times.
export interface Perf {
  coldStartMs: number;
  keystrokes: number[];
}

export const perf: Perf = { coldStartMs: -1, keystrokes: [] };
(globalThis as unknown as { __dangolPerf: Perf }).__dangolPerf = perf;
