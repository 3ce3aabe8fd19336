/** Types of failure-excerpts.mjs (see there). */

/** The lines kept per failed test. */
export const EXCERPT_LINES: number;

/** Marks the lines of a failed test's error under its "✘" line. */
export const ERROR_PREFIX: string;

/** What a failed test printed last. */
export interface FailureExcerpt {
  /** The test, as the progress reporter names it (file › suite > test). */
  label: string;
  /** The first line of its error. */
  why: string;
  /** The rest of its error, as many lines as the reporter printed under its "✘". */
  error: string[];
  /** What it printed last, oldest first. */
  lines: string[];
  /** How many earlier lines were left out. */
  omitted: number;
}

/** The excerpts of the failed tests in a run's output. */
export function failureExcerpts(output: readonly string[], max?: number): FailureExcerpt[];

/** The excerpts as lines for a log. */
export function formatExcerpts(excerpts: readonly FailureExcerpt[]): string[];
