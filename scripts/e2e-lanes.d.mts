/** Types of e2e-lanes.mjs (see there). */

/** A group of e2e test files run one at a time, beside the other lanes. */
export interface Lane {
  /** The prefix of its output lines. */
  name: string;
  /** vitest file filters (path fragments) that select its files. */
  filters: string[];
}

/** The e2e tier's lanes. */
export const E2E_LANES: Lane[];

/** The lanes a test file belongs to (exactly one for every e2e file). */
export function lanesOf(file: string): Lane[];
