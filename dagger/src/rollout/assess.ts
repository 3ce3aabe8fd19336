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
import type { Deployment, Service, Task } from "@aws-sdk/client-ecs";

import { type Acceptance, type AcceptanceRule, ECS_ACCEPTANCE } from "./acceptance.js";
import {
  arnTail,
  type Assessment,
  type CauseKind,
  type Evidence,
  type Observation,
  type RolloutCounts,
  type RolloutPhase,
  type TargetSummary,
  type TrackerState,
  type TrackedRollout,
  type Verdict,
} from "./model.js";
import { deploymentTargets, failingTarget, findDeployment, logTasksFor, recentEvents } from "./membership.js";
import { classifyStoppedTask, fatalStop } from "./stops.js";
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
  state.polls += 1;
  const service = obs.service;
  const { deployment, fresh } = findDeployment(service, target, state);
  const others = (service.deployments ?? []).filter((d) => d !== deployment);
  if (state.polls === 1)
    for (const d of others) if (d.taskDefinition) state.previousTaskDefinitions.add(d.taskDefinition);

  const stoppedTasks = obs.tasks
    .filter((t) => t.lastStatus === "STOPPED")
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
    .map(classifyStoppedTask);
  const targets = deploymentTargets(obs, state);
  const counts = countsOf(deployment, others, obs, targets);
  const evidence: Evidence = {
    ...(deployment ? { deployment } : {}),
    fresh,
    counts,
    stoppedTasks,
    targets,
    events: recentEvents(service, target),
  };
  const td = arnTail(target.taskDefinitionArn);
  const primary = (service.deployments ?? []).find((d) => d.status === "PRIMARY");
  const terminal = (
    verdict: Exclude<Verdict, "TIMED_OUT">,
    cause: CauseKind,
    reason: string,
    extra: { hint?: string; notes?: string[]; logTasks?: Task[] } = {},
  ): Assessment => ({
    terminal: true,
    verdict,
    cause,
    reason,
    ...(extra.hint ? { hint: extra.hint } : {}),
    notes: extra.notes ?? [],
    logTasks: extra.logTasks ?? [],
    evidence,
  });
  const success = (a: Acceptance): Assessment => terminal("SUCCESSFUL", "none", a.reason, { notes: a.notes });
  // A rollback, with the cause its stopped tasks and targets show and their logs.
  const rolledBack = (reason: (cause: string) => string): Assessment =>
    terminal("ROLLED_BACK", "circuit-breaker", reason(say.causeSentence(stoppedTasks, targets)), {
      ...say.hintOf(stoppedTasks),
      logTasks: logTasksFor(obs.tasks, stoppedTasks, targets),
    });
  const superseded = (id: string, by: Deployment | undefined): Assessment =>
    terminal("FAILED", "superseded", say.superseded(id, td, by), { hint: say.SUPERSEDED_HINT });
  const view = { service, ...(deployment ? { deployment } : {}), ...(primary ? { primary } : {}), target, counts };

  if (service.status && service.status !== "ACTIVE") {
    const gone = say.serviceGone(service);
    return terminal("FAILED", "service-gone", gone.reason, { hint: gone.hint });
  }

  if (!deployment) {
    if (state.deploymentId) {
      // Seen before, gone now: ECS replaced it.
      const seenId = state.deploymentId;
      const rollingBack =
        primary &&
        (/rolling back/i.test(primary.rolloutStateReason ?? "") ||
          state.previousTaskDefinitions.has(primary.taskDefinition ?? ""));
      if (primary && rollingBack) return rolledBack((cause) => say.goneRolledBack(seenId, td, primary, cause));
      return superseded(seenId, primary);
    }
    // Started, failed and rolled back before the first poll (a long apply): only the events remain.
    // Oldest first, so the message reads "deployment failed …; rolling back …".
    const failedEvents = evidence.events
      .filter((e) => /deployment failed|rolling back|circuit breaker/i.test(e))
      .slice(0, 2)
      .reverse();
    if (failedEvents.length > 0 && primary && primary.taskDefinition !== target.taskDefinitionArn) {
      const gone = say.rolledBackBeforeFirstPoll(td, failedEvents, primary);
      return terminal("ROLLED_BACK", "circuit-breaker", gone.reason, { hint: gone.hint });
    }
    const accepted = acceptance.acceptUndecided(view);
    if (accepted) return success(accepted);
    if (obs.at - target.trackingStartedAt < NEW_DEPLOYMENT_GRACE_MS) {
      return { terminal: false, phase: "waiting for ECS to start the deployment", evidence };
    }
    const none = say.noDeployment(
      td,
      NEW_DEPLOYMENT_GRACE_MS / 1000,
      service,
      primary,
      service.taskDefinition === target.taskDefinitionArn,
    );
    return terminal("FAILED", "no-deployment", none.reason, { hint: none.hint });
  }

  if (!state.deploymentId && deployment.id) {
    state.deploymentId = deployment.id;
    state.deploymentSeenAt = obs.at;
  }
  const id = deployment.id ?? "?";

  if (deployment.rolloutState === "FAILED") {
    const why = deployment.rolloutStateReason ?? "ECS marked the deployment FAILED";
    if (primary && primary.id !== deployment.id)
      return rolledBack((cause) => say.failedRollingBackTo(id, td, why, primary, cause));
    // ECS marks the deployment FAILED and then starts the rollback deployment; report now, not after it.
    if (service.deploymentConfiguration?.deploymentCircuitBreaker?.rollback === true)
      return rolledBack((cause) => say.failedRollsBack(id, td, why, cause));
    const failed = say.failedNoRollback(id, td, why, say.causeSentence(stoppedTasks, targets));
    return terminal("FAILED", "circuit-breaker", failed.reason, {
      ...say.hintOf(stoppedTasks),
      notes: [failed.note],
      logTasks: logTasksFor(obs.tasks, stoppedTasks, targets),
    });
  }

  if (deployment.rolloutState === "COMPLETED") {
    const notes = deployment.status !== "PRIMARY" ? [say.newerSinceCompleted(primary)] : [];
    return success(acceptance.confirmCompleted(view, { reason: say.completed(id, td, fresh, counts), notes }));
  }

  if (deployment.status !== "PRIMARY" && primary && primary.id !== deployment.id) {
    // Still in progress but no longer PRIMARY: a newer deployment took over.
    if (/rolling back/i.test(primary.rolloutStateReason ?? ""))
      return rolledBack((cause) => say.rollingBackFrom(id, td, primary, cause));
    return superseded(id, primary);
  }

  // Fail fast on causes that repeat on every retry.
  const failFast = () => ({
    notes: [say.afterFailFastNote(service, deployment, circuitBreakerThreshold(deployment.desiredCount ?? 0))],
    logTasks: logTasksFor(obs.tasks, stoppedTasks, targets),
  });
  const fatal = fatalStop(stoppedTasks);
  if (fatal) {
    return terminal(
      "FAILED",
      fatal.kind,
      `${say.describeStops(fatal.kind, stoppedTasks)}${say.targetSentence(targets)}`,
      { hint: fatal.hint, ...failFast() },
    );
  }
  const failing = failingTarget(targets, obs, service);
  if (failing) {
    const words = say.targetFailing(failing);
    return terminal("FAILED", "target-health", words.reason, { hint: words.hint, ...failFast() });
  }

  const accepted = acceptance.acceptUndecided(view);
  if (accepted) return success(accepted);

  if (deployment.rolloutState === undefined) {
    const lb = (service.loadBalancers ?? []).length > 0;
    const steady =
      deployment.status === "PRIMARY" &&
      counts.running >= counts.desired &&
      counts.pending === 0 &&
      counts.oldRunning === 0 &&
      (!lb || counts.healthyTargets === undefined || counts.healthyTargets >= counts.desired);
    state.fallbackConfirmations = steady ? state.fallbackConfirmations + 1 : 0;
    if (state.fallbackConfirmations >= FALLBACK_CONFIRMATIONS)
      return success(say.steady(id, td, counts, fresh, lb, FALLBACK_CONFIRMATIONS));
  }

  return { terminal: false, phase: phaseOf(counts, service), evidence };
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
  const runningTasks = obs.tasks.filter((t) => t.lastStatus === "RUNNING");
  return {
    running: d?.runningCount ?? 0,
    desired: d?.desiredCount ?? 0,
    pending: d?.pendingCount ?? 0,
    failedTasks: d?.failedTasks ?? 0,
    ...(lb && runningTasks.length > 0 ? { healthyTargets: targets.filter((t) => t.state === "healthy").length } : {}),
    oldRunning: others.reduce((n, o) => n + (o.runningCount ?? 0), 0),
  };
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
    notes: [say.TIMEOUT_NOTE],
    logTasks: [],
    evidence: last.evidence,
  };
}
