/**
 * Opening an environment for an operation: its configuration (the app's
 * configuration file, validated by the module's infra/), where AWS is (the
 * in-engine emulator for `local`, an emulator named explicitly with
 * `with-emulator`, or AWS — at its own endpoints or at a custom one such as a
 * FIPS or VPC endpoint, with every real-AWS behaviour), who we are there (the
 * STS preflight, which refuses the wrong account), credentials for OpenTofu and
 * for the module's own SDK calls, the image registry, and the deployment
 * ledger. What the mode changes is decided here, once (EnvironmentTraits):
 * operations read the traits, never the mode. `close()` stops what it started;
 * withEnvironment() opens, redacts and closes around one operation.
 */
import { randomUUID } from "node:crypto";

import { type Container, dag, type Directory, type Service } from "@dagger.io/dagger";

import { callOn } from "../common/cli.js";
import { readCredential } from "../common/credentials.js";
import { DeployError, redact } from "../common/errors.js";
import {
  type AwsArgs,
  type AwsAuth,
  type AwsIdentity,
  awsClientConfig,
  callerIdentity,
  resolveAwsAuth,
} from "../aws/auth.js";
import { ecrImages, type ImageRegistry, localImages } from "./images.js";
import { type Ledger, s3Ledger, volumeLedger } from "./ledger.js";
import { EMULATOR_BINDING, EMULATOR_CREDENTIALS, EMULATOR_PORT, registryService } from "../local/services.js";
import { type EmulatorStart, type SavedState, startLocalEmulator } from "../local/state.js";
import { openAttachment, type SharedContext } from "../shared/attach.js";
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

/** Where an environment (an app's, or a shared one) is: what the preflight and OpenTofu's credentials read of it. */
export type Placement = Pick<
  EnvironmentConfig,
  "name" | "region" | "accountId" | "configFile" | "emulatorEnvironment" | "emulatorBackendConfig"
>;

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
  /** The module's infra (common/module-files.ts moduleInfra()). */
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
  /** local: the in-engine emulator; emulator: an emulator at --aws-endpoint; aws: AWS. For words only: behaviour reads `traits`. */
  mode: "local" | "emulator" | "aws";
  /** What the mode decides, once, when the environment opens. */
  traits: EnvironmentTraits;
  identity: AwsIdentity;
  /** Credentials and endpoint for the module's own SDK calls. */
  sdk: ReturnType<typeof awsClientConfig>;
  /** Credentials and endpoint for OpenTofu. */
  tofu: TofuAws;
  /** The AWS credentials resolved (for ECR); undefined for local. */
  auth?: AwsAuth;
  /** Where the environment's images go (local's registry, ECR, or an emulator's stand-in for it). */
  images: ImageRegistry;
  ledger: Ledger;
  /** Unique per call. */
  runId: string;
  /** Plaintext values that must never appear in output (credentials). */
  secrets: string[];
  /** local: keeps the emulator's state (and OpenTofu's, in it) for the next call; call after a successful deploy or rollback only. */
  saveLocalState?: () => Promise<SavedState>;
  /** local: what the emulator started from (restored: the state the last deploy saved is loaded). */
  emulatorStart?: EmulatorStart["outcome"];
  /** The shared environment the service attaches to, opened (what it published, the host, the claim). */
  shared?: SharedContext;
  /** Stops the services this call started. */
  close(): Promise<void>;
}

/** What an environment's mode decides: every operation reads these, none tests the mode. */
export interface EnvironmentTraits {
  /**
   * deploy applies the base stack itself (local: its emulator may start empty);
   * elsewhere `bootstrap` applies it once and deploy checks that its registry exists.
   */
  deployAppliesBase: boolean;
  /**
   * The caller said this is an emulator (local, or with-emulator): it runs no
   * tasks, so a rollout gets the emulator's verdict rule and the image runs as a
   * stand-in for the smoke test. AWS at a custom endpoint gets the real rules.
   */
  emulated: boolean;
  /** The app's secrets are in stores the module can ask (SSM, Secrets Manager): false for local, which has none. */
  secretStores: boolean;
  /** What the environment runs outlives the call (false for local: its emulator runs only during a call). */
  outlivesCalls: boolean;
  /**
   * The `dagger call` line of a function on this environment, for messages.
   * @param fn the function and its flags, e.g. "destroy --confirm staging"
   */
  command(fn: string): string;
}

/**
 * The traits of a mode.
 * @param mode where the environment is
 * @param name the environment's name (for the commands)
 */
export function traitsOf(mode: OpenEnvironment["mode"], name: string): EnvironmentTraits {
  const local = mode === "local";
  return {
    deployAppliesBase: local,
    emulated: mode !== "aws",
    secretStores: !local,
    outlivesCalls: !local,
    // local's deploy is the main object's `dagger call deploy`; the rest go through `environment`.
    command: (fn) => (local && fn === "deploy" ? "dagger call deploy" : callOn(name, fn)),
  };
}

/** Options of withEnvironment(). */
export interface OperationOptions {
  /** false: open `local` without starting its emulator (status reads only the ledger and the registry). */
  startLocal?: boolean;
  /** More plaintext to keep out of the result and of any error (e.g. a secret's value being set). */
  hidden?: readonly string[];
  /** Opens the environment; default openEnvironment() (deploy passes one that times it as a step). */
  open?: (open: () => Promise<OpenEnvironment>) => Promise<OpenEnvironment>;
  /** The message of a failure, before redaction (default: the error's own message). */
  describeFailure?: (err: unknown) => string;
  /** Runs before the environment closes, whatever the outcome (deploy ends its steps there). */
  beforeClose?: () => void;
}

/**
 * One operation on an environment: opens it, runs the operation, and closes it
 * whatever happens; the result and any failure's message have the
 * environment's credentials (and `hidden`) replaced by `***`. A failure is
 * rethrown as a DeployError carrying that message only (never the original
 * error, whose fields may hold a credential).
 *
 * @param args the operation's arguments
 * @param action the operation, for messages (e.g. "plan")
 * @param operation what to do on the open environment; its text is the result
 * @param opts see OperationOptions
 */
export async function withEnvironment(
  args: EnvironmentArgs,
  action: string,
  operation: (env: OpenEnvironment) => Promise<string>,
  opts: OperationOptions = {},
): Promise<string> {
  const open = () => openEnvironment(args, action, opts.startLocal === false ? { startLocal: false } : {});
  const env = await (opts.open ? opts.open(open) : open());
  const hidden = () => [...env.secrets, ...(opts.hidden ?? [])];
  try {
    return redact(await operation(env), hidden());
  } catch (err) {
    const message = opts.describeFailure ? opts.describeFailure(err) : err instanceof Error ? err.message : String(err);
    // No `cause`: the original error may carry credential values; the message is redacted.
    throw new DeployError(redact(message, hidden()));
  } finally {
    opts.beforeClose?.();
    await env.close();
  }
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
  const infra = await infraContainer(args.infraSource, args.configFile);
  const config = await resolveEnvironmentConfig(infra, args.name, args.configOverrides ?? "", mode === "emulator");
  if (mode === "local" && opts.startLocal === false) return localRecords(args, config, infra, runId);
  if (mode === "local") return await openLocal(args, config, infra, runId);
  return await openAws(args, action, { config, infra, runId, mode });
}

/**
 * An AWS environment (or one on an emulator the caller named): the preflight
 * (region, credentials, who we are, the right account), then OpenTofu's and the
 * SDK's credentials, the ECR registry and the ledger in the state bucket.
 *
 * @param args the operation's arguments
 * @param action the operation, for messages
 * @param opened the configuration, the infra container, the run's id and the mode
 */
async function openAws(
  args: EnvironmentArgs,
  action: string,
  opened: { config: EnvironmentConfig; infra: Container; runId: string; mode: "emulator" | "aws" },
): Promise<OpenEnvironment> {
  const { config, infra, runId, mode } = opened;
  const { auth, identity } = await preflight(args, action, config, mode);
  // The token too is kept out of every output (the temporary credentials are in `auth`).
  const webIdentityToken = args.aws.webIdentityToken ? (await readCredential(args.aws.webIdentityToken)).trim() : "";
  const secrets = [
    auth.credentials.accessKeyId,
    auth.credentials.secretAccessKey,
    auth.credentials.sessionToken ?? "",
    webIdentityToken,
  ].filter((s) => s !== "");
  const sdk = awsClientConfig(auth);
  // Attached: the host is <label>.<the domain the shared environment published>.
  const shared = config.shared
    ? await openAttachment(sdk, config.shared, platformFix(config.shared.environment, config.shared.parameterPath))
    : undefined;
  return {
    config: shared ? { ...config, domain: shared.host } : config,
    ...(shared ? { shared } : {}),
    infra,
    mode,
    traits: traitsOf(mode, config.name),
    identity,
    sdk,
    tofu: tofuCredentials(auth, config, mode, runId),
    auth,
    images: ecrImages(auth, secrets, args.emulator?.registry),
    ledger: s3Ledger(sdk, config.state.bucket, config.names.state.ledger),
    runId,
    secrets,
    close: async () => {},
  };
}

/**
 * Who we are on AWS, before anything else: the credentials' region agrees with
 * the environment's, STS answers (with the role assumed, for a web-identity
 * token), and the account is the environment's (else it refuses, saying which).
 *
 * @param args the operation's arguments
 * @param action the operation, for messages
 * @param config the environment
 * @param mode AWS, or an emulator the caller named
 */
export async function preflight(
  args: Pick<EnvironmentArgs, "aws" | "emulator" | "log">,
  action: string,
  config: Placement,
  mode: "emulator" | "aws",
): Promise<{ auth: AwsAuth; identity: AwsIdentity }> {
  if (args.aws.region && args.aws.region !== config.region) {
    throw new Error(
      `${action}: environment "${config.name}" is in ${config.region} (${config.configFile}), but the credentials name ${args.aws.region}. ` +
        `Leave the region out (it comes from the configuration), or change the environment's region.`,
    );
  }
  const endpoint = args.emulator?.endpoint ?? args.aws.endpoint;
  const auth = await resolveAwsAuth({ ...args.aws, region: config.region, ...(endpoint ? { endpoint } : {}) }, action);
  const identity = await callerIdentity(auth, action);
  const ends = auth.webIdentity?.expiration ? ` (session ends ${auth.webIdentity.expiration.toISOString()})` : "";
  const via = auth.webIdentity ? `, assumed with a web-identity token${ends}` : "";
  const at =
    mode === "emulator"
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
  return { auth, identity };
}

/**
 * OpenTofu's credentials: the ones resolved by the preflight (the keys without
 * a file:'s trailing newline, or the role's temporary credentials that STS
 * returned), as secrets named for this run only, and where its AWS calls go.
 *
 * @param auth the resolved credentials
 * @param config the environment
 * @param mode AWS, or an emulator the caller named
 * @param runId the run's id
 */
export function tofuCredentials(auth: AwsAuth, config: Placement, mode: "emulator" | "aws", runId: string): TofuAws {
  const resolved = (name: string, value: string) => dag.setSecret(`fp-${name}-${runId}`, value);
  const { sessionToken } = auth.credentials;
  return {
    region: config.region,
    accessKeyId: resolved("key", auth.credentials.accessKeyId),
    secretAccessKey: resolved("secret", auth.credentials.secretAccessKey),
    ...(sessionToken ? { sessionToken: resolved("session", sessionToken) } : {}),
    // A custom endpoint of real AWS reaches the provider as AWS_ENDPOINT_URL, and only that:
    // none of the emulator's relaxations (skipped validations, path-style S3) apply.
    emulatorEnv: tofuEndpointEnvironment(mode, config, auth.endpoint),
    backendConfig: mode === "emulator" ? config.emulatorBackendConfig : [],
  };
}

/** The local environment: the emulator from its saved state, the persistent registry and ledger, the state bucket created. */
async function openLocal(
  args: EnvironmentArgs,
  config: EnvironmentConfig,
  infra: Container,
  runId: string,
): Promise<OpenEnvironment> {
  if (config.shared)
    throw new Error(
      `environment "${LOCAL}" cannot attach to a shared environment (${config.configFile}, environments.local.shared): its emulator runs only during a call. Rehearse an attached environment with \`environment --name NAME with-emulator …\`.`,
    );
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
      traits: traitsOf("local", config.name),
      identity,
      sdk,
      tofu: {
        region: config.region,
        ...EMULATOR_CREDENTIALS,
        emulatorEnv: withEndpoint(config.emulatorEnvironment, `http://${EMULATOR_BINDING}:${EMULATOR_PORT}`),
        backendConfig: config.emulatorBackendConfig,
        service: { binding: EMULATOR_BINDING, svc: emulator.service },
      },
      images: localImages(registry),
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
    traits: traitsOf("local", config.name),
    identity: { account: "(emulator, not started)", arn: "local" },
    sdk: awsClientConfig({ region: config.region, credentials: { ...EMULATOR_CREDENTIALS } }),
    tofu: {
      region: config.region,
      ...EMULATOR_CREDENTIALS,
      emulatorEnv: {},
      backendConfig: [],
    },
    images: localImages(registry),
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

/**
 * What to do when a shared environment has published nothing: the platform team applies it.
 *
 * @param environment the shared environment's name
 * @param parameterPath where it publishes
 */
export function platformFix(environment: string, parameterPath: string): string {
  return `Ask the platform team to apply it first: \`dagger call platform --name ${environment} with-aws-credentials … apply\` (in the repository that defines sharedEnvironments.${environment}); it publishes what services attach with under ${parameterPath}.`;
}
