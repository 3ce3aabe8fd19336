/**
 * A rollout for people: the summary of a result (verdict and time, the cause,
 * the evidence, what to do) and the progress line printed while waiting.
 */
import {
  arnTail,
  type RolloutProgress,
  type RolloutResult,
  type StoppedTaskSummary,
  type TargetSummary,
  type TaskLogLines,
  type Verdict,
} from "./model.js";

/**
 * The human summary of a result: verdict and time, the cause, the evidence
 * (stopped tasks, target health, log lines, events) and what to do.
 *
 * @param result a result (its summary field is ignored)
 */
export function formatSummary(result: Omit<RolloutResult, "summary">): string {
  const { details } = result;
  const unsuccessful = result.verdict !== "SUCCESSFUL";
  return [
    headline(result),
    `  ${result.reason}`,
    ...(unsuccessful ? stoppedTaskLines(details.stoppedTasks, result.reason) : []),
    ...(unsuccessful ? targetHealthLines(details.targetHealth) : []),
    ...logLineSections(details.logLines),
    ...(unsuccessful ? eventLines(details.events) : []),
    ...details.notes.map((n) => `  Note: ${n}`),
    ...(result.hint && unsuccessful ? [`  What to do: ${result.hint}`] : []),
  ].join("\n");
}

/** How the headline spells each verdict. */
const VERDICT_WORDS: Record<Verdict, string> = {
  SUCCESSFUL: "SUCCESSFUL",
  FAILED: "FAILED",
  ROLLED_BACK: "ROLLED BACK",
  TIMED_OUT: "TIMED OUT",
};

/**
 * Milliseconds as whole seconds, e.g. "35 s".
 *
 * @param ms a duration
 */
function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * The first line: what was rolled out, the verdict, the time it took and the exit status.
 *
 * @param result the result
 */
function headline(result: Omit<RolloutResult, "summary">): string {
  const { timings } = result;
  return `Rollout of ${arnTail(result.taskDefinition)}${result.deploymentId ? ` (deployment ${result.deploymentId})` : ""}: ${VERDICT_WORDS[result.verdict]} after ${seconds(timings.elapsedMs)} (expected ~${seconds(timings.expectedMs)}; exit status ${result.exitCode})`;
}

/**
 * The stopped tasks worth showing (at most 3), one line each; none when there are none.
 *
 * @param stoppedTasks the deployment's stopped tasks, newest first
 * @param reason the verdict's reason
 */
function stoppedTaskLines(stoppedTasks: StoppedTaskSummary[], reason: string): string[] {
  // Stopped tasks whose reason the headline already quotes add nothing unless they carry exit codes.
  const stopped = stoppedTasks
    .filter((s) => s.kind !== "scheduler")
    .filter((s) => !reason.includes(s.stoppedReason ?? "\u0000") || s.containers.some((c) => c.exitCode !== undefined))
    .slice(0, 3);
  if (stopped.length === 0) return [];
  return ["  Stopped tasks of this deployment (newest first):", ...stopped.map(stoppedTaskLine)];
}

/**
 * One stopped task: its id, stop code and reason, its containers' exit codes and reasons.
 *
 * @param stopped the stopped task
 */
function stoppedTaskLine(stopped: StoppedTaskSummary): string {
  const exits = stopped.containers.filter((c) => c.exitCode !== undefined).map((c) => `${c.name} exit ${c.exitCode}`);
  const reasons = stopped.containers
    .filter((c) => c.reason && !(stopped.stoppedReason ?? "").includes(c.reason))
    .map((c) => `${c.name}: ${c.reason}`);
  const containers = [...exits, ...reasons];
  return `    ${stopped.taskId} ${stopped.stopCode ?? ""}: ${stopped.stoppedReason ?? "?"}${containers.length > 0 ? ` [${containers.join("; ")}]` : ""}`;
}

/**
 * The targets that are not healthy, one line each; none when all are.
 *
 * @param targetHealth the deployment's targets
 */
function targetHealthLines(targetHealth: TargetSummary[]): string[] {
  const targets = targetHealth.filter((t) => t.state !== "healthy");
  if (targets.length === 0) return [];
  return [
    "  Target health of this deployment's tasks:",
    ...targets.map(
      (t) =>
        `    ${t.id}:${t.port ?? "?"} (task ${t.taskId ?? "?"}) ${t.state}${t.reason ? ` ${t.reason}: ${t.description ?? ""}` : ""}`,
    ),
  ];
}

/**
 * Each task's last log lines under a heading (or why there are none).
 *
 * @param logLines the log lines read per task
 */
function logLineSections(logLines: TaskLogLines[]): string[] {
  const lines: string[] = [];
  const shown: TaskLogLines[] = [];
  for (const tail of logLines) {
    // Tasks of one deployment usually fail alike: print identical tails once.
    const same = shown.find((s) => s.lines.length > 0 && s.lines.join("\n") === tail.lines.join("\n"));
    if (same) {
      lines.push(`  Task ${tail.taskId} logged the same last lines as task ${same.taskId}.`);
      continue;
    }
    shown.push(tail);
    lines.push(`  Last log lines of task ${tail.taskId} (${tail.container}, ${tail.logGroup} ${tail.logStream}):`);
    if (tail.lines.length === 0) lines.push(`    (${tail.note ?? "none"})`);
    for (const line of tail.lines) lines.push(`    | ${line}`);
  }
  return lines;
}

/**
 * The recent service events under a heading; none when there are none.
 *
 * @param events the service's events since the apply started, newest first
 */
function eventLines(events: string[]): string[] {
  if (events.length === 0) return [];
  return ["  Recent service events (newest first):", ...events.map((e) => `    ${e}`)];
}

/**
 * One progress line, e.g.
 * `[ 35 s / ~90 s] waiting for targets to pass health checks: 2/2 tasks running, 1/2 targets healthy (deployment ecs-svc/…)`.
 *
 * @param p what onProgress received
 */
export function formatProgress(p: RolloutProgress): string {
  const c = p.counts;
  const parts = [`${c.running}/${c.desired} tasks running`];
  if (c.pending > 0) parts.push(`${c.pending} pending`);
  if (c.healthyTargets !== undefined) parts.push(`${c.healthyTargets}/${c.desired} targets healthy`);
  if (c.oldRunning > 0) parts.push(`${c.oldRunning} old still running`);
  if (c.failedTasks > 0) parts.push(`${c.failedTasks} failed`);
  const time = `[${String(Math.round(p.elapsedMs / 1000)).padStart(3)} s / ~${Math.round(p.expectedMs / 1000)} s]`;
  return `${time} ${p.phase}: ${p.retrying ?? parts.join(", ")}${p.deploymentId ? ` (deployment ${p.deploymentId})` : ""}`;
}
