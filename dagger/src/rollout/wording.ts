/**
 * The rollout assessment's wording: every sentence a verdict carries (its
 * reason, the hint saying what to do, the notes), built from the facts the
 * assessment (assess.ts) decided on. No decisions here, apart from which
 * stopped task or target a sentence quotes.
 */
import type { Deployment, Service } from "@aws-sdk/client-ecs";

import {
  arnTail,
  FAILING_TARGET_REASONS,
  type RolloutCounts,
  type RolloutPhase,
  type StopKind,
  type StoppedTaskSummary,
  type TargetSummary,
} from "./model.js";
import { fatalStop } from "./stops.js";

/** What a stopped task of each kind did, as the verdict says it ("2 tasks of the new deployment …"). */
const KIND_WORDS: Record<StopKind, string> = {
  "image-pull": "cannot pull the image",
  "resource-init": "failed to initialize (ResourceInitializationError)",
  "secret-fetch": "could not fetch their secrets (ResourceInitializationError)",
  "container-start": "could not start the container",
  "out-of-memory": "ran out of memory",
  "elb-health-check": "failed the load balancer's health checks",
  "container-health-check": "failed the container health check",
  "essential-container-exit": "exited (the essential container stopped)",
  infrastructure: "were stopped by AWS infrastructure issues",
  scheduler: "were stopped by ECS",
  user: "were stopped by a user",
  unknown: "stopped for an unknown reason",
};

/**
 * How many tasks of one kind stopped, the first one's reason and the exit codes.
 *
 * @param kind the kind to describe
 * @param stopped the deployment's stopped tasks, newest first
 */
export function describeStops(kind: StopKind, stopped: StoppedTaskSummary[]): string {
  const list = stopped.filter((s) => s.kind === kind);
  const first = list[0];
  if (!first) return "";
  const exits = exitCodes(list);
  const n = list.length;
  return `${n} task${n === 1 ? "" : "s"} of the new deployment ${KIND_WORDS[kind]}: ${first.stoppedReason ?? first.stopCode ?? "?"}${containerReasons(first)}${exits ? ` (exit codes: ${exits})` : ""}.`;
}

function containerReasons(s: StoppedTaskSummary): string {
  const reasons = s.containers
    .filter((c) => c.reason && !(s.stoppedReason ?? "").includes(c.reason))
    .map((c) => `${c.name}: ${c.reason}`);
  return reasons.length > 0 ? ` — ${reasons.join("; ")}` : "";
}

function exitCodes(list: StoppedTaskSummary[]): string {
  const codes = list.flatMap((s) =>
    s.containers.filter((c) => c.exitCode !== undefined).map((c) => `${c.name}=${c.exitCode}`),
  );
  return codes.join(", ");
}

/** Stopped tasks that say something about the app (not ECS's or a user's own stops). */
function meaningfulStops(stopped: StoppedTaskSummary[]): StoppedTaskSummary[] {
  return stopped.filter((s) => s.kind !== "scheduler" && s.kind !== "user");
}

/**
 * " Cause: …" from the stopped tasks and targets, for rollback messages.
 *
 * @param stopped the deployment's stopped tasks
 * @param targets the deployment's targets
 */
export function causeSentence(stopped: StoppedTaskSummary[], targets: TargetSummary[]): string {
  const meaningful = meaningfulStops(stopped);
  const kind = fatalStop(meaningful)?.kind ?? meaningful[0]?.kind;
  const parts: string[] = [];
  if (kind) parts.push(describeStops(kind, meaningful));
  const t = targetSentence(targets);
  if (t) parts.push(t.trim());
  return parts.length > 0 ? ` Cause: ${parts.join(" ")}` : "";
}

/**
 * The hint of the stop that explains a rollback, if any: `{ hint }` or `{}`.
 *
 * @param stopped the deployment's stopped tasks
 */
export function hintOf(stopped: StoppedTaskSummary[]): { hint?: string } {
  const meaningful = meaningfulStops(stopped);
  const f = fatalStop(meaningful) ?? (meaningful[0] ? { hint: meaningful[0].hint } : undefined);
  return f ? { hint: f.hint } : {};
}

/**
 * " Target health: …" for the first failing target, or "".
 *
 * @param targets the deployment's targets
 */
export function targetSentence(targets: TargetSummary[]): string {
  const bad = targets.filter((t) => t.reason && FAILING_TARGET_REASONS.has(t.reason));
  if (bad.length === 0) return "";
  const t = bad[0]!;
  return ` Target health: ${t.id}:${t.port ?? "?"} ${t.state} (${t.reason}: ${t.description ?? ""}).`;
}

/**
 * "2/2 tasks running, 2/2 targets healthy, old tasks drained".
 *
 * @param c the deployment's counts
 */
export function countsSentence(c: RolloutCounts): string {
  const parts = [`${c.running}/${c.desired} tasks running`];
  if (c.healthyTargets !== undefined) parts.push(`${c.healthyTargets}/${c.desired} targets healthy`);
  parts.push(c.oldRunning === 0 ? "old tasks drained" : `${c.oldRunning} old tasks still running`);
  return parts.join(", ");
}

/**
 * What ECS does next after the tracker failed fast: it depends on the circuit breaker settings.
 *
 * @param service DescribeServices' service
 * @param d the failing deployment
 * @param threshold the circuit breaker's failure threshold for its desired count
 */
export function afterFailFastNote(service: Service, d: Deployment, threshold: number): string {
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const count = `after ${threshold} failed tasks; ${d.failedTasks ?? 0} so far`;
  if (breaker?.enable && breaker.rollback)
    return `ECS keeps replacing tasks until its circuit breaker fails deployment ${d.id ?? "?"} (${count}) and rolls back; meanwhile the previous tasks keep serving.`;
  if (breaker?.enable)
    return `ECS keeps replacing tasks until its circuit breaker fails deployment ${d.id ?? "?"} (${count}); it will not roll back: deploy a fix or run \`rollback\`.`;
  return `ECS keeps replacing tasks of deployment ${d.id ?? "?"} indefinitely (no circuit breaker reported): deploy a fix or run \`rollback\`.`;
}

/** The hint of a deployment another deploy replaced. */
export const SUPERSEDED_HINT = "Deploy one change at a time; run `status` to see what runs now.";

/**
 * The service is no longer ACTIVE (DRAINING or INACTIVE).
 *
 * @param service DescribeServices' service
 */
export function serviceGone(service: Service): { reason: string; hint: string } {
  return {
    reason: `The service ${service.serviceName ?? "?"} is ${service.status}: it is being deleted or was deleted during the deploy.`,
    hint: "Run the deploy again after the infrastructure apply has recreated the service.",
  };
}

/**
 * Seen before, gone now, and the PRIMARY deployment is the rollback's.
 *
 * @param deploymentId the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param primary the service's PRIMARY deployment
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function goneRolledBack(deploymentId: string, td: string, primary: Deployment, cause: string): string {
  return `Deployment ${deploymentId} of ${td} is gone: ECS rolled the service back to ${arnTail(primary.taskDefinition)} (deployment ${primary.id}, ${primary.rolloutState ?? "no rollout state"}).${cause}`;
}

/**
 * Another deployment took over before the tracked one completed.
 *
 * @param deploymentId the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param primary the deployment that took over, if ECS shows one
 */
export function superseded(deploymentId: string, td: string, primary: Deployment | undefined): string {
  return `Deployment ${deploymentId} of ${td} was replaced by deployment ${primary?.id ?? "?"} of ${arnTail(primary?.taskDefinition)} before it completed: another deploy started meanwhile.`;
}

/**
 * Started, failed and rolled back before the first poll: only the events remain.
 *
 * @param td the tracked task definition (family:revision)
 * @param failedEvents the events that say so, oldest first
 * @param primary the deployment the service is back on
 */
export function rolledBackBeforeFirstPoll(
  td: string,
  failedEvents: string[],
  primary: Deployment,
): { reason: string; hint: string } {
  return {
    reason: `No deployment of ${td} is left: after the apply started ECS reported ${failedEvents.map((e) => `"${e}"`).join(" and ")}, and the service runs ${arnTail(primary.taskDefinition)} (deployment ${primary.id ?? "?"}) again.`,
    hint: "The failed deployment is gone with its details: see its stopped tasks in the ECS console (kept about an hour) or run `logs`.",
  };
}

/**
 * No deployment of the task definition appeared within the grace period.
 *
 * @param td the tracked task definition (family:revision)
 * @param graceSeconds how long the tracker waited for it
 * @param service DescribeServices' service
 * @param primary the service's PRIMARY deployment, if any
 * @param names whether the service nonetheless names the task definition
 */
export function noDeployment(
  td: string,
  graceSeconds: number,
  service: Service,
  primary: Deployment | undefined,
  names: boolean,
): { reason: string; hint: string } {
  return {
    reason:
      `No deployment of ${td} appeared within ${graceSeconds} s: the service's PRIMARY deployment ${primary?.id ?? "?"} runs ${arnTail(primary?.taskDefinition)}` +
      (names ? `, although the service names ${td}.` : ` and the service names ${arnTail(service.taskDefinition)}.`),
    hint: names
      ? "ECS accepted the task definition but started no deployment for it. Against the emulator (moto) this is expected: track with emulator=true there."
      : "The apply did not point the service at this task definition: check the apply's output, and that nothing else (another pipeline, the console) changed the service.",
  };
}

/**
 * ECS marked the deployment FAILED and a rollback deployment is PRIMARY.
 *
 * @param id the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param why ECS's rolloutStateReason
 * @param primary the rollback's deployment
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function failedRollingBackTo(id: string, td: string, why: string, primary: Deployment, cause: string): string {
  return `Deployment ${id} of ${td} failed (${why}); ECS is rolling the service back to ${arnTail(primary.taskDefinition)} (deployment ${primary.id}, ${primary.rolloutState ?? "no rollout state"}).${cause}`;
}

/**
 * ECS marked the deployment FAILED and will roll back (its rollback deployment is not visible yet).
 *
 * @param id the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param why ECS's rolloutStateReason
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function failedRollsBack(id: string, td: string, why: string, cause: string): string {
  return `Deployment ${id} of ${td} failed (${why}); ECS rolls the service back to its last completed deployment.${cause}`;
}

/**
 * ECS marked the deployment FAILED and the service has no rollback.
 *
 * @param id the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param why ECS's rolloutStateReason
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function failedNoRollback(id: string, td: string, why: string, cause: string): { reason: string; note: string } {
  return {
    reason: `Deployment ${id} of ${td} failed (${why}); the service has no rollback configured.${cause}`,
    note: "Without rollback the service stays on this failed deployment: deploy a fixed version or run `rollback`.",
  };
}

/**
 * ECS marked the deployment COMPLETED.
 *
 * @param id the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param fresh whether this apply created the deployment (false: it completed before)
 * @param counts the deployment's counts
 */
export function completed(id: string, td: string, fresh: boolean, counts: RolloutCounts): string {
  return fresh
    ? `Deployment ${id} of ${td} completed: ${countsSentence(counts)}.`
    : `No rollout: the service already runs ${td} (deployment ${id}, completed before this apply; ${countsSentence(counts)}).`;
}

/**
 * The note on a COMPLETED deployment that is no longer PRIMARY.
 *
 * @param primary the newer deployment
 */
export function newerSinceCompleted(primary: Deployment | undefined): string {
  return `A newer deployment (${primary?.id ?? "?"}, ${arnTail(primary?.taskDefinition)}) has started since this one completed.`;
}

/**
 * A newer deployment that is rolling back took over from the tracked one.
 *
 * @param id the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param primary the rollback's deployment
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function rollingBackFrom(id: string, td: string, primary: Deployment, cause: string): string {
  return `ECS is rolling the service back from deployment ${id} of ${td} to ${arnTail(primary.taskDefinition)} (deployment ${primary.id ?? "?"}: ${primary.rolloutStateReason ?? ""}).${cause}`;
}

/**
 * A target of the deployment failed the health check for the whole window.
 *
 * @param t the failing target
 */
export function targetFailing(t: TargetSummary): { reason: string; hint: string } {
  return {
    reason:
      `Target ${t.id}:${t.port ?? "?"} (task ${t.taskId ?? "?"}) has failed the load balancer's health check for ${Math.round((t.unhealthyForMs ?? 0) / 1000)} s: ${t.reason ?? "?"}: ${t.description ?? ""}`.trim(),
    hint: "The app must answer the health-check path with 2xx on the container port: check the path, the port the app listens on, and the app's last log lines.",
  };
}

/**
 * Success without rolloutState: the same steady picture on enough polls.
 *
 * @param id the tracked deployment
 * @param td the tracked task definition (family:revision)
 * @param counts the deployment's counts
 * @param fresh whether this apply created the deployment
 * @param lb whether the service is behind a load balancer
 * @param confirmations how many polls in a row it took
 */
export function steady(
  id: string,
  td: string,
  counts: RolloutCounts,
  fresh: boolean,
  lb: boolean,
  confirmations: number,
): { reason: string; notes: string[] } {
  const notes = [
    "ECS reported no rolloutState for this deployment: success is running = desired, nothing pending, old tasks gone" +
      (lb ? ", targets healthy" : "") +
      `, on ${confirmations} polls in a row.`,
  ];
  if (lb && counts.healthyTargets === undefined)
    notes.push("No task of the deployment was visible through ListTasks, so target health could not be tied to it.");
  return {
    reason: `Deployment ${id} of ${td} is steady: ${countsSentence(counts)}${fresh ? "" : " (no rollout: the service already ran this task definition before the apply)"}.`,
    notes,
  };
}

/**
 * The emulator's success, said in the reason itself: which task definition the
 * service runs, the state of its deployment record, and that it runs no tasks
 * (so "0/2 tasks running" is expected, not a problem).
 *
 * @param td the tracked task definition (family:revision)
 * @param d the deployment record the emulator shows, if any
 */
export function emulatorReason(td: string, d: Deployment | undefined): string {
  const record = d
    ? `deployment ${d.id ?? "?"} ${d.rolloutState ?? "without rollout state"}${arnTail(d.taskDefinition) === td ? "" : ` (still naming ${arnTail(d.taskDefinition)})`}`
    : "no deployment record";
  return `emulator: the service runs ${td}, ${record}; the emulator runs no tasks`;
}

/**
 * What the emulator's result could not check.
 *
 * @param d the deployment record the emulator shows, if any
 */
export function emulatorNote(d: Deployment | undefined): string {
  return `Emulator: it keeps one static deployment per service (${d?.id ?? "?"}, ${arnTail(d?.taskDefinition)}, ${d?.rolloutState ?? "no rollout state"}, runningCount = MOTO_ECS_SERVICE_RUNNING) and runs no task, so only the service's task definition could be checked.`;
}

/** What to look at when the budget ran out in each phase. */
const TIMEOUT_HINTS: Partial<Record<RolloutPhase, string>> = {
  "waiting for ECS to start the deployment":
    "ECS has not started a deployment of this task definition: check the apply's output and the service events.",
  "starting tasks":
    "Tasks are not starting: see the service events (capacity, network interfaces, image size). ECS keeps trying; follow it with `status`.",
  "waiting for targets to pass health checks":
    "Targets do not become healthy: check the health-check path and port, the app's start time against the grace period, and the security group rule from the load balancer to the tasks.",
  "draining old tasks":
    "Old tasks are still draining: a long deregistration delay or stop timeout keeps them; the new version already serves.",
};

/**
 * The reason of a TIMED_OUT verdict: the phase it was stuck in, the counts, a
 * target that is not healthy and the latest stopped task.
 *
 * @param o what the last poll saw and the budget it ran out of
 */
export function timeoutReason(o: {
  td: string;
  deployment: Deployment | undefined;
  phase: RolloutPhase;
  elapsedMs: number;
  budget: string;
  counts: RolloutCounts;
  badTarget: TargetSummary | undefined;
  latestStop: StoppedTaskSummary | undefined;
}): string {
  const c = o.counts;
  const bad = o.badTarget;
  const where = o.deployment ? `Deployment ${o.deployment.id ?? "?"} of ${o.td}` : `The deployment of ${o.td}`;
  return (
    `${where} was still ${o.phase} after ${Math.round(o.elapsedMs / 1000)} s (budget ${o.budget}): ` +
    `${c.running}/${c.desired} tasks running, ${c.pending} pending, ${c.failedTasks} failed` +
    (c.healthyTargets !== undefined ? `, ${c.healthyTargets}/${c.desired} targets healthy` : "") +
    (c.oldRunning > 0 ? `, ${c.oldRunning} old tasks still running` : "") +
    "." +
    (bad
      ? ` Target ${bad.id}:${bad.port ?? "?"} is ${bad.state}${bad.reason ? ` (${bad.reason}: ${bad.description ?? ""})` : ""}.`
      : "") +
    (o.latestStop ? ` Latest stopped task: ${o.latestStop.stoppedReason ?? o.latestStop.stopCode ?? "?"}.` : "")
  );
}

/**
 * What to look at when the budget ran out in a phase.
 *
 * @param phase the phase the last poll was in
 */
export function timeoutHint(phase: RolloutPhase): string {
  return (
    TIMEOUT_HINTS[phase] ?? "ECS has not finished the deployment: see the service events; follow it with `status`."
  );
}

/** The note of every TIMED_OUT verdict. */
export const TIMEOUT_NOTE =
  "The deployment may still finish: TIMED_OUT means it did not within the budget, not that ECS stopped it.";
