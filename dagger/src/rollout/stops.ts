/**
 * The stopped-task rules table: what a stopped task of the tracked deployment
 * means (its stop code, stopped reason and container reasons, matched in order)
 * and after how many such stops the deploy has FAILED without waiting for ECS's
 * circuit breaker. Every hint says what to do about that kind of stop.
 */
import type { Task } from "@aws-sdk/client-ecs";

import { arnTail, type StopKind, type StoppedContainer, type StoppedTaskSummary } from "./model.js";
import { deniedIdentity, imageNamed, isDockerHub, type SecretsNamed, secretsNamed } from "./names.js";

// 2 tasks: one essential-container exit can be a one-off (a dependency not ready
// at boot); a second task of the same new deployment exiting too means the image
// fails on start, and every retry costs another task start (~30–60 s on Fargate).
// ECS's circuit breaker waits for max(3, ½ desired) failures, with backoff.
export const CRASH_LOOP_TASKS = 2;

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

// Where a Fargate task's route to AWS and registries comes from.
const ROUTES =
  "in a public subnet it needs a public IP (assignPublicIp ENABLED); in a private one a NAT gateway or VPC endpoints (ecr.api, ecr.dkr, S3, logs, secretsmanager, ssm), and the VPC's DNS resolution on.";
const NETWORK_HINT = `The task cannot reach the registry or the AWS endpoint: ${ROUTES}`;
const NETWORK_ERROR =
  /i\/o timeout|context deadline exceeded|dial tcp|connection refused|no such host|TLS handshake timeout|Client\.Timeout|RequestCanceled|connection issue between the task and/i;
// Registries refuse a pull in these words: containerd's "pull access denied" and "403 Forbidden", Docker's
// "denied: requested access …", ECR's AccessDenied, a missing login.
const PULL_DENIED =
  /pull access denied|\b403\b|denied|AccessDenied|unauthorized|no basic auth credentials|insufficient_scope|authorization failed/i;

/**
 * What to do about a CannotPullContainerError, naming the image: a refusal
 * (tested before "not found": Docker Hub says "pull access denied, repository
 * does not exist or may require authorization"), a missing image, no route.
 *
 * @param t the stop's reason text
 */
function imagePullHint(t: string): string {
  const ref = imageNamed(t);
  const image = ref ? `the image ${ref}` : "the image";
  if (/does not contain descriptor matching platform|no matching manifest/i.test(t))
    return `${capitalized(image)} has no variant for the task's CPU architecture: build it for the task's platform (linux/amd64 for X86_64) or change cpuArchitecture.`;
  if (PULL_DENIED.test(t)) {
    if (ref && isDockerHub(ref))
      return `Docker Hub denied the pull of ${ref} (pull access denied: the repository does not exist there, or is private). An image reference without a registry host resolves to Docker Hub: point the task definition at the full ECR URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:…); a private Docker Hub image needs the container's repositoryCredentials.`;
    return `The registry denied the pull of ${image}: the task execution role needs ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository (and kms:Decrypt for a KMS-encrypted one); a repository in another account must allow this account in its repository policy.`;
  }
  if (/manifest unknown|not found|does not exist|no such image/i.test(t))
    return `${capitalized(image)} is not in the registry: check that the publish step pushed this exact digest to the repository the task definition names.`;
  if (NETWORK_ERROR.test(t)) return `The task cannot reach the registry to pull ${image}: ${ROUTES}`;
  return `ECS could not pull ${image}; the reason above is the registry's answer.`;
}

/**
 * What to do about a secret the task could not fetch, naming it (and the role and action denied, when AWS names them).
 *
 * @param t the stop's reason text
 */
function secretFetchHint(t: string): string {
  const named = secretsNamed(t);
  const what = secretWords(named);
  if (NETWORK_ERROR.test(t)) return `The task cannot reach the store to fetch ${what}: ${ROUTES}`;
  const denied = /AccessDenied|not authorized|not allowed/i.test(t);
  if (denied && /\bKMS\b|kms:Decrypt/.test(t))
    return `The execution role may not decrypt ${what}: KMS denied it. Allow kms:Decrypt on the key that encrypts it (through ${named.store === "SSM parameter" ? "ssm" : "secretsmanager"}.REGION.amazonaws.com) and apply the service stack (deploy does).`;
  if (denied) {
    const who = deniedIdentity(t);
    const action = who.action ?? "secretsmanager:GetSecretValue / ssm:GetParameters, kms:Decrypt";
    return `The execution role may not read ${what} (${action}${who.role ? `, denied to ${who.role}` : ""}): check service.secrets names it and apply the service stack (deploy does).`;
  }
  if (named.store === "SSM parameter" || /ResourceNotFound|not found|invalid (?:ssm )?parameters/i.test(t))
    return `${capitalized(what)} ${named.names.length > 1 ? "do" : "does"} not exist (or has no value) in the environment's account and region: create it with \`dagger call environment --name ENV with-aws-credentials … set-secret --name VAR --value env:VALUE\` (VAR: its key in service.secrets), then deploy again.`;
  return `ECS could not fetch ${what}: the reason above says why.`;
}

/**
 * "SSM parameter /app/db-url", "Secrets Manager secrets A, B", "an SSM parameter of the task definition".
 *
 * @param named what the text names
 */
function secretWords(named: SecretsNamed): string {
  const { store, names } = named;
  if (names.length === 0)
    return store
      ? `${store === "SSM parameter" ? "an" : "a"} ${store} of the task definition`
      : "a secret of the task definition";
  return `${store ?? "secret"}${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

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
    hint: imagePullHint,
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
    // ECS names what it could not fetch: "unable to retrieve secret from asm: … failed to fetch secret ARN from secrets manager: …",
    // "unable to retrieve secrets from ssm: … invalid ssm parameters: /app/db-url" (Fargate; the EC2 agent: "invalid parameters:"),
    // or, older, "Fetching secret data from SSM Parameter Store in REGION: …".
    kind: "secret-fetch",
    test: /unable to retrieve secrets? from (asm|ssm)|failed to fetch secret|invalid (?:ssm )?parameters?:|secret data from (SSM|Secrets Manager)/i,
    fatalAfter: 1,
    hint: secretFetchHint,
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
    // What the load balancer got is in the target health, when a poll saw it: wording.ts stopHint adds it.
    hint: () =>
      "The load balancer's health check failed: the app must answer the health-check path with 2xx on the container port.",
  },
  {
    kind: "container-health-check",
    test: /failed container health checks/i,
    fatalAfter: 1,
    hint: () =>
      "The container's own health check failed: run its command inside the image; the last log lines may say why.",
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

/**
 * Whether a task counts as stopped: STOPPED, or on its way there with its
 * stoppedReason already set (STOPPING, DEACTIVATING, DEPROVISIONING last for
 * tens of seconds on Fargate, and the reason is final once ECS sets it).
 *
 * @param task a task from DescribeTasks
 */
export function isStopped(task: Task): boolean {
  return task.lastStatus === "STOPPED" || (task.stoppedReason !== undefined && task.stoppedReason !== "");
}

/**
 * Classifies a stopped task by its stop code, stopped reason and container reasons.
 *
 * @param task a task from DescribeTasks that isStopped()
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
    ...((task.stoppedAt ?? task.stoppingAt) ? { stoppedAt: task.stoppedAt ?? task.stoppingAt } : {}),
    containers,
    kind,
    ...(rule?.fatalAfter !== undefined ? { fatalAfter: rule.fatalAfter } : {}),
    hint: rule ? rule.hint(text) : "ECS gave no known reason; see the stopped reason and the service events.",
  };
}

/**
 * The first kind whose stopped tasks reached its fatal count, with its hint.
 *
 * @param stopped the deployment's stopped tasks, classified
 */
export function fatalStop(stopped: StoppedTaskSummary[]): { kind: StopKind; hint: string } | undefined {
  const byKind = new Map<StopKind, StoppedTaskSummary[]>();
  for (const s of stopped) byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s]);
  for (const [kind, list] of byKind) {
    const first = list[0];
    if (first?.fatalAfter !== undefined && list.length >= first.fatalAfter) return { kind, hint: first.hint };
  }
  return undefined;
}
