/**
 * What of one poll belongs to the deployment being tracked: the deployment this
 * apply started, its tasks (by startedBy, or their group on emulators), their
 * IPs and load-balancer targets (with how long each has been failing), the
 * service events since the apply, and the tasks whose logs explain a failure.
 * Pure functions over the ECS and ELBv2 response shapes; assess.ts
 * decides on what they pick out.
 */
import type { Deployment, Service, Task } from "@aws-sdk/client-ecs";

import {
  arnTail,
  FAILING_TARGET_REASONS,
  type Observation,
  type StopKind,
  type StoppedTaskSummary,
  type TargetSummary,
  type TrackerState,
  type TrackedRollout,
} from "./model.js";

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
 * newest deployment using that task definition.
 *
 * @param service DescribeServices' service
 * @param target what is tracked
 * @param state the tracker's memory (its deploymentId once locked)
 * @returns the deployment (undefined if none) and whether this apply created it
 */
export function findDeployment(
  service: Service,
  target: TrackedRollout,
  state: TrackerState,
): { deployment?: Deployment; fresh: boolean } {
  const deployments = service.deployments ?? [];
  if (state.deploymentId) {
    const d = deployments.find((x) => x.id === state.deploymentId);
    return d ? { deployment: d, fresh: isFresh(d, target) } : { fresh: false };
  }
  const matching = deployments
    .filter((d) => d.taskDefinition === target.taskDefinitionArn)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  const d = matching[0];
  return d ? { deployment: d, fresh: isFresh(d, target) } : { fresh: false };
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

/** The targets whose id is an IP of one of the deployment's tasks; updates the unhealthy windows. */
export function deploymentTargets(obs: Observation, state: TrackerState): TargetSummary[] {
  const ipToTask = new Map<string, Task>();
  for (const t of obs.tasks) if (t.lastStatus !== "STOPPED") for (const ip of taskIps(t)) ipToTask.set(ip, t);
  const out: TargetSummary[] = [];
  const seen = new Set<string>();
  for (const group of obs.targetHealth) {
    for (const d of group.descriptions) {
      const id = d.Target?.Id;
      if (!id || !ipToTask.has(id)) continue;
      const key = `${group.targetGroupArn}|${id}|${d.Target?.Port ?? ""}`;
      seen.add(key);
      const state_ = d.TargetHealth?.State ?? "unknown";
      const reason = d.TargetHealth?.Reason;
      const failingNow =
        (state_ === "unhealthy" || state_ === "unhealthy.draining") &&
        reason !== undefined &&
        FAILING_TARGET_REASONS.has(reason);
      if (failingNow) {
        if (!state.unhealthySince.has(key)) state.unhealthySince.set(key, obs.at);
      } else state.unhealthySince.delete(key);
      const since = state.unhealthySince.get(key);
      out.push({
        targetGroupArn: group.targetGroupArn,
        id,
        ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
        state: state_,
        ...(reason ? { reason } : {}),
        ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
        taskId: arnTail(ipToTask.get(id)?.taskArn),
        ...(since !== undefined ? { unhealthyForMs: obs.at - since } : {}),
      });
    }
  }
  for (const key of [...state.unhealthySince.keys()]) if (!seen.has(key)) state.unhealthySince.delete(key);
  return out;
}

/** A target failing for the whole window, after the task's health-check grace period. */
export function failingTarget(targets: TargetSummary[], obs: Observation, service: Service): TargetSummary | undefined {
  const graceMs = (service.healthCheckGracePeriodSeconds ?? 0) * 1000;
  return targets.find((t) => {
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
