/**
 * The rollout tracker's vocabulary: verdicts and their exit status, the phases
 * of a rollout in progress, the kinds of cause, what one poll observes, what the
 * tracker remembers between polls and what an assessment decides. Types and a
 * few facts only: the rules are in stops.ts (stopped tasks) and
 * assess.ts (the decision), the sentences in wording.ts; the
 * result of trackRollout (track.ts) and its progress are here too.
 */
import type { Deployment, Service, Task } from "@aws-sdk/client-ecs";
import type { TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";

/** The outcome of a rollout. Only SUCCESSFUL is a successful deploy. */
export type Verdict = "SUCCESSFUL" | "FAILED" | "ROLLED_BACK" | "TIMED_OUT";

/**
 * Process exit status per verdict: 0 only for SUCCESSFUL; a rollback is a failed
 * deploy (the previous version serves, this one does not). Distinct non-zero
 * values let scripts tell the cases apart.
 */
export const EXIT_CODES: Readonly<Record<Verdict, number>> = {
  SUCCESSFUL: 0,
  FAILED: 1,
  ROLLED_BACK: 2,
  TIMED_OUT: 3,
};

/**
 * The exit status for a verdict (see EXIT_CODES).
 *
 * @param verdict the rollout's verdict
 */
export function exitCodeFor(verdict: Verdict): number {
  return EXIT_CODES[verdict];
}

/** What the rollout is waiting for while it is in progress. */
export type RolloutPhase =
  | "waiting for ECS to start the deployment"
  | "starting tasks"
  | "waiting for targets to pass health checks"
  | "draining old tasks"
  | "waiting for ECS to mark the deployment complete"
  | "retrying: AWS is throttling or unavailable";

/** Why a task of the deployment stopped, grouped by what it means for the deploy. */
export type StopKind =
  | "image-pull"
  | "resource-init"
  | "secret-fetch"
  | "container-start"
  | "out-of-memory"
  | "elb-health-check"
  | "container-health-check"
  | "essential-container-exit"
  | "infrastructure"
  | "scheduler"
  | "user"
  | "unknown";

/** The cause named in a verdict ("stopped": ECS's record says someone stopped the deployment, and no newer one took over). */
export type CauseKind =
  | StopKind
  | "target-health"
  | "circuit-breaker"
  | "superseded"
  | "stopped"
  | "no-deployment"
  | "service-gone"
  | "timeout"
  | "none";

/** ALB reason codes that mean the app answered the health check wrongly or not at all. */
export const FAILING_TARGET_REASONS: ReadonlySet<string> = new Set([
  "Target.ResponseCodeMismatch",
  "Target.Timeout",
  "Target.FailedHealthChecks",
]);

/** One container of a stopped task, as a verdict reports it. */
export interface StoppedContainer {
  name: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: string;
}

/** A stopped task of the tracked deployment and what its stop means. */
export interface StoppedTaskSummary {
  taskArn: string;
  /** Last segment of the ARN: what the console and log stream names use. */
  taskId: string;
  stopCode?: string;
  stoppedReason?: string;
  stoppedAt?: Date;
  containers: StoppedContainer[];
  kind: StopKind;
  /** Stopped tasks of this kind that fail the deploy at once (undefined: never by themselves). */
  fatalAfter?: number;
  /** What to do about it. */
  hint: string;
}

/** The health of one load-balancer target of the tracked deployment. */
export interface TargetSummary {
  targetGroupArn: string;
  /** The target's id: the task's private IP for Fargate (awsvpc). */
  id: string;
  port?: number;
  /** healthy | initial | unhealthy | unhealthy.draining | draining | unused | unavailable */
  state: string;
  /** ALB reason code, e.g. Target.ResponseCodeMismatch. */
  reason?: string;
  /** ALB's words, e.g. "Health checks failed with these codes: [502]". */
  description?: string;
  /** The task behind the target. */
  taskId?: string;
  /** How long it has been failing, as far as the polls saw. */
  unhealthyForMs?: number;
  /**
   * Set when this is the last failing state an earlier poll saw for a task ECS
   * has stopped since (its target is deregistered or draining now): when it was seen.
   */
  seenBeforeStopAt?: number;
}

/** Counts shown while waiting and kept in the result. */
export interface RolloutCounts {
  running: number;
  desired: number;
  pending: number;
  /** ECS's failedTasks of the deployment (what the circuit breaker counts). */
  failedTasks: number;
  /** Healthy targets of the deployment's tasks; undefined without a load balancer or visible tasks. */
  healthyTargets?: number;
  /** Tasks of other deployments still running (the old version, being drained). */
  oldRunning: number;
}

/** The deployment and the task/target data one poll collected for it. */
export interface Observation {
  /** When the poll's DescribeServices answered (ms since the epoch, the tracker's clock). */
  at: number;
  service: Service;
  /** The tracked deployment's tasks (running and stopped), as DescribeTasks returned them. */
  tasks: Task[];
  /** DescribeTargetHealth per target group of the service. */
  targetHealth: Array<{ targetGroupArn: string; descriptions: TargetHealthDescription[] }>;
  /** ECS's service-deployment records (records.ts); absent: not read. */
  records?: DeploymentRecords;
}

/**
 * One of ECS's service-deployment records (ListServiceDeployments /
 * DescribeServiceDeployments), with the task definitions its revisions deploy.
 * Its id is not the DescribeServices deployment's (ecs-svc/…): it is matched by task definition.
 */
export interface ServiceDeploymentRecord {
  arn: string;
  /** The ARN's last segment, as the sentences name it. */
  id: string;
  /** PENDING | IN_PROGRESS | SUCCESSFUL | STOP_REQUESTED | STOPPED | ROLLBACK_REQUESTED | ROLLBACK_IN_PROGRESS | ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED */
  status: string;
  statusReason?: string;
  createdAt?: Date;
  /** The task definition of its target service revision, when DescribeServiceRevisions named it. */
  taskDefinition?: string;
  /** The rollback, once there is one: why, and the task definition it goes back to. */
  rollback?: { reason?: string; taskDefinition?: string };
  /** ECS's own circuit-breaker count for this deployment. */
  circuitBreaker?: { status?: string; failureCount?: number; threshold?: number };
  /** Its target revision's tasks: requested and running. */
  tasks?: { requested: number; running: number };
}

/** What one poll learnt from ECS's service-deployment records. */
export type DeploymentRecords =
  | { readable: true; /** Those created since the apply started, newest first. */ records: ServiceDeploymentRecord[] }
  | { readable: false; /** Why not (the call and what AWS answered). */ why: string };

/** What the tracker is told about the deploy it follows. */
export interface TrackedRollout {
  /** The task definition revision ARN the apply registered and pointed the service at. */
  taskDefinitionArn: string;
  /** When the apply started (the tracker's clock, ms since the epoch). */
  applyStartedAt: number;
  /** When tracking started (ms since the epoch). */
  trackingStartedAt: number;
}

/** What the tracker remembers between polls. Create with newTrackerState(). */
export interface TrackerState {
  /** The tracked deployment's id, once seen. */
  deploymentId?: string;
  /** When it was first seen. */
  deploymentSeenAt?: number;
  /** Its createdAt (ms), when ECS gave one: a deployment of the same task definition created later is its successor. */
  deploymentCreatedAt?: number;
  /** Task definitions of the other deployments on the first poll: what a rollback goes back to. */
  previousTaskDefinitions: Set<string>;
  /** Since when each target (tg|id|port) has been failing. */
  unhealthySince: Map<string, number>;
  /** The last failing state seen for each task's target (tg|id|port), kept for after ECS stops the task. */
  lastFailing: Map<string, TargetSummary>;
  /** Consecutive polls meeting the no-rolloutState success rule. */
  fallbackConfirmations: number;
  /** Polls made. */
  polls: number;
  /** What happened on the way that every verdict mentions (a successor followed, …). */
  notes: string[];
}

/** A fresh state for a new rollout. */
export function newTrackerState(): TrackerState {
  return {
    previousTaskDefinitions: new Set(),
    unhealthySince: new Map(),
    lastFailing: new Map(),
    fallbackConfirmations: 0,
    polls: 0,
    notes: [],
  };
}

/** Evidence gathered on a poll: what a verdict or a progress line reports. */
export interface Evidence {
  deployment?: Deployment;
  /** Whether the tracked deployment was created by this apply (false: it predates it). */
  fresh: boolean;
  counts: RolloutCounts;
  stoppedTasks: StoppedTaskSummary[];
  /** Targets of the deployment's tasks. */
  targets: TargetSummary[];
  /** Recent service events since the apply started, newest first. */
  events: string[];
  /** ECS's service-deployment record of the tracked task definition, when one was read. */
  record?: ServiceDeploymentRecord;
  /** What every verdict on this poll mentions (a successor followed, records not readable). */
  notes: string[];
}

/** The decision of one poll. */
export type Assessment =
  | { terminal: false; phase: RolloutPhase; evidence: Evidence }
  | {
      terminal: true;
      verdict: Verdict;
      cause: CauseKind;
      /** One or two sentences naming the cause. */
      reason: string;
      /** What to do, when there is something to do. */
      hint?: string;
      /** Facts worth knowing that are not the cause (emulator limits, ECS retrying, …). */
      notes: string[];
      /** Tasks whose last log lines explain the cause. */
      logTasks: Task[];
      evidence: Evidence;
    };

/**
 * Last segment of an ARN (a task's id, a task definition's family:revision).
 *
 * @param arn an ARN, or undefined ("?")
 */
export function arnTail(arn: string | undefined): string {
  if (!arn) return "?";
  const slash = arn.lastIndexOf("/");
  return slash >= 0 ? arn.slice(slash + 1) : arn;
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
