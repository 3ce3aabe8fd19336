/**
 * The pure half of the rollout tracker: given what ECS and the load balancer
 * report on one poll (and what earlier polls saw), decide whether the deployment
 * this apply started is still in progress (and in which phase), succeeded, failed
 * (and why), or was rolled back. No I/O here: `track.ts` fetches, this decides;
 * the sentences are wording.ts's, the stopped-task rules stops.ts's,
 * what counts as success is the AcceptanceRule passed in (acceptance.ts), and
 * which deployment, tasks and targets are this apply's is membership.ts's.
 *
 * How "this deployment" is found: the apply registers a new task definition
 * revision and points the service at it; ECS answers with a new PRIMARY
 * deployment that uses it. So the tracked deployment is the newest one whose
 * `taskDefinition` is the ARN the apply produced, created after the apply started
 * (with a clock-skew allowance). Once seen, it is followed by its id: a service
 * that is stable on another deployment never counts as success.
 *
 * Deployments without `rolloutState`: the API returns it only for rolling-update
 * services not behind a Classic Load Balancer, and emulators may omit it. Then
 * success is: PRIMARY, running ≥ desired, nothing pending, the deployment's
 * targets healthy and no other deployment still running tasks — on two
 * consecutive polls (FALLBACK_CONFIRMATIONS).
 */
import type { Deployment, DeploymentCircuitBreaker, Service, Task } from "@aws-sdk/client-ecs";

import { type Acceptance, type AcceptanceRule, type AcceptanceView, ECS_ACCEPTANCE } from "./acceptance.js";
import {
  arnTail,
  type Assessment,
  type CauseKind,
  type Evidence,
  type Observation,
  type RolloutCounts,
  type RolloutPhase,
  type ServiceDeploymentRecord,
  type TargetSummary,
  type TrackerState,
  type TrackedRollout,
  type Verdict,
} from "./model.js";
import {
  deploymentTargets,
  failingTarget,
  findDeployment,
  findRecord,
  logTasksFor,
  newerRecords,
  recentEvents,
} from "./membership.js";
import { classifyStoppedTask, fatalStop, isStopped } from "./stops.js";
import * as say from "./wording.js";

// 30 s: UpdateService creates the deployment before it returns and the apply
// waits for that call, so it exists on the first poll; 30 s covers DescribeServices'
// eventual consistency many times over. Longer only delays "nothing was deployed".
export const NEW_DEPLOYMENT_GRACE_MS = 30_000;

// 2 polls: without rolloutState, success rests on counts that can flicker while
// ECS replaces a task; the same picture twice (5 s apart) is a steady state.
export const FALLBACK_CONFIRMATIONS = 2;

/**
 * The circuit breaker's failure threshold for a desired count, as AWS documents
 * it: ½ × desired, at least 3, at most 200.
 *
 * @param desired the deployment's desired count
 */
export function circuitBreakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}

/**
 * The circuit breaker's failure threshold for a deployment: ECS's own count in
 * its service-deployment record; else the service's thresholdConfiguration
 * (BOUNDED_PERCENT: value % of the service's desired count, 3..200; COUNT: value;
 * UNBOUNDED_PERCENT: value %, at least 1) applied to the service's desired count,
 * which is what ECS multiplies (a deployment just created has desiredCount 0);
 * else AWS's default (circuitBreakerThreshold).
 *
 * @param service DescribeServices' service
 * @param deployment the tracked deployment
 * @param record its service-deployment record, when one was read
 */
export function failureThreshold(service: Service, deployment: Deployment, record?: ServiceDeploymentRecord): number {
  if (record?.circuitBreaker?.threshold !== undefined) return record.circuitBreaker.threshold;
  const desired = Math.max(service.desiredCount ?? 0, deployment.desiredCount ?? 0);
  const breaker: Partial<DeploymentCircuitBreaker> = service.deploymentConfiguration?.deploymentCircuitBreaker ?? {};
  const { type, value } = breaker.thresholdConfiguration ?? {};
  if (value === undefined) return circuitBreakerThreshold(desired);
  const percent = Math.ceil((desired * value) / 100);
  if (type === "COUNT") return value;
  if (type === "UNBOUNDED_PERCENT") return Math.max(1, percent);
  return Math.min(200, Math.max(3, percent));
}

/**
 * Decides one poll. Mutates `state` (the tracked id, target windows, confirmations).
 *
 * @param obs what this poll saw
 * @param target what is tracked
 * @param state the tracker's memory across polls
 * @param acceptance what counts as success besides failure rules (ECS's word by default; EMULATOR_ACCEPTANCE on an emulator)
 */
export function assess(
  obs: Observation,
  target: TrackedRollout,
  state: TrackerState,
  acceptance: AcceptanceRule = ECS_ACCEPTANCE,
): Assessment {
  const poll = readPoll(obs, target, state);
  const { service, deployment, primary } = poll;

  if (service.status && service.status !== "ACTIVE") {
    const gone = say.serviceGone(service);
    return terminal(poll, "FAILED", "service-gone", gone.reason, { hint: gone.hint });
  }

  // ECS's own record of the deployment decides where it has (see recordVerdict).
  const byRecord = recordVerdict(poll, acceptance);
  if (byRecord) return byRecord;

  if (!deployment) {
    // Seen before, gone now: ECS replaced it.
    if (state.deploymentId) return replaced(poll, state.deploymentId, state.previousTaskDefinitions);
    return rolledBackBeforeFirstPoll(poll) ?? notStarted(poll, acceptance);
  }

  if (!state.deploymentId && deployment.id) {
    state.deploymentId = deployment.id;
    state.deploymentSeenAt = obs.at;
    if (deployment.createdAt) state.deploymentCreatedAt = deployment.createdAt.getTime();
  }

  if (deployment.rolloutState === "FAILED") return rolloutFailed(poll, deployment);
  if (deployment.rolloutState === "COMPLETED") return rolloutCompleted(poll, deployment, acceptance);

  // Still in progress but no longer PRIMARY: a newer deployment took over.
  if (deployment.status !== "PRIMARY" && primary && primary.id !== deployment.id)
    return overtaken(poll, deployment, primary);

  return failFast(poll, deployment) ?? undecided(poll, deployment, state, acceptance);
}

/** One poll as the phases of assess read it: what it saw and the evidence every verdict carries. */
interface Poll {
  obs: Observation;
  target: TrackedRollout;
  service: Service;
  /** The tracked deployment, when ECS shows it. */
  deployment?: Deployment;
  /** Whether this apply created the tracked deployment. */
  fresh: boolean;
  /** The service's PRIMARY deployment. */
  primary?: Deployment;
  /** The tracked task definition's family:revision, as the sentences name it. */
  td: string;
  evidence: Evidence;
  /** What the acceptance rule is shown. */
  view: AcceptanceView;
}

/**
 * Reads one poll: counts it, finds the tracked deployment, classifies the stopped
 * tasks, updates the target windows and gathers the evidence. On the first poll,
 * remembers the other deployments' task definitions (what a rollback goes back to).
 *
 * @param obs what this poll saw
 * @param target what is tracked
 * @param state the tracker's memory across polls (updated here)
 */
function readPoll(obs: Observation, target: TrackedRollout, state: TrackerState): Poll {
  state.polls += 1;
  const service = obs.service;
  const { deployment, fresh, successorOf } = findDeployment(service, target, state);
  if (deployment?.id && successorOf) followSuccessor(state, successorOf, deployment, arnTail(target.taskDefinitionArn));
  const others = (service.deployments ?? []).filter((d) => d !== deployment);
  if (state.polls === 1)
    for (const d of others) if (d.taskDefinition) state.previousTaskDefinitions.add(d.taskDefinition);

  const stoppedTasks = obs.tasks
    .filter(isStopped)
    .sort((a, b) => stopTime(b) - stopTime(a))
    .map(classifyStoppedTask);
  const targets = deploymentTargets(obs, state);
  const counts = countsOf(deployment, others, obs, targets);
  const record = findRecord(obs.records, target);
  const evidence: Evidence = {
    ...(deployment ? { deployment } : {}),
    fresh,
    counts,
    stoppedTasks,
    targets,
    events: recentEvents(service, target),
    ...(record ? { record } : {}),
    notes: [...state.notes, ...(obs.records?.readable === false ? [say.recordsUnreadable(obs.records.why)] : [])],
  };
  const primary = (service.deployments ?? []).find((d) => d.status === "PRIMARY");
  const found = { ...(deployment ? { deployment } : {}), ...(primary ? { primary } : {}) };
  const view = { service, ...found, target, counts };
  return { obs, target, service, ...found, fresh, td: arnTail(target.taskDefinitionArn), evidence, view };
}

/**
 * Follows the deployment that replaced the tracked one with the same task definition (findDeployment), and says so.
 *
 * @param state the tracker's memory (locked on the successor here)
 * @param previous the id it tracked
 * @param successor the deployment it follows now
 * @param td the tracked task definition (family:revision)
 */
function followSuccessor(state: TrackerState, previous: string, successor: Deployment, td: string): void {
  state.deploymentId = successor.id;
  if (successor.createdAt) state.deploymentCreatedAt = successor.createdAt.getTime();
  state.notes.push(say.followedSuccessor(previous, successor.id ?? "?", td));
}

/** When a stopped task stopped (or started stopping), for newest-first order. */
function stopTime(t: Task): number {
  return (t.stoppedAt ?? t.stoppingAt ?? t.executionStoppedAt)?.getTime() ?? 0;
}

/**
 * A verdict on this poll, with its evidence.
 *
 * @param poll the poll decided on
 * @param verdict the verdict (TIMED_OUT is timeoutAssessment's)
 * @param cause the kind of cause
 * @param reason one or two sentences naming it
 * @param extra the hint, notes and tasks whose logs explain it, if any
 */
function terminal(
  poll: Poll,
  verdict: Exclude<Verdict, "TIMED_OUT">,
  cause: CauseKind,
  reason: string,
  extra: { hint?: string; notes?: string[]; logTasks?: Task[] } = {},
): Assessment {
  return {
    terminal: true,
    verdict,
    cause,
    reason,
    ...(extra.hint ? { hint: extra.hint } : {}),
    notes: [...(extra.notes ?? []), ...poll.evidence.notes],
    logTasks: extra.logTasks ?? [],
    evidence: poll.evidence,
  };
}

/**
 * SUCCESSFUL, as the acceptance rule words it.
 *
 * @param poll the poll decided on
 * @param accepted the rule's reason and notes
 */
function success(poll: Poll, accepted: Acceptance): Assessment {
  return terminal(poll, "SUCCESSFUL", "none", accepted.reason, { notes: accepted.notes });
}

/**
 * The tasks whose logs explain a failure on this poll.
 *
 * @param poll the poll decided on
 */
function failureLogTasks(poll: Poll): Task[] {
  return logTasksFor(poll.obs.tasks, poll.evidence.stoppedTasks, poll.evidence.targets);
}

/**
 * A rollback, with the cause its stopped tasks and targets show and their logs.
 *
 * @param poll the poll decided on
 * @param reason the sentence, given the cause sentence
 */
function rolledBack(poll: Poll, reason: (cause: string) => string): Assessment {
  const { stoppedTasks, targets } = poll.evidence;
  return terminal(poll, "ROLLED_BACK", "circuit-breaker", reason(say.causeSentence(stoppedTasks, targets)), {
    ...say.hintOf(stoppedTasks, targets),
    logTasks: failureLogTasks(poll),
  });
}

/**
 * FAILED: another deployment replaced the tracked one without rolling back.
 *
 * @param poll the poll decided on
 * @param id the tracked deployment's id
 * @param by the deployment that replaced it (the PRIMARY one)
 */
function superseded(poll: Poll, id: string, by: Deployment | undefined): Assessment {
  return terminal(poll, "FAILED", "superseded", say.superseded(id, poll.td, by), { hint: say.SUPERSEDED_HINT });
}

/**
 * The tracked deployment, seen on an earlier poll, is gone: rolled back, or superseded.
 *
 * @param poll the poll decided on
 * @param seenId the id it had
 * @param previousTaskDefinitions what a rollback goes back to (see TrackerState)
 */
function replaced(poll: Poll, seenId: string, previousTaskDefinitions: Set<string>): Assessment {
  const { primary, td } = poll;
  const rollingBack =
    primary &&
    (/rolling back/i.test(primary.rolloutStateReason ?? "") ||
      previousTaskDefinitions.has(primary.taskDefinition ?? ""));
  if (primary && rollingBack) return rolledBack(poll, (cause) => say.goneRolledBack(seenId, td, primary, cause));
  return superseded(poll, seenId, primary);
}

/**
 * Started, failed and rolled back before the first poll (a long apply): only the
 * events remain. Undefined when they do not say so.
 *
 * @param poll the poll decided on (no tracked deployment, none seen before)
 */
function rolledBackBeforeFirstPoll(poll: Poll): Assessment | undefined {
  const { primary, target } = poll;
  // Oldest first, so the message reads "deployment failed …; rolling back …".
  const failedEvents = poll.evidence.events
    .filter((e) => /deployment failed|rolling back|circuit breaker/i.test(e))
    .slice(0, 2)
    .reverse();
  if (failedEvents.length === 0 || !primary || primary.taskDefinition === target.taskDefinitionArn) return undefined;
  const gone = say.rolledBackBeforeFirstPoll(poll.td, failedEvents, primary, poll.service);
  return terminal(poll, "ROLLED_BACK", "circuit-breaker", gone.reason, { hint: gone.hint });
}

/**
 * No deployment of the task definition shows yet: the acceptance rule's success,
 * still waiting within NEW_DEPLOYMENT_GRACE_MS, or FAILED (nothing was deployed).
 *
 * @param poll the poll decided on (no tracked deployment, none seen before)
 * @param acceptance what counts as success
 */
function notStarted(poll: Poll, acceptance: AcceptanceRule): Assessment {
  const { obs, target, service, primary } = poll;
  const accepted = acceptance.acceptUndecided(poll.view);
  if (accepted) return success(poll, accepted);
  if (obs.at - target.trackingStartedAt < NEW_DEPLOYMENT_GRACE_MS) {
    return { terminal: false, phase: "waiting for ECS to start the deployment", evidence: poll.evidence };
  }
  const none = say.noDeployment(
    poll.td,
    NEW_DEPLOYMENT_GRACE_MS / 1000,
    service,
    primary,
    service.taskDefinition === target.taskDefinitionArn,
  );
  return terminal(poll, "FAILED", "no-deployment", none.reason, { hint: none.hint });
}

/**
 * ECS marked the tracked deployment FAILED: rolled back (or rolling back), or
 * failed with no rollback configured.
 *
 * @param poll the poll decided on
 * @param deployment the tracked deployment
 */
function rolloutFailed(poll: Poll, deployment: Deployment): Assessment {
  const { service, primary, td } = poll;
  const { stoppedTasks, targets } = poll.evidence;
  const id = deployment.id ?? "?";
  const why = deployment.rolloutStateReason ?? "ECS marked the deployment FAILED";
  if (primary && primary.id !== deployment.id)
    return rolledBack(poll, (cause) => say.failedRollingBackTo(id, td, why, primary, cause));
  // ECS marks the deployment FAILED and then starts the rollback deployment; report now, not after it.
  if (service.deploymentConfiguration?.deploymentCircuitBreaker?.rollback === true)
    return rolledBack(poll, (cause) =>
      say.failedRollsBack(id, td, why, cause, say.rollbackTarget(poll.evidence.events)),
    );
  const failed = say.failedNoRollback(id, td, why, say.causeSentence(stoppedTasks, targets));
  return terminal(poll, "FAILED", "circuit-breaker", failed.reason, {
    ...say.hintOf(stoppedTasks, targets),
    notes: [failed.note],
    logTasks: failureLogTasks(poll),
  });
}

/**
 * ECS marked the tracked deployment COMPLETED: SUCCESSFUL, as the acceptance rule confirms it.
 *
 * @param poll the poll decided on
 * @param deployment the tracked deployment
 * @param acceptance what counts as success
 */
function rolloutCompleted(poll: Poll, deployment: Deployment, acceptance: AcceptanceRule): Assessment {
  const notes = deployment.status !== "PRIMARY" ? [say.newerSinceCompleted(poll.primary)] : [];
  const reason = say.completed(deployment.id ?? "?", poll.td, poll.fresh, poll.evidence.counts);
  return success(poll, acceptance.confirmCompleted(poll.view, { reason, notes }));
}

/**
 * The verdict of ECS's service-deployment record, where it is decisive:
 * SUCCESSFUL; a rollback requested, in progress or done (ROLLED_BACK with the
 * rollback's reason, also once the deployment is gone from DescribeServices); a
 * rollback that failed too (FAILED); STOPPED (superseded when a newer deployment
 * exists — one of the same task definition would have been the record followed —
 * else stopped). Undefined while it is pending or in progress, or without a
 * record: DescribeServices, the tasks and the targets decide.
 *
 * @param poll the poll decided on
 * @param acceptance what counts as success
 */
function recordVerdict(poll: Poll, acceptance: AcceptanceRule): Assessment | undefined {
  const { td, evidence } = poll;
  const record = evidence.record;
  if (!record) return undefined;
  switch (record.status) {
    case "SUCCESSFUL":
      return success(
        poll,
        acceptance.confirmCompleted(poll.view, { reason: say.recordSuccessful(record, td), notes: [] }),
      );
    case "ROLLBACK_REQUESTED":
    case "ROLLBACK_IN_PROGRESS":
    case "ROLLBACK_SUCCESSFUL":
      return rolledBack(poll, (cause) => say.recordRolledBack(record, td, cause));
    case "ROLLBACK_FAILED": {
      const cause = say.causeSentence(evidence.stoppedTasks, evidence.targets);
      return terminal(poll, "FAILED", "circuit-breaker", say.recordRollbackFailed(record, td, cause), {
        ...say.hintOf(evidence.stoppedTasks, evidence.targets),
        notes: [say.ROLLBACK_FAILED_NOTE],
        logTasks: failureLogTasks(poll),
      });
    }
    case "STOPPED": {
      const newer = newerRecords(poll.obs.records, record)[0];
      if (newer)
        return terminal(poll, "FAILED", "superseded", say.recordSuperseded(record, td, newer), {
          hint: say.SUPERSEDED_HINT,
        });
      const stopped = say.recordStopped(record, td);
      return terminal(poll, "FAILED", "stopped", stopped.reason, { hint: stopped.hint });
    }
    default:
      return undefined;
  }
}

/**
 * A newer deployment took over the one in progress: rolling back, or superseded.
 *
 * @param poll the poll decided on
 * @param deployment the tracked deployment
 * @param primary the deployment that took over
 */
function overtaken(poll: Poll, deployment: Deployment, primary: Deployment): Assessment {
  const id = deployment.id ?? "?";
  if (/rolling back/i.test(primary.rolloutStateReason ?? ""))
    return rolledBack(poll, (cause) => say.rollingBackFrom(id, poll.td, primary, cause));
  return superseded(poll, id, primary);
}

/**
 * Fail fast on causes that repeat on every retry: a fatal kind of stopped task,
 * or a target failing for the whole window. Undefined when there is none.
 *
 * @param poll the poll decided on
 * @param deployment the tracked deployment
 */
function failFast(poll: Poll, deployment: Deployment): Assessment | undefined {
  const { obs, service } = poll;
  const { stoppedTasks, targets } = poll.evidence;
  const record = poll.evidence.record;
  const details = () => ({
    notes: [
      say.afterFailFastNote(service, deployment, {
        threshold: failureThreshold(service, deployment, record),
        failed: record?.circuitBreaker?.failureCount ?? deployment.failedTasks ?? 0,
      }),
    ],
    logTasks: failureLogTasks(poll),
  });
  const fatal = fatalStop(stoppedTasks);
  if (fatal) {
    return terminal(
      poll,
      "FAILED",
      fatal.kind,
      `${say.describeStops(fatal.kind, stoppedTasks)}${say.targetSentence(targets)}`,
      { hint: say.stopHint(fatal, targets), ...details() },
    );
  }
  const failing = failingTarget(targets, obs, service);
  if (!failing) return undefined;
  const words = say.targetFailing(failing);
  return terminal(poll, "FAILED", "target-health", words.reason, { hint: words.hint, ...details() });
}

/**
 * Nothing failed and ECS has not decided: the acceptance rule's success, the
 * steady picture confirmed (without rolloutState), or the phase it is in.
 *
 * @param poll the poll decided on
 * @param deployment the tracked deployment
 * @param state the tracker's memory (its fallback confirmations updated here)
 * @param acceptance what counts as success
 */
function undecided(poll: Poll, deployment: Deployment, state: TrackerState, acceptance: AcceptanceRule): Assessment {
  const accepted = acceptance.acceptUndecided(poll.view);
  if (accepted) return success(poll, accepted);
  if (deployment.rolloutState === undefined) {
    const steady = confirmedSteady(poll, deployment, state);
    if (steady) return steady;
  }
  return { terminal: false, phase: phaseOf(poll.evidence.counts, poll.service), evidence: poll.evidence };
}

/**
 * Without rolloutState: SUCCESSFUL once the steady picture held on
 * FALLBACK_CONFIRMATIONS consecutive polls, else undefined.
 *
 * @param poll the poll decided on
 * @param deployment the tracked deployment (no rolloutState)
 * @param state the tracker's memory (its fallback confirmations updated here)
 */
function confirmedSteady(poll: Poll, deployment: Deployment, state: TrackerState): Assessment | undefined {
  const { counts } = poll.evidence;
  const lb = (poll.service.loadBalancers ?? []).length > 0;
  const steady =
    deployment.status === "PRIMARY" &&
    counts.running >= counts.desired &&
    counts.pending === 0 &&
    counts.oldRunning === 0 &&
    (!lb || counts.healthyTargets === undefined || counts.healthyTargets >= counts.desired);
  state.fallbackConfirmations = steady ? state.fallbackConfirmations + 1 : 0;
  if (state.fallbackConfirmations < FALLBACK_CONFIRMATIONS) return undefined;
  const id = deployment.id ?? "?";
  return success(poll, say.steady(id, poll.td, counts, poll.fresh, lb, FALLBACK_CONFIRMATIONS));
}

function phaseOf(c: RolloutCounts, service: Service): RolloutPhase {
  if (c.running < c.desired) return "starting tasks";
  if ((service.loadBalancers ?? []).length > 0 && c.healthyTargets !== undefined && c.healthyTargets < c.desired)
    return "waiting for targets to pass health checks";
  if (c.oldRunning > 0) return "draining old tasks";
  return "waiting for ECS to mark the deployment complete";
}

function countsOf(
  d: Deployment | undefined,
  others: Deployment[],
  obs: Observation,
  targets: TargetSummary[],
): RolloutCounts {
  const lb = obs.targetHealth.length > 0;
  const runningTasks = obs.tasks.filter((t) => t.lastStatus === "RUNNING" && !isStopped(t));
  return {
    running: d?.runningCount ?? 0,
    desired: desiredOf(d, obs.service),
    pending: d?.pendingCount ?? 0,
    failedTasks: d?.failedTasks ?? 0,
    ...(lb && runningTasks.length > 0 ? { healthyTargets: targets.filter((t) => t.state === "healthy").length } : {}),
    oldRunning: others.reduce((n, o) => n + (o.runningCount ?? 0), 0),
  };
}

/**
 * What the deployment is heading for: its desiredCount, or, while ECS has not
 * scaled a new PRIMARY deployment up yet (it starts at 0), the service's.
 *
 * @param d the tracked deployment
 * @param service DescribeServices' service
 */
function desiredOf(d: Deployment | undefined, service: Service): number {
  const own = d?.desiredCount ?? 0;
  return own === 0 && d?.status === "PRIMARY" ? (service.desiredCount ?? 0) : own;
}

/**
 * The verdict when the budget ran out on an undecided poll: TIMED_OUT, with what
 * the last poll saw (the phase it was stuck in, counts, a failing target, the
 * latest stopped task) and where to look.
 *
 * @param last the last (undecided) assessment
 * @param elapsedMs time since tracking started
 * @param budget the budget, described for the message (e.g. "270 s = 3 × the expected 90 s")
 * @param target what is tracked
 */
export function timeoutAssessment(
  last: Extract<Assessment, { terminal: false }>,
  elapsedMs: number,
  budget: string,
  target: TrackedRollout,
): Extract<Assessment, { terminal: true }> {
  return {
    terminal: true,
    verdict: "TIMED_OUT",
    cause: "timeout",
    reason: say.timeoutReason({
      td: arnTail(target.taskDefinitionArn),
      deployment: last.evidence.deployment,
      phase: last.phase,
      elapsedMs,
      budget,
      counts: last.evidence.counts,
      badTarget: last.evidence.targets.find((t) => t.state !== "healthy"),
      latestStop: last.evidence.stoppedTasks.find((s) => s.kind !== "scheduler"),
    }),
    hint: say.timeoutHint(last.phase),
    notes: [say.TIMEOUT_NOTE, ...last.evidence.notes],
    logTasks: [],
    evidence: last.evidence,
  };
}
