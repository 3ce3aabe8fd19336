/**
 * The Dockerfile's `test` stage as `test` runs it: built with no network in
 * its `RUN --network=none` steps, its report read (the runner's text, JUnit XML
 * or `go test -json` events, see the contract in dockerfile.ts), and a failure
 * explained: the failing tests by name, a lock file out of sync, or the last
 * lines of the step that failed.
 */
import type { Container, Directory } from "@dagger.io/dagger";

import { assertDockerfileContract, stageRuns, TEST_STAGE } from "./dockerfile.js";
import { explainAnyLockDrift } from "../check/lockfiles.js";
import { failingTests, summaryLines } from "../check/test-report.js";
import {
  goTestText,
  parseGoTestJson,
  parseJUnit,
  resultsInOutput,
  resultsSummary,
  type TestResults,
} from "../check/test-results.js";
import { commandFailure, indent, stripAnsi, tail } from "../common/errors.js";
import { explainNpmInstallFailure } from "../common/npm.js";
import { progress } from "../common/cli.js";
import { type BuildSecret, checkBuildSecrets } from "./build-secrets.js";

/**
 * Where the test stage may leave its runner's output for `test` to return
 * (e.g. `RUN --network=none npm test 2>&1 | tee /test-report.txt` under
 * `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`).
 */
export const TEST_REPORT_PATH = "/test-report.txt";

/**
 * Where the test stage may leave a JUnit XML report (pytest --junitxml, vitest
 * --reporter=junit, …): `test` counts its tests and fails on a failing one.
 */
export const TEST_JUNIT_PATH = "/test-report.xml";

/**
 * Where the test stage may leave the events of `go test -json`: `test` counts
 * them and returns their text (what `go test -v` prints) when there is no
 * {@link TEST_REPORT_PATH}.
 */
export const TEST_GO_JSON_PATH = "/test-report.json";

/**
 * Builds the Dockerfile's `test` stage, whose `RUN --network=none` steps run
 * the tests in containers without network, and returns the test report.
 * The result is keyed by the source's content: no change replays it, any
 * change runs the tests again.
 *
 * @param source the app's directory
 * @param dockerfile path of the Dockerfile inside it
 * @param secrets the build secrets (build-secrets.ts): checked against the stages the test stage is built from
 * @returns the report the stage left in {@link TEST_REPORT_PATH}, or a line saying the tests passed
 * @throws Error naming the failing tests, or explaining a failure before the tests ran
 */
export async function runTests(source: Directory, dockerfile: string, secrets: BuildSecret[] = []): Promise<string> {
  const text = await assertDockerfileContract(source, dockerfile);
  const notes = checkBuildSecrets(text, dockerfile, TEST_STAGE, secrets);
  for (const note of notes) progress(note);
  let stage: Container;
  try {
    // No VERSION/GIT_COMMIT here: the tests do not depend on them, so a new
    // commit id alone does not rerun them (the app declares both ARGs in its
    // runtime stage only, and `build` reuses every stage before it).
    stage = await source.dockerBuild({ dockerfile, target: TEST_STAGE, secrets: secrets.map((s) => s.secret) }).sync();
  } catch (err) {
    // A secret the Dockerfile mounts without required=true, not given, may be why a step failed.
    const unsent = notes.filter((n) => n.includes("without required=true"));
    throw new Error([explainTestStageFailure(err, dockerfile), ...unsent].join("\n"), { cause: err });
  }
  const steps = stageRuns(text, TEST_STAGE).map(
    (r) => `  ✔ ${r.command}${r.noNetwork ? "   (no network)" : "   (WITH network: add --network=none)"}`,
  );
  const { results, from, text: report } = await stageReport(stage);
  if (results && results.failed.length > 0) {
    // The step passed (its runner's exit code was ignored), yet the report has failing tests: not a pass.
    throw new Error(
      [
        `tests failed (${results.failed.length === 1 ? "1 failing test" : `${results.failed.length} failing tests`} in ${from}, although the "${TEST_STAGE}" stage of ${dockerfile} passed: does a step ignore the runner's exit code?):`,
        indent(
          results.failed.map((t) => `✘ ${t.name}${t.cause ? ` — ${t.cause}` : ""}`),
          "  ",
        ),
        `  ${resultsSummary(results)}`,
      ].join("\n"),
    );
  }
  const header = [
    `tests passed: the "${TEST_STAGE}" stage of ${dockerfile} ran`,
    ...steps,
    ...(results ? [`  ${resultsSummary(results)}, from ${from}`] : []),
  ];
  if (report !== undefined) return [...header, "", `report (${report.path}):`, report.contents].join("\n");
  return [
    ...header,
    `(the stage left no runner output in ${TEST_REPORT_PATH}; see "Using it on another app" in the README)`,
  ].join("\n");
}

/** What a passed test stage left: its machine-readable results and the report to return, when it left them. */
async function stageReport(
  stage: Container,
): Promise<{ results?: TestResults; from?: string; text?: { path: string; contents: string } }> {
  const [hasText, hasJunit, hasGoJson] = await Promise.all(
    [TEST_REPORT_PATH, TEST_JUNIT_PATH, TEST_GO_JSON_PATH].map((p) => stage.exists(p)),
  );
  let results: TestResults | undefined;
  let from: string | undefined;
  let goText: string | undefined;
  if (hasJunit) {
    try {
      results = parseJUnit(await stage.file(TEST_JUNIT_PATH).contents());
      from = TEST_JUNIT_PATH;
    } catch (err) {
      throw new Error(
        `the "${TEST_STAGE}" stage left ${TEST_JUNIT_PATH}, but it is not a JUnit XML report: ${(err as Error).message}`,
        { cause: err },
      );
    }
  } else if (hasGoJson) {
    const events = await stage.file(TEST_GO_JSON_PATH).contents();
    results = parseGoTestJson(events);
    from = TEST_GO_JSON_PATH;
    goText = goTestText(events);
  }
  // Plain text: runners colour their output even without a terminal, and the report ends up in files and CI summaries.
  const text = hasText
    ? { path: TEST_REPORT_PATH, contents: stripAnsi(await stage.file(TEST_REPORT_PATH).contents()) }
    : goText !== undefined
      ? { path: `${TEST_GO_JSON_PATH}, its output`, contents: stripAnsi(goText) }
      : undefined;
  return { ...(results ? { results } : {}), ...(from ? { from } : {}), ...(text ? { text } : {}) };
}

/**
 * The message for a failed `test` stage: the failing tests by name when the
 * tests ran, the lock file problem when the install step failed, else the last
 * lines of the step that failed.
 *
 * @param err what `dockerBuild(...).sync()` threw
 * @param dockerfile path of the Dockerfile, for the message
 */
export function explainTestStageFailure(err: unknown, dockerfile: string): string {
  const { cmd, exitCode, output } = commandFailure(err);
  const command = cmd.join(" ");
  const where = `the ${dockerfile} step \`${command.replace(/^\/bin\/sh -c /, "") || "?"}\``;
  // An install step (npm ci/install, or a script named after it): any npm failure explains it.
  if (/\bnpm[ -](ci|install|i)\b|install/.test(command) && /\bnpm\b|npm-ci/.test(command)) {
    const npm = explainNpmInstallFailure(output, where);
    if (npm) return npm;
  }
  // A lock file out of sync, in any ecosystem: the tools' words for it are specific.
  const lock = explainAnyLockDrift(output, where);
  if (lock) return lock;
  const heading = (n: number) =>
    `tests failed (${n === 1 ? "1 failing test" : `${n} failing tests`}, in the "${TEST_STAGE}" stage of ${dockerfile}, run with no network):`;
  // The runner's machine-readable report, which the failing step printed.
  const results = resultsInOutput(output);
  if (results && results.failed.length > 0) {
    return [
      heading(results.failed.length),
      indent(
        results.failed.map((t) => `✘ ${t.name}${t.cause ? ` — ${t.cause}` : ""}`),
        "  ",
      ),
      `  ${resultsSummary(results)}`,
      "details:",
      indent(failureSection(results.format === "go test -json" ? goTestText(output) : withoutXml(output))),
    ].join("\n");
  }
  const failing = failingTests(output);
  if (failing.length > 0) {
    return [
      heading(failing.length),
      indent(
        failing.map((t) => `✘ ${t}`),
        "  ",
      ),
      ...summaryLines(output).map((l) => `  ${l}`),
      "details:",
      indent(failureSection(output)),
    ].join("\n");
  }
  const step = command ? `\`${command.replace(/^\/bin\/sh -c /, "")}\`` : "a step";
  return [
    `the "${TEST_STAGE}" stage of ${dockerfile} failed at ${step}${exitCode >= 0 ? ` (exit code ${exitCode})` : ""}; last lines:`,
    indent(tail(output, 25)),
  ].join("\n");
}

/** The output without the JUnit XML document a failing step printed after the runner's text. */
function withoutXml(output: string): string {
  const start = output.search(/<\?xml|<testsuites[\s>]/);
  return start > 0 ? output.slice(0, start) : output;
}

// 40 lines: the first failures with their assertion and source excerpt; the rest is in the log.
const MAX_DETAIL_LINES = 40;

/**
 * The runner's account of the failures (vitest's "Failed Tests" section), without
 * npm's lifecycle noise; else the last lines of the output.
 *
 * @param output what the test step printed
 */
export function failureSection(output: string): string[] {
  const lines = stripAnsi(output)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !/^npm (error|ERR!)/.test(l.trim()));
  const start = lines.findIndex((l) => /Failed Tests \d+/.test(l));
  return start >= 0 ? lines.slice(start + 1, start + 1 + MAX_DETAIL_LINES) : lines.slice(-25);
}
