/**
 * One step of `check` in any ecosystem: running its command so that a failure
 * is data (exit code, output, the files it left) rather than an exception,
 * and the outcome that the report prints.
 */
import { type Container, ReturnType } from "@dagger.io/dagger";

import { stripAnsi, tail } from "../common/errors.js";
import { failingTests, failureCauses, summaryLines } from "./test-report.js";
import { parseJUnit, resultsSummary, type TestResults } from "./test-results.js";

/** The outcome of one step, as the report shows it. */
export interface StepOutcome {
  /** What the step checks: "lock file in sync with pyproject.toml", "typecheck", "lint", "unit tests". */
  name: string;
  status: "passed" | "failed" | "skipped";
  /** The command it ran, e.g. "poetry check --lock". */
  command?: string;
  /** Passed: a summary ("12 tests: 12 passed, …"). Skipped: why. */
  note?: string;
  /** Failed: the lines that say what is wrong (failing tests, errors). */
  keyLines?: string[];
  /** Failed: where (" in workspace web"), appended to the step's name. */
  where?: string;
  /** Failed: the command that reproduces and fixes it. */
  fix?: string;
  /** Failed lock-file step: the message, whose first line names the fix; it leads check's error. */
  message?: string;
}

/** What one ecosystem's checks found. */
export interface EcosystemOutcome {
  /** The ecosystem and its package manager, as the report names it: "npm", "poetry", "Go modules". */
  label: string;
  /** What detection saw, e.g. "pyproject.toml, poetry.lock". */
  found: string;
  steps: StepOutcome[];
}

/** A command's result when its failure is expected data. */
export interface Captured {
  exitCode: number;
  /** stdout and stderr, interleaved as printed. */
  output: string;
  /** The container after the command, to read the files it left. */
  container: Container;
}

/**
 * Runs a shell command and returns its exit code and output whatever it exits with.
 *
 * @param container where to run it
 * @param script a `sh -c` script; its stderr is merged into its stdout
 */
export async function capture(container: Container, script: string): Promise<Captured> {
  const done = container.withExec(["sh", "-c", `${script} 2>&1`], { expect: ReturnType.Any });
  const [exitCode, output] = await Promise.all([done.exitCode(), done.stdout()]);
  return { exitCode, output, container: done };
}

/**
 * Reads a JUnit XML report a command left, or undefined when it left none or it does not parse.
 *
 * @param captured the command's result
 * @param path where the runner wrote the report
 */
export async function junitLeftBy(captured: Captured, path: string): Promise<TestResults | undefined> {
  if (!(await captured.container.exists(path))) return undefined;
  try {
    return parseJUnit(await captured.container.file(path).contents());
  } catch {
    return undefined;
  }
}

// 15 lines: the end of a failing command's output, when nothing in it says more precisely what failed.
const TAIL_LINES = 15;

/**
 * A step that only passes or fails (typecheck, lint, lock check): its key lines when it failed.
 *
 * @param name what the step checks
 * @param command the command, for the report and the fix
 * @param captured its result
 * @param keyLines picks the lines that matter from a failure's output (default: its last lines)
 */
export function plainOutcome(
  name: string,
  command: string,
  captured: Captured,
  keyLines?: (output: string) => string[],
): StepOutcome {
  if (captured.exitCode === 0) return { name, status: "passed", command };
  const key = keyLines?.(captured.output) ?? [];
  return {
    name,
    status: "failed",
    command,
    keyLines: key.length > 0 ? key : tail(captured.output, TAIL_LINES),
    fix: command,
  };
}

/**
 * A test step's outcome from the runner's machine-readable results when it has them, else
 * from its text. A run that exits 0 with failures in its report fails; a run that exits
 * non-zero with no failing test in its report fails with the end of its output.
 *
 * @param command the command, for the report and the fix
 * @param captured its result
 * @param results what its JUnit XML / go test -json report says, if any
 */
export function testOutcome(command: string, captured: Captured, results: TestResults | undefined): StepOutcome {
  const name = "unit tests";
  if (results) {
    if (results.failed.length === 0 && captured.exitCode === 0)
      return { name, status: "passed", command, note: resultsSummary(results) };
    const lines =
      results.failed.length > 0
        ? [...results.failed.map((t) => `failing: ${t.name}${t.cause ? ` — ${t.cause}` : ""}`), resultsSummary(results)]
        : [
            `${resultsSummary(results)}, but the command exited with ${captured.exitCode}; its last lines:`,
            ...tail(captured.output, TAIL_LINES),
          ];
    return { name, status: "failed", command, keyLines: lines, fix: command };
  }
  // No machine-readable report (a runner check cannot ask for one): the runner's text.
  const output = captured.output;
  if (captured.exitCode === 0)
    return {
      name,
      status: "passed",
      command,
      note: summaryLines(output).join("; ") || "passed (the runner left no report to count its tests)",
    };
  const causes = failureCauses(output);
  const failing = failingTests(output).map((t) => `failing: ${t}${causes.has(t) ? ` — ${causes.get(t)}` : ""}`);
  return {
    name,
    status: "failed",
    command,
    keyLines: failing.length > 0 ? failing : tail(output, TAIL_LINES),
    fix: command,
  };
}

/** Output split into lines without colour codes. */
export function plainLines(output: string): string[] {
  return stripAnsi(output).split("\n");
}
