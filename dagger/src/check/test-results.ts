/**
 * Test results from the runners' machine-readable reports: JUnit XML (pytest
 * --junitxml, vitest --reporter=junit, most other runners) and the event
 * stream of `go test -json`. Which tests failed, why (the first line of the
 * failure), and how many passed and were skipped — without reading the
 * runners' coloured text.
 */
import { XMLParser } from "fast-xml-parser";

import { stripAnsi } from "../common/errors.js";

/** One failing test, as a report names it. */
export interface FailedTest {
  /** Where and what: "tests.test_app > test_healthz", "app/test/unit/a.test.ts > suite > name", "example.com/demo > TestX". */
  name: string;
  /** The first line of its failure message, when the report gives one. */
  cause?: string;
}

/** What a machine-readable report says about a run. */
export interface TestResults {
  /** The report's format, for messages. */
  format: "JUnit XML" | "go test -json";
  /** Tests that passed. */
  passed: number;
  /** Tests that were skipped. */
  skipped: number;
  /** Tests that failed or errored, in report order. */
  failed: FailedTest[];
}

// 200 characters: the first line names the cause; the rest (diffs, stacks) is in the full report.
const MAX_CAUSE_LENGTH = 200;

/** The first non-blank line of a message, shortened to {@link MAX_CAUSE_LENGTH}. */
function firstLine(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  const line = stripAnsi(text)
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  if (!line) return undefined;
  return line.length > MAX_CAUSE_LENGTH ? `${line.slice(0, MAX_CAUSE_LENGTH - 1)}…` : line;
}

// The elements that may repeat: a single child must still come back as an array.
const REPEATED = new Set(["testsuites", "testsuite", "testcase", "failure", "error", "skipped"]);

const junitParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  // Keep values as the report wrote them (a test named "1" stays "1").
  parseAttributeValue: false,
  parseTagValue: false,
  // Numeric character references too: node:test writes a message's newlines as &#10;.
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

/** A parsed XML element: attributes under "@name", children by tag name. */
type XmlNode = Record<string, unknown>;

/** The child elements of `node` named `tag`. */
function children(node: XmlNode, tag: string): XmlNode[] {
  const value = node[tag];
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).map((v) => (typeof v === "object" && v !== null ? (v as XmlNode) : { "#text": v }));
}

/** An attribute's value, or undefined. */
function attr(node: XmlNode, name: string): string | undefined {
  const v = node[`@${name}`];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Reads a JUnit XML report: every `<testcase>` at any depth of `<testsuites>`/`<testsuite>`.
 * A test case with `<failure>` or `<error>` failed, with `<skipped>` was skipped, else passed.
 *
 * @param xml the report's text
 * @throws Error when the text is not XML or has no `<testsuites>`/`<testsuite>` root
 */
export function parseJUnit(xml: string): TestResults {
  let doc: XmlNode;
  try {
    doc = junitParser.parse(xml, true) as XmlNode;
  } catch (err) {
    throw new Error(`the JUnit XML report is not well-formed XML: ${(err as Error).message}`, { cause: err });
  }
  const roots = [...children(doc, "testsuites"), ...children(doc, "testsuite").map((s) => ({ testsuite: [s] }))];
  if (roots.length === 0) throw new Error("the JUnit XML report has no <testsuites> or <testsuite> element");
  const results: TestResults = { format: "JUnit XML", passed: 0, skipped: 0, failed: [] };
  const visit = (suite: XmlNode): void => {
    for (const tc of children(suite, "testcase")) {
      const failure = [...children(tc, "failure"), ...children(tc, "error")][0];
      if (failure) {
        // node:test writes classname="test" on every case: its file says where.
        const classname = attr(tc, "classname");
        const where = (classname !== "test" ? classname : undefined) ?? attr(tc, "file");
        const name = attr(tc, "name") ?? "(unnamed test)";
        const message = firstLine(attr(failure, "message")) ?? firstLine(failure["#text"]);
        // vitest gives the error's class as type="AssertionError": say it as the error would.
        const type = attr(failure, "type");
        const cause =
          message && type && /^\w+$/.test(type) && !message.startsWith(type) ? `${type}: ${message}` : message;
        results.failed.push({ name: where ? `${where} > ${name}` : name, ...(cause ? { cause } : {}) });
      } else if (children(tc, "skipped").length > 0) {
        results.skipped++;
      } else {
        results.passed++;
      }
    }
    for (const nested of children(suite, "testsuite")) visit(nested);
  };
  // node:test's reporter puts <testcase> right under <testsuites> (a test outside any suite).
  for (const root of roots) visit(root);
  return results;
}

/**
 * The last JUnit XML document in a command's output (a test step that fails
 * prints its report after the runner's own output), or undefined.
 *
 * @param output what the command printed
 */
export function findJUnit(output: string): string | undefined {
  const text = stripAnsi(output);
  const closeAll = text.lastIndexOf("</testsuites>");
  if (closeAll >= 0) {
    const start = text.lastIndexOf("<testsuites", closeAll);
    return start >= 0 ? text.slice(start, closeAll + "</testsuites>".length) : undefined;
  }
  const closeOne = text.lastIndexOf("</testsuite>");
  if (closeOne < 0) return undefined;
  // A lone <testsuite> root may nest others: start at its XML declaration, else at the first suite.
  const decl = text.lastIndexOf("<?xml", closeOne);
  const start = decl >= 0 ? decl : text.indexOf("<testsuite");
  return start >= 0 ? text.slice(start, closeOne + "</testsuite>".length) : undefined;
}

/** One event of `go test -json` (cmd/test2json's TestEvent). */
interface GoTestEvent {
  Action: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Output?: string;
}

/** The `go test -json` events among a command's output lines (other lines are ignored). */
function goTestEvents(output: string): GoTestEvent[] {
  const events: GoTestEvent[] = [];
  for (const line of output.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{") || !trimmed.includes('"Action"')) continue;
    try {
      const e = JSON.parse(trimmed) as Partial<GoTestEvent>;
      if (typeof e.Action === "string") events.push(e as GoTestEvent);
    } catch {
      // Not an event: a line of other output that happens to start with "{".
    }
  }
  return events;
}

/** The lines of a test's output that say why it failed: not go test's own "=== RUN"/"--- FAIL" framing. */
function goFailureCause(lines: readonly string[]): string | undefined {
  const framing = /^(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP)|FAIL|PASS|ok\s|exit status \d+$|# )/;
  return firstLine(lines.map((l) => l.trim()).find((l) => l !== "" && !framing.test(l)));
}

/**
 * Reads the event stream of `go test -json`: a test whose last action is
 * "fail" failed (a parent whose subtest failed is named through the
 * subtest), "skip" skipped, "pass" passed. A package that failed without a
 * failing test (it did not build, or a TestMain exited) is named as the package.
 *
 * @param output the command's output; lines that are not events are ignored
 * @returns the results, or undefined when the output has no test events
 */
export function parseGoTestJson(output: string): TestResults | undefined {
  const events = goTestEvents(output);
  if (!events.some((e) => e.Package !== undefined || e.ImportPath !== undefined)) return undefined;
  const outcome = new Map<string, string>();
  const lines = new Map<string, string[]>();
  const packageFailed: string[] = [];
  for (const e of events) {
    // A build's events name the package as "example.com/x [example.com/x.test]".
    const pkg = e.Package ?? e.ImportPath?.replace(/\s+\[.*\]$/, "") ?? "";
    const key = e.Test ? `${pkg} > ${e.Test}` : pkg;
    if ((e.Action === "output" || e.Action === "build-output") && e.Output !== undefined) {
      lines.set(key, [...(lines.get(key) ?? []), e.Output]);
    } else if (e.Test && ["pass", "fail", "skip"].includes(e.Action)) {
      outcome.set(key, e.Action);
    } else if (!e.Test && (e.Action === "fail" || e.Action === "build-fail")) {
      packageFailed.push(pkg);
    }
  }
  const results: TestResults = { format: "go test -json", passed: 0, skipped: 0, failed: [] };
  const failedKeys = [...outcome].filter(([, a]) => a === "fail").map(([k]) => k);
  for (const [key, action] of outcome) {
    if (action === "pass") results.passed++;
    else if (action === "skip") results.skipped++;
    // A parent test fails when a subtest does: the subtest says which and why.
    else if (!failedKeys.some((k) => k.startsWith(`${key}/`))) {
      const cause = goFailureCause(lines.get(key) ?? []);
      results.failed.push({ name: key, ...(cause ? { cause } : {}) });
    }
  }
  for (const pkg of new Set(packageFailed)) {
    if (failedKeys.some((k) => k.startsWith(`${pkg} > `))) continue;
    const cause = goFailureCause(lines.get(pkg) ?? []);
    results.failed.push({
      name: `${pkg} (the package failed before or outside its tests)`,
      ...(cause ? { cause } : {}),
    });
  }
  return results;
}

/**
 * The machine-readable results in a command's output: a JUnit XML document,
 * else `go test -json` events; undefined when there are neither.
 *
 * @param output what the command printed
 */
export function resultsInOutput(output: string): TestResults | undefined {
  const xml = findJUnit(output);
  if (xml) {
    try {
      return parseJUnit(xml);
    } catch {
      // Cut or malformed: fall through to the other formats and the text.
    }
  }
  return parseGoTestJson(output);
}

/**
 * One line that counts the run: "4 tests: 3 passed, 1 failed, 0 skipped (JUnit XML)".
 *
 * @param r the results
 */
export function resultsSummary(r: TestResults): string {
  const total = r.passed + r.failed.length + r.skipped;
  return `${total} ${total === 1 ? "test" : "tests"}: ${r.passed} passed, ${r.failed.length} failed, ${r.skipped} skipped (${r.format})`;
}

/**
 * The plain text of a `go test -json` run (the Output of its events: what `go test -v` prints).
 *
 * @param output the event stream
 */
export function goTestText(output: string): string {
  return goTestEvents(output)
    .filter((e) => e.Action === "output" || e.Action === "build-output")
    .map((e) => e.Output ?? "")
    .join("");
}
