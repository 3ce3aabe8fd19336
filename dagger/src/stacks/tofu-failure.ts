/**
 * What a failed tofu command means: the state lock another run holds (and what
 * to do about it), a saved plan another run's apply made stale, a resource that
 * already exists outside the state, or any other error, with the lines of tofu's
 * output that say why. TofuError carries that classification; tofuFailure()
 * reads it from the command's output. Pure: no container here (tofu.ts runs the
 * commands).
 */
import { DeployError, indent, stripAnsi, tail } from "../common/errors.js";

/** What went wrong, as far as what to do next is concerned. */
export type TofuErrorKind = "lock" | "stale-plan" | "already-exists" | "other";

/** What a tofu command printed. */
export interface TofuOutput {
  stdout: string;
  stderr: string;
}

/** A lock held on the state, as tofu reports it. */
export interface StateLock {
  id: string;
  path?: string;
  who?: string;
  operation?: string;
  created?: string;
}

/**
 * The lock another run holds, when tofu failed to acquire it.
 *
 * @param output what tofu printed
 */
export function stateLock(output: string): StateLock | undefined {
  // Diagnostics are framed with box-drawing characters ("│ ") even with -no-color.
  const text = stripAnsi(output)
    .split("\n")
    .map((l) => l.replace(/^[│╷╵]\s?/, ""))
    .join("\n");
  if (!/Error acquiring the state lock|state lock/i.test(text)) return undefined;
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim();
  const id = field("ID");
  if (!id) return undefined;
  const lock: StateLock = { id };
  const path = field("Path");
  const who = field("Who");
  const operation = field("Operation");
  const created = field("Created");
  if (path) lock.path = path;
  if (who) lock.who = who;
  if (operation) lock.operation = operation;
  if (created) lock.created = created;
  return lock;
}

/**
 * The message for a state lock held by another run: whose, since when, and what to do.
 *
 * @param lock what stateLock() read
 * @param stack the stack's name
 * @param waitedSeconds how long this run waited (--lock-timeout)
 * @param rerun the command to run again, without the unlock flag
 */
export function explainLock(lock: StateLock, stack: string, waitedSeconds: number, rerun: string): string {
  return [
    `The state of ${stack} is locked by another run (waited ${waitedSeconds} s for it): nothing was changed by this one.`,
    `  lock ID:   ${lock.id}`,
    ...(lock.path ? [`  lock file: ${lock.path}`] : []),
    ...(lock.operation ? [`  operation: ${lock.operation}`] : []),
    ...(lock.who ? [`  held by:   ${lock.who}`] : []),
    ...(lock.created ? [`  since:     ${lock.created}`] : []),
    "What to do:",
    `  - another deploy is running (CI or a colleague): wait for it, then run again, or pass --lock-timeout <seconds> to wait longer: ${rerun}`,
    `  - the run that took it is dead (killed, timed out, lost its credentials): remove the lock and run again:`,
    `      ${rerun} --force-unlock ${lock.id}`,
    "    Only when that run is really dead: removing a live run's lock lets two applies write the same state.",
  ].join("\n");
}

/**
 * The lines of a failed tofu command that say why (its `Error:` blocks, else the tail).
 *
 * @param r what the command printed
 */
export function errorLines(r: TofuOutput): string[] {
  const text = stripAnsi(`${r.stderr}\n${r.stdout}`);
  const lines = text.split("\n").map((l) => l.trimEnd());
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^(│\s*)?Error: /.test(lines[i] ?? "")) continue;
    for (let j = i; j < Math.min(lines.length, i + 12); j++) {
      const l = (lines[j] ?? "").replace(/^│ ?/, "");
      if (j > i && (/^(│\s*)?Error: /.test(lines[j] ?? "") || /^╵/.test(lines[j] ?? ""))) break;
      if (l.trim() !== "") blocks.push(l);
    }
  }
  return (blocks.length > 0 ? blocks : tail(text, 20)).slice(0, 40);
}

/**
 * Resources an interrupted apply created but did not record (tofu says "already exists").
 *
 * @param output what tofu printed
 */
export function alreadyExists(output: string): boolean {
  return /already exists|EntityAlreadyExists|DuplicateLoadBalancerName|ResourceAlreadyExistsException|RepositoryAlreadyExistsException|InvalidGroup\.Duplicate/i.test(
    output,
  );
}

/** What a tofu command that takes the state lock was asked to do, for its failure message. */
export interface TofuOperation {
  /** The tofu command: plan, apply or destroy. */
  command: "plan" | "apply" | "destroy";
  /** The stack's name, as people know it (e.g. fargate-pipeline-production). */
  stack: string;
  /** How long the command waited for the state lock (--lock-timeout), in seconds. */
  lockTimeoutSeconds: number;
  /** The command that runs this again, for the lock message (without --force-unlock). */
  rerun: string;
  /**
   * What state things are in and what to do, after the error lines of a failure
   * that is not a lock (the lock message has its own).
   *
   * @param partial whether the command changed some resources before it failed
   */
  next?: (partial: boolean) => string;
}

/**
 * A saved plan that another run's apply overtook: between this run's plan and
 * its apply (each takes the lock for itself), that run applied the stack, and
 * tofu refuses the plan before it changes anything.
 *
 * @param output what tofu printed
 */
export function stalePlan(output: string): boolean {
  return /Saved plan is stale/.test(output);
}

/**
 * The message for a stale saved plan: nothing changed, and why running again is the fix.
 *
 * @param stack the stack's name
 * @param rerun the command to run again
 */
export function explainStalePlan(stack: string, rerun: string): string {
  return [
    `The state of ${stack} changed between this run's plan and its apply (another run applied it in between): nothing was changed by this one.`,
    `What to do: run again, and it plans from the state as that run left it: ${rerun}`,
    "Runs that deploy one environment at once are better queued (e.g. a `concurrency` group in the workflow).",
  ].join("\n");
}

/** The hint for resources an interrupted apply created but did not record. */
const ALREADY_EXISTS_HINT =
  "A resource already exists that the state does not know (an earlier run was killed between creating it and recording it): import it (`tofu import`) or delete it, then run again.";

/** Lines tofu prints when a resource changed: a failure after them left the work partway done. */
const PROGRESS = /Creation complete|Modifications complete|Destruction complete|Still creating|Still modifying/;

/**
 * A tofu plan, apply or destroy that failed. Its message says what state things
 * are in and what to do (it is a DeployError); its fields say which kind of
 * failure it is, for callers that act on it.
 */
export class TofuError extends DeployError {
  override name = "TofuError";

  /**
   * @param message the message for people
   * @param kind lock, stale-plan, already-exists or other
   * @param operation what was run
   * @param lines the lines of tofu's output that say why
   * @param partial whether some resources changed before the failure
   * @param lock the lock another run holds (kind "lock")
   */
  constructor(
    message: string,
    readonly kind: TofuErrorKind,
    readonly operation: TofuOperation,
    readonly lines: string[],
    readonly partial: boolean,
    readonly lock?: StateLock,
  ) {
    super(message);
  }
}

/**
 * The TofuError of a failed plan, apply or destroy: classified from its output,
 * with the message for people (the lock's owner and what to do, or the error
 * lines, the caller's next step and the already-exists hint).
 *
 * @param r what the failed command printed
 * @param op what it was asked to do
 */
export function tofuFailure(r: TofuOutput, op: TofuOperation): TofuError {
  const text = `${r.stderr}\n${r.stdout}`;
  const lines = errorLines(r);
  const partial = PROGRESS.test(text);
  const lock = stateLock(text);
  if (lock)
    return new TofuError(
      explainLock(lock, op.stack, op.lockTimeoutSeconds, op.rerun),
      "lock",
      op,
      lines,
      partial,
      lock,
    );
  if (stalePlan(text)) return new TofuError(explainStalePlan(op.stack, op.rerun), "stale-plan", op, lines, partial);
  const kind: TofuErrorKind = alreadyExists(text) ? "already-exists" : "other";
  const message = [
    `tofu ${op.command} of ${op.stack} failed${partial ? " partway" : ""}:`,
    indent(lines),
    ...(op.next ? [op.next(partial)] : []),
    ...(kind === "already-exists" ? [ALREADY_EXISTS_HINT] : []),
  ].join("\n");
  return new TofuError(message, kind, op, lines, partial);
}
