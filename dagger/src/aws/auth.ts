/**
 * AWS credentials passed to the module as `Secret`s — access keys, or an OIDC
 * web-identity token and a role to assume with it (STS AssumeRoleWithWebIdentity)
 * — the SDK client settings built from them, the STS preflight (who am I, which
 * account) and AWS errors explained with the flags to pass — never with a
 * credential's or token's value.
 */
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Secret } from "@dagger.io/dagger";

import { redact } from "../common/errors.js";
import { readCredential } from "../common/credentials.js";

/** The access-key form of credentials, as the CLI chains it after `environment --name …`. */
const KEY_FLAGS = [
  "with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY",
  "  (and --session-token env:AWS_SESSION_TOKEN for temporary credentials)",
];
/** The web-identity form. */
const WEB_IDENTITY_FLAGS = [
  "with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN (or file:PATH) --role-arn arn:aws:iam::<account>:role/<role>",
];

/** Both forms of AWS credentials, for messages (the CLI spelling of the chained functions). */
export const AWS_CREDENTIAL_FLAGS = [
  ...KEY_FLAGS,
  "or, instead of the keys, an OIDC token (GitHub Actions, GitLab CI, Kubernetes) and the role it may assume:",
  ...WEB_IDENTITY_FLAGS,
];

/** The flags (keys) whose values are missing or empty, in order. */
const missingFlags = (flags: Record<string, unknown>): string[] => Object.keys(flags).filter((f) => !flags[f]);

/** Indented lines for a message. */
const flagLines = (flags: readonly string[]) => flags.map((f) => `  ${f}`).join("\n");

// 3600 s: a deploy (lock wait up to 5 min, build, apply, a rollout budget of a few
// minutes, smoke test, restore on failure) fits well inside an hour, and an hour is
// the longest session a role allows unless its MaxSessionDuration is raised (the
// default, and what infra gives the deploy and plan roles). Asking for more fails.
export const WEB_IDENTITY_SESSION_SECONDS = 3600;
// The audience AWS expects in a token meant for STS (GitHub's configure-aws-credentials asks for it too).
const STS_AUDIENCE = "sts.amazonaws.com";

// 3 attempts: the SDK's standard retry mode; throttling and 5xx are retried, a rejected credential is not.
// It is the one retry layer of every client but the rollout tracker's, which retries
// its polls itself and turns the SDK's off (ROLLOUT_SDK_MAX_ATTEMPTS in rollout/clients.ts).
const AWS_MAX_ATTEMPTS = 3;
// Every SDK request gives up instead of hanging: 5 s to connect (AWS answers in
// milliseconds; an emulator behind a tunnel in well under a second), 30 s of
// silence on an open request (the slowest call made, a log read, takes ~1 s).
// A timed-out request is retried like a 5xx, then reported.
// throwOnRequestTimeout: the SDK's HTTP handler (@smithy/node-http-handler 4.x) only
// logs a warning when requestTimeout passes and keeps waiting, unless told to throw;
// a request the emulator's tunnel never answered hung a local deploy for 30 minutes.
export const AWS_HTTP_TIMEOUTS = {
  connectionTimeout: 5_000,
  requestTimeout: 30_000,
  throwOnRequestTimeout: true,
} as const;

/** AWS credentials as the function arguments carry them. */
export interface AwsArgs {
  /** Access key id (`with-aws-credentials --access-key-id`). */
  accessKeyId?: Secret;
  /** Secret access key (`with-aws-credentials --secret-access-key`). */
  secretAccessKey?: Secret;
  /** Session token of temporary credentials (`with-aws-credentials --session-token`). */
  sessionToken?: Secret;
  /** Region: the environment's (its configuration). */
  region?: string;
  /** A custom AWS API endpoint (`with-endpoint`: FIPS, VPC endpoint); an emulator's when the caller named one (`with-emulator`). */
  endpoint?: string;
  /** OIDC token to assume `roleArn` with, instead of access keys (`with-web-identity --token`). */
  webIdentityToken?: Secret;
  /** Role to assume with `webIdentityToken` (`with-web-identity --role-arn`). */
  roleArn?: string;
}

/** Resolved credentials and where to send requests. */
export interface AwsAuth {
  region: string;
  endpoint?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Set when the credentials came from STS AssumeRoleWithWebIdentity. */
  webIdentity?: { roleArn: string; sessionName: string; expiration?: Date };
}

/** Who the credentials belong to. */
export interface AwsIdentity {
  account: string;
  arn: string;
}

/**
 * Reads the credentials: access keys, or a web-identity token exchanged for a
 * role's temporary credentials (STS AssumeRoleWithWebIdentity). Exactly one of
 * the two forms; fails listing the flags when something is missing or empty.
 *
 * @param args the function's AWS arguments
 * @param action what needs them, for the message and the role session name (e.g. "publish-ecr")
 */
export async function resolveAwsAuth(args: AwsArgs, action: string): Promise<AwsAuth> {
  const keys = [
    args.accessKeyId && "--access-key-id",
    args.secretAccessKey && "--secret-access-key",
    args.sessionToken && "--session-token",
  ].filter((f): f is string => Boolean(f));
  const web = [args.webIdentityToken && "--token", args.roleArn && "--role-arn"].filter((f): f is string => Boolean(f));
  if (keys.length > 0 && web.length > 0) {
    throw new Error(
      `${action}: give one kind of AWS credentials, not both: access keys (with-aws-credentials ${keys.join(", ")}) or a web-identity token and role (with-web-identity ${web.join(", ")}). ` +
        "Drop with-aws-credentials to assume the role with the token, or drop with-web-identity to use the keys.",
    );
  }
  if (web.length > 0) return await webIdentityAuth(args, action);
  const missing = missingFlags({ "--access-key-id": args.accessKeyId, "--secret-access-key": args.secretAccessKey });
  if (missing.length > 0) {
    throw new Error(
      `${action} needs AWS credentials; chain one of these after \`environment --name <env>\`:\n${flagLines(AWS_CREDENTIAL_FLAGS)}`,
    );
  }
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    readCredential(args.accessKeyId!),
    readCredential(args.secretAccessKey!),
    args.sessionToken ? readCredential(args.sessionToken) : Promise.resolve(undefined),
  ]);
  const empty = missingFlags({ "--access-key-id": accessKeyId, "--secret-access-key": secretAccessKey });
  if (empty.length > 0) {
    throw new Error(
      `${action}: ${empty.join(" and ")} of with-aws-credentials ${empty.length > 1 ? "are" : "is"} empty (is the environment variable set, or the file written?). Pass:\n${flagLines(KEY_FLAGS)}`,
    );
  }
  return {
    region: args.region!,
    ...(args.endpoint ? { endpoint: args.endpoint } : {}),
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  };
}

// An IAM role ARN in any partition: arn:aws:iam::123456789012:role/path/name.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The role session name STS records (CloudTrail shows it): `fargate-pipeline-<action>`,
 * limited to the characters and 64-character length STS accepts.
 *
 * @param action the function, e.g. "deploy"
 */
export function roleSessionName(action: string): string {
  return `fargate-pipeline-${action}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

/** The second form: validates the flags, reads the token and asks STS for the role's credentials. */
async function webIdentityAuth(args: AwsArgs, action: string): Promise<AwsAuth> {
  const { roleArn, token } = await webIdentityInputs(args, action);
  const sessionName = roleSessionName(action);
  const where = { region: args.region!, ...(args.endpoint ? { endpoint: args.endpoint } : {}) };
  // No credentials: AssumeRoleWithWebIdentity is an unsigned call (the token is the proof),
  // and the SDK sends it without looking for any.
  const sts = new STSClient(awsTransport(where.region, where.endpoint));
  try {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        WebIdentityToken: token,
        DurationSeconds: WEB_IDENTITY_SESSION_SECONDS,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
      throw new Error("STS AssumeRoleWithWebIdentity returned no credentials");
    return {
      ...where,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      webIdentity: { roleArn, sessionName, ...(c.Expiration ? { expiration: c.Expiration } : {}) },
    };
  } catch (err) {
    // No `cause`: the original error may carry the token; the message is redacted.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(
      explainWebIdentityError(err, { ...where, roleArn, token }, `${action}: STS AssumeRoleWithWebIdentity`),
    );
  } finally {
    sts.destroy();
  }
}

/**
 * with-web-identity's flags checked (a token, a role ARN, a region) and the token read.
 *
 * @param args the AWS arguments
 * @param action the function, for messages
 */
async function webIdentityInputs(args: AwsArgs, action: string): Promise<{ roleArn: string; token: string }> {
  const missing = missingFlags({
    "--token": args.webIdentityToken,
    "--role-arn": args.roleArn,
    "the region": args.region,
  });
  if (missing.length > 0) {
    const why = !args.roleArn
      ? "a web-identity token is exchanged for the credentials of a role, so it needs the role to assume"
      : !args.webIdentityToken
        ? "a role is assumed with a web-identity token (from the CI's OIDC issuer), so it needs the token"
        : "STS needs a region";
    throw new Error(
      `${action}: missing ${missing.join(", ")} (${why}). Pass:\n${flagLines(WEB_IDENTITY_FLAGS)}\nor access keys instead:\n${flagLines(KEY_FLAGS)}`,
    );
  }
  const roleArn = args.roleArn!.trim();
  if (!ROLE_ARN.test(roleArn)) {
    throw new Error(
      `${action}: with-web-identity --role-arn "${roleArn}" is not an IAM role ARN; pass one like arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints the deploy and plan roles' ARNs).`,
    );
  }
  // Token files end with a newline; a JWT never contains whitespace.
  const token = (await readCredential(args.webIdentityToken!)).trim();
  if (!token) {
    throw new Error(
      `${action}: with-web-identity --token is empty (is the environment variable set, or the file written?). ` +
        `Request the CI's OIDC token for the audience ${STS_AUDIENCE} first (GitHub Actions: the job needs \`permissions: id-token: write\`; GitLab CI: \`id_tokens:\` with \`aud: ${STS_AUDIENCE}\`).`,
    );
  }
  return { roleArn, token };
}

/**
 * The claims of a JWT that say whose token it is (issuer, audience, subject),
 * for messages: they are what a role's trust policy compares, and not secret
 * (the signature is what makes a token usable, and it is never shown).
 * Empty when the token is not a JWT.
 *
 * @param token a web-identity token
 */
export function tokenClaims(token: string): { iss?: string; aud?: string; sub?: string } {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    const text = (v: unknown) =>
      typeof v === "string" ? v : Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join(",") : undefined;
    const claims: { iss?: string; aud?: string; sub?: string } = {};
    for (const k of ["iss", "aud", "sub"] as const) {
      const v = text(payload[k]);
      if (v !== undefined) claims[k] = v.slice(0, 200);
    }
    return claims;
  } catch {
    return {};
  }
}

/**
 * Explains why STS did not exchange a web-identity token for a role's
 * credentials, with the usual causes of each answer and what to do. Neither the
 * token nor any credential appears in what it returns.
 *
 * @param err what the SDK threw
 * @param ctx where the call went, the role, and the token (only to redact it and read its claims)
 * @param what the call that failed, e.g. "deploy: STS AssumeRoleWithWebIdentity"
 */
export function explainWebIdentityError(
  err: unknown,
  ctx: { region: string; endpoint?: string; roleArn: string; token: string },
  what: string,
): string {
  const e = (err ?? {}) as { name?: string; message?: string };
  const name = e.name ?? "Error";
  const said = `${name}: ${e.message ?? String(err)}`;
  const where = ctx.endpoint ? `the AWS endpoint ${ctx.endpoint}` : `AWS STS in ${ctx.region}`;
  const claims = tokenClaims(ctx.token);
  const shown = (["iss", "aud", "sub"] as const).filter((k) => claims[k] !== undefined).map((k) => `${k}=${claims[k]}`);
  const says =
    shown.length > 0 ? `The token says ${shown.join(", ")}.` : "The token is not a JWT: was the right variable passed?";
  const issuer = claims.iss ? claims.iss.replace(/^https:\/\//, "") : "the token's issuer";
  const lines = (head: string, causes: string[]) =>
    [head, says, "Usual causes:", ...causes.map((c) => `  - ${c}`)].join("\n");
  let message: string;
  if (/^InvalidIdentityToken/.test(name)) {
    message = lines(`${what} failed: ${where} does not accept the web-identity token for ${ctx.roleArn} (${said}).`, [
      `the account has no IAM OIDC identity provider for ${issuer}: create it (bootstrap creates GitHub's, token.actions.githubusercontent.com)`,
      `the token's audience is not in the provider's client IDs: request the token for ${STS_AUDIENCE} (GitHub: audience=${STS_AUDIENCE}; GitLab: id_tokens with aud: ${STS_AUDIENCE})`,
      "the token is not an OIDC ID token (a CI job token or an access token was passed)",
    ]);
  } else if (/^ExpiredToken/.test(name)) {
    message = `${what} failed: the web-identity token has expired (${said}). CI OIDC tokens are short-lived: request a fresh one right before the call, in the same job step.`;
  } else if (name === "AccessDenied" || name === "AccessDeniedException") {
    message = lines(`${what} failed: the trust policy of ${ctx.roleArn} does not let this token assume it (${said}).`, [
      "the trust policy's `sub` condition does not match the token's sub: on GitHub a job with `environment: production` has repo:OWNER/REPO:environment:production, a pull request repo:OWNER/REPO:pull_request, any other job repo:OWNER/REPO:ref:refs/heads/BRANCH",
      `the trust policy's \`aud\` condition is not ${STS_AUDIENCE}, or the token was requested for another audience`,
      `the trust policy's Federated principal is not this account's OIDC provider for ${issuer} (or that provider is missing)`,
      "the role ARN names another account or role than the one set up for this repository (bootstrap prints the right one)",
    ]);
  } else if (/^IDPCommunicationError/.test(name)) {
    message = `${what} failed: STS could not fetch the signing keys of ${issuer} to check the token (${said}). This is usually passing: run again.`;
  } else if (/^IDPRejectedClaim/.test(name)) {
    message = `${what} failed: the identity provider rejected the token's claims (${said}). ${says} Check the provider and the role's trust policy.`;
  } else if (name === "ValidationError" && /DurationSeconds|MaxSessionDuration/i.test(e.message ?? "")) {
    message = `${what} failed: ${ctx.roleArn} allows shorter sessions than the ${WEB_IDENTITY_SESSION_SECONDS} s a deploy may need (${said}). Set the role's maximum session duration to at least ${WEB_IDENTITY_SESSION_SECONDS} s (the roles bootstrap creates have it).`;
  } else {
    const at = { region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) };
    return redact(explainAwsError(err, { ...at, credentials: { accessKeyId: "", secretAccessKey: "" } }, what), [
      ctx.token,
    ]);
  }
  return redact(message, [ctx.token]);
}

/** S3 client settings (awsClientConfig() plus path style on an emulator). */
export interface S3Config {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  endpoint?: string;
  maxAttempts?: number;
  /** Connection and request timeouts (AWS_HTTP_TIMEOUTS below). */
  requestHandler?: { connectionTimeout?: number; requestTimeout?: number; throwOnRequestTimeout?: boolean };
}

/**
 * Settings for any `@aws-sdk/client-*` constructor.
 *
 * @param auth resolved credentials
 */
export function awsClientConfig(auth: AwsAuth) {
  return { ...awsTransport(auth.region, auth.endpoint), credentials: auth.credentials };
}

/**
 * Region, endpoint, retries and timeouts: every SDK client's settings but the
 * credentials. The tests' own clients use it too, so a silent emulator fails
 * their requests in seconds as it does the module's.
 *
 * @param region the region
 * @param endpoint an AWS emulator's endpoint; unset for AWS
 */
export function awsTransport(region: string, endpoint?: string) {
  return {
    region,
    maxAttempts: AWS_MAX_ATTEMPTS,
    requestHandler: { ...AWS_HTTP_TIMEOUTS },
    ...(endpoint ? { endpoint } : {}),
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
  const role = auth.webIdentity?.roleArn;
  if (REJECTED_CREDENTIALS.has(name) && role) {
    message = `${what} failed: ${where} rejected the temporary credentials of ${role} (${said}). They last ${WEB_IDENTITY_SESSION_SECONDS} s from the token's exchange: run again with a fresh with-web-identity --token.`;
  } else if (REJECTED_CREDENTIALS.has(name)) {
    message = [
      `${what} failed: ${where} rejected the credentials (${said}).`,
      "Pass valid ones (temporary credentials need their session token, and expire):",
      flagLines(AWS_CREDENTIAL_FLAGS),
    ].join("\n");
  } else if (name === "AccessDenied" || name === "AccessDeniedException") {
    message = `${what} failed: the identity is not allowed to do this (${said}). Grant the permission named above to ${role ? `the role ${role} (with-web-identity --role-arn)` : "the role or user of the access key (with-aws-credentials)"}.`;
  } else if (
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|TimeoutError/.test(
      `${e.code ?? ""} ${name} ${e.message ?? ""}`,
    )
  ) {
    message = `${what} failed: could not reach ${where} (${said}). Check the environment's region${auth.endpoint ? ` and the endpoint ${auth.endpoint}` : ""} and the engine's network.`;
  } else {
    message = `${what} failed: ${said}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ""}`;
  }
  return redact(message, [
    auth.credentials.secretAccessKey,
    auth.credentials.sessionToken,
    auth.credentials.accessKeyId,
  ]);
}
