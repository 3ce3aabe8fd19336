/**
 * AWS credentials passed to the module as `Secret`s, the SDK client settings
 * built from them, the STS preflight (who am I, which account) and AWS errors
 * explained with the flags to pass — never with a credential's value.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Secret } from "@dagger.io/dagger";

import { redact } from "./errors.js";

/** The flags that carry AWS credentials, for messages (the CLI spelling of the function arguments). */
export const AWS_CREDENTIAL_FLAGS = [
  "--aws-access-key-id env:AWS_ACCESS_KEY_ID",
  "--aws-secret-access-key env:AWS_SECRET_ACCESS_KEY",
  "--aws-session-token env:AWS_SESSION_TOKEN   (only for temporary credentials)",
  "--aws-region <region, e.g. eu-west-1>",
];

// 3 attempts: the SDK's standard retry mode; throttling and 5xx are retried, a rejected credential is not.
const AWS_MAX_ATTEMPTS = 3;
// Every SDK request gives up instead of hanging: 5 s to connect (AWS answers in
// milliseconds; an emulator behind a tunnel in well under a second), 30 s of
// silence on an open request (the slowest call made, a log read, takes ~1 s).
// A timed-out request is retried like a 5xx, then reported.
export const AWS_HTTP_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000 } as const;

/** AWS credentials as the function arguments carry them. */
export interface AwsArgs {
  /** Access key id (`--aws-access-key-id`). */
  accessKeyId?: Secret;
  /** Secret access key (`--aws-secret-access-key`). */
  secretAccessKey?: Secret;
  /** Session token of temporary credentials (`--aws-session-token`). */
  sessionToken?: Secret;
  /** Region (`--aws-region`). */
  region?: string;
  /** API endpoint of an AWS emulator (`--aws-endpoint`); unset for AWS itself. */
  endpoint?: string;
}

/** Resolved credentials and where to send requests. */
export interface AwsAuth {
  region: string;
  endpoint?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Who the credentials belong to. */
export interface AwsIdentity {
  account: string;
  arn: string;
}

/**
 * Reads the credential secrets; fails listing the flags when one is missing.
 *
 * @param args the function's AWS arguments
 * @param action what needs them, for the message (e.g. "publish-ecr")
 */
export async function resolveAwsAuth(args: AwsArgs, action: string): Promise<AwsAuth> {
  const missing = [
    args.accessKeyId ? undefined : "--aws-access-key-id",
    args.secretAccessKey ? undefined : "--aws-secret-access-key",
    args.region ? undefined : "--aws-region",
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new Error(`${action} needs AWS credentials; missing ${missing.join(", ")}. Pass:\n${AWS_CREDENTIAL_FLAGS.map((f) => `  ${f}`).join("\n")}`);
  }
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    args.accessKeyId!.plaintext(),
    args.secretAccessKey!.plaintext(),
    args.sessionToken ? args.sessionToken.plaintext() : Promise.resolve(undefined),
  ]);
  const empty = [accessKeyId ? undefined : "--aws-access-key-id", secretAccessKey ? undefined : "--aws-secret-access-key"].filter(Boolean);
  if (empty.length > 0) {
    throw new Error(`${action}: ${empty.join(" and ")} ${empty.length > 1 ? "are" : "is"} empty (is the environment variable set?). Pass:\n${AWS_CREDENTIAL_FLAGS.map((f) => `  ${f}`).join("\n")}`);
  }
  return {
    region: args.region!,
    ...(args.endpoint ? { endpoint: args.endpoint } : {}),
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  };
}

/**
 * Settings for any `@aws-sdk/client-*` constructor.
 *
 * @param auth resolved credentials
 */
export function awsClientConfig(auth: AwsAuth) {
  return {
    region: auth.region,
    credentials: auth.credentials,
    maxAttempts: AWS_MAX_ATTEMPTS,
    requestHandler: { ...AWS_HTTP_TIMEOUTS },
    ...(auth.endpoint ? { endpoint: auth.endpoint } : {}),
  };
}

/**
 * STS GetCallerIdentity: the account and identity the credentials belong to.
 *
 * @param auth resolved credentials
 * @param action what is being done, for the message on failure
 */
export async function callerIdentity(auth: AwsAuth, action: string): Promise<AwsIdentity> {
  const sts = new STSClient(awsClientConfig(auth));
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Account || !out.Arn) throw new Error("STS GetCallerIdentity returned no account");
    return { account: out.Account, arn: out.Arn };
  } catch (err) {
    // No `cause`: the original error may carry credential values; the message is redacted.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(explainAwsError(err, auth, `${action}: STS GetCallerIdentity`));
  } finally {
    sts.destroy();
  }
}

// Error names AWS uses when it does not accept the credentials themselves.
const REJECTED_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignature",
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "InvalidAccessKeyId",
  "AuthFailure",
  "CredentialsProviderError",
]);

/**
 * Explains an AWS SDK error: rejected credentials (with the flags to pass),
 * missing permissions (with the identity's action), an unreachable endpoint, or
 * else AWS's own words. Credential values are removed from everything it returns.
 *
 * @param err what the SDK threw
 * @param auth the credentials used (their values are redacted from the message)
 * @param what the call that failed, e.g. "publish-ecr: ECR GetAuthorizationToken"
 */
export function explainAwsError(err: unknown, auth: AwsAuth, what: string): string {
  const e = (err ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? "Error";
  const said = `${name}: ${e.message ?? String(err)}`;
  const where = auth.endpoint ? `the AWS endpoint ${auth.endpoint}` : `AWS in ${auth.region}`;
  let message: string;
  if (REJECTED_CREDENTIALS.has(name)) {
    message = [
      `${what} failed: ${where} rejected the credentials (${said}).`,
      "Pass valid ones (temporary credentials need their session token, and expire):",
      ...AWS_CREDENTIAL_FLAGS.map((f) => `  ${f}`),
    ].join("\n");
  } else if (name === "AccessDenied" || name === "AccessDeniedException") {
    message = `${what} failed: the identity is not allowed to do this (${said}). Grant the permission named above to the role or user of --aws-access-key-id.`;
  } else if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|TimeoutError/.test(`${e.code ?? ""} ${name} ${e.message ?? ""}`)) {
    message = `${what} failed: could not reach ${where} (${said}). Check --aws-region${auth.endpoint ? " and --aws-endpoint" : ""} and the engine's network.`;
  } else {
    message = `${what} failed: ${said}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ""}`;
  }
  return redact(message, [auth.credentials.secretAccessKey, auth.credentials.sessionToken, auth.credentials.accessKeyId]);
}
