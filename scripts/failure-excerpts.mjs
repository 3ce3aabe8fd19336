/**
 * What a failed e2e test printed last, for the end of a CI log.
 *
 * A CI log is read from its tail, and an e2e lane prints thousands of lines: a
 * test that timed out after 30 minutes leaves its cause (the module's last
 * "▶ step", the progress reporter's "nothing printed for …; waiting on …")
 * far above the tail, where only "TestTimeoutError" remains. scripts/test.mjs
 * keeps each lane's output and, for every test the progress reporter
 * (scripts/e2e-progress.ts) marked failed ("✘ label"), takes the rest of its
 * error (the reporter prints it under the mark, "    │ " before each line: a
 * failed tofu command's own "Error: …") and cuts out the lines printed between
 * its "▶ label" and that mark; they are printed again after the totals. e2e
 * files run one at a time (vitest.config.ts), so those lines are that file's,
 * not another's.
 */

/** The lines kept per failed test: the last steps and the quiet notices, not the whole deploy. */
export const EXCERPT_LINES = 60;

// ESC [ … m: colours, which a CI log shows as noise.
// eslint-disable-next-line no-control-regex -- the escape character is what is matched
const ANSI = /\u001b\[[0-9;]*m/g;
// The progress reporter's marks: "[HH:MM:SS] ▶ label" and "[HH:MM:SS] ✘ label (time): why".
const MARK = /^\[\d\d:\d\d:\d\d\] ([▶✘]) (.*)$/;
/** Marks the lines of a failed test's error that the progress reporter prints under its "✘" line. */
export const ERROR_PREFIX = "    │ ";

// vitest's header above a test's console output ("stderr | file > test"), which repeats for every line.
const CONSOLE_HEADER = /^(stdout|stderr) \| /;

/**
 * @typedef {object} FailureExcerpt
 * @property {string} label the test, as the progress reporter names it (file › suite > test)
 * @property {string} why the first line of its error
 * @property {string[]} error the rest of its error (as many lines as the reporter printed)
 * @property {string[]} lines what it printed last (at most `max`), oldest first
 * @property {number} omitted how many earlier lines were left out
 */

/**
 * The excerpts of the failed tests in a run's output.
 *
 * @param {readonly string[]} output the run's output lines, in order
 * @param {number} [max] lines kept per test
 * @returns {FailureExcerpt[]}
 */
export function failureExcerpts(output, max = EXCERPT_LINES) {
  /** @type {Map<string, number>} the line after each running test's "▶" */
  const started = new Map();
  /** @type {FailureExcerpt[]} */
  const excerpts = [];
  const lines = output.map((l) => l.replace(ANSI, ""));
  lines.forEach((line, i) => {
    const mark = MARK.exec(line);
    if (!mark) return;
    const [, sign, rest] = mark;
    if (sign === "▶") {
      started.set(rest, i + 1);
      return;
    }
    // "✘ label (time): why": the label is one of the started ones (labels may hold parentheses).
    const label = [...started.keys()].find((l) => rest.startsWith(`${l} (`));
    if (label === undefined) return;
    const from = started.get(label) ?? i;
    started.delete(label);
    const printed = lines.slice(from, i).filter((l) => l.trim() !== "" && !CONSOLE_HEADER.test(l));
    const colon = rest.indexOf("): ", label.length);
    const error = [];
    for (let j = i + 1; j < lines.length && lines[j].startsWith(ERROR_PREFIX); j++)
      error.push(lines[j].slice(ERROR_PREFIX.length));
    excerpts.push({
      label,
      why: colon === -1 ? "" : rest.slice(colon + 3),
      error,
      lines: printed.slice(-max),
      omitted: Math.max(0, printed.length - max),
    });
  });
  return excerpts;
}

/**
 * The excerpts as lines for a log: a heading per test, its lines indented.
 *
 * @param {readonly FailureExcerpt[]} excerpts
 * @returns {string[]}
 */
export function formatExcerpts(excerpts) {
  if (excerpts.length === 0) return [];
  const out = ["", "== what the failed tests printed last (their own lines, from the log above)"];
  for (const e of excerpts) {
    out.push(`✘ ${e.label}${e.why ? `: ${e.why}` : ""}`);
    for (const l of e.error ?? []) out.push(`${ERROR_PREFIX}${l}`);
    if (e.omitted > 0) out.push(`    (… ${e.omitted} earlier lines of this test are in the log above)`);
    if (e.lines.length === 0) out.push("    (it printed nothing)");
    for (const l of e.lines) out.push(`    ${l}`);
  }
  return out;
}
