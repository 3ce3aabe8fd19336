/**
 * What the Dagger module needs to know about the running service beyond its
 * names, as plain JSON-ready data from a resolved configuration: the secrets
 * the tasks read at start (for the preflight and the status) and the bounds of
 * the task count (for rollout tracking and the status).
 */
import { resolveSecrets, type SecretStore } from "./secrets.ts";
import type { EnvironmentConfig } from "./types.ts";

/** One secret environment variable, as the module sees it. */
export interface SecretSummary {
  /** The container's environment variable. */
  envVar: string;
  /** "ssm" (Parameter Store) or "secretsManager". */
  kind: SecretStore;
  /** The parameter's or secret's name (without a secret ARN's random suffix): DescribeParameters' Name filter, DescribeSecret's SecretId. */
  name: string;
  /** The ARN as configured, when the configuration gave one (then use it as the SecretId: it may be in another region). */
  arn?: string;
  /** The store's region. */
  region: string;
  /** The JSON key of the secret the variable gets, when only one key. */
  key?: string;
  /** The customer-managed KMS key, when configured (otherwise the store's AWS-managed key). */
  kmsKeyArn?: string;
}

/** The task count's owner and bounds. */
export interface ScalingSummary {
  /** True when Application Auto Scaling owns the count (desiredCount is then not used). */
  enabled: boolean;
  /** Fewest tasks: the count the service starts with when enabled; the configured desiredCount otherwise. */
  minCount: number;
  /** Most tasks when enabled; the configured desiredCount otherwise. */
  maxCount: number;
}

/** What secretsAndScaling() returns. */
export interface SecretsAndScaling {
  /** Every secret environment variable, sorted by name; empty when there are none. */
  secrets: SecretSummary[];
  /** Who owns the task count, and its bounds. */
  autoscaling: ScalingSummary;
}

/**
 * The secrets and the scaling bounds of an environment, as plain data (no
 * values: the configuration has none). Fields left out are not set (never
 * `undefined`), so the result prints as JSON as is.
 * @param config The environment's validated configuration (resolveEnvironment()).
 */
export function secretsAndScaling(config: EnvironmentConfig): SecretsAndScaling {
  const secrets = resolveSecrets(config.service.secrets, config.region).map((ref): SecretSummary => ({
    envVar: ref.envVar,
    kind: ref.kind,
    name: ref.name,
    ...(ref.arn !== undefined ? { arn: ref.arn } : {}),
    region: ref.region,
    ...(ref.key !== undefined ? { key: ref.key } : {}),
    ...(ref.kmsKeyArn !== undefined ? { kmsKeyArn: ref.kmsKeyArn } : {}),
  }));
  const scaling = config.service.autoscaling;
  const autoscaling = scaling.enabled
    ? { enabled: true, minCount: scaling.minCount, maxCount: scaling.maxCount }
    : { enabled: false, minCount: config.service.desiredCount, maxCount: config.service.desiredCount };
  return { secrets, autoscaling };
}
