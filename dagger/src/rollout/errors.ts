/**
 * The rollout tracker's AWS errors: which ones are retried (throttling, server
 * and transport errors: they say nothing about the deployment) and with what
 * backoff, and what the others mean for the person running the deploy.
 */
import { type Clock, ROLLOUT_IAM_ACTIONS } from "./clients.js";

// 1 s doubling to 20 s: throttling buckets refill within seconds; the cap keeps a
// retry inside a few poll intervals. Jitter spreads concurrent deploys apart.
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 20_000;

/** An AWS call failed in a way that says nothing about the deployment (or could not be retried). */
export class RolloutError extends Error {
  override name = "RolloutError";
}

/**
 * Tags an AWS error with the call that failed (for messages), keeping retryability.
 *
 * @param what the call, e.g. "ECS DescribeServices"
 * @param fn the call
 */
export async function tagged<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err !== null && typeof err === "object") (err as { rolloutCall?: string }).rolloutCall ??= what;
    throw err;
  }
}

/**
 * Retries throttling and server errors a few times (for the log reads, which must not stall the verdict).
 *
 * @param fn the call
 * @param clock what waits between attempts
 * @param random a source in [0, 1) for the jitter
 */
export async function withRetry<T>(fn: () => Promise<T>, clock: Clock, random: () => number): Promise<T> {
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
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);
// Server-side and transport errors: they say nothing about the deployment either.
const TRANSIENT = new Set([
  "ServerException",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/**
 * Whether an AWS error is throttling (AWS's answer to too many calls, by name or by the SDK's flag).
 *
 * @param err what an SDK call threw
 */
export function isThrottling(err: unknown): boolean {
  const e = (err ?? {}) as {
    name?: string;
    $retryable?: { throttling?: boolean };
    $metadata?: { httpStatusCode?: number };
  };
  return THROTTLING.has(e.name ?? "") || e.$retryable?.throttling === true || e.$metadata?.httpStatusCode === 429;
}

/**
 * Whether an AWS error is throttling or transient (retry) rather than an answer (stop).
 *
 * @param err what an SDK call threw
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RolloutError) return false;
  const e = (err ?? {}) as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
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

/**
 * The name of an SDK error (its exception type), or "Error".
 *
 * @param err what an SDK call threw
 */
export function errorName(err: unknown): string {
  return (err as { name?: string } | null)?.name ?? "Error";
}

/**
 * The message of an SDK error, or the value itself as text.
 *
 * @param err what an SDK call threw
 */
export function errorMessage(err: unknown): string {
  return (err as { message?: string } | null)?.message ?? String(err);
}

/**
 * The message of an error that stops the tracking: what failed and what to do.
 *
 * @param err what an SDK call threw (tagged by call())
 * @param opts the cluster and service tracked
 */
export function explainError(err: unknown, opts: { cluster: string; service: string }): string {
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
