/**
 * Whether a step of `check` ran or was replayed from the engine's cache, as the
 * engine saw it, never guessed from git or file times: every step's command
 * also prints the engine's clock when it starts and ends; a step whose inputs
 * the engine has seen before is replayed with the output it had then, so its
 * start predates this check's first command (a clock read that cannot be
 * replayed). Probes, one tiny command per input (a package's files, a shared
 * configuration file), run only when that input is new to the engine: they say
 * which input made a step run.
 */
import { randomUUID } from "node:crypto";

import type { Container, Directory, File } from "@dagger.io/dagger";

/** When a command ran, on the engine's clock (ms since the epoch). */
export interface RanAt {
  start: number;
  end: number;
}

// The lines a stamped command writes to its stderr (its own output goes to stdout).
const START = "fargate-pipeline-check-started";
const END = "fargate-pipeline-check-ended";

/** Where a stamped `withExec` that cannot print (an install) writes when it started. */
export const STAMP_FILE = "/tmp/fargate-pipeline-check/ran-at";

/**
 * A `sh -c` script that runs `script` (its stderr merged into its stdout) between two clock
 * reads on its stderr, and exits with its code.
 *
 * @param script the step's command
 */
export function stamped(script: string): string {
  return `echo "${START} $(date +%s%N)" >&2; ( ${script} ) 2>&1; rc=$?; echo "${END} $(date +%s%N)" >&2; exit $rc`;
}

/**
 * The same for a command whose stderr is not read: it writes its start to STAMP_FILE.
 *
 * @param script the command
 */
export function stampedToFile(script: string): string {
  return `mkdir -p ${STAMP_FILE.slice(0, STAMP_FILE.lastIndexOf("/"))} && date +%s%N > ${STAMP_FILE} && ${script}`;
}

/**
 * `date +%s%N` as milliseconds (a `date` without %N prints seconds followed by "N" or nothing).
 *
 * @param text date's output
 */
export function clockMs(text: string): number | undefined {
  const m = /^(\d+)(N|\d*)$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const digits = m[2] === "N" ? `${m[1]}000000000` : `${m[1]}${m[2] ?? ""}`;
  // nanoseconds: 19 digits today; seconds alone: 10.
  return digits.length >= 19 ? Number(digits.slice(0, digits.length - 6)) : Number(digits) * 1000;
}

/**
 * The start and end a stamped command wrote, or undefined when it wrote none.
 *
 * @param stderr the command's stderr
 */
export function parseStamps(stderr: string): RanAt | undefined {
  const at = (marker: string) => {
    const line = stderr.split("\n").find((l) => l.startsWith(`${marker} `));
    return line ? clockMs(line.slice(marker.length + 1)) : undefined;
  };
  const start = at(START);
  const end = at(END);
  return start !== undefined && end !== undefined ? { start, end } : undefined;
}

/**
 * The engine's clock now: a command that cannot be replayed (its environment holds a fresh
 * value), run in a container check uses anyway.
 *
 * @param container a container with `date`
 */
export async function engineClock(container: Container): Promise<number> {
  const out = await container
    .withEnvVariable("FARGATE_PIPELINE_CHECK_NONCE", randomUUID())
    .withExec(["date", "+%s%N"])
    .stdout();
  const ms = clockMs(out);
  if (ms === undefined) throw new Error(`check could not read the engine's clock: date printed "${out.trim()}"`);
  return ms;
}

/** Ran in this check, or replayed from the engine's cache. */
export type Replay = "ran" | "replayed";

/**
 * Whether a command stamped at `ranAt` ran in the check that started at `clock`.
 *
 * @param ranAt its stamps
 * @param clock the check's start on the engine's clock
 */
export const verdict = (ranAt: RanAt | { start: number }, clock: number): Replay =>
  ranAt.start >= clock ? "ran" : "replayed";

/** One input check watches: a package's files or a shared file, and whether it is new to the engine. */
export interface Probe {
  /** What it is, as the report names it: "app's files", "tsconfig.base.json". */
  label: string;
  replay: Replay;
}

/**
 * Whether an input is new to the engine: a clock read over it, replayed when the engine has
 * seen exactly these contents before.
 *
 * @param container a container with `date` (the toolchain's)
 * @param input the directory or file
 * @param label the report's name for it
 * @param clock the check's start
 */
export async function probe(
  container: Container,
  input: Directory | File,
  label: string,
  clock: number,
): Promise<Probe> {
  const mounted =
    "entries" in input
      ? container.withDirectory("/fargate-pipeline-probe", input)
      : container.withFile("/fargate-pipeline-probe", input);
  const ms = clockMs(await mounted.withExec(["date", "+%s%N"]).stdout());
  return { label, replay: ms !== undefined && ms >= clock ? "ran" : "replayed" };
}

/** A duration for the report: "840 ms", "12.3 s". */
export function took(ranAt: RanAt): string {
  const ms = Math.max(0, ranAt.end - ranAt.start);
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
