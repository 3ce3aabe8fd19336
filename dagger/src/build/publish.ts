/**
 * Publishing images: to any registry with a username and a password `Secret`,
 * and to Amazon ECR with AWS credentials (STS says which account, ECR hands out
 * a registry password). Returns references pinned by digest.
 */
import { createHash } from "node:crypto";

import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { dag, type Container, type Secret, type Service } from "@dagger.io/dagger";

import { type AwsAuth, type AwsIdentity, awsClientConfig, callerIdentity, explainAwsError } from "../aws/auth.js";
import { indent, redact, tail } from "../common/errors.js";
import { trimmedSecret } from "../common/credentials.js";

/** Credentials for a registry. */
export interface RegistryAuth {
  /** Registry host, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com` or `registry.example.com:5000`. */
  registry: string;
  username: string;
  password: Secret;
}

/**
 * The registry host of an image address (`host[:port]/path[:tag]`), as Docker
 * reads it: the first path component when it has a dot or a colon or is
 * `localhost`, else Docker Hub.
 *
 * @param address an image reference
 */
export function registryHost(address: string): string {
  const first = address.split("/")[0] ?? "";
  return address.includes("/") && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

/**
 * Pushes `image` to `address` and returns `address@sha256:…`.
 * On failure, says whether credentials were given and which flags carry them.
 *
 * @param image the image to push
 * @param address where to push it (`host/repository:tag`)
 * @param auth credentials for the registry, if it needs any
 * @param hidden plaintext values that must not appear in the message (the password)
 * @param credentialFlags the flags the credentials came from, for the message
 * @param registryService the registry as a Dagger service (the address then names it `localhost:<port>`)
 */
export async function publishImage(
  image: Container,
  address: string,
  auth?: RegistryAuth,
  hidden: string[] = [],
  credentialFlags = "--registry-username and --registry-password (pass it as env:NAME or file:PATH)",
  registryService?: Service,
): Promise<string> {
  const ctr = auth ? image.withRegistryAuth(auth.registry, auth.username, auth.password) : image;
  try {
    return await ctr.publish(address, registryService ? { registryService } : {});
  } catch (err) {
    const said = redact(err instanceof Error ? err.message : String(err), hidden);
    let hint: string;
    if (/\b(401|403)\b|unauthorized|denied|authentication required/i.test(said)) {
      hint = auth
        ? `the registry rejected user "${auth.username}": check ${credentialFlags}`
        : "the registry needs credentials: pass --registry-username <user> --registry-password env:REGISTRY_PASSWORD";
    } else if (/dial tcp|lookup |no such host|connection refused|i\/o timeout|network is unreachable/i.test(said)) {
      hint = `the Dagger engine cannot reach ${registryHost(address)}: check the address and the engine's network`;
    } else {
      hint = "the registry refused the image";
    }
    // No `cause`: the original error may carry credential values; the message is redacted.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`pushing to ${address} failed; ${hint}. The engine said:\n${indent(tail(said, 10))}`);
  }
}

/**
 * `publish`: pushes to any registry, with a user name and password or without credentials.
 *
 * @param image the image to push
 * @param address `host/repository:tag`
 * @param username registry user name (with `password`, or neither)
 * @param password registry password or token (with `username`, or neither)
 */
export async function publishToRegistry(
  image: Container,
  address: string,
  username?: string,
  password?: Secret,
): Promise<string> {
  if (Boolean(username) !== Boolean(password)) {
    throw new Error(
      "pass both --registry-username and --registry-password (e.g. env:REGISTRY_PASSWORD), or neither for a registry without authentication",
    );
  }
  if (!username || !password) return await publishImage(image, address);
  const trimmed = await trimmedSecret(password, "registry-password");
  const auth = { registry: registryHost(address), username, password: trimmed.secret };
  return await publishImage(image, address, auth, [trimmed.value]);
}

/**
 * The ECR image tag: the given one, else the git commit (ECR tags are immutable,
 * so "unknown" would collide on the second push).
 *
 * @param tag `--tag`, if given
 * @param gitCommit `--git-commit`
 */
export function ecrTag(tag: string | undefined, gitCommit: string): string {
  if (tag) return tag;
  if (gitCommit && gitCommit !== "unknown") return gitCommit;
  throw new Error(
    "publish-ecr needs a tag: pass --git-commit $(git rev-parse HEAD) (the commit becomes the tag) or --tag <tag>",
  );
}

/**
 * What to check when a push is refused, for the credentials used.
 * @param auth the resolved credentials
 */
export function credentialsHint(auth: AwsAuth): string {
  return auth.webIdentity
    ? `that the role ${auth.webIdentity.roleArn} (with-web-identity --role-arn) may push to the repository`
    : "the AWS credentials (with-aws-credentials)";
}

/** An ECR login: the registry of the account and region, and a 12-hour password. */
export interface EcrLogin extends RegistryAuth {
  /** Who the AWS credentials belong to (STS). */
  identity: AwsIdentity;
  /** The password's plaintext, only for redaction from messages. */
  plaintext: string;
}

/**
 * Logs in to the ECR registry of the credentials' account: STS GetCallerIdentity
 * (fails early and clearly on bad credentials), then ECR GetAuthorizationToken.
 *
 * @param auth resolved AWS credentials
 * @param action the function doing it, for messages
 */
export async function ecrLogin(auth: AwsAuth, action: string): Promise<EcrLogin> {
  const identity = await callerIdentity(auth, action);
  const ecr = new ECRClient(awsClientConfig(auth));
  try {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData?.[0];
    if (!data?.authorizationToken || !data.proxyEndpoint)
      throw new Error("ECR GetAuthorizationToken returned no token");
    const decoded = Buffer.from(data.authorizationToken, "base64").toString("utf8");
    const sep = decoded.indexOf(":");
    const username = decoded.slice(0, sep);
    const plaintext = decoded.slice(sep + 1);
    const registry = new URL(data.proxyEndpoint.includes("://") ? data.proxyEndpoint : `https://${data.proxyEndpoint}`)
      .host;
    // The secret's name is derived from the token, not the registry: a fresh
    // token must not be served from a secret registered earlier under the same name.
    const name = `ecr-password-${createHash("sha256").update(plaintext).digest("hex").slice(0, 16)}`;
    return { registry, username, password: dag.setSecret(name, plaintext), identity, plaintext };
  } catch (err) {
    // No `cause`: the original error may carry credential values; the message is redacted.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(explainAwsError(err, auth, `${action}: ECR GetAuthorizationToken (as ${identity.arn})`));
  } finally {
    ecr.destroy();
  }
}
