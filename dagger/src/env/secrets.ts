/**
 * The app's secrets (service.secrets) as the environment holds them, metadata
 * only: the deploy's preflight checks every referenced one exists, the service
 * stack gets their versions, and `status` says which version each store holds
 * now. Setting a value is ops/set-secret.ts.
 */
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { explainAwsError } from "../aws/auth.js";
import type { OpenEnvironment } from "./open.js";
import { DeployError } from "../common/errors.js";
import { setSecretCommand } from "../common/cli.js";
import type { SecretSummary } from "../stacks/infra-bridge.js";

/** Clients for a store in a region (a secret may live in another region than the service). */
export function ssmIn(env: OpenEnvironment, region: string): SSMClient {
  return new SSMClient({ ...env.sdk, region });
}
/** A Secrets Manager client in a region. */
export function secretsManagerIn(env: OpenEnvironment, region: string): SecretsManagerClient {
  return new SecretsManagerClient({ ...env.sdk, region });
}

/** True for the "does not exist" answers of both stores. */
export function isNotFound(err: unknown): boolean {
  return (
    (err as { name?: string }).name === "ResourceNotFoundException" ||
    (err as { name?: string }).name === "ParameterNotFound"
  );
}

/** What a store says about one secret, without its value. */
export interface SecretMetadata {
  secret: SecretSummary;
  /** False: it does not exist (or is scheduled for deletion). */
  exists: boolean;
  /** The current version (SSM: its number; Secrets Manager: the AWSCURRENT version id). */
  version?: string;
  /** When the value last changed. */
  changedAt?: Date;
  /** Its ARN as the store reports it (the emulator may not). */
  arn?: string;
}

/**
 * Every configured secret's metadata (DescribeParameters / DescribeSecret:
 * never GetParameter or GetSecretValue).
 *
 * @param env the open environment
 */
export async function describeSecrets(env: OpenEnvironment): Promise<SecretMetadata[]> {
  return Promise.all(
    env.config.secrets.map((s) => (s.kind === "ssm" ? describeParameter(env, s) : describeSecret(env, s))),
  );
}

async function describeParameter(env: OpenEnvironment, s: SecretSummary): Promise<SecretMetadata> {
  const ssm = ssmIn(env, s.region);
  try {
    const out = await ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [s.name] }] }),
    );
    const p = out.Parameters?.find((x) => x.Name === s.name);
    if (!p) return { secret: s, exists: false };
    return {
      secret: s,
      exists: true,
      ...(p.Version !== undefined ? { version: String(p.Version) } : {}),
      ...(p.LastModifiedDate ? { changedAt: p.LastModifiedDate } : {}),
      ...(p.ARN ? { arn: p.ARN } : {}),
    };
  } finally {
    ssm.destroy();
  }
}

async function describeSecret(env: OpenEnvironment, s: SecretSummary): Promise<SecretMetadata> {
  const sm = secretsManagerIn(env, s.region);
  try {
    const out = await sm.send(new DescribeSecretCommand({ SecretId: s.arn ?? s.name }));
    if (out.DeletedDate) return { secret: s, exists: false };
    const current = Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) =>
      stages.includes("AWSCURRENT"),
    )?.[0];
    const changedAt = out.LastChangedDate ?? out.CreatedDate;
    return {
      secret: s,
      exists: true,
      ...(current ? { version: current } : {}),
      ...(changedAt ? { changedAt } : {}),
      ...(out.ARN ? { arn: out.ARN } : {}),
    };
  } catch (err) {
    if (isNotFound(err)) return { secret: s, exists: false };
    throw err;
  } finally {
    sm.destroy();
  }
}

/**
 * The service stack's secret_versions value: each secret's current version,
 * `VAR=version`, sorted by variable and comma-joined ("" without secrets).
 * Versions and names only, never values. A rotation changes it, and the
 * change redeploys the tasks (which read secrets only when they start).
 *
 * @param found the secrets' metadata (describeSecrets)
 */
export function secretVersions(found: readonly SecretMetadata[]): string {
  return found
    .map((m) => `${m.secret.envVar}=${m.version ?? "unknown"}`)
    .sort()
    .join(",");
}

/**
 * The service stack's `-var` flags for the secrets' versions, read from the
 * stores now: local's emulator holds no secrets, so none there.
 *
 * @param env the open environment
 */
export async function secretVersionsVar(env: OpenEnvironment): Promise<string[]> {
  const versions =
    !env.traits.secretStores || env.config.secrets.length === 0 ? "" : secretVersions(await describeSecrets(env));
  return ["-var", `${env.config.secretVersionsVariable}=${versions}`];
}

/**
 * The deploy's preflight for secrets: every parameter or secret the task
 * definition will reference exists. A missing one fails the deploy before
 * anything is built into the environment, with the command that creates it.
 *
 * @param env the open environment
 * @returns one line for the progress log
 */
export async function checkSecretsExist(env: OpenEnvironment): Promise<string> {
  if (env.config.secrets.length === 0) return "none configured";
  // local's emulator starts empty on every call and runs no tasks: nothing could exist, and nothing reads them.
  if (!env.traits.secretStores)
    return `${env.config.secrets.length} configured, not checked on local (its emulator starts empty and runs no tasks)`;
  let found: SecretMetadata[];
  try {
    found = await describeSecrets(env);
  } catch (err) {
    throw new DeployError(
      explainAwsError(
        err,
        env.auth ?? { region: env.config.region, credentials: env.sdk.credentials },
        "deploy preflight: describe the app's secrets",
      ),
    );
  }
  const missing = found.filter((m) => !m.exists);
  if (missing.length > 0) {
    throw new DeployError(
      [
        `deploy refused: ${missing.length === 1 ? "a secret" : `${missing.length} secrets`} of service.secrets (${env.config.configFile}) ${missing.length === 1 ? "does" : "do"} not exist in environment "${env.config.name}"; nothing was changed. ECS would fail every task at start.`,
        ...missing.map(
          (m) =>
            `- ${m.secret.envVar}: ${m.secret.kind === "ssm" ? "SSM parameter" : "Secrets Manager secret"} ${m.secret.arn ?? m.secret.name} (${m.secret.region}) — create it: ${setSecretCommand(env.config.name, m.secret.envVar)}`,
        ),
      ].join("\n"),
    );
  }
  const denied = found.flatMap((m) => {
    const why = executionRoleMismatch(m, env.identity.account);
    return why ? [`- ${m.secret.envVar}: ${why}`] : [];
  });
  if (denied.length > 0) {
    throw new DeployError(
      [
        `deploy refused: the task execution role would not be allowed to read ${denied.length === 1 ? "a secret" : `${denied.length} secrets`} of service.secrets (${env.config.configFile}); nothing was changed.`,
        ...denied,
      ].join("\n"),
    );
  }
  return `${found.length} present (${found.map((m) => m.secret.envVar).join(", ")})`;
}

/**
 * Why the execution role's policy (infra's secretIamResource(): the exact
 * parameter ARN, or `…:secret:NAME-??????` for a secret named by name, in the
 * task's own account) would not cover the parameter or secret the store
 * reports; undefined when it would, or when the store reported no ARN.
 *
 * @param m what the store said
 * @param account the account the tasks run in
 */
export function executionRoleMismatch(m: SecretMetadata, account: string): string | undefined {
  if (!m.exists || !m.arn) return undefined;
  const parts = m.arn.split(":");
  const [region, owner] = [parts[3], parts[4]];
  if (owner !== account)
    return `${m.arn} is in account ${owner}, but ECS reads secrets of the task's own account (${account}) only: create it in ${account}`;
  if (region !== m.secret.region)
    return `${m.arn} is in ${region}, but the configuration (and so the role's policy) names ${m.secret.region}`;
  if (m.secret.kind === "secretsManager" && !m.secret.arn) {
    const resource = parts.slice(6).join(":");
    if (!new RegExp(`^${m.secret.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[A-Za-z0-9]{6}$`).test(resource))
      return `${m.arn} does not match the role's ${m.secret.name}-?????? (the name and the ARN disagree): name it by its ARN in service.secrets`;
  }
  return undefined;
}

/**
 * Status lines for the secrets: each one's current version and when it changed,
 * and whether that is after the running deployment started (then the tasks hold
 * the earlier value: ECS records no secret version per task).
 *
 * @param env the open environment
 * @param runningSince when the running (PRIMARY) deployment was created
 */
export async function secretsStatus(env: OpenEnvironment, runningSince: Date | undefined): Promise<string[]> {
  if (env.config.secrets.length === 0) return [];
  const found = await describeSecrets(env).catch((err: unknown) => err as Error);
  if (found instanceof Error) return ["", `**Secrets**: could not be described (${found.message.split("\n")[0]}).`];
  return [
    "",
    "**Secrets** (ECS does not record which version a task read: a task reads the current one when it starts):",
    "",
    "| variable | store | name | current version | changed | running tasks |",
    "|---|---|---|---|---|---|",
    ...found.map((m) => {
      const store = m.secret.kind === "ssm" ? "SSM" : `Secrets Manager${m.secret.key ? ` (key ${m.secret.key})` : ""}`;
      const tasks = !m.exists
        ? "MISSING: tasks cannot start"
        : m.changedAt && runningSince
          ? m.changedAt > runningSince
            ? "changed after the deployment started: tasks started before hold the earlier value; deploy to pick it up"
            : "started with this version"
          : "?";
      return `| ${m.secret.envVar} | ${store} | ${m.secret.name} | ${m.exists ? (m.version ?? "?") : "-"} | ${m.changedAt?.toISOString() ?? "-"} | ${tasks} |`;
    }),
  ];
}
