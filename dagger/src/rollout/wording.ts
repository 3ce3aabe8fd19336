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
  type ServiceDeploymentRecord,
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
  // ECS's reasons sometimes end with a period ("… Please check your task network configuration."): one is enough.
  const said = (first.stoppedReason ?? first.stopCode ?? "?").replace(/\.$/, "");
  return `${n} task${n === 1 ? "" : "s"} of the new deployment ${KIND_WORDS[kind]}: ${said}${containerReasons(first)}${exits ? ` (exit codes: ${exits})` : ""}.`;
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
 * @param targets the deployment's targets (what the load balancer said, for its health-check stops)
 */
export function hintOf(stopped: StoppedTaskSummary[], targets: TargetSummary[]): { hint?: string } {
  const meaningful = meaningfulStops(stopped);
  const first = meaningful[0];
  const f = fatalStop(meaningful) ?? (first ? { kind: first.kind, hint: first.hint } : undefined);
  return f ? { hint: stopHint(f, targets) } : {};
}

/**
 * The hint of a kind of stop. A stop for failed load-balancer health checks says
 * what the load balancer got when a poll saw it (the verdict prints it), and
 * where to look when none did: never a reason it does not print.
 *
 * @param stop the kind of stop and its own hint
 * @param targets the deployment's targets
 */
export function stopHint(stop: { kind: StopKind; hint: string }, targets: TargetSummary[]): string {
  if (stop.kind !== "elb-health-check") return stop.hint;
  const bad = failingTargets(targets)[0];
  return bad
    ? `${stop.hint} It answered ${bad.reason}${bad.description ? ` (${bad.description})` : ""}: the app's last log lines may say why.`
    : `${stop.hint} No poll saw the target's reason before ECS stopped the task: check the health-check path and port, the security group from the load balancer, and the app's logs.`;
}

/** The targets failing the health check (ALB reason codes that mean the app answered wrongly or not at all). */
function failingTargets(targets: TargetSummary[]): TargetSummary[] {
  return targets.filter((t) => t.reason && FAILING_TARGET_REASONS.has(t.reason));
}

/**
 * " Target health: …" for the first failing target (as a poll saw it before ECS stopped its task, if so), or "".
 *
 * @param targets the deployment's targets
 */
export function targetSentence(targets: TargetSummary[]): string {
  const t = failingTargets(targets)[0];
  if (!t) return "";
  const when = t.seenBeforeStopAt !== undefined ? ", before ECS stopped its task" : "";
  return ` Target health${when}: ${t.id}:${t.port ?? "?"} ${t.state} (${t.reason}: ${t.description ?? ""}).`;
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
 * @param breaker the circuit breaker's failure threshold (assess.ts failureThreshold) and its count so far
 */
export function afterFailFastNote(
  service: Service,
  d: Deployment,
  breaker: { threshold: number; failed: number },
): string {
  const settings = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const count = `after ${breaker.threshold} failed tasks; ${breaker.failed} so far`;
  if (settings?.enable && settings.rollback)
    return `ECS keeps replacing tasks until its circuit breaker fails deployment ${d.id ?? "?"} (${count}) and rolls back; meanwhile the previous tasks keep serving.`;
  if (settings?.enable)
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
 * @param service DescribeServices' service
 */
export function rolledBackBeforeFirstPoll(
  td: string,
  failedEvents: string[],
  primary: Deployment,
  service: Service,
): { reason: string; hint: string } {
  // A deployment's taskDefinition is optional in the API; the service's is the one it runs then.
  const runs = arnTail(primary.taskDefinition ?? service.taskDefinition);
  return {
    reason: `No deployment of ${td} is left: after the apply started ECS reported ${failedEvents.map((e) => `"${e}"`).join(" and ")}, and the service runs ${runs} (deployment ${primary.id ?? "?"}) again.`,
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
 * @param to the deployment a service event names as the rollback's target, if one does
 */
export function failedRollsBack(id: string, td: string, why: string, cause: string, to?: string): string {
  const where = to ? `deployment ${to}, its last completed one` : "its last completed deployment";
  return `Deployment ${id} of ${td} failed (${why}); ECS rolls the service back to ${where}.${cause}`;
}

/**
 * The deployment a service event says ECS rolls back to ("(service S) rolling back to deployment ecs-svc/…"), if one does.
 *
 * @param events the service's events since the apply started, newest first
 */
export function rollbackTarget(events: string[]): string | undefined {
  for (const e of events) {
    const to = /rolling back to deployment (\S+?)\.?$/.exec(e)?.[1];
    if (to) return to;
  }
  return undefined;
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

/**
 * The note of a verdict reached without ECS's service-deployment records.
 *
 * @param why the call and what AWS answered
 */
export function recordsUnreadable(why: string): string {
  return `ECS's service-deployment records could not be read: ${why}. This verdict rests on DescribeServices, the tasks and the target health.`;
}

/**
 * The note when ECS replaced the tracked deployment by one of the same task definition.
 *
 * @param previous the deployment tracked until then
 * @param successor the one followed since
 * @param td the tracked task definition (family:revision)
 */
export function followedSuccessor(previous: string, successor: string, td: string): string {
  return `ECS replaced deployment ${previous} by ${successor} of the same task definition ${td} (two updates of the service, or a forced new deployment): the rollout followed ${successor}.`;
}

/**
 * "service deployment ID (STATUS: reason)", as the record sentences name one.
 *
 * @param r the record
 */
function recordWords(r: ServiceDeploymentRecord): string {
  const reason = r.rollback?.reason ?? r.statusReason;
  return `service deployment ${r.id} (${r.status}${reason ? `: ${reason}` : ""})`;
}

/**
 * ECS's record says the deployment succeeded.
 *
 * @param r the record
 * @param td the tracked task definition (family:revision)
 */
export function recordSuccessful(r: ServiceDeploymentRecord, td: string): string {
  const tasks = r.tasks ? `: ${r.tasks.running}/${r.tasks.requested} tasks running` : "";
  return `ECS's ${recordWords(r)} of ${td} completed${tasks}.`;
}

/**
 * ECS's record says the deployment is being or was rolled back.
 *
 * @param r the record
 * @param td the tracked task definition (family:revision)
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function recordRolledBack(r: ServiceDeploymentRecord, td: string, cause: string): string {
  const to = r.rollback?.taskDefinition ? ` to ${arnTail(r.rollback.taskDefinition)}` : "";
  const done = r.status === "ROLLBACK_SUCCESSFUL" ? "rolled the service back" : "is rolling the service back";
  return `ECS ${done}${to}: ${recordWords(r)} of ${td} failed.${cause}`;
}

/**
 * ECS's record says the deployment failed and so did its rollback.
 *
 * @param r the record
 * @param td the tracked task definition (family:revision)
 * @param cause causeSentence() of the stopped tasks and targets
 */
export function recordRollbackFailed(r: ServiceDeploymentRecord, td: string, cause: string): string {
  return `ECS's ${recordWords(r)} of ${td} failed, and its rollback failed too.${cause}`;
}

/** The note of a failed rollback. */
export const ROLLBACK_FAILED_NOTE =
  "The service may run neither version fully: run `status` now, then deploy a fixed version or run `rollback`.";

/**
 * ECS's record says the deployment was stopped and a newer one replaced it.
 *
 * @param r the tracked record
 * @param td the tracked task definition (family:revision)
 * @param newer the newest record since
 */
export function recordSuperseded(r: ServiceDeploymentRecord, td: string, newer: ServiceDeploymentRecord): string {
  return `ECS's ${recordWords(r)} of ${td} was stopped: a newer deployment, service deployment ${newer.id} of ${arnTail(newer.taskDefinition)} (${newer.status}), replaced it before it completed: another deploy started meanwhile.`;
}

/**
 * ECS's record says the deployment was stopped and nothing replaced it.
 *
 * @param r the tracked record
 * @param td the tracked task definition (family:revision)
 */
export function recordStopped(r: ServiceDeploymentRecord, td: string): { reason: string; hint: string } {
  return {
    reason: `ECS's ${recordWords(r)} of ${td} was stopped before it completed, and no newer deployment replaced it.`,
    hint: "Someone stopped the deployment (StopServiceDeployment, the console): run `status` to see what runs now, and deploy again when that was not meant.",
  };
}
