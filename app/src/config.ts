/**
 * The service's configuration: environment variables, validated once at start.
 *
 * An invalid value stops the process before it listens (exit code 1), with one line
 * per invalid variable that names it, what is allowed and what it got — a task that
 * cannot start says why in the first line of its log instead of failing later.
 */
import { isIP } from "node:net";
import * as v from "valibot";

/** The validated configuration the server runs with. */
export interface AppConfig {
  /** TCP port to listen on (`PORT`). 0 asks the OS for a free port (tests). */
  readonly port: number;
  /** Address to listen on (`HOST`). */
  readonly host: string;
  /** Minimum pino log level (`LOG_LEVEL`). */
  readonly logLevel: LogLevel;
  /** How long a graceful shutdown may take before the process gives up and exits 1 (`SHUTDOWN_TIMEOUT_MS`). */
  readonly shutdownTimeoutMs: number;
  /** How long an idle kept-alive connection stays open (`KEEP_ALIVE_TIMEOUT_MS`). */
  readonly keepAliveTimeoutMs: number;
  /** The load balancer's idle timeout; the keep-alive timeout must exceed it (`ALB_IDLE_TIMEOUT_MS`). */
  readonly albIdleTimeoutMs: number;
  /** Version of the running build (`APP_VERSION`, from the image's VERSION build arg). */
  readonly version: string;
  /** Source revision of the running build (`GIT_COMMIT`, from the image's GIT_COMMIT build arg). */
  readonly commit: string;
}

/** Log levels pino knows, plus `silent`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The result of {@link parseConfig}: a configuration, or one message line per invalid variable. */
export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; errors: string[] };

// 8080: the port the image EXPOSEs and the task definition maps; unprivileged, so uid 1000 may bind it.
const DEFAULT_PORT = 8080;
// 20 s: ECS sends SIGKILL when its stop timeout ends (30 s, chosen in infra/); draining must end
// before that with 10 s to spare, or in-flight requests are cut off without a log line.
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;
// 120 s: the largest ECS stop timeout; a longer drain would always end in SIGKILL.
const MAX_SHUTDOWN_TIMEOUT_MS = 120_000;
// 60 s: the ALB's default idle timeout (the listener's `idle_timeout`).
const DEFAULT_ALB_IDLE_TIMEOUT_MS = 60_000;
// 4000 s: the largest idle timeout an ALB accepts.
const MAX_ALB_IDLE_TIMEOUT_MS = 4_000_000;
// 65 s: above the ALB's 60 s idle timeout, so the ALB always closes an idle connection first.
// If the app closed it first, the ALB could send a request on a socket that is being closed and
// answer the client with a 502 (the classic Node-behind-ALB bug: Node's own default is 5 s).
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

const BUILD_ID = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,127}$/;
const HOST_NAME = /^[0-9A-Za-z]([0-9A-Za-z.-]{0,251}[0-9A-Za-z])?$/;

/** A decimal integer variable within [min, max]; `allowed` describes it in error lines. */
function integer(allowed: string, min: number, max: number, fallback: number) {
  return v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,10}$/, allowed),
      v.transform(Number),
      v.minValue(min, allowed),
      v.maxValue(max, allowed),
    ),
    String(fallback),
  );
}

/** An identifier of the build (version, commit); `allowed` describes it in error lines. */
function buildId(allowed: string, fallback: string) {
  return v.optional(v.pipe(v.string(), v.regex(BUILD_ID, allowed)), fallback);
}

const KEEP_ALIVE_ALLOWED = `an integer number of milliseconds from 1 to ${MAX_ALB_IDLE_TIMEOUT_MS + 100_000}, greater than ALB_IDLE_TIMEOUT_MS`;

const EnvSchema = v.pipe(
  v.object({
    PORT: integer("an integer from 0 to 65535", 0, 65_535, DEFAULT_PORT),
    HOST: v.optional(
      v.pipe(
        v.string(),
        v.check(
          (host) => isIP(host) !== 0 || HOST_NAME.test(host),
          "an IP address or host name to listen on, e.g. 0.0.0.0 or ::",
        ),
      ),
      "0.0.0.0",
    ),
    LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `one of ${LOG_LEVELS.join(", ")}`), "info"),
    SHUTDOWN_TIMEOUT_MS: integer(
      `an integer number of milliseconds from 1 to ${MAX_SHUTDOWN_TIMEOUT_MS}, below the ECS stop timeout`,
      1,
      MAX_SHUTDOWN_TIMEOUT_MS,
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
    ),
    ALB_IDLE_TIMEOUT_MS: integer(
      `an integer number of milliseconds from 1000 to ${MAX_ALB_IDLE_TIMEOUT_MS} (the ALB listener's idle timeout)`,
      1000,
      MAX_ALB_IDLE_TIMEOUT_MS,
      DEFAULT_ALB_IDLE_TIMEOUT_MS,
    ),
    KEEP_ALIVE_TIMEOUT_MS: integer(
      KEEP_ALIVE_ALLOWED,
      1,
      MAX_ALB_IDLE_TIMEOUT_MS + 100_000,
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    ),
    APP_VERSION: buildId("1 to 128 letters, digits or . + _ - (the image's VERSION build arg)", "0.0.0-dev"),
    GIT_COMMIT: buildId("1 to 128 letters, digits or . + _ - (the image's GIT_COMMIT build arg)", "unknown"),
  }),
  v.forward(
    v.partialCheck(
      [["KEEP_ALIVE_TIMEOUT_MS"], ["ALB_IDLE_TIMEOUT_MS"]],
      (env) => env.KEEP_ALIVE_TIMEOUT_MS > env.ALB_IDLE_TIMEOUT_MS,
      (issue) =>
        `${KEEP_ALIVE_ALLOWED} (${String((issue.input as { ALB_IDLE_TIMEOUT_MS: number }).ALB_IDLE_TIMEOUT_MS)}), ` +
        "or the ALB may reuse a connection the app is closing and answer 502",
    ),
    ["KEEP_ALIVE_TIMEOUT_MS"],
  ),
);

/** The environment variables this service reads, in the order errors are reported. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.entries) as (keyof typeof EnvSchema.entries)[];

/**
 * Reads and validates the configuration from environment variables.
 * An empty variable counts as unset (task definitions and shells often pass `NAME=`).
 *
 * @param env the environment to read, usually `process.env`
 * @returns the configuration, or one line per invalid variable naming it, what is allowed and what it got
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const input: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== "") input[name] = value;
  }
  const result = v.safeParse(EnvSchema, input);
  if (!result.success) {
    const seen = new Set<string>();
    const errors: string[] = [];
    for (const issue of result.issues) {
      const name = v.getDotPath(issue) ?? "environment";
      if (seen.has(name)) continue;
      seen.add(name);
      errors.push(`invalid configuration: ${name} must be ${issue.message} (got ${JSON.stringify(input[name] ?? "")})`);
    }
    return { ok: false, errors };
  }
  const out = result.output;
  return {
    ok: true,
    config: {
      port: out.PORT,
      host: out.HOST,
      logLevel: out.LOG_LEVEL,
      shutdownTimeoutMs: out.SHUTDOWN_TIMEOUT_MS,
      keepAliveTimeoutMs: out.KEEP_ALIVE_TIMEOUT_MS,
      albIdleTimeoutMs: out.ALB_IDLE_TIMEOUT_MS,
      version: out.APP_VERSION,
      commit: out.GIT_COMMIT,
    },
  };
}
