/**
 * A rollout for people: the summary of a result (verdict and time, the cause,
 * the evidence, what to do) and the progress line printed while waiting.
 */
import { arnTail, type RolloutProgress, type RolloutResult, type TaskLogLines, type Verdict } from "./model.js";

/**
 * The human summary of a result: verdict and time, the cause, the evidence
 * (stopped tasks, target health, log lines, events) and what to do.
 *
 * @param r a result (its summary field is ignored)
 */
export function formatSummary(r: Omit<RolloutResult, "summary">): string {
  const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
  const word: Record<Verdict, string> = {
    SUCCESSFUL: "SUCCESSFUL",
    FAILED: "FAILED",
    ROLLED_BACK: "ROLLED BACK",
    TIMED_OUT: "TIMED OUT",
  };
  const lines = [
    `Rollout of ${arnTail(r.taskDefinition)}${r.deploymentId ? ` (deployment ${r.deploymentId})` : ""}: ${word[r.verdict]} after ${secs(r.timings.elapsedMs)} (expected ~${secs(r.timings.expectedMs)}; exit status ${r.exitCode})`,
    `  ${r.reason}`,
  ];
  // Stopped tasks whose reason the headline already quotes add nothing unless they carry exit codes.
  const stopped = r.details.stoppedTasks
    .filter((s) => s.kind !== "scheduler")
    .filter(
      (s) => !r.reason.includes(s.stoppedReason ?? "\u0000") || s.containers.some((c) => c.exitCode !== undefined),
    )
    .slice(0, 3);
  if (r.verdict !== "SUCCESSFUL" && stopped.length > 0) {
    lines.push("  Stopped tasks of this deployment (newest first):");
    for (const s of stopped) {
      const exits = s.containers.filter((c) => c.exitCode !== undefined).map((c) => `${c.name} exit ${c.exitCode}`);
      const reasons = s.containers
        .filter((c) => c.reason && !(s.stoppedReason ?? "").includes(c.reason))
        .map((c) => `${c.name}: ${c.reason}`);
      lines.push(
        `    ${s.taskId} ${s.stopCode ?? ""}: ${s.stoppedReason ?? "?"}${[...exits, ...reasons].length > 0 ? ` [${[...exits, ...reasons].join("; ")}]` : ""}`,
      );
    }
  }
  const targets = r.details.targetHealth.filter((t) => t.state !== "healthy");
  if (r.verdict !== "SUCCESSFUL" && targets.length > 0) {
    lines.push("  Target health of this deployment's tasks:");
    for (const t of targets)
      lines.push(
        `    ${t.id}:${t.port ?? "?"} (task ${t.taskId ?? "?"}) ${t.state}${t.reason ? ` ${t.reason}: ${t.description ?? ""}` : ""}`,
      );
  }
  const shown: TaskLogLines[] = [];
  for (const l of r.details.logLines) {
    // Tasks of one deployment usually fail alike: print identical tails once.
    const same = shown.find((s) => s.lines.length > 0 && s.lines.join("\n") === l.lines.join("\n"));
    if (same) {
      lines.push(`  Task ${l.taskId} logged the same last lines as task ${same.taskId}.`);
      continue;
    }
    shown.push(l);
    lines.push(`  Last log lines of task ${l.taskId} (${l.container}, ${l.logGroup} ${l.logStream}):`);
    if (l.lines.length === 0) lines.push(`    (${l.note ?? "none"})`);
    for (const line of l.lines) lines.push(`    | ${line}`);
  }
  if (r.verdict !== "SUCCESSFUL" && r.details.events.length > 0) {
    lines.push("  Recent service events (newest first):");
    for (const e of r.details.events) lines.push(`    ${e}`);
  }
  for (const n of r.details.notes) lines.push(`  Note: ${n}`);
  if (r.hint && r.verdict !== "SUCCESSFUL") lines.push(`  What to do: ${r.hint}`);
  return lines.join("\n");
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
