/**
 * One step of `check` in any ecosystem: running its command so that a failure
 * is data (exit code, output, the files it left) rather than an exception,
 * and the outcome that the report prints.
 */
import { randomUUID } from "node:crypto";

import { type Container, type Directory, ReturnType } from "@dagger.io/dagger";

import { indent, stripAnsi, tail } from "../common/errors.js";
import type { BuildContext } from "./context.js";
import type { CheckSecret } from "./secrets.js";
import { failingTests, failureCauses, summaryLines } from "./test-report.js";
import { parseJUnit, resultsSummary, type TestResults } from "./test-results.js";
import { type Toolchain, toolchainNote } from "./toolchains.js";
import { parseStamps, type RanAt, stamped } from "./replay.js";

/** What every ecosystem's check takes besides its project. */
export interface ProjectCheckOptions {
  /** The source as given (to tell a file left out by .dockerignore from one that is missing). */
  source: Directory;
  /** The project as the Dockerfile's build context sees it: every step runs on it. */
  context: BuildContext;
  /**
   * Run the test command the project declares (npm's test script, go test). Off where the
   * Dockerfile's test stage runs in the same call (deploy): the tests run once.
   */
  tests: boolean;
  /**
   * The build secrets, as the Dockerfile mounts them, for the steps that install or resolve
   * dependencies (none: no --build-secrets, or none the Dockerfile mounts).
   */
  secrets: CheckSecret[];
}

/** Why check did not run a declared test command: the same call runs the Dockerfile's test stage. */
export const TESTS_IN_TEST_STAGE = "not run here: this deploy runs the Dockerfile's test stage, so the tests run once";

/**
 * The toolchain step: passed, naming the version and why; or failed, when the project's
 * declaration cannot be used or its image cannot be pulled (never said as a lock problem).
 *
 * @param toolchain the version chosen
 * @param pulled whether its container started; an error when it did not
 */
export function toolchainStep(toolchain: Toolchain, pulled?: unknown): StepOutcome {
  if (pulled === undefined) return { name: "toolchain", status: "passed", note: toolchainNote(toolchain) };
  const said = stripAnsi(pulled instanceof Error ? pulled.message : JSON.stringify(pulled));
  return {
    name: "toolchain",
    status: "failed",
    message: [
      `check cannot start ${toolchainNote(toolchain)}: the image could not be pulled or set up`,
      "(the project asks for this version: make the image reachable, or change the version it names). The engine says:",
      indent(tail(said, 8)),
    ].join("\n"),
    fix: "",
  };
}

/**
 * The toolchain step when the project's declaration of its version cannot be used.
 *
 * @param error why (from toolchains.ts)
 */
export function toolchainDeclarationFailed(error: string): StepOutcome {
  return { name: "toolchain", status: "failed", message: error, fix: "" };
}

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
  /** The package whose step it is, when check splits the project by package ("app", "root"). */
  package?: string;
  /** When its command ran, on the engine's clock: before the check started means replayed from the cache. */
  ranAt?: RanAt;
  /** The inputs it reads, by the report's names for them ("app's files", "tsconfig.base.json"): why it ran. */
  inputs?: string[];
}

/** What one ecosystem's checks found. */
export interface EcosystemOutcome {
  /** The ecosystem and its package manager, as the report names it: "npm", "poetry", "Go modules". */
  label: string;
  /** What detection saw, e.g. "pyproject.toml, poetry.lock". */
  found: string;
  steps: StepOutcome[];
  /** The check's start on the engine's clock: a step stamped before it was replayed. */
  clock?: number;
  /** The inputs watched, and whether each is new to the engine (a probe ran) or not. */
  probes?: import("./replay.js").Probe[];
}

/** A command's result when its failure is expected data. */
export interface Captured {
  exitCode: number;
  /** stdout and stderr, interleaved as printed. */
  output: string;
  /** The container after the command, to read the files it left. */
  container: Container;
  /** When it ran, on the engine's clock (a replayed command keeps the time it first ran). */
  ranAt?: RanAt;
}

/**
 * Runs a shell command and returns its exit code and output whatever it exits with.
 *
 * @param container where to run it
 * @param script a `sh -c` script; its stderr is merged into its stdout
 */
export async function capture(container: Container, script: string, options: CaptureOptions = {}): Promise<Captured> {
  const run = async (c: Container): Promise<Captured> => {
    const done = c.withExec(["sh", "-c", stamped(script)], { expect: ReturnType.Any });
    const [exitCode, output, stderr] = await Promise.all([done.exitCode(), done.stdout(), done.stderr()]);
    const ranAt = parseStamps(stderr);
    return { exitCode, output, container: done, ...(ranAt ? { ranAt } : {}) };
  };
  const first = await run(container);
  const { clock } = options;
  if (first.exitCode === 0 || clock === undefined || first.ranAt === undefined || first.ranAt.start >= clock)
    return first;
  // A failure the engine replayed from an earlier check: run it again (a fresh value in its
  // environment), as a test runner does not trust a cached failure (it may have been a flake).
  return await run(container.withEnvVariable("FARGATE_PIPELINE_CHECK_RERUN", randomUUID()));
}

/** How capture treats a replayed result. */
export interface CaptureOptions {
  /** The check's start on the engine's clock: a failure replayed from before it runs again. */
  clock?: number;
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
  const stamp = captured.ranAt ? { ranAt: captured.ranAt } : {};
  if (captured.exitCode === 0) return { name, status: "passed", command, ...stamp };
  const key = keyLines?.(captured.output) ?? [];
  return {
    name,
    status: "failed",
    command,
    keyLines: key.length > 0 ? key : tail(captured.output, TAIL_LINES),
    fix: command,
    ...stamp,
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
  const outcome = testOutcomeOf(command, captured, results);
  return captured.ranAt ? { ...outcome, ranAt: captured.ranAt } : outcome;
}

/** testOutcome without the command's stamps. */
function testOutcomeOf(command: string, captured: Captured, results: TestResults | undefined): StepOutcome {
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
