/**
 * Opening a shared environment for `platform …`: its configuration (the
 * sharedEnvironments: of the platform team's file, validated by the module's
 * infra/), the STS preflight (which refuses the wrong account), credentials for
 * OpenTofu and for the module's own SDK calls. Like env/open.ts for an app's
 * environment, without what only an app has (registry, ledger, images).
 */
import { randomUUID } from "node:crypto";

import type { Container } from "@dagger.io/dagger";

import { readCredential } from "../common/credentials.js";
import { DeployError, redact } from "../common/errors.js";
import { type AwsIdentity, awsClientConfig } from "../aws/auth.js";
import { infraContainer, resolveSharedConfig, type SharedConfig } from "../stacks/infra-bridge.js";
import type { TofuAws } from "../stacks/tofu.js";
import { type EnvironmentArgs, preflight, tofuCredentials } from "./open.js";

/**
 * What every `platform` operation takes: an environment's arguments, where `name`
 * is a key of `sharedEnvironments:` and there is no local state (a shared
 * environment is never the local one).
 */
export type SharedArgs = Omit<EnvironmentArgs, "localState">;

/** A shared environment, opened. */
export interface OpenShared {
  config: SharedConfig;
  /** The module's infra container with the file (resolve, synth). */
  infra: Container;
  /** AWS, or an emulator the caller named. */
  mode: "emulator" | "aws";
  identity: AwsIdentity;
  /** Credentials and endpoint for the module's SDK calls. */
  sdk: ReturnType<typeof awsClientConfig>;
  /** Credentials and endpoint for OpenTofu. */
  tofu: TofuAws;
  /** Unique per call. */
  runId: string;
  /** Plaintext values that must never appear in output. */
  secrets: string[];
  /**
   * The `dagger call` line of a platform function, for messages.
   * @param fn the function and its flags
   */
  command(fn: string): string;
}

/**
 * The `dagger call` line of a function on a shared environment.
 * @param name the shared environment
 * @param fn the function and its flags, e.g. "destroy --confirm staging"
 */
export function platformCall(name: string, fn: string): string {
  return `dagger call platform --name ${name} with-aws-credentials … ${fn}`;
}

/**
 * Opens a shared environment: configuration, preflight, credentials.
 *
 * @param args the operation's arguments
 * @param action the operation, for messages (e.g. "platform apply")
 */
export async function openShared(args: SharedArgs, action: string): Promise<OpenShared> {
  const mode = args.emulator ? "emulator" : "aws";
  const infra = await infraContainer(args.infraSource, args.configFile);
  const config = await resolveSharedConfig(infra, args.name, args.configOverrides ?? "", mode === "emulator");
  const { auth, identity } = await preflight(args, action, config, mode);
  const webIdentityToken = args.aws.webIdentityToken ? (await readCredential(args.aws.webIdentityToken)).trim() : "";
  const secrets = [
    auth.credentials.accessKeyId,
    auth.credentials.secretAccessKey,
    auth.credentials.sessionToken ?? "",
    webIdentityToken,
  ].filter((s) => s !== "");
  const runId = randomUUID();
  return {
    config,
    infra,
    mode,
    identity,
    sdk: awsClientConfig(auth),
    tofu: tofuCredentials(auth, config, mode, runId),
    runId,
    secrets,
    command: (fn) => platformCall(config.name, fn),
  };
}

/**
 * One operation on a shared environment: opens it, runs the operation, and
 * redacts the credentials from its result and from any failure's message.
 *
 * @param args the operation's arguments
 * @param action the operation, for messages
 * @param operation what to do on the open environment
 */
export async function withShared(
  args: SharedArgs,
  action: string,
  operation: (env: OpenShared) => Promise<string>,
): Promise<string> {
  const env = await openShared(args, action);
  try {
    return redact(await operation(env), env.secrets);
  } catch (err) {
    // No `cause`: the original error may carry credential values; the message is redacted.
    throw new DeployError(redact(err instanceof Error ? err.message : String(err), env.secrets));
  }
}
