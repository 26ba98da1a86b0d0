// The data the charts draw (src/shared/charts): plain figures and names, so
// a report tab only maps its report onto them.

/** One line of a time series. */
export interface Series {
  name: string;
  values: number[];
  /** A CSS colour. */
  color: string;
}

/** One panel of small multiples. */
export interface Panel {
  title: string;
  values: number[];
  /** What the panel says in words (its figures). */
  label: string;
  total: number;
}
