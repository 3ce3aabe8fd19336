/**
 * The pure half of the rollout tracker: given what ECS and the load balancer
 * report on one poll (and what earlier polls saw), decide whether the deployment
 * this apply started is still in progress (and in which phase), succeeded, failed
 * (and why), or was rolled back. No I/O here: `rollout.ts` fetches, this decides.
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
 *
 * The emulator (moto 5.2.5, recorded in test/fixtures/aws/moto.ts) keeps one
 * deployment per service forever: UpdateService changes the service's
 * `taskDefinition` but not the deployment's, `rolloutState` is frozen at create
 * time (COMPLETED only if MOTO_ECS_SERVICE_RUNNING ≥ desired) and no task ever
 * runs. With `emulator: true` the tracker still makes every call and applies every
 * failure rule, then accepts "the service names the new task definition" as
 * success and says so in the result's notes. Without it, that state is reported
 * as "no deployment of this task definition appeared".
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
  | "container-start"
  | "out-of-memory"
  | "elb-health-check"
  | "container-health-check"
  | "essential-container-exit"
  | "infrastructure"
  | "scheduler"
  | "user"
  | "unknown";

/** The cause named in a verdict. */
export type CauseKind =
  | StopKind
  | "target-health"
  | "circuit-breaker"
  | "superseded"
  | "no-deployment"
  | "service-gone"
  | "timeout"
  | "none";

// 60 s: NTP-synced hosts and CI runners agree with AWS within a second; a minute
// covers a laptop with a drifting clock without mistaking a deployment from
// minutes before the apply for the one it started.
export const CLOCK_SKEW_MS = 60_000;

// 30 s: UpdateService creates the deployment before it returns and the apply
// waits for that call, so it exists on the first poll; 30 s covers DescribeServices'
// eventual consistency many times over. Longer only delays "nothing was deployed".
export const NEW_DEPLOYMENT_GRACE_MS = 30_000;

// 2 tasks: one essential-container exit can be a one-off (a dependency not ready
// at boot); a second task of the same new deployment exiting too means the image
// fails on start, and every retry costs another task start (~30–60 s on Fargate).
// ECS's circuit breaker waits for max(3, ½ desired) failures, with backoff.
export const CRASH_LOOP_TASKS = 2;

// 30 s: the ALB only says "unhealthy" after unhealthyThreshold consecutive failed
// checks; 30 s more (6 checks at the 5 s interval) without recovering rules out a
// slow first start. The window starts after the service's health-check grace period.
export const TARGET_UNHEALTHY_WINDOW_MS = 30_000;

// 2 polls: without rolloutState, success rests on counts that can flicker while
// ECS replaces a task; the same picture twice (5 s apart) is a steady state.
export const FALLBACK_CONFIRMATIONS = 2;

// 2 tasks: the newest two failures show whether they fail alike; more is the `logs` function's job.
export const LOG_TASKS = 2;

// 5 events: the deploy's last service events (newest first) explain most failures;
// the full history is in the console or `status`.
export const EVENTS_IN_RESULT = 5;

/** ALB reason codes that mean the app answered the health check wrongly or not at all. */
export const FAILING_TARGET_REASONS: ReadonlySet<string> = new Set([
  "Target.ResponseCodeMismatch",
  "Target.Timeout",
  "Target.FailedHealthChecks",
]);

/** A stop rule: which stopped tasks it matches, what they mean, when they end the deploy. */
interface StopRule {
  kind: StopKind;
  /** Matched against "stopCode: stoppedReason | container reasons". */
  test: RegExp;
  /** Stopped tasks of this kind that make the deploy FAILED at once; undefined = never by itself. */
  fatalAfter: number | undefined;
  /** What to do, chosen from the reason text. */
  hint: (text: string) => string;
}

const NETWORK_HINT =
  "The task cannot reach the registry or the AWS endpoint: in a public subnet it needs a public IP (assignPublicIp ENABLED); in a private one a NAT gateway or VPC endpoints (ecr.api, ecr.dkr, S3, logs, secretsmanager).";
const NETWORK_ERROR = /i\/o timeout|context deadline exceeded|dial tcp|connection refused|no such host|TLS handshake timeout|Client\.Timeout|RequestCanceled/i;

/**
 * Stop rules in order: the first match wins. Every fatal kind is deterministic:
 * the next task of the same deployment fails the same way, so one is enough
 * (except essential-container exits, see CRASH_LOOP_TASKS).
 */
const STOP_RULES: readonly StopRule[] = [
  {
    // Capacity and ENI provisioning problems are AWS-side and transient: ECS retries them.
    kind: "infrastructure",
    test: /Timeout waiting for network interface provisioning|RESOURCE:ENI|Capacity is unavailable|insufficient capacity|ContainerRuntimeTimeoutError|SpotInterruption|TerminationNotice|InfrastructureHealth|Host EC2 .* (terminated|stopped)/i,
    fatalAfter: undefined,
    hint: () => "AWS could not place or keep the task (capacity, network interface); ECS retries on its own.",
  },
  {
    kind: "image-pull",
    test: /CannotPullContainerError/,
    fatalAfter: 1,
    hint: (t) => {
      if (/manifest unknown|not found|does not exist|no such image/i.test(t))
        return "The image is not in the registry: check that the publish step pushed this exact digest to the repository the task definition names.";
      if (/does not contain descriptor matching platform|no matching manifest/i.test(t))
        return "The image has no variant for the task's CPU architecture: build it for the task's platform (linux/amd64 for X86_64) or change cpuArchitecture.";
      if (/403|denied|AccessDenied|unauthorized|no basic auth credentials|authorization/i.test(t))
        return "The task execution role may not pull it: grant ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository (and kms:Decrypt for a KMS-encrypted one).";
      if (NETWORK_ERROR.test(t)) return NETWORK_HINT;
      return "ECS could not pull the image; the reason above is the registry's answer.";
    },
  },
  {
    kind: "container-start",
    // Before resource-init: "CannotStartContainerError: ResourceInitializationError: … exec …" is a start failure.
    test: /CannotStartContainerError|CannotCreateContainerError|CannotInspectContainerError|ContainerRuntimeError/,
    fatalAfter: 1,
    hint: () =>
      "The container runtime could not start the container: check the image's entrypoint and command, the user, the mount points and the read-only root filesystem.",
  },
  {
    kind: "resource-init",
    test: /ResourceInitializationError/,
    fatalAfter: 1,
    hint: (t) => {
      // Network first: "unable to pull secrets or registry auth: … i/o timeout" is a route problem, not a permission one.
      if (NETWORK_ERROR.test(t)) return NETWORK_HINT;
      if (/log group|logs|CloudWatch|create stream|logstream/i.test(t))
        return "The log group does not exist or the execution role lacks logs:CreateLogStream and logs:PutLogEvents on it: check the infrastructure apply created it in this region.";
      if (/unable to retrieve secret|secretsmanager|ssm|parameter/i.test(t))
        return "The execution role cannot read a secret (secretsmanager:GetSecretValue / ssm:GetParameters, kms:Decrypt) or the secret does not exist.";
      if (/registry auth|ECR/i.test(t))
        return "The task cannot get registry credentials: the execution role needs ecr:GetAuthorizationToken, and the task a route to ECR.";
      return "ECS could not prepare the task (secrets, registry credentials, log stream or volumes): the reason above names which.";
    },
  },
  {
    kind: "out-of-memory",
    test: /OutOfMemoryError|OutOfMemory|killed due to memory usage/i,
    fatalAfter: 1,
    hint: () => "The container exceeded its memory: raise the task's memory or reduce what the app holds at start.",
  },
  {
    kind: "elb-health-check",
    test: /failed ELB health checks/i,
    fatalAfter: 1,
    hint: () =>
      "The load balancer's health check failed: the app must answer the health-check path with 2xx on the container port; the target-health reasons below say what it got.",
  },
  {
    kind: "container-health-check",
    test: /failed container health checks/i,
    fatalAfter: 1,
    hint: () => "The container's own health check failed: run its command inside the image; the last log lines may say why.",
  },
  {
    kind: "essential-container-exit",
    test: /EssentialContainerExited|Essential container in task exited/,
    fatalAfter: CRASH_LOOP_TASKS,
    hint: () =>
      "The app exits soon after it starts: its last log lines say why (a missing setting, a port in use, a crash at boot).",
  },
  {
    kind: "user",
    test: /UserInitiated|stopped by user|Task stopped by/i,
    fatalAfter: undefined,
    hint: () => "Someone stopped the task (StopTask); ECS starts a replacement.",
  },
  {
    kind: "scheduler",
    test: /ServiceSchedulerInitiated|Scaling activity initiated by/,
    fatalAfter: undefined,
    hint: () => "ECS stopped the task itself (scale-in, rollback or replacement).",
  },
];

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
}

/** What the tracker is told about the deploy it follows. */
export interface TrackTarget {
  /** The task definition revision ARN the apply registered and pointed the service at. */
  taskDefinitionArn: string;
  /** When the apply started (the tracker's clock, ms since the epoch). */
  applyStartedAt: number;
  /** When tracking started (ms since the epoch). */
  trackingStartedAt: number;
  /** The emulator's static deployments (see the module comment). */
  emulator: boolean;
}

/** What the tracker remembers between polls. Create with newTrackerState(). */
export interface TrackerState {
  /** The tracked deployment's id, once seen. */
  deploymentId?: string;
  /** When it was first seen. */
  deploymentSeenAt?: number;
  /** Task definitions of the other deployments on the first poll: what a rollback goes back to. */
  previousTaskDefinitions: Set<string>;
  /** Since when each target (tg|id|port) has been failing. */
  unhealthySince: Map<string, number>;
  /** Consecutive polls meeting the no-rolloutState success rule. */
  fallbackConfirmations: number;
  /** Polls made. */
  polls: number;
}

/** A fresh state for a new rollout. */
export function newTrackerState(): TrackerState {
  return { previousTaskDefinitions: new Set(), unhealthySince: new Map(), fallbackConfirmations: 0, polls: 0 };
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

/** Last segment of an ARN (a task's id, a task definition's family:revision). */
export function arnTail(arn: string | undefined): string {
  if (!arn) return "?";
  const slash = arn.lastIndexOf("/");
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}

/**
 * Classifies a stopped task by its stop code, stopped reason and container reasons.
 *
 * @param task a task from DescribeTasks (lastStatus STOPPED)
 */
export function classifyStoppedTask(task: Task): StoppedTaskSummary {
  const containers: StoppedContainer[] = (task.containers ?? []).map((c) => ({
    name: c.name ?? "?",
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.healthStatus ? { healthStatus: c.healthStatus } : {}),
  }));
  const text = [task.stopCode ?? "", task.stoppedReason ?? "", ...containers.map((c) => c.reason ?? "")].join(" | ");
  // OOM is named in the container's reason while the task says "Essential container in task exited":
  // check it before the generic exit rule by giving container reasons priority.
  const containerText = containers.map((c) => c.reason ?? "").join(" | ");
  const rule =
    STOP_RULES.find((r) => r.kind === "out-of-memory" && r.test.test(containerText)) ??
    STOP_RULES.find((r) => r.test.test(text));
  const kind: StopKind = rule?.kind ?? "unknown";
  return {
    taskArn: task.taskArn ?? "?",
    taskId: arnTail(task.taskArn),
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...(task.stoppedAt ? { stoppedAt: task.stoppedAt } : {}),
    containers,
    kind,
    ...(rule?.fatalAfter !== undefined ? { fatalAfter: rule.fatalAfter } : {}),
    hint: rule ? rule.hint(text) : "ECS gave no known reason; see the stopped reason and the service events.",
  };
}

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
  for (const c of task.containers ?? []) for (const n of c.networkInterfaces ?? []) if (n.privateIpv4Address) ips.add(n.privateIpv4Address);
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
export function findDeployment(service: Service, target: TrackTarget, state: TrackerState): { deployment?: Deployment; fresh: boolean } {
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

function isFresh(d: Deployment, target: TrackTarget): boolean {
  return d.createdAt === undefined || d.createdAt.getTime() >= target.applyStartedAt - CLOCK_SKEW_MS;
}

/** Does this task belong to the deployment? ECS starts service tasks with startedBy = deployment id. */
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
 */
export function assess(obs: Observation, target: TrackTarget, state: TrackerState): Assessment {
  state.polls += 1;
  const service = obs.service;
  const { deployment, fresh } = findDeployment(service, target, state);
  const others = (service.deployments ?? []).filter((d) => d !== deployment);
  if (state.polls === 1) for (const d of others) if (d.taskDefinition) state.previousTaskDefinitions.add(d.taskDefinition);

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

  if (service.status && service.status !== "ACTIVE") {
    return terminal("FAILED", "service-gone", `The service ${service.serviceName ?? "?"} is ${service.status}: it is being deleted or was deleted during the deploy.`, {
      hint: "Run the deploy again after the infrastructure apply has recreated the service.",
    });
  }

  if (!deployment) {
    const primary = (service.deployments ?? []).find((d) => d.status === "PRIMARY");
    if (state.deploymentId) {
      // Seen before, gone now: ECS replaced it.
      const rollingBack = primary && (/rolling back/i.test(primary.rolloutStateReason ?? "") || state.previousTaskDefinitions.has(primary.taskDefinition ?? ""));
      if (primary && rollingBack) {
        return terminal(
          "ROLLED_BACK",
          "circuit-breaker",
          `Deployment ${state.deploymentId} of ${td} is gone: ECS rolled the service back to ${arnTail(primary.taskDefinition)} (deployment ${primary.id}, ${primary.rolloutState ?? "no rollout state"}).${causeSentence(stoppedTasks, targets)}`,
          { ...hintOf(stoppedTasks), logTasks: logTasksFor(obs.tasks, stoppedTasks, targets) },
        );
      }
      return terminal(
        "FAILED",
        "superseded",
        `Deployment ${state.deploymentId} of ${td} was replaced by deployment ${primary?.id ?? "?"} of ${arnTail(primary?.taskDefinition)} before it completed: another deploy started meanwhile.`,
        { hint: "Deploy one change at a time; run `status` to see what runs now." },
      );
    }
    // Started, failed and rolled back before the first poll (a long apply): only the events remain.
    // Oldest first, so the message reads "deployment failed …; rolling back …".
    const failedEvents = evidence.events.filter((e) => /deployment failed|rolling back|circuit breaker/i.test(e)).slice(0, 2).reverse();
    if (failedEvents.length > 0 && primary && primary.taskDefinition !== target.taskDefinitionArn) {
      return terminal(
        "ROLLED_BACK",
        "circuit-breaker",
        `No deployment of ${td} is left: after the apply started ECS reported ${failedEvents.map((e) => `"${e}"`).join(" and ")}, and the service runs ${arnTail(primary.taskDefinition)} (deployment ${primary.id ?? "?"}) again.`,
        { hint: "The failed deployment is gone with its details: see its stopped tasks in the ECS console (kept about an hour) or run `logs`." },
      );
    }
    if (target.emulator && service.taskDefinition === target.taskDefinitionArn) {
      return terminal("SUCCESSFUL", "none", `The service runs ${td} (emulator: its deployment record still names ${arnTail(primary?.taskDefinition)}).`, {
        notes: [emulatorNote(primary)],
      });
    }
    if (obs.at - target.trackingStartedAt < NEW_DEPLOYMENT_GRACE_MS) {
      return { terminal: false, phase: "waiting for ECS to start the deployment", evidence };
    }
    const names = service.taskDefinition === target.taskDefinitionArn;
    return terminal(
      "FAILED",
      "no-deployment",
      `No deployment of ${td} appeared within ${NEW_DEPLOYMENT_GRACE_MS / 1000} s: the service's PRIMARY deployment ${primary?.id ?? "?"} runs ${arnTail(primary?.taskDefinition)}` +
        (names ? `, although the service names ${td}.` : ` and the service names ${arnTail(service.taskDefinition)}.`),
      {
        hint: names
          ? "ECS accepted the task definition but started no deployment for it. Against the emulator (moto) this is expected: track with emulator=true there."
          : "The apply did not point the service at this task definition: check the apply's output, and that nothing else (another pipeline, the console) changed the service.",
      },
    );
  }

  if (!state.deploymentId && deployment.id) {
    state.deploymentId = deployment.id;
    state.deploymentSeenAt = obs.at;
  }
  const id = deployment.id ?? "?";
  const primary = (service.deployments ?? []).find((d) => d.status === "PRIMARY");
  const noRollout = fresh ? "" : " (no rollout: the service already ran this task definition before the apply)";

  if (deployment.rolloutState === "FAILED") {
    const why = deployment.rolloutStateReason ?? "ECS marked the deployment FAILED";
    if (primary && primary.id !== deployment.id) {
      return terminal(
        "ROLLED_BACK",
        "circuit-breaker",
        `Deployment ${id} of ${td} failed (${why}); ECS is rolling the service back to ${arnTail(primary.taskDefinition)} (deployment ${primary.id}, ${primary.rolloutState ?? "no rollout state"}).${causeSentence(stoppedTasks, targets)}`,
        { ...hintOf(stoppedTasks), logTasks: logTasksFor(obs.tasks, stoppedTasks, targets) },
      );
    }
    if (service.deploymentConfiguration?.deploymentCircuitBreaker?.rollback === true) {
      // ECS marks the deployment FAILED and then starts the rollback deployment; report now, not after it.
      return terminal(
        "ROLLED_BACK",
        "circuit-breaker",
        `Deployment ${id} of ${td} failed (${why}); ECS rolls the service back to its last completed deployment.${causeSentence(stoppedTasks, targets)}`,
        { ...hintOf(stoppedTasks), logTasks: logTasksFor(obs.tasks, stoppedTasks, targets) },
      );
    }
    return terminal("FAILED", "circuit-breaker", `Deployment ${id} of ${td} failed (${why}); the service has no rollback configured.${causeSentence(stoppedTasks, targets)}`, {
      ...hintOf(stoppedTasks),
      notes: ["Without rollback the service stays on this failed deployment: deploy a fixed version or run `rollback`."],
      logTasks: logTasksFor(obs.tasks, stoppedTasks, targets),
    });
  }

  if (deployment.rolloutState === "COMPLETED") {
    const notes = deployment.status !== "PRIMARY" ? [`A newer deployment (${primary?.id ?? "?"}, ${arnTail(primary?.taskDefinition)}) has started since this one completed.`] : [];
    if (target.emulator) notes.push(emulatorNote(deployment));
    const reason = fresh
      ? `Deployment ${id} of ${td} completed: ${countsSentence(counts)}.`
      : `No rollout: the service already runs ${td} (deployment ${id}, completed before this apply; ${countsSentence(counts)}).`;
    return terminal("SUCCESSFUL", "none", reason, { notes });
  }

  if (deployment.status !== "PRIMARY" && primary && primary.id !== deployment.id) {
    // Still in progress but no longer PRIMARY: a newer deployment took over.
    if (/rolling back/i.test(primary.rolloutStateReason ?? "")) {
      return terminal(
        "ROLLED_BACK",
        "circuit-breaker",
        `ECS is rolling the service back from deployment ${id} of ${td} to ${arnTail(primary.taskDefinition)} (deployment ${primary.id ?? "?"}: ${primary.rolloutStateReason ?? ""}).${causeSentence(stoppedTasks, targets)}`,
        { ...hintOf(stoppedTasks), logTasks: logTasksFor(obs.tasks, stoppedTasks, targets) },
      );
    }
    return terminal(
      "FAILED",
      "superseded",
      `Deployment ${id} of ${td} was replaced by deployment ${primary.id ?? "?"} of ${arnTail(primary.taskDefinition)} before it completed: another deploy started meanwhile.`,
      { hint: "Deploy one change at a time; run `status` to see what runs now." },
    );
  }

  // Fail fast on causes that repeat on every retry.
  const fatal = fatalStop(stoppedTasks);
  if (fatal) {
    return terminal("FAILED", fatal.kind, `${describeStops(fatal.kind, stoppedTasks)}${targetSentence(targets)}`, {
      hint: fatal.hint,
      notes: [afterFailFastNote(service, deployment)],
      logTasks: logTasksFor(obs.tasks, stoppedTasks, targets),
    });
  }
  const failing = failingTarget(targets, obs, service);
  if (failing) {
    return terminal(
      "FAILED",
      "target-health",
      `Target ${failing.id}:${failing.port ?? "?"} (task ${failing.taskId ?? "?"}) has failed the load balancer's health check for ${Math.round((failing.unhealthyForMs ?? 0) / 1000)} s: ${failing.reason ?? "?"}: ${failing.description ?? ""}`.trim(),
      {
        hint: "The app must answer the health-check path with 2xx on the container port: check the path, the port the app listens on, and the app's last log lines.",
        notes: [afterFailFastNote(service, deployment)],
        logTasks: logTasksFor(obs.tasks, stoppedTasks, targets),
      },
    );
  }

  if (target.emulator && service.taskDefinition === target.taskDefinitionArn) {
    return terminal("SUCCESSFUL", "none", `The service runs ${td} (emulator: deployment ${id} is ${deployment.rolloutState ?? "without rollout state"}, ${countsSentence(counts)}).`, {
      notes: [emulatorNote(deployment)],
    });
  }

  if (deployment.rolloutState === undefined) {
    const lb = (service.loadBalancers ?? []).length > 0;
    const steady =
      deployment.status === "PRIMARY" &&
      counts.running >= counts.desired &&
      counts.pending === 0 &&
      counts.oldRunning === 0 &&
      (!lb || counts.healthyTargets === undefined || counts.healthyTargets >= counts.desired);
    state.fallbackConfirmations = steady ? state.fallbackConfirmations + 1 : 0;
    if (state.fallbackConfirmations >= FALLBACK_CONFIRMATIONS) {
      const notes = ["ECS reported no rolloutState for this deployment: success is running = desired, nothing pending, old tasks gone" + (lb ? ", targets healthy" : "") + `, on ${FALLBACK_CONFIRMATIONS} polls in a row.`];
      if (lb && counts.healthyTargets === undefined) notes.push("No task of the deployment was visible through ListTasks, so target health could not be tied to it.");
      return terminal("SUCCESSFUL", "none", `Deployment ${id} of ${td} is steady: ${countsSentence(counts)}${noRollout}.`, { notes });
    }
  }

  return { terminal: false, phase: phaseOf(counts, service), evidence };
}

function phaseOf(c: RolloutCounts, service: Service): RolloutPhase {
  if (c.running < c.desired) return "starting tasks";
  if ((service.loadBalancers ?? []).length > 0 && c.healthyTargets !== undefined && c.healthyTargets < c.desired) return "waiting for targets to pass health checks";
  if (c.oldRunning > 0) return "draining old tasks";
  return "waiting for ECS to mark the deployment complete";
}

function countsOf(d: Deployment | undefined, others: Deployment[], obs: Observation, targets: TargetSummary[]): RolloutCounts {
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

/** The targets whose id is an IP of one of the deployment's tasks; updates the unhealthy windows. */
function deploymentTargets(obs: Observation, state: TrackerState): TargetSummary[] {
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
      const failingNow = (state_ === "unhealthy" || state_ === "unhealthy.draining") && reason !== undefined && FAILING_TARGET_REASONS.has(reason);
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
function failingTarget(targets: TargetSummary[], obs: Observation, service: Service): TargetSummary | undefined {
  const graceMs = (service.healthCheckGracePeriodSeconds ?? 0) * 1000;
  return targets.find((t) => {
    if (t.unhealthyForMs === undefined || t.unhealthyForMs < TARGET_UNHEALTHY_WINDOW_MS) return false;
    const task = obs.tasks.find((x) => arnTail(x.taskArn) === t.taskId);
    const started = task?.startedAt?.getTime();
    return started === undefined || obs.at - started >= graceMs;
  });
}

/** The first kind whose stopped tasks reached its fatal count, with its hint. */
function fatalStop(stopped: StoppedTaskSummary[]): { kind: StopKind; hint: string } | undefined {
  const byKind = new Map<StopKind, StoppedTaskSummary[]>();
  for (const s of stopped) byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s]);
  for (const [kind, list] of byKind) {
    const first = list[0];
    if (first?.fatalAfter !== undefined && list.length >= first.fatalAfter) return { kind, hint: first.hint };
  }
  return undefined;
}

const KIND_WORDS: Record<StopKind, string> = {
  "image-pull": "cannot pull the image",
  "resource-init": "failed to initialize (ResourceInitializationError)",
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

function describeStops(kind: StopKind, stopped: StoppedTaskSummary[]): string {
  const list = stopped.filter((s) => s.kind === kind);
  const first = list[0];
  if (!first) return "";
  const exits = exitCodes(list);
  const n = list.length;
  return `${n} task${n === 1 ? "" : "s"} of the new deployment ${KIND_WORDS[kind]}: ${first.stoppedReason ?? first.stopCode ?? "?"}${containerReasons(first)}${exits ? ` (exit codes: ${exits})` : ""}.`;
}

function containerReasons(s: StoppedTaskSummary): string {
  const reasons = s.containers.filter((c) => c.reason && !(s.stoppedReason ?? "").includes(c.reason)).map((c) => `${c.name}: ${c.reason}`);
  return reasons.length > 0 ? ` — ${reasons.join("; ")}` : "";
}

function exitCodes(list: StoppedTaskSummary[]): string {
  const codes = list.flatMap((s) => s.containers.filter((c) => c.exitCode !== undefined).map((c) => `${c.name}=${c.exitCode}`));
  return codes.join(", ");
}

/** " Cause: …" from the stopped tasks and targets, for rollback messages. */
function causeSentence(stopped: StoppedTaskSummary[], targets: TargetSummary[]): string {
  const meaningful = stopped.filter((s) => s.kind !== "scheduler" && s.kind !== "user");
  const kind = fatalStop(meaningful)?.kind ?? meaningful[0]?.kind;
  const parts: string[] = [];
  if (kind) parts.push(describeStops(kind, meaningful));
  const t = targetSentence(targets);
  if (t) parts.push(t.trim());
  return parts.length > 0 ? ` Cause: ${parts.join(" ")}` : "";
}

function hintOf(stopped: StoppedTaskSummary[]): { hint?: string } {
  const meaningful = stopped.filter((s) => s.kind !== "scheduler" && s.kind !== "user");
  const f = fatalStop(meaningful) ?? (meaningful[0] ? { hint: meaningful[0].hint } : undefined);
  return f ? { hint: f.hint } : {};
}

function targetSentence(targets: TargetSummary[]): string {
  const bad = targets.filter((t) => t.reason && FAILING_TARGET_REASONS.has(t.reason));
  if (bad.length === 0) return "";
  const t = bad[0]!;
  return ` Target health: ${t.id}:${t.port ?? "?"} ${t.state} (${t.reason}: ${t.description ?? ""}).`;
}

function countsSentence(c: RolloutCounts): string {
  const parts = [`${c.running}/${c.desired} tasks running`];
  if (c.healthyTargets !== undefined) parts.push(`${c.healthyTargets}/${c.desired} targets healthy`);
  parts.push(c.oldRunning === 0 ? "old tasks drained" : `${c.oldRunning} old tasks still running`);
  return parts.join(", ");
}

/** The tasks whose logs explain a failure: containers that ran (crash, OOM, health checks), newest first, at most 2. */
function logTasksFor(tasks: Task[], stopped: StoppedTaskSummary[], targets: TargetSummary[]): Task[] {
  const ran = new Set<StopKind>(["essential-container-exit", "out-of-memory", "elb-health-check", "container-health-check"]);
  const arns = stopped.filter((s) => ran.has(s.kind)).map((s) => s.taskArn);
  for (const t of targets) if (t.reason && FAILING_TARGET_REASONS.has(t.reason)) {
    const task = tasks.find((x) => arnTail(x.taskArn) === t.taskId);
    if (task?.taskArn) arns.push(task.taskArn);
  }
  const unique = [...new Set(arns)].slice(0, LOG_TASKS);
  return unique.map((a) => tasks.find((t) => t.taskArn === a)).filter((t): t is Task => t !== undefined);
}

function recentEvents(service: Service, target: TrackTarget): string[] {
  return (service.events ?? [])
    .filter((e) => !e.createdAt || e.createdAt.getTime() >= target.applyStartedAt - CLOCK_SKEW_MS)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, EVENTS_IN_RESULT)
    .map((e) => e.message ?? "")
    .filter((m) => m !== "");
}

/** What ECS does next after the tracker failed fast: it depends on the circuit breaker settings. */
function afterFailFastNote(service: Service, d: Deployment): string {
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const count = `after ${circuitBreakerThreshold(d.desiredCount ?? 0)} failed tasks; ${d.failedTasks ?? 0} so far`;
  if (breaker?.enable && breaker.rollback)
    return `ECS keeps replacing tasks until its circuit breaker fails deployment ${d.id ?? "?"} (${count}) and rolls back; meanwhile the previous tasks keep serving.`;
  if (breaker?.enable) return `ECS keeps replacing tasks until its circuit breaker fails deployment ${d.id ?? "?"} (${count}); it will not roll back: deploy a fix or run \`rollback\`.`;
  return `ECS keeps replacing tasks of deployment ${d.id ?? "?"} indefinitely (no circuit breaker reported): deploy a fix or run \`rollback\`.`;
}

function emulatorNote(d: Deployment | undefined): string {
  return `Emulator: it keeps one static deployment per service (${d?.id ?? "?"}, ${arnTail(d?.taskDefinition)}, ${d?.rolloutState ?? "no rollout state"}, runningCount = MOTO_ECS_SERVICE_RUNNING) and runs no task, so only the service's task definition could be checked.`;
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
  target: TrackTarget,
): Extract<Assessment, { terminal: true }> {
  const c = last.evidence.counts;
  const d = last.evidence.deployment;
  const td = arnTail(target.taskDefinitionArn);
  const where = d ? `Deployment ${d.id ?? "?"} of ${td}` : `The deployment of ${td}`;
  const bad = last.evidence.targets.find((t) => t.state !== "healthy");
  const stopped = last.evidence.stoppedTasks.filter((s) => s.kind !== "scheduler");
  const hints: Partial<Record<RolloutPhase, string>> = {
    "waiting for ECS to start the deployment": "ECS has not started a deployment of this task definition: check the apply's output and the service events.",
    "starting tasks": "Tasks are not starting: see the service events (capacity, network interfaces, image size). ECS keeps trying; follow it with `status`.",
    "waiting for targets to pass health checks":
      "Targets do not become healthy: check the health-check path and port, the app's start time against the grace period, and the security group rule from the load balancer to the tasks.",
    "draining old tasks": "Old tasks are still draining: a long deregistration delay or stop timeout keeps them; the new version already serves.",
  };
  return {
    terminal: true,
    verdict: "TIMED_OUT",
    cause: "timeout",
    reason:
      `${where} was still ${last.phase} after ${Math.round(elapsedMs / 1000)} s (budget ${budget}): ` +
      `${c.running}/${c.desired} tasks running, ${c.pending} pending, ${c.failedTasks} failed` +
      (c.healthyTargets !== undefined ? `, ${c.healthyTargets}/${c.desired} targets healthy` : "") +
      (c.oldRunning > 0 ? `, ${c.oldRunning} old tasks still running` : "") +
      "." +
      (bad ? ` Target ${bad.id}:${bad.port ?? "?"} is ${bad.state}${bad.reason ? ` (${bad.reason}: ${bad.description ?? ""})` : ""}.` : "") +
      (stopped[0] ? ` Latest stopped task: ${stopped[0].stoppedReason ?? stopped[0].stopCode ?? "?"}.` : ""),
    hint: hints[last.phase] ?? "ECS has not finished the deployment: see the service events; follow it with `status`.",
    notes: ["The deployment may still finish: TIMED_OUT means it did not within the budget, not that ECS stopped it."],
    logTasks: [],
    evidence: last.evidence,
  };
}
