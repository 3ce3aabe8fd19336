/**
 * Opening an environment for an operation: its configuration (the app's
 * configuration file, validated by the module's infra/), where AWS is (the
 * in-engine emulator for `local`, an emulator named explicitly with
 * `with-emulator`, or AWS — at its own endpoints or at a custom one such as a
 * FIPS or VPC endpoint, with every real-AWS behaviour), who we are there (the
 * STS preflight, which refuses the wrong account), credentials for OpenTofu and
 * for the module's own SDK calls, the registry, and the deployment ledger.
 * `close()` stops what it started.
 */
import { randomUUID } from "node:crypto";

import { type Container, dag, type Directory, type Service } from "@dagger.io/dagger";

import { readCredential } from "../common/credentials.js";
import {
  type AwsArgs,
  type AwsAuth,
  type AwsIdentity,
  awsClientConfig,
  callerIdentity,
  resolveAwsAuth,
} from "../aws/auth.js";
import { type Ledger, s3Ledger, volumeLedger } from "./ledger.js";
import { EMULATOR_BINDING, EMULATOR_CREDENTIALS, EMULATOR_PORT, registryService } from "../local/services.js";
import { type EmulatorStart, type SavedState, startLocalEmulator } from "../local/state.js";
import { ensureStateBucket } from "../stacks/state-bucket.js";
import {
  type ConfigFile,
  infraContainer,
  resolveEnvironmentConfig,
  type EnvironmentConfig,
} from "../stacks/infra-bridge.js";
import type { TofuAws } from "../stacks/tofu.js";

/** The local environment's name: everything in the engine, no account. */
export const LOCAL = "local";

/** An AWS emulator the caller named (not `local`'s, which runs in the engine). */
export interface EmulatorArgs {
  /** Its API endpoint, e.g. http://localhost:5000. */
  endpoint: string;
  /** A registry to push to instead of ECR (emulators have none). */
  registry?: Service;
}

/** The arguments every operation on an environment takes. */
export interface EnvironmentArgs {
  /** The environment's name (a key of the configuration file's environments). */
  name: string;
  /** The app's source. */
  source: Directory;
  /** The app's configuration file; undefined: it has none (the built-in environments). */
  configFile?: ConfigFile;
  /** The module's infra (module-files.ts moduleInfra()). */
  infraSource: Directory;
  /** AWS credentials; `endpoint` is a custom AWS endpoint (FIPS, VPC), never an emulator. */
  aws: AwsArgs;
  /** An AWS emulator, named explicitly: emulator-only infrastructure settings, the emulator's verdict rule, a stand-in smoke test. */
  emulator?: EmulatorArgs;
  /** JSON merged over the environment's configuration (emulators, tests). */
  configOverrides?: string;
  /** The local environment's state name (registry storage and ledger volumes). */
  localState: string;
  /** Prints one progress line. */
  log: (line: string) => void;
}

/** An opened environment. */
export interface OpenEnvironment {
  config: EnvironmentConfig;
  /** The module's infra container with the app's configuration (built once per call: resolve, synth). */
  infra: Container;
  /** local: the in-engine emulator; emulator: an emulator at --aws-endpoint; aws: AWS. */
  mode: "local" | "emulator" | "aws";
  identity: AwsIdentity;
  /** Credentials and endpoint for the module's own SDK calls. */
  sdk: ReturnType<typeof awsClientConfig>;
  /** Credentials and endpoint for OpenTofu. */
  tofu: TofuAws;
  /** The AWS credentials resolved (for ECR); undefined for local. */
  auth?: AwsAuth;
  /** The in-engine registry (local only). */
  registry?: Service;
  ledger: Ledger;
  /** Unique per call. */
  runId: string;
  /** Plaintext values that must never appear in output (credentials). */
  secrets: string[];
  /** local: keeps the emulator's state (and OpenTofu's, in it) for the next call; call after a successful deploy or rollback only. */
  saveLocalState?: () => Promise<SavedState>;
  /** local: what the emulator started from (restored: the state the last deploy saved is loaded). */
  emulatorStart?: EmulatorStart["outcome"];
  /** Stops the services this call started. */
  close(): Promise<void>;
}

/**
 * Opens an environment: configuration, preflight, credentials, ledger.
 *
 * @param args the operation's arguments
 * @param action the operation, for messages (e.g. "deploy")
 * @param opts startLocal: false opens `local` without starting its emulator (status reads only the ledger)
 */
export async function openEnvironment(
  args: EnvironmentArgs,
  action: string,
  opts: { startLocal?: boolean } = {},
): Promise<OpenEnvironment> {
  const runId = randomUUID();
  const mode = environmentMode(args);
  const local = mode === "local";
  const onEmulator = mode === "emulator";
  const infra = await infraContainer(args.infraSource, args.configFile);
  const config = await resolveEnvironmentConfig(infra, args.name, args.configOverrides ?? "", onEmulator);
  if (local && opts.startLocal === false) return localRecords(args, config, infra, runId);
  if (local) return await openLocal(args, config, infra, runId);

  if (args.aws.region && args.aws.region !== config.region) {
    throw new Error(
      `${action}: environment "${config.name}" is in ${config.region} (${config.configFile}), but the credentials name ${args.aws.region}. ` +
        `Leave the region out (it comes from the configuration), or change the environment's region.`,
    );
  }
  const endpoint = args.emulator?.endpoint ?? args.aws.endpoint;
  const auth = await resolveAwsAuth({ ...args.aws, region: config.region, ...(endpoint ? { endpoint } : {}) }, action);
  const identity = await callerIdentity(auth, action);
  // The token too is kept out of every output (the temporary credentials are in `auth`).
  const webIdentityToken = args.aws.webIdentityToken ? (await readCredential(args.aws.webIdentityToken)).trim() : "";
  const ends = auth.webIdentity?.expiration ? ` (session ends ${auth.webIdentity.expiration.toISOString()})` : "";
  const via = auth.webIdentity ? `, assumed with a web-identity token${ends}` : "";
  const at = onEmulator
    ? ` (AWS emulator at ${auth.endpoint})`
    : auth.endpoint
      ? ` (AWS endpoint ${auth.endpoint})`
      : "";
  args.log(`preflight: AWS account ${identity.account}, identity ${identity.arn}${via}${at}`);
  if (config.accountId && identity.account !== config.accountId) {
    throw new Error(
      [
        `${action} refused: the credentials belong to AWS account ${identity.account} (${identity.arn}),`,
        `but environment "${config.name}" is configured for account ${config.accountId} (accountId in ${config.configFile}).`,
        "Either use credentials of that account (check the role you assumed, or AWS_PROFILE), or, if the environment moved, change its accountId there.",
      ].join("\n"),
    );
  }
  // OpenTofu gets the credentials resolved above (the keys without a file:'s
  // trailing newline, or the role's temporary credentials that STS returned),
  // as secrets named for this run only.
  const resolved = (name: string, value: string) => dag.setSecret(`fp-${name}-${runId}`, value);
  const { sessionToken } = auth.credentials;
  const tofu: TofuAws = {
    region: config.region,
    accessKeyId: resolved("key", auth.credentials.accessKeyId),
    secretAccessKey: resolved("secret", auth.credentials.secretAccessKey),
    ...(sessionToken ? { sessionToken: resolved("session", sessionToken) } : {}),
    // A custom endpoint of real AWS reaches the provider as AWS_ENDPOINT_URL, and only that:
    // none of the emulator's relaxations (skipped validations, path-style S3) apply.
    emulatorEnv: tofuEndpointEnvironment(mode, config, auth.endpoint),
    backendConfig: onEmulator ? config.emulatorBackendConfig : [],
  };
  const sdk = awsClientConfig(auth);
  return {
    config,
    infra,
    mode: onEmulator ? "emulator" : "aws",
    identity,
    sdk,
    tofu,
    auth,
    ledger: s3Ledger(sdk, config.state.bucket, config.names.state.ledger),
    runId,
    secrets: [
      auth.credentials.accessKeyId,
      auth.credentials.secretAccessKey,
      auth.credentials.sessionToken ?? "",
      webIdentityToken,
    ].filter((s) => s !== ""),
    close: async () => {},
  };
}

/** The local environment: the emulator from its saved state, the persistent registry and ledger, the state bucket created. */
async function openLocal(
  args: EnvironmentArgs,
  config: EnvironmentConfig,
  infra: Container,
  runId: string,
): Promise<OpenEnvironment> {
  if (!config.emulator)
    throw new Error(`environment "${LOCAL}" must have emulator: true (${config.configFile}, environments.local)`);
  if (args.aws.accessKeyId || args.aws.webIdentityToken || args.aws.endpoint || args.emulator) {
    args.log(
      "note: the local environment ignores AWS credentials, endpoints and emulators: it runs its own emulator in the engine",
    );
  }
  const started: { close(): Promise<void> }[] = [];
  const close = async () => {
    for (const s of started.reverse()) await s.close().catch(() => {});
  };
  try {
    const emulator = await startLocalEmulator(args.localState, args.log);
    started.push(emulator);
    const registry = registryService(args.localState);
    await registry.start();
    started.push({ close: () => registry.stop().then(() => {}) });
    args.log(`local: AWS emulator (${emulator.reach.via}) and registry started in the engine`);
    const auth: AwsAuth = {
      region: config.region,
      endpoint: emulator.reach.url,
      credentials: { ...EMULATOR_CREDENTIALS },
    };
    const sdk = awsClientConfig(auth);
    const identity = await callerIdentity(auth, "local");
    await ensureStateBucket(sdk, config.state.bucket, config.state.region);
    return {
      config,
      infra,
      mode: "local",
      identity,
      sdk,
      tofu: {
        region: config.region,
        ...EMULATOR_CREDENTIALS,
        emulatorEnv: withEndpoint(config.emulatorEnvironment, `http://${EMULATOR_BINDING}:${EMULATOR_PORT}`),
        backendConfig: config.emulatorBackendConfig,
        service: { binding: EMULATOR_BINDING, svc: emulator.service },
      },
      registry,
      ledger: volumeLedger(args.localState),
      runId,
      secrets: [],
      saveLocalState: emulator.save,
      emulatorStart: emulator.start.outcome,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The local environment without its services: configuration, registry and ledger (both persistent). */
function localRecords(
  args: EnvironmentArgs,
  config: EnvironmentConfig,
  infra: Container,
  runId: string,
): OpenEnvironment {
  const registry = registryService(args.localState);
  return {
    config,
    infra,
    mode: "local",
    identity: { account: "(emulator, not started)", arn: "local" },
    sdk: awsClientConfig({ region: config.region, credentials: { ...EMULATOR_CREDENTIALS } }),
    tofu: {
      region: config.region,
      ...EMULATOR_CREDENTIALS,
      emulatorEnv: {},
      backendConfig: [],
    },
    registry,
    ledger: volumeLedger(args.localState),
    runId,
    secrets: [],
    close: async () => {
      await registry.stop().catch(() => {});
    },
  };
}

/**
 * Where an operation runs: `local` (the emulator in the engine), an emulator
 * the caller named (with-emulator), or AWS — with a custom endpoint too: an
 * endpoint alone never makes an emulator of a real environment.
 *
 * @param args the operation's arguments
 */
export function environmentMode(args: Pick<EnvironmentArgs, "name" | "emulator">): OpenEnvironment["mode"] {
  if (args.name === LOCAL) return "local";
  return args.emulator ? "emulator" : "aws";
}

/**
 * The variables that point OpenTofu's AWS provider at the endpoint: on an
 * emulator, infra's emulator settings (endpoints, skipped validations,
 * path-style S3); on AWS at a custom endpoint, only AWS_ENDPOINT_URL.
 *
 * @param mode where the operation runs
 * @param config the environment
 * @param endpoint the endpoint, if any
 */
export function tofuEndpointEnvironment(
  mode: OpenEnvironment["mode"],
  config: Pick<EnvironmentConfig, "emulatorEnvironment">,
  endpoint: string | undefined,
): Record<string, string> {
  if (mode === "emulator" && endpoint) return withEndpoint(config.emulatorEnvironment, endpoint);
  return endpoint ? { AWS_ENDPOINT_URL: endpoint } : {};
}

/** infra's emulatorEnvironment() with the endpoint filled in. */
function withEndpoint(env: Record<string, string>, endpoint: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace("{{ENDPOINT}}", endpoint)]));
}
