/**
 * The rollout tracker: follows the ECS deployment an infrastructure apply started
 * to a verdict you can trust — SUCCESSFUL, FAILED (with the cause), ROLLED_BACK
 * (the circuit breaker took the service back: a failed deploy) or TIMED_OUT —
 * failing within a poll on causes that repeat on every retry (image pull,
 * resource initialization, crash loops, failing health checks) and printing why:
 * stopped-task reasons, exit codes, target-health reason codes, the last log lines.
 *
 * The decisions are in assess.ts (pure); this file polls AWS (clients
 * injected, clients.ts: tests pass fakes), retries throttling without
 * ever turning it into a verdict (errors.ts; the only retry layer: the
 * SDK clients make one attempt per call), reads the failing tasks'
 * logs (logs.ts) and builds the result (worded by summary.ts).
 *
 * Call it after the apply returned, with the task definition ARN the apply output:
 *
 *   const result = await trackRollout({ clients, cluster, service, taskDefinitionArn,
 *     applyStartedAt, expectedSeconds: 90, onProgress: (p) => console.log(formatProgress(p)) });
 *   console.log(result.summary);
 *   if (result.verdict !== "SUCCESSFUL") throw new Error(result.summary);   // exitCodeFor(result.verdict)
 *
 * IAM: ROLLOUT_IAM_ACTIONS (clients.ts) lists what the deploy identity needs.
 */
import type { Service, Task, TaskDefinition } from "@aws-sdk/client-ecs";

import { type AcceptanceRule, ECS_ACCEPTANCE } from "./acceptance.js";
import { assess, timeoutAssessment } from "./assess.js";
import { belongsTo, CLOCK_SKEW_MS, findDeployment } from "./membership.js";
import { type Clock, type Elbv2Api, type RolloutClients, systemClock } from "./clients.js";
import { backoffMs, tagged, errorMessage, errorName, explainError, isRetryable, RolloutError } from "./errors.js";
import { readLogs, timeoutLogTasks } from "./logs.js";
import {
  arnTail,
  type Assessment,
  exitCodeFor,
  newTrackerState,
  type Observation,
  type RolloutCounts,
  type RolloutPhase,
  type RolloutProgress,
  type RolloutResult,
  type TaskLogLines,
  type TrackerState,
  type TrackedRollout,
} from "./model.js";
import { newRecordReader, readRecords, type RecordReader } from "./records.js";
import { formatSummary } from "./summary.js";

// 5 s: the ALB checks every 5 s and a task starts in tens of seconds, so a state
// change is seen within one check interval; ~1 DescribeServices + 2 ListTasks +
// 1–2 Describe* per poll stays far below ECS's API rate limits.
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;

// 3×: a cold image pull, a slow availability zone or one extra health-check round
// can double a deploy; at 3× something is wrong that ECS is not reporting, and a
// ~90 s deploy still ends in minutes, not after the 10-minute services-stable waiter.
export const BUDGET_FACTOR = 3;

// 120 s: Fargate provisioning plus an image pull alone varies by tens of seconds;
// a smaller budget would time out healthy deploys with small expected times.
export const MIN_BUDGET_SECONDS = 120;

// 120 s: AWS's throttling clears within seconds; two minutes without one answer
// means something else is wrong (network, endpoint) and any verdict would be a guess.
export const MAX_UNOBSERVED_MS = 120_000;

// 100: DescribeTasks' limit per call and ListTasks' page size.
const TASKS_PER_CALL = 100;

/** Options of trackRollout. */
export interface TrackRolloutOptions {
  /** ECS, ELBv2 and CloudWatch Logs clients (createRolloutClients() or fakes). */
  clients: RolloutClients;
  /** Cluster name or ARN. */
  cluster: string;
  /** Service name or ARN. */
  service: string;
  /** The task definition revision ARN the apply registered (its output). */
  taskDefinitionArn: string;
  /** When the apply started: a deployment created before it (minus clock skew) is not this apply's. */
  applyStartedAt: Date;
  /** The expected deploy time in seconds (shown while waiting; the budget is BUDGET_FACTOR × this). */
  expectedSeconds: number;
  /** Overrides the budget (seconds) after which the verdict is TIMED_OUT. */
  budgetSeconds?: number;
  /** Seconds between polls (default DEFAULT_POLL_INTERVAL_SECONDS). */
  pollIntervalSeconds?: number;
  /** What counts as success (default ECS_ACCEPTANCE; EMULATOR_ACCEPTANCE for an AWS emulator, whose deployments are static): see acceptance.ts. */
  acceptance?: AcceptanceRule;
  /** Called after every poll that did not decide; print formatProgress(p). */
  onProgress?: (progress: RolloutProgress) => void;
  /** Time source (tests pass a fake). */
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Follows the deployment the apply started until a verdict, polling ECS (its
 * service-deployment records where AWS has them, the target groups, and the
 * failing tasks' logs). Throttling and AWS server
 * errors are retried with backoff; they never become a verdict. Other AWS errors
 * throw a RolloutError that says what to do.
 *
 * @param opts what to track, the clients, timing and callbacks (see TrackRolloutOptions)
 * @returns the verdict with its evidence, timings and a summary for people
 */
export async function trackRollout(opts: TrackRolloutOptions): Promise<RolloutResult> {
  const run = startTracking(opts);
  let last: Assessment | undefined;
  for (;;) {
    const obs = await observeWithRetry(run, last);
    last = assess(obs, run.target, run.state, run.acceptance);
    const elapsed = obs.at - run.startedAt;
    if (last.terminal) return await finish(run, obs, last, last.logTasks);
    if (elapsed >= run.budgetMs) {
      const timedOut = timeoutAssessment(last, elapsed, budgetDescription(run), run.target);
      return await finish(run, obs, timedOut, timeoutLogTasks(obs, last.evidence));
    }
    opts.onProgress?.(progress(run, last.phase, last.evidence.counts, elapsed));
    // The last poll lands on the budget, so TIMED_OUT always rests on a fresh observation.
    await run.clock.sleep(Math.min(run.intervalMs, run.budgetMs - elapsed));
  }
}

interface PollContext {
  opts: TrackRolloutOptions;
  /** Tasks already seen STOPPED (they never change again): not described twice. */
  stoppedCache: Map<string, Task>;
  taskDefinitions: Map<string, TaskDefinition>;
  /** What the reads of ECS's service-deployment records remember (records.ts). */
  records: RecordReader;
}

/** One tracking run: its options resolved, its clock, budget and memory across polls. */
interface Tracking extends PollContext {
  clock: Clock;
  random: () => number;
  intervalMs: number;
  expectedMs: number;
  budgetMs: number;
  /** When tracking started (the clock's ms). */
  startedAt: number;
  target: TrackedRollout;
  acceptance: AcceptanceRule;
  state: TrackerState;
}

/**
 * Resolves the options' defaults and the budget, and starts the clock.
 *
 * @param opts trackRollout's options
 */
function startTracking(opts: TrackRolloutOptions): Tracking {
  const clock = opts.clock ?? systemClock;
  const startedAt = clock.now();
  return {
    opts,
    stoppedCache: new Map(),
    taskDefinitions: new Map(),
    records: newRecordReader(),
    clock,
    random: opts.random ?? Math.random,
    intervalMs: (opts.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000,
    expectedMs: opts.expectedSeconds * 1000,
    budgetMs: (opts.budgetSeconds ?? Math.max(MIN_BUDGET_SECONDS, opts.expectedSeconds * BUDGET_FACTOR)) * 1000,
    startedAt,
    target: {
      taskDefinitionArn: opts.taskDefinitionArn,
      applyStartedAt: opts.applyStartedAt.getTime(),
      trackingStartedAt: startedAt,
    },
    acceptance: opts.acceptance ?? ECS_ACCEPTANCE,
    state: newTrackerState(),
  };
}

/**
 * One observation, retrying throttling and AWS server errors with backoff (each
 * retry reported as progress); other errors, or MAX_UNOBSERVED_MS without an
 * answer, throw a RolloutError.
 *
 * @param run the tracking run
 * @param last the last assessment (its counts are shown while retrying)
 */
async function observeWithRetry(run: Tracking, last: Assessment | undefined): Promise<Observation> {
  const { opts, clock } = run;
  let attempt = 0;
  let unobservedSince: number | undefined;
  for (;;) {
    try {
      return await observe(run, run.target, run.state, clock);
    } catch (err) {
      if (!isRetryable(err)) throw new RolloutError(explainError(err, opts));
      const now = clock.now();
      unobservedSince ??= now;
      if (now - unobservedSince >= MAX_UNOBSERVED_MS) {
        throw new RolloutError(
          `Could not observe the rollout of ${arnTail(opts.taskDefinitionArn)} for ${Math.round((now - unobservedSince) / 1000)} s: AWS kept answering ${errorName(err)} (${errorMessage(err)}). ` +
            "Its state is unknown, not failed: check it with `status`, and retry the tracking later.",
        );
      }
      const delay = backoffMs(attempt++, run.random);
      const counts = last?.evidence.counts ?? emptyCounts();
      opts.onProgress?.({
        ...progress(run, "retrying: AWS is throttling or unavailable", counts, now - run.startedAt),
        retrying: `${errorName(err)}: ${errorMessage(err)} (retry ${attempt} in ${(delay / 1000).toFixed(1)} s)`,
      });
      await clock.sleep(delay);
    }
  }
}

/**
 * What onProgress receives.
 *
 * @param run the tracking run
 * @param phase what the rollout is waiting for
 * @param counts the last poll's counts
 * @param elapsedMs time since tracking started
 */
function progress(run: Tracking, phase: RolloutPhase, counts: RolloutCounts, elapsedMs: number): RolloutProgress {
  return {
    phase,
    ...(run.state.deploymentId ? { deploymentId: run.state.deploymentId } : {}),
    counts,
    elapsedMs,
    expectedMs: run.expectedMs,
    budgetMs: run.budgetMs,
    polls: run.state.polls,
  };
}

/**
 * The budget as a TIMED_OUT verdict describes it, e.g. "270 s = 3 × the expected 90 s, at least 120 s".
 *
 * @param run the tracking run
 */
function budgetDescription(run: Tracking): string {
  const { budgetSeconds, expectedSeconds } = run.opts;
  return `${Math.round(run.budgetMs / 1000)} s${budgetSeconds === undefined ? ` = ${BUDGET_FACTOR} × the expected ${expectedSeconds} s, at least ${MIN_BUDGET_SECONDS} s` : ""}`;
}

/**
 * The result of a verdict, once the explaining tasks' last log lines are read.
 *
 * @param run the tracking run
 * @param obs the last poll
 * @param assessment the verdict
 * @param logTasks the tasks whose last log lines go into the result
 */
async function finish(
  run: Tracking,
  obs: Observation,
  assessment: Extract<Assessment, { terminal: true }>,
  logTasks: Task[],
): Promise<RolloutResult> {
  const { opts, clock, random } = run;
  const logLines = await readLogs({
    clients: opts.clients,
    taskDefinitions: run.taskDefinitions,
    service: obs.service,
    tasks: logTasks,
    clock,
    random,
  });
  return buildResult({
    opts,
    state: run.state,
    startedAt: run.startedAt,
    finishedAt: clock.now(),
    expectedMs: run.expectedMs,
    budgetMs: run.budgetMs,
    assessment,
    logLines,
  });
}

/** One poll: the service, the tracked deployment's tasks, the target groups' health, ECS's deployment records. */
async function observe(
  ctx: PollContext,
  target: TrackedRollout,
  state: TrackerState,
  clock: Clock,
): Promise<Observation> {
  const { ecs, elbv2 } = ctx.opts.clients;
  const { cluster, service: serviceName } = ctx.opts;
  const out = await tagged("ECS DescribeServices", () => ecs.describeServices({ cluster, services: [serviceName] }));
  const at = clock.now();
  const service = out.services?.[0];
  if (!service) {
    const failure = out.failures?.[0];
    throw new RolloutError(
      `The service ${serviceName} was not found in cluster ${cluster} (${failure?.reason ?? "no service returned"}${failure?.detail ? `: ${failure.detail}` : ""}). ` +
        "Check the cluster and service names the apply output, and the region.",
    );
  }
  // Once seen, a deployment's tasks stay readable after ECS dropped the deployment (rolled back):
  // they carry the cause.
  const { deployment: found } = findDeployment(service, target, state);
  const deployment =
    found ?? (state.deploymentId ? { id: state.deploymentId, taskDefinition: target.taskDefinitionArn } : undefined);
  let tasks: Task[] = [];
  if (deployment) {
    const name = service.serviceName ?? serviceName;
    const all = await serviceTasks(ctx, name);
    tasks = all.filter((t) => belongsTo(t, deployment, name));
  }
  const targetHealth = deployment ? await targetGroupsHealth(elbv2, service) : [];
  const records = await readRecords({
    ecs,
    cluster,
    service: serviceName,
    since: new Date(target.applyStartedAt - CLOCK_SKEW_MS),
    reader: ctx.records,
  });
  return { at, service, tasks, targetHealth, records };
}

/**
 * DescribeTargetHealth of each of the service's target groups.
 *
 * @param elbv2 the ELBv2 client
 * @param service DescribeServices' service
 */
async function targetGroupsHealth(elbv2: Elbv2Api, service: Service): Promise<Observation["targetHealth"]> {
  const groups = [
    ...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => !!a)),
  ];
  return await Promise.all(
    groups.map(async (targetGroupArn) => {
      const th = await tagged("ELBv2 DescribeTargetHealth", () =>
        elbv2.describeTargetHealth({ TargetGroupArn: targetGroupArn }),
      );
      return { targetGroupArn, descriptions: th.TargetHealthDescriptions ?? [] };
    }),
  );
}

/** The service's running and recently stopped tasks (ListTasks + DescribeTasks, stopped ones cached). */
async function serviceTasks(ctx: PollContext, serviceName: string): Promise<Task[]> {
  const { ecs } = ctx.opts.clients;
  const { cluster } = ctx.opts;
  // startedBy would filter by deployment, but ECS allows it only as the sole filter (no desiredStatus):
  // list the service's tasks per desired status and match startedBy afterwards.
  const [running, stopped] = await Promise.all(
    (["RUNNING", "STOPPED"] as const).map((desiredStatus) =>
      tagged("ECS ListTasks", () => ecs.listTasks({ cluster, serviceName, desiredStatus, maxResults: TASKS_PER_CALL })),
    ),
  );
  const arns = [...new Set([...(running?.taskArns ?? []), ...(stopped?.taskArns ?? [])])];
  const fresh = arns.filter((a) => !ctx.stoppedCache.has(a));
  const described: Task[] = [];
  for (let i = 0; i < fresh.length; i += TASKS_PER_CALL) {
    const out = await tagged("ECS DescribeTasks", () =>
      ecs.describeTasks({ cluster, tasks: fresh.slice(i, i + TASKS_PER_CALL) }),
    );
    described.push(...(out.tasks ?? []));
  }
  for (const t of described) if (t.lastStatus === "STOPPED" && t.taskArn) ctx.stoppedCache.set(t.taskArn, t);
  return [
    ...described.filter((t) => t.lastStatus !== "STOPPED"),
    ...arns.map((a) => ctx.stoppedCache.get(a)).filter((t): t is Task => t !== undefined),
  ];
}

interface BuildArgs {
  opts: TrackRolloutOptions;
  state: TrackerState;
  startedAt: number;
  finishedAt: number;
  expectedMs: number;
  budgetMs: number;
  assessment: Extract<Assessment, { terminal: true }>;
  logLines: TaskLogLines[];
}

/**
 * The result of a verdict: its evidence, the log lines, timings, exit status and summary.
 *
 * @param args the verdict, the log lines and the run's timings and memory
 */
function buildResult(args: BuildArgs): RolloutResult {
  const { assessment, state } = args;
  const verdict = assessment.verdict;
  const result: Omit<RolloutResult, "summary"> = {
    verdict,
    ...(state.deploymentId ? { deploymentId: state.deploymentId } : {}),
    taskDefinition: args.opts.taskDefinitionArn,
    cause: assessment.cause,
    reason: assessment.reason,
    ...(assessment.hint ? { hint: assessment.hint } : {}),
    details: {
      stoppedTasks: assessment.evidence.stoppedTasks,
      targetHealth: assessment.evidence.targets,
      logLines: args.logLines,
      events: assessment.evidence.events,
      notes: assessment.notes,
      counts: assessment.evidence.counts,
    },
    timings: {
      startedAt: new Date(args.startedAt),
      finishedAt: new Date(args.finishedAt),
      elapsedMs: args.finishedAt - args.startedAt,
      expectedMs: args.expectedMs,
      budgetMs: args.budgetMs,
      polls: state.polls,
      ...(state.deploymentSeenAt !== undefined
        ? { deploymentSeenAfterMs: state.deploymentSeenAt - args.startedAt }
        : {}),
    },
    exitCode: exitCodeFor(verdict),
  };
  return { ...result, summary: formatSummary(result) };
}

function emptyCounts(): RolloutCounts {
  return { running: 0, desired: 0, pending: 0, failedTasks: 0, oldRunning: 0 };
}
