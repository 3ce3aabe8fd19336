/**
 * Reading test runner output: which tests failed, and the summary line.
 * Understands vitest and jest (`FAIL file > suite > test`, `×`/`✕` marks),
 * node:test (`✖ name`) and TAP (`not ok 3 - name`).
 */
import { stripAnsi } from "../common/errors.js";

// vitest/jest's failure header: " FAIL  |unit| app/test/unit/a.test.ts > suite > name [tags]".
const FAIL_LINE = /^FAIL\s+(?:\|[^|]+\|\s+)?(.+?)(?:\s+\[.*\])?$/;

// 30: enough to name every failure of a realistic bad commit; more is a wall of text.
const MAX_NAMED_FAILURES = 30;

/**
 * The names of the failing tests found in runner output, in order, without duplicates.
 *
 * @param output what the test command printed (stdout and stderr)
 */
export function failingTests(output: string): string[] {
  const lines = stripAnsi(plainProjectLabels(output)).split("\n");
  const fail: string[] = [];
  const marked: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    // vitest/jest: " FAIL  |unit| app/test/unit/a.test.ts > suite > name"
    const f = FAIL_LINE.exec(line);
    if (f?.[1]) {
      fail.push(f[1]);
      continue;
    }
    // TAP: "not ok 3 - name # comment"
    const t = /^not ok \d+(?: - )?(.*?)(?:\s+#.*)?$/.exec(line);
    if (t?.[1]) {
      marked.push(t[1]);
      continue;
    }
    // vitest/jest/node:test marks: "× name 3ms", "✕ name (3 ms)", "✖ name (1.2ms)"
    const m = /^[×✕✖]\s+(.+?)(?:\s+\(?\d+(?:\.\d+)?\s?ms\)?)?$/.exec(line);
    if (m?.[1] && !/^\d+ (?:failing|failed)/.test(m[1])) marked.push(m[1]);
  }
  // FAIL lines carry file and full suite path: prefer them when present.
  const names = fail.length > 0 ? fail : marked;
  return [...new Set(names)].slice(0, MAX_NAMED_FAILURES);
}

// 6 lines: vitest prints the error within a few lines after its FAIL header (blank lines, a diff header).
const CAUSE_LOOKAHEAD_LINES = 6;
// 200 characters: the error's first line names the cause; the rest (diffs, stacks) is in the full output.
const MAX_CAUSE_LENGTH = 200;

/**
 * For each failing test that vitest/jest report with a `FAIL … > name` header,
 * the first line of its error (`AssertionError: expected …`, `Error: Test timed
 * out in 30000ms`), so a failure seen only in a summary still says why.
 *
 * @param output what the test command printed
 * @returns failing test (as failingTests() names it) → the error's first line
 */
export function failureCauses(output: string): Map<string, string> {
  const lines = stripAnsi(plainProjectLabels(output))
    .split("\n")
    .map((l) => l.trim());
  const causes = new Map<string, string>();
  lines.forEach((line, i) => {
    const f = FAIL_LINE.exec(line);
    if (!f?.[1] || causes.has(f[1])) return;
    const cause = lines
      .slice(i + 1, i + 1 + CAUSE_LOOKAHEAD_LINES)
      .find((l) => /^[A-Za-z]*(Error|Exception)\b.*:/.test(l));
    if (cause) causes.set(f[1], cause.length > MAX_CAUSE_LENGTH ? `${cause.slice(0, MAX_CAUSE_LENGTH - 1)}…` : cause);
  });
  return causes;
}

/**
 * vitest prints a project's name as a coloured badge (" unit " on a background
 * colour) when it writes colours, and as "|unit|" when it does not: make both "|unit|".
 */
function plainProjectLabels(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\u001b\[\d+m\u001b\[4[0-7]m ([^\u001b]+?) \u001b\[49m\u001b\[39m/g, "|$1|");
}

/**
 * The runner's summary lines ("Tests  2 failed | 10 passed (12)"), if any.
 *
 * @param output what the test command printed
 */
export function summaryLines(output: string): string[] {
  return stripAnsi(output)
    .split("\n")
    .map((l) => l.trim())
    .filter(
      (l) =>
        /^(Test Files|Tests)\s+\d/.test(l) ||
        /^# (tests|pass|fail) \d+$/.test(l) ||
        /^ℹ (tests|pass|fail) \d+$/.test(l),
    );
}
