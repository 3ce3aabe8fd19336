/**
 * The rollout tracker: follows the ECS deployment an infrastructure apply started
 * to a verdict you can trust — SUCCESSFUL, FAILED (with the cause), ROLLED_BACK
 * (the circuit breaker took the service back: a failed deploy) or TIMED_OUT —
 * failing within a poll on causes that repeat on every retry (image pull,
 * resource initialization, crash loops, failing health checks) and printing why:
 * stopped-task reasons, exit codes, target-health reason codes, the last log lines.
 *
 * The decisions are in rollout-assess.ts (pure); this file polls AWS (clients
 * injected: tests pass fakes), retries throttling without ever turning it into a
 * verdict, reads the failing tasks' logs and formats the result.
 *
 * Call it after the apply returned, with the task definition ARN the apply output:
 *
 *   const result = await trackRollout({ clients, cluster, service, taskDefinitionArn,
 *     applyStartedAt, expectedSeconds: 90, onProgress: (p) => console.log(formatProgress(p)) });
 *   console.log(result.summary);
 *   if (result.verdict !== "SUCCESSFUL") throw new Error(result.summary);   // exitCodeFor(result.verdict)
 *
 * IAM: ROLLOUT_IAM_ACTIONS lists what the deploy identity needs.
 */
import type {
  DescribeServicesCommandInput,
  DescribeServicesResponse,
  DescribeTaskDefinitionCommandInput,
  DescribeTaskDefinitionResponse,
  DescribeTasksCommandInput,
  DescribeTasksResponse,
  ListTasksCommandInput,
  ListTasksResponse,
  Task,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { DescribeTargetHealthInput, DescribeTargetHealthOutput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { GetLogEventsRequest, GetLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";

import { type AcceptanceRule, ECS_ACCEPTANCE } from "./rollout-acceptance.js";
import { assess, belongsTo, findDeployment, timeoutAssessment } from "./rollout-assess.js";
import {
  arnTail,
  type Assessment,
  type CauseKind,
  type Evidence,
  exitCodeFor,
  newTrackerState,
  type Observation,
  type RolloutCounts,
  type RolloutPhase,
  type StoppedTaskSummary,
  type TargetSummary,
  type TrackerState,
  type TrackTarget,
  type Verdict,
} from "./rollout-model.js";

/** The ECS calls the tracker makes (the SDK's `ECS` class satisfies it). */
export interface EcsApi {
  describeServices(input: DescribeServicesCommandInput): Promise<DescribeServicesResponse>;
  listTasks(input: ListTasksCommandInput): Promise<ListTasksResponse>;
  describeTasks(input: DescribeTasksCommandInput): Promise<DescribeTasksResponse>;
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Promise<DescribeTaskDefinitionResponse>;
}

/** The ELBv2 call the tracker makes (the SDK's `ElasticLoadBalancingV2` class satisfies it). */
export interface Elbv2Api {
  describeTargetHealth(input: DescribeTargetHealthInput): Promise<DescribeTargetHealthOutput>;
}

/** The CloudWatch Logs call the tracker makes (the SDK's `CloudWatchLogs` class satisfies it). */
export interface LogsApi {
  getLogEvents(input: GetLogEventsRequest): Promise<GetLogEventsResponse>;
}

/** The three clients, e.g. from createRolloutClients(). */
export interface RolloutClients {
  ecs: EcsApi;
  elbv2: Elbv2Api;
  logs: LogsApi;
}

/** Time, injectable so tests never wait. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The IAM actions the deploy identity needs for trackRollout (all read-only). */
export const ROLLOUT_IAM_ACTIONS = [
  "ecs:DescribeServices",
  "ecs:ListTasks",
  "ecs:DescribeTasks",
  "ecs:DescribeTaskDefinition",
  "elasticloadbalancing:DescribeTargetHealth",
  "logs:GetLogEvents",
] as const;

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

// 1 s doubling to 20 s: throttling buckets refill within seconds; the cap keeps a
// retry inside a few poll intervals. Jitter spreads concurrent deploys apart.
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 20_000;

// 120 s: AWS's throttling clears within seconds; two minutes without one answer
// means something else is wrong (network, endpoint) and any verdict would be a guess.
export const MAX_UNOBSERVED_MS = 120_000;

// 15 lines: enough for a stack trace's top or the last requests; the `logs` function shows more.
export const LOG_LINES = 15;

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
  /** What counts as success (default ECS_ACCEPTANCE; EMULATOR_ACCEPTANCE for an AWS emulator, whose deployments are static): see rollout-acceptance.ts. */
  acceptance?: AcceptanceRule;
  /** Called after every poll that did not decide; print formatProgress(p). */
  onProgress?: (progress: RolloutProgress) => void;
  /** Time source (tests pass a fake). */
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter (tests pass a fixed one). */
  random?: () => number;
}

/** What the caller shows while waiting. */
export interface RolloutProgress {
  phase: RolloutPhase;
  deploymentId?: string;
  counts: RolloutCounts;
  elapsedMs: number;
  expectedMs: number;
  budgetMs: number;
  /** Polls so far. */
  polls: number;
  /** Set while retrying after throttling or a server error: what AWS said. */
  retrying?: string;
}

/** The last log lines of one container of a failing task. */
export interface TaskLogLines {
  taskId: string;
  container: string;
  logGroup: string;
  logStream: string;
  lines: string[];
  /** Why there are no lines, when there are none. */
  note?: string;
}

/** The outcome of trackRollout. */
export interface RolloutResult {
  verdict: Verdict;
  /** The tracked deployment, once seen. */
  deploymentId?: string;
  /** The task definition the apply registered. */
  taskDefinition: string;
  /** What the cause is, as a category. */
  cause: CauseKind;
  /** One or two sentences naming the cause. */
  reason: string;
  /** What to do, when there is something to do. */
  hint?: string;
  details: {
    stoppedTasks: StoppedTaskSummary[];
    targetHealth: TargetSummary[];
    logLines: TaskLogLines[];
    /** Service events since the apply started, newest first. */
    events: string[];
    notes: string[];
    counts: RolloutCounts;
  };
  timings: {
    startedAt: Date;
    finishedAt: Date;
    elapsedMs: number;
    expectedMs: number;
    budgetMs: number;
    polls: number;
    /** When the tracked deployment was first seen, ms after tracking started. */
    deploymentSeenAfterMs?: number;
  };
  /** exitCodeFor(verdict). */
  exitCode: number;
  /** A multi-line text for people: verdict, cause, evidence, what to do. */
  summary: string;
}

/** An AWS call failed in a way that says nothing about the deployment (or could not be retried). */
export class RolloutError extends Error {
  override name = "RolloutError";
}

/**
 * Follows the deployment the apply started until a verdict, polling ECS (and
 * the target groups, and the failing tasks' logs). Throttling and AWS server
 * errors are retried with backoff; they never become a verdict. Other AWS errors
 * throw a RolloutError that says what to do.
 *
 * @param opts what to track, the clients, timing and callbacks (see TrackRolloutOptions)
 * @returns the verdict with its evidence, timings and a summary for people
 */
export async function trackRollout(opts: TrackRolloutOptions): Promise<RolloutResult> {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const intervalMs = (opts.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
  const expectedMs = opts.expectedSeconds * 1000;
  const budgetMs = (opts.budgetSeconds ?? Math.max(MIN_BUDGET_SECONDS, opts.expectedSeconds * BUDGET_FACTOR)) * 1000;
  const startedAt = clock.now();
  const target: TrackTarget = {
    taskDefinitionArn: opts.taskDefinitionArn,
    applyStartedAt: opts.applyStartedAt.getTime(),
    trackingStartedAt: startedAt,
  };
  const acceptance = opts.acceptance ?? ECS_ACCEPTANCE;
  const state = newTrackerState();
  const ctx: PollContext = { opts, stoppedCache: new Map(), taskDefinitions: new Map() };

  let attempt = 0;
  let unobservedSince: number | undefined;
  let last: Assessment | undefined;
  for (;;) {
    let obs: Observation;
    try {
      obs = await observe(ctx, target, state, clock);
      attempt = 0;
      unobservedSince = undefined;
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
      const delay = backoffMs(attempt++, random);
      opts.onProgress?.({
        phase: "retrying: AWS is throttling or unavailable",
        ...(state.deploymentId ? { deploymentId: state.deploymentId } : {}),
        counts: last?.evidence.counts ?? emptyCounts(),
        elapsedMs: now - startedAt,
        expectedMs,
        budgetMs,
        polls: state.polls,
        retrying: `${errorName(err)}: ${errorMessage(err)} (retry ${attempt} in ${(delay / 1000).toFixed(1)} s)`,
      });
      await clock.sleep(delay);
      continue;
    }
    last = assess(obs, target, state, acceptance);
    const elapsed = obs.at - startedAt;
    if (last.terminal) {
      const logLines = await readLogs(ctx, obs.service, last.logTasks, clock, random);
      return buildResult({ opts, state, startedAt, finishedAt: clock.now(), expectedMs, budgetMs, assessment: last, logLines });
    }
    if (elapsed >= budgetMs) {
      const logTasks = timeoutLogTasks(obs, last.evidence);
      const logLines = await readLogs(ctx, obs.service, logTasks, clock, random);
      const budget = `${Math.round(budgetMs / 1000)} s${opts.budgetSeconds === undefined ? ` = ${BUDGET_FACTOR} × the expected ${opts.expectedSeconds} s, at least ${MIN_BUDGET_SECONDS} s` : ""}`;
      return buildResult({ opts, state, startedAt, finishedAt: clock.now(), expectedMs, budgetMs, assessment: timeoutAssessment(last, elapsed, budget, target), logLines });
    }
    opts.onProgress?.({
      phase: last.phase,
      ...(state.deploymentId ? { deploymentId: state.deploymentId } : {}),
      counts: last.evidence.counts,
      elapsedMs: elapsed,
      expectedMs,
      budgetMs,
      polls: state.polls,
    });
    // The last poll lands on the budget, so TIMED_OUT always rests on a fresh observation.
    await clock.sleep(Math.min(intervalMs, budgetMs - elapsed));
  }
}

interface PollContext {
  opts: TrackRolloutOptions;
  /** Tasks already seen STOPPED (they never change again): not described twice. */
  stoppedCache: Map<string, Task>;
  taskDefinitions: Map<string, TaskDefinition>;
}

/** One poll: the service, the tracked deployment's tasks, the target groups' health. */
async function observe(ctx: PollContext, target: TrackTarget, state: TrackerState, clock: Clock): Promise<Observation> {
  const { ecs, elbv2 } = ctx.opts.clients;
  const { cluster, service: serviceName } = ctx.opts;
  const out = await call("ECS DescribeServices", () => ecs.describeServices({ cluster, services: [serviceName] }));
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
  const deployment = found ?? (state.deploymentId ? { id: state.deploymentId, taskDefinition: target.taskDefinitionArn } : undefined);
  let tasks: Task[] = [];
  if (deployment) {
    const name = service.serviceName ?? serviceName;
    const all = await serviceTasks(ctx, name);
    tasks = all.filter((t) => belongsTo(t, deployment, name));
  }
  const groups = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => !!a))];
  const targetHealth = deployment
    ? await Promise.all(
        groups.map(async (targetGroupArn) => {
          const th = await call("ELBv2 DescribeTargetHealth", () => elbv2.describeTargetHealth({ TargetGroupArn: targetGroupArn }));
          return { targetGroupArn, descriptions: th.TargetHealthDescriptions ?? [] };
        }),
      )
    : [];
  return { at, service, tasks, targetHealth };
}

/** The service's running and recently stopped tasks (ListTasks + DescribeTasks, stopped ones cached). */
async function serviceTasks(ctx: PollContext, serviceName: string): Promise<Task[]> {
  const { ecs } = ctx.opts.clients;
  const { cluster } = ctx.opts;
  // startedBy would filter by deployment, but ECS allows it only as the sole filter (no desiredStatus):
  // list the service's tasks per desired status and match startedBy afterwards.
  const [running, stopped] = await Promise.all(
    (["RUNNING", "STOPPED"] as const).map((desiredStatus) =>
      call("ECS ListTasks", () => ecs.listTasks({ cluster, serviceName, desiredStatus, maxResults: TASKS_PER_CALL })),
    ),
  );
  const arns = [...new Set([...(running?.taskArns ?? []), ...(stopped?.taskArns ?? [])])];
  const fresh = arns.filter((a) => !ctx.stoppedCache.has(a));
  const described: Task[] = [];
  for (let i = 0; i < fresh.length; i += TASKS_PER_CALL) {
    const out = await call("ECS DescribeTasks", () => ecs.describeTasks({ cluster, tasks: fresh.slice(i, i + TASKS_PER_CALL) }));
    described.push(...(out.tasks ?? []));
  }
  for (const t of described) if (t.lastStatus === "STOPPED" && t.taskArn) ctx.stoppedCache.set(t.taskArn, t);
  return [...described.filter((t) => t.lastStatus !== "STOPPED"), ...arns.map((a) => ctx.stoppedCache.get(a)).filter((t): t is Task => t !== undefined)];
}

/** The last log lines of the tasks' containers (awslogs only); never throws. */
async function readLogs(ctx: PollContext, service: Observation["service"], tasks: Task[], clock: Clock, random: () => number): Promise<TaskLogLines[]> {
  if (tasks.length === 0) return [];
  const tdArn = tasks[0]?.taskDefinitionArn;
  if (!tdArn) return [];
  let td = ctx.taskDefinitions.get(tdArn);
  if (!td) {
    try {
      td = (await withRetry(() => ctx.opts.clients.ecs.describeTaskDefinition({ taskDefinition: tdArn }), clock, random)).taskDefinition;
      if (td) ctx.taskDefinitions.set(tdArn, td);
    } catch (err) {
      return tasks.map((t) => ({ taskId: arnTail(t.taskArn), container: "?", logGroup: "?", logStream: "?", lines: [], note: `could not read the task definition: ${errorName(err)}: ${errorMessage(err)}` }));
    }
  }
  const lbContainer = service.loadBalancers?.[0]?.containerName;
  const out: TaskLogLines[] = [];
  for (const task of tasks) {
    const taskId = arnTail(task.taskArn);
    // The container that explains it: one that exited non-zero, else the load-balanced one, else the first essential one.
    const exited = task.containers?.find((c) => c.exitCode !== undefined && c.exitCode !== 0)?.name;
    const name = exited ?? lbContainer ?? td?.containerDefinitions?.find((c) => c.essential !== false)?.name;
    const def = td?.containerDefinitions?.find((c) => c.name === name);
    const log = def?.logConfiguration;
    if (!name || !def) continue;
    if (log?.logDriver !== "awslogs" || !log.options?.["awslogs-group"] || !log.options["awslogs-stream-prefix"]) {
      out.push({ taskId, container: name, logGroup: "?", logStream: "?", lines: [], note: `the container logs with ${log?.logDriver ?? "no log driver"}${log?.logDriver === "awslogs" ? " without a stream prefix" : ""}; only awslogs streams with a prefix can be found` });
      continue;
    }
    const logGroup = log.options["awslogs-group"];
    const logStream = `${log.options["awslogs-stream-prefix"]}/${name}/${taskId}`;
    try {
      const res = await withRetry(() => ctx.opts.clients.logs.getLogEvents({ logGroupName: logGroup, logStreamName: logStream, limit: LOG_LINES, startFromHead: false }), clock, random);
      const lines = (res.events ?? []).map((e) => (e.message ?? "").trimEnd()).filter((l) => l !== "");
      out.push({ taskId, container: name, logGroup, logStream, lines, ...(lines.length === 0 ? { note: "the stream is empty" } : {}) });
    } catch (err) {
      const note =
        errorName(err) === "ResourceNotFoundException"
          ? "no log stream: the container wrote nothing (or never started)"
          : /AccessDenied/.test(errorName(err))
            ? "not allowed to read it (logs:GetLogEvents)"
            : `${errorName(err)}: ${errorMessage(err)}`;
      out.push({ taskId, container: name, logGroup, logStream, lines: [], note });
    }
  }
  return out;
}

/** For TIMED_OUT: the tasks whose logs may say why it is stuck (failing targets first, then stopped ones). */
function timeoutLogTasks(obs: Observation, ev: Evidence): Task[] {
  const ids = [
    ...ev.targets.filter((t) => t.state !== "healthy" && t.taskId).map((t) => t.taskId!),
    ...ev.stoppedTasks.filter((s) => s.kind !== "scheduler" && s.kind !== "image-pull" && s.kind !== "resource-init").map((s) => s.taskId),
  ];
  const unique = [...new Set(ids)].slice(0, 2);
  return unique.map((id) => obs.tasks.find((t) => arnTail(t.taskArn) === id)).filter((t): t is Task => t !== undefined);
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

function buildResult(b: BuildArgs): RolloutResult {
  const a = b.assessment;
  const verdict = a.verdict;
  const result: Omit<RolloutResult, "summary"> = {
    verdict,
    ...(b.state.deploymentId ? { deploymentId: b.state.deploymentId } : {}),
    taskDefinition: b.opts.taskDefinitionArn,
    cause: a.cause,
    reason: a.reason,
    ...(a.hint ? { hint: a.hint } : {}),
    details: {
      stoppedTasks: a.evidence.stoppedTasks,
      targetHealth: a.evidence.targets,
      logLines: b.logLines,
      events: a.evidence.events,
      notes: a.notes,
      counts: a.evidence.counts,
    },
    timings: {
      startedAt: new Date(b.startedAt),
      finishedAt: new Date(b.finishedAt),
      elapsedMs: b.finishedAt - b.startedAt,
      expectedMs: b.expectedMs,
      budgetMs: b.budgetMs,
      polls: b.state.polls,
      ...(b.state.deploymentSeenAt !== undefined ? { deploymentSeenAfterMs: b.state.deploymentSeenAt - b.startedAt } : {}),
    },
    exitCode: exitCodeFor(verdict),
  };
  return { ...result, summary: formatSummary(result) };
}

/**
 * The human summary of a result: verdict and time, the cause, the evidence
 * (stopped tasks, target health, log lines, events) and what to do.
 *
 * @param r a result (its summary field is ignored)
 */
export function formatSummary(r: Omit<RolloutResult, "summary">): string {
  const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
  const word: Record<Verdict, string> = { SUCCESSFUL: "SUCCESSFUL", FAILED: "FAILED", ROLLED_BACK: "ROLLED BACK", TIMED_OUT: "TIMED OUT" };
  const lines = [
    `Rollout of ${arnTail(r.taskDefinition)}${r.deploymentId ? ` (deployment ${r.deploymentId})` : ""}: ${word[r.verdict]} after ${secs(r.timings.elapsedMs)} (expected ~${secs(r.timings.expectedMs)}; exit status ${r.exitCode})`,
    `  ${r.reason}`,
  ];
  // Stopped tasks whose reason the headline already quotes add nothing unless they carry exit codes.
  const stopped = r.details.stoppedTasks
    .filter((s) => s.kind !== "scheduler")
    .filter((s) => !r.reason.includes(s.stoppedReason ?? "\u0000") || s.containers.some((c) => c.exitCode !== undefined))
    .slice(0, 3);
  if (r.verdict !== "SUCCESSFUL" && stopped.length > 0) {
    lines.push("  Stopped tasks of this deployment (newest first):");
    for (const s of stopped) {
      const exits = s.containers.filter((c) => c.exitCode !== undefined).map((c) => `${c.name} exit ${c.exitCode}`);
      const reasons = s.containers.filter((c) => c.reason && !(s.stoppedReason ?? "").includes(c.reason)).map((c) => `${c.name}: ${c.reason}`);
      lines.push(`    ${s.taskId} ${s.stopCode ?? ""}: ${s.stoppedReason ?? "?"}${[...exits, ...reasons].length > 0 ? ` [${[...exits, ...reasons].join("; ")}]` : ""}`);
    }
  }
  const targets = r.details.targetHealth.filter((t) => t.state !== "healthy");
  if (r.verdict !== "SUCCESSFUL" && targets.length > 0) {
    lines.push("  Target health of this deployment's tasks:");
    for (const t of targets) lines.push(`    ${t.id}:${t.port ?? "?"} (task ${t.taskId ?? "?"}) ${t.state}${t.reason ? ` ${t.reason}: ${t.description ?? ""}` : ""}`);
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

/** Settings shared by the three SDK clients (what awsClientConfig() in aws.ts returns). */
export interface RolloutClientConfig {
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An AWS emulator's URL; unset for AWS. */
  endpoint?: string;
  maxAttempts?: number;
  /** Connection and request timeouts (AWS_HTTP_TIMEOUTS in aws.ts). */
  requestHandler?: { connectionTimeout?: number; requestTimeout?: number };
}

/**
 * The SDK clients for trackRollout, loaded on demand (the module's other
 * functions do not pay for importing them). Pass the settings awsClientConfig()
 * builds (region, credentials, endpoint, maxAttempts). Call destroy() when done.
 *
 * @param config settings for every client constructor
 */
export async function createRolloutClients(config: RolloutClientConfig): Promise<RolloutClients & { destroy(): void }> {
  const [{ ECS }, { ElasticLoadBalancingV2 }, { CloudWatchLogs }] = await Promise.all([
    import("@aws-sdk/client-ecs"),
    import("@aws-sdk/client-elastic-load-balancing-v2"),
    import("@aws-sdk/client-cloudwatch-logs"),
  ]);
  const ecs = new ECS(config);
  const elbv2 = new ElasticLoadBalancingV2(config);
  const logs = new CloudWatchLogs(config);
  return {
    ecs,
    elbv2,
    logs,
    destroy: () => {
      ecs.destroy();
      elbv2.destroy();
      logs.destroy();
    },
  };
}

function emptyCounts(): RolloutCounts {
  return { running: 0, desired: 0, pending: 0, failedTasks: 0, oldRunning: 0 };
}

/** Tags an AWS error with the call that failed (for messages), keeping retryability. */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err !== null && typeof err === "object") (err as { rolloutCall?: string }).rolloutCall ??= what;
    throw err;
  }
}

/** Retries throttling and server errors a few times (for the log reads, which must not stall the verdict). */
async function withRetry<T>(fn: () => Promise<T>, clock: Clock, random: () => number): Promise<T> {
  // 3 attempts: logs are a courtesy; the verdict is already known.
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 2 || !isRetryable(err)) throw err;
      await clock.sleep(backoffMs(attempt, random));
    }
  }
}

/**
 * Backoff before retry `attempt` (0-based): half the capped exponential step
 * plus a random half ("equal jitter"), so retries neither stampede nor shrink to 0.
 *
 * @param attempt how many retries came before
 * @param random a source in [0, 1)
 */
export function backoffMs(attempt: number, random: () => number): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return step / 2 + random() * (step / 2);
}

// Error names AWS services use for throttling (ECS, Logs: ThrottlingException; ELBv2: Throttling; others).
const THROTTLING = new Set(["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown"]);
// Server-side and transport errors: they say nothing about the deployment either.
const TRANSIENT = new Set(["ServerException", "InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException", "TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

/**
 * Whether an AWS error is throttling or transient (retry) rather than an answer (stop).
 *
 * @param err what an SDK call threw
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RolloutError) return false;
  const e = (err ?? {}) as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  const status = e.$metadata?.httpStatusCode;
  return (
    THROTTLING.has(e.name ?? "") ||
    TRANSIENT.has(e.name ?? "") ||
    e.$retryable?.throttling === true ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND)$/.test(e.code ?? "")
  );
}

function errorName(err: unknown): string {
  return (err as { name?: string } | null)?.name ?? "Error";
}

function errorMessage(err: unknown): string {
  return (err as { message?: string } | null)?.message ?? String(err);
}

function explainError(err: unknown, opts: TrackRolloutOptions): string {
  if (err instanceof RolloutError) return err.message;
  const what = (err as { rolloutCall?: string } | null)?.rolloutCall ?? "An AWS call";
  const name = errorName(err);
  const said = `${name}: ${errorMessage(err)}`;
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${errorMessage(err)}`)) {
    return `Rollout tracking: ${what} was denied (${said}). The deploy identity needs the read-only actions ${ROLLOUT_IAM_ACTIONS.join(", ")}. The deployment itself continues: check it with \`status\`.`;
  }
  if (name === "ClusterNotFoundException") {
    return `Rollout tracking: the cluster ${opts.cluster} does not exist (${said}): check the cluster name the apply output and the region.`;
  }
  if (name === "ServiceNotFoundException" || name === "ServiceNotActiveException") {
    return `Rollout tracking: the service ${opts.service} is not in cluster ${opts.cluster} (${said}): check the names the apply output and the region.`;
  }
  if (name === "TargetGroupNotFoundException") {
    return `Rollout tracking: the service's target group no longer exists (${said}): was the load balancer replaced during the deploy? Run the apply again.`;
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return `Rollout tracking: ${what} failed (${said}${status ? `, HTTP ${status}` : ""}). The deployment itself continues: check it with \`status\`.`;
}
