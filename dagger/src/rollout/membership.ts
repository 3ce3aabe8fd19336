/**
 * What of one poll belongs to the deployment being tracked: the deployment this
 * apply started, its tasks (by startedBy, or their group on emulators), their
 * IPs and load-balancer targets (with how long each has been failing), the
 * service events since the apply, and the tasks whose logs explain a failure.
 * Pure functions over the ECS and ELBv2 response shapes; assess.ts
 * decides on what they pick out.
 */
import type { Deployment, Service, Task } from "@aws-sdk/client-ecs";
import type { TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";

import {
  arnTail,
  type DeploymentRecords,
  FAILING_TARGET_REASONS,
  type Observation,
  type ServiceDeploymentRecord,
  type StopKind,
  type StoppedTaskSummary,
  type TargetSummary,
  type TrackerState,
  type TrackedRollout,
} from "./model.js";
import { isStopped } from "./stops.js";

// 60 s: NTP-synced hosts and CI runners agree with AWS within a second; a minute
// covers a laptop with a drifting clock without mistaking a deployment from
// minutes before the apply for the one it started.
export const CLOCK_SKEW_MS = 60_000;

// 30 s: the ALB only says "unhealthy" after unhealthyThreshold consecutive failed
// checks; 30 s more (6 checks at the 5 s interval) without recovering rules out a
// slow first start. The window starts after the service's health-check grace period.
export const TARGET_UNHEALTHY_WINDOW_MS = 30_000;

// 2 tasks: the newest two failures show whether they fail alike; more is the `logs` function's job.
export const LOG_TASKS = 2;

// 5 events: the deploy's last service events (newest first) explain most failures;
// the full history is in the console or `status`.
export const EVENTS_IN_RESULT = 5;

/**
 * The private IPs of a task (its awsvpc ENI): what an `ip` target group registers.
 *
 * @param task a task from DescribeTasks
 */
export function taskIps(task: Task): string[] {
  const ips = new Set<string>();
  for (const a of task.attachments ?? []) {
    if (a.type !== "ElasticNetworkInterface") continue;
    for (const d of a.details ?? []) if (d.name === "privateIPv4Address" && d.value) ips.add(d.value);
  }
  for (const c of task.containers ?? [])
    for (const n of c.networkInterfaces ?? []) if (n.privateIpv4Address) ips.add(n.privateIpv4Address);
  return [...ips];
}

/**
 * The deployment of `taskDefinitionArn`: the tracked id once known, else the
 * newest deployment using that task definition. A tracked deployment that ECS
 * replaced by a newer one of the same task definition (two UpdateService calls,
 * a forced new deployment) is followed to that one: it deploys the same thing.
 *
 * @param service DescribeServices' service
 * @param target what is tracked
 * @param state the tracker's memory (its deploymentId once locked; read only)
 * @returns the deployment (undefined if none), whether this apply created it, and
 *   `successorOf` when it replaces the tracked one
 */
export function findDeployment(
  service: Service,
  target: TrackedRollout,
  state: TrackerState,
): { deployment?: Deployment; fresh: boolean; successorOf?: string } {
  const deployments = service.deployments ?? [];
  const newest = deployments
    .filter((d) => d.taskDefinition === target.taskDefinitionArn)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
  if (state.deploymentId) {
    const d = deployments.find((x) => x.id === state.deploymentId);
    // Newer than the tracked one (its creation time is remembered when it is locked), PRIMARY, the tracked one no longer.
    const successor =
      newest &&
      newest.id !== state.deploymentId &&
      newest.status === "PRIMARY" &&
      d?.status !== "PRIMARY" &&
      state.deploymentCreatedAt !== undefined &&
      (newest.createdAt?.getTime() ?? 0) > state.deploymentCreatedAt
        ? newest
        : undefined;
    if (successor) return { deployment: successor, fresh: true, successorOf: state.deploymentId };
    return d ? { deployment: d, fresh: isFresh(d, target) } : { fresh: false };
  }
  return newest ? { deployment: newest, fresh: isFresh(newest, target) } : { fresh: false };
}

/**
 * ECS's service-deployment record of this apply's task definition: the newest
 * created since the apply started (less the clock-skew allowance). Undefined when
 * the records are not readable or none deploys it (yet).
 *
 * @param records what the poll read of the records
 * @param target what is tracked
 */
export function findRecord(
  records: DeploymentRecords | undefined,
  target: TrackedRollout,
): ServiceDeploymentRecord | undefined {
  if (!records?.readable) return undefined;
  return records.records
    .filter((r) => r.taskDefinition === target.taskDefinitionArn)
    .filter((r) => !r.createdAt || r.createdAt.getTime() >= target.applyStartedAt - CLOCK_SKEW_MS)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
}

/**
 * The records created after `record`, newest first: what replaced it.
 *
 * @param records what the poll read of the records
 * @param record the tracked record
 */
export function newerRecords(
  records: DeploymentRecords | undefined,
  record: ServiceDeploymentRecord,
): ServiceDeploymentRecord[] {
  if (!records?.readable) return [];
  const since = record.createdAt?.getTime() ?? 0;
  return records.records
    .filter((r) => r.arn !== record.arn && (r.createdAt?.getTime() ?? 0) > since)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

/** Created by this apply (or undated): not older than its start, less the clock-skew allowance. */
function isFresh(d: Deployment, target: TrackedRollout): boolean {
  return d.createdAt === undefined || d.createdAt.getTime() >= target.applyStartedAt - CLOCK_SKEW_MS;
}

/**
 * Does this task belong to the deployment? ECS starts service tasks with startedBy = deployment id.
 *
 * @param task a task from DescribeTasks
 * @param deployment the tracked deployment
 * @param serviceName the service's name (emulators set no startedBy: its group is compared instead)
 */
export function belongsTo(task: Task, deployment: Deployment, serviceName: string | undefined): boolean {
  if (task.startedBy) return task.startedBy === deployment.id;
  // No startedBy (emulators): same task definition, the service's group, not older than the deployment.
  return (
    task.taskDefinitionArn === deployment.taskDefinition &&
    (!task.group || !serviceName || task.group === `service:${serviceName}`) &&
    (!task.createdAt || !deployment.createdAt || task.createdAt.getTime() >= deployment.createdAt.getTime())
  );
}

/**
 * The targets whose id is an IP of one of the deployment's live tasks (updating
 * the unhealthy windows and the last failing state of each), then the last
 * failing state an earlier poll saw for each task that has stopped since: once
 * ECS stops a task its target drains and loses the load balancer's reason, which
 * is the cause.
 *
 * @param obs what this poll saw
 * @param state the tracker's memory (its unhealthySince and lastFailing updated here)
 */
export function deploymentTargets(obs: Observation, state: TrackerState): TargetSummary[] {
  const ipToTask = new Map<string, Task>();
  for (const t of obs.tasks) if (!isStopped(t)) for (const ip of taskIps(t)) ipToTask.set(ip, t);
  const out: TargetSummary[] = [];
  const seen = new Set<string>();
  for (const group of obs.targetHealth) {
    for (const d of group.descriptions) {
      const id = d.Target?.Id;
      if (!id || !ipToTask.has(id)) continue;
      const key = `${group.targetGroupArn}|${id}|${d.Target?.Port ?? ""}`;
      seen.add(key);
      const target = liveTarget(group.targetGroupArn, d, arnTail(ipToTask.get(id)?.taskArn), key, obs.at, state);
      if (target.unhealthyForMs !== undefined) state.lastFailing.set(key, { ...target, seenBeforeStopAt: obs.at });
      out.push(target);
    }
  }
  for (const key of [...state.unhealthySince.keys()]) if (!seen.has(key)) state.unhealthySince.delete(key);
  const stopped = new Set(obs.tasks.filter(isStopped).map((t) => arnTail(t.taskArn)));
  const live = new Set(out.map((t) => t.taskId));
  for (const last of state.lastFailing.values())
    if (last.taskId && stopped.has(last.taskId) && !live.has(last.taskId)) out.push(last);
  return out;
}

/**
 * One target of a live task, its unhealthy window started or ended.
 *
 * @param targetGroupArn its target group
 * @param d what DescribeTargetHealth said of it
 * @param taskId the task behind it
 * @param key its tg|id|port
 * @param at when the poll answered
 * @param state the tracker's memory (its unhealthySince updated here)
 */
function liveTarget(
  targetGroupArn: string,
  d: TargetHealthDescription,
  taskId: string,
  key: string,
  at: number,
  state: TrackerState,
): TargetSummary {
  const health = d.TargetHealth?.State ?? "unknown";
  const reason = d.TargetHealth?.Reason;
  const failingNow =
    (health === "unhealthy" || health === "unhealthy.draining") &&
    reason !== undefined &&
    FAILING_TARGET_REASONS.has(reason);
  if (failingNow) {
    if (!state.unhealthySince.has(key)) state.unhealthySince.set(key, at);
  } else state.unhealthySince.delete(key);
  const since = state.unhealthySince.get(key);
  return {
    targetGroupArn,
    id: d.Target?.Id ?? "?",
    ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
    state: health,
    ...(reason ? { reason } : {}),
    ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    taskId,
    ...(since !== undefined ? { unhealthyForMs: at - since } : {}),
  };
}

/** A target failing for the whole window, after the task's health-check grace period. */
export function failingTarget(targets: TargetSummary[], obs: Observation, service: Service): TargetSummary | undefined {
  const graceMs = (service.healthCheckGracePeriodSeconds ?? 0) * 1000;
  return targets.find((t) => {
    if (t.seenBeforeStopAt !== undefined) return false;
    if (t.unhealthyForMs === undefined || t.unhealthyForMs < TARGET_UNHEALTHY_WINDOW_MS) return false;
    const task = obs.tasks.find((x) => arnTail(x.taskArn) === t.taskId);
    const started = task?.startedAt?.getTime();
    return started === undefined || obs.at - started >= graceMs;
  });
}

/** The tasks whose logs explain a failure: containers that ran (crash, OOM, health checks), newest first, at most LOG_TASKS. */
export function logTasksFor(tasks: Task[], stopped: StoppedTaskSummary[], targets: TargetSummary[]): Task[] {
  const ran = new Set<StopKind>([
    "essential-container-exit",
    "out-of-memory",
    "elb-health-check",
    "container-health-check",
  ]);
  const arns = stopped.filter((s) => ran.has(s.kind)).map((s) => s.taskArn);
  for (const t of targets)
    if (t.reason && FAILING_TARGET_REASONS.has(t.reason)) {
      const task = tasks.find((x) => arnTail(x.taskArn) === t.taskId);
      if (task?.taskArn) arns.push(task.taskArn);
    }
  const unique = [...new Set(arns)].slice(0, LOG_TASKS);
  return unique.map((a) => tasks.find((t) => t.taskArn === a)).filter((t): t is Task => t !== undefined);
}

/** The service events since the apply started, newest first, at most EVENTS_IN_RESULT. */
export function recentEvents(service: Service, target: TrackedRollout): string[] {
  return (service.events ?? [])
    .filter((e) => !e.createdAt || e.createdAt.getTime() >= target.applyStartedAt - CLOCK_SKEW_MS)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, EVENTS_IN_RESULT)
    .map((e) => e.message ?? "")
    .filter((m) => m !== "");
}
