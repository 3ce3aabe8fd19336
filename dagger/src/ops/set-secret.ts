/**
 * `set-secret`: puts a new value of one configured secret (service.secrets)
 * into its store, SSM Parameter Store or Secrets Manager. The value is read
 * from a Dagger Secret and goes only to the store's API: never into output or logs.
 */
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import type { Secret } from "@dagger.io/dagger";

import { explainAwsError } from "../aws/auth.js";
import { readCredential } from "../common/credentials.js";
import { DeployError } from "../common/errors.js";
import { type EnvironmentArgs, LOCAL, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { isNotFound, secretsManagerIn, ssmIn } from "../env/secrets.js";
import type { SecretSummary } from "../stacks/infra-bridge.js";

/** The configured secret for an environment variable, or an error listing the configured ones. */
function configuredSecret(env: OpenEnvironment, envVar: string): SecretSummary {
  const s = env.config.secrets.find((x) => x.envVar === envVar);
  if (s) return s;
  const known = env.config.secrets.map((x) => x.envVar);
  throw new DeployError(
    `set-secret: ${envVar} is not in service.secrets of environment "${env.config.name}" (${env.config.configFile}); ` +
      (known.length ? `the configured ones are ${known.join(", ")}.` : "it names none.") +
      ` Add it there first (e.g. ${envVar}: { ssm: "/app/${envVar.toLowerCase().replace(/_/g, "-")}" }), so the store and the name come from the configuration.`,
  );
}

/** What `set-secret` takes. */
export interface SetSecretArgs extends EnvironmentArgs {
  /** The secret's environment variable (its key in service.secrets). */
  envVar: string;
  /** The new value (one trailing newline trimmed). */
  value: Secret;
}

/**
 * `set-secret`: puts a new value of one configured secret into its store and
 * returns the name and the new version (never the value). SSM: PutParameter
 * SecureString with Overwrite (the named KMS key, or the AWS-managed one).
 * Secrets Manager: PutSecretValue (CreateSecret when it does not exist yet);
 * for a `key`, the current JSON is read, that key set, and the whole put back.
 *
 * @param args the environment, the variable and its new value
 */
export async function setSecret(args: SetSecretArgs): Promise<string> {
  const { envVar } = args;
  if (args.name === LOCAL)
    throw new DeployError(
      `set-secret: the local environment's emulator starts empty on every call, so a value set there is gone at once; set secrets in an AWS environment (or one on an emulator with with-emulator)`,
    );
  const plain = await readCredential(args.value);
  return withEnvironment(
    args,
    "set-secret",
    async (env) => {
      const s = configuredSecret(env, envVar);
      if (plain === "")
        throw new DeployError(
          `set-secret: the value for ${envVar} is empty; pass one with --value env:NAME or --value file:PATH`,
        );
      try {
        const result = s.kind === "ssm" ? await putParameter(env, s, plain) : await putSecretValue(env, s, plain);
        return `${envVar}: ${result}. A deploy starts tasks that read it (running tasks keep the value they started with).`;
      } catch (err) {
        if (err instanceof DeployError) throw err;
        throw new DeployError(
          explainAwsError(
            err,
            env.auth ?? { region: env.config.region, credentials: env.sdk.credentials },
            `set-secret ${envVar}`,
          ),
        );
      }
    },
    { hidden: [plain] },
  );
}

/**
 * SSM PutParameter SecureString, overwriting; returns what to say (name and new version).
 * @param env the open environment
 * @param s the secret
 * @param value its new value
 */
async function putParameter(env: OpenEnvironment, s: SecretSummary, value: string): Promise<string> {
  const ssm = ssmIn(env, s.region);
  try {
    const out = await ssm.send(
      new PutParameterCommand({
        Name: s.name,
        Value: value,
        Type: "SecureString",
        Overwrite: true,
        ...(s.kmsKeyArn ? { KeyId: s.kmsKeyArn } : {}),
      }),
    );
    return `SSM parameter ${s.name} (${s.region}) is now version ${out.Version ?? "?"}`;
  } finally {
    ssm.destroy();
  }
}

/**
 * Secrets Manager PutSecretValue (CreateSecret when missing); for a `key`, that key
 * set in the current JSON; returns what to say (name and new version).
 * @param env the open environment
 * @param s the secret
 * @param value its new value
 */
async function putSecretValue(env: OpenEnvironment, s: SecretSummary, value: string): Promise<string> {
  const sm = secretsManagerIn(env, s.region);
  const id = s.arn ?? s.name;
  try {
    let current: string | undefined;
    try {
      current = s.key ? (await sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString : undefined;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (s.arn)
        throw new DeployError(
          `set-secret: Secrets Manager secret ${s.arn} does not exist; an ARN can only name an existing secret: create it (or name it by name in service.secrets)`,
        );
      const out = await sm.send(
        new CreateSecretCommand({
          Name: s.name,
          SecretString: s.key ? JSON.stringify({ [s.key]: value }) : value,
          ...(s.kmsKeyArn ? { KmsKeyId: s.kmsKeyArn } : {}),
        }),
      );
      return `Secrets Manager secret ${s.name} (${s.region}) created${s.key ? ` with key ${s.key}` : ""}, version ${out.VersionId ?? "?"}`;
    }
    let secretString = value;
    if (s.key) {
      let doc: Record<string, unknown> = {};
      if (current) {
        try {
          const parsed: unknown = JSON.parse(current);
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          doc = parsed as Record<string, unknown>;
        } catch {
          throw new DeployError(
            `set-secret: Secrets Manager secret ${id} does not hold a JSON object, so key ${s.key} cannot be set in it; put the whole value or drop "key" from service.secrets`,
          );
        }
      }
      secretString = JSON.stringify({ ...doc, [s.key]: value });
    }
    try {
      const out = await sm.send(new PutSecretValueCommand({ SecretId: id, SecretString: secretString }));
      return `Secrets Manager secret ${s.name} (${s.region})${s.key ? `, key ${s.key},` : ""} is now version ${out.VersionId ?? "?"}`;
    } catch (err) {
      if (!isNotFound(err) || s.arn) throw err;
      const out = await sm.send(
        new CreateSecretCommand({
          Name: s.name,
          SecretString: secretString,
          ...(s.kmsKeyArn ? { KmsKeyId: s.kmsKeyArn } : {}),
        }),
      );
      return `Secrets Manager secret ${s.name} (${s.region}) created, version ${out.VersionId ?? "?"}`;
    }
  } finally {
    sm.destroy();
  }
}
