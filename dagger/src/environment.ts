/**
 * Opening an environment for an operation: its configuration (from infra/),
 * where AWS is (the in-engine emulator for `local`, an emulator named by
 * --aws-endpoint, or AWS), who we are there (the STS preflight, which refuses
 * the wrong account), credentials for OpenTofu and for the module's own SDK
 * calls, the registry, and the deployment ledger. `close()` stops what it started.
 */
import { randomUUID } from "node:crypto";

import { dag, type Directory, type Secret, type Service } from "@dagger.io/dagger";

import { type AwsArgs, type AwsAuth, type AwsIdentity, awsClientConfig, callerIdentity, resolveAwsAuth } from "./aws.js";
import { type Ledger, s3Ledger, volumeLedger } from "./ledger.js";
import { EMULATOR_BINDING, EMULATOR_CREDENTIALS, EMULATOR_PORT, registryService } from "./local.js";
import { type SavedState, startLocalEmulator } from "./local-state.js";
import { ensureStateBucket } from "./state-bucket.js";
import { infraContainer, resolveTarget, type Target } from "./stacks.js";
import type { TofuAws } from "./tofu.js";

/** The local environment's name: everything in the engine, no account. */
export const LOCAL = "local";

/** The arguments every operation on an environment takes. */
export interface EnvironmentArgs {
  /** The environment's name (infra/src/config/environments.ts). */
  env: string;
  /** The repository (infra/ is read from it). */
  source: Directory;
  /** AWS credentials and region; `endpoint` only for an AWS emulator. */
  aws: AwsArgs;
  /** JSON merged over the environment's configuration (emulators, tests). */
  configOverrides?: string;
  /** The local environment's state name (registry storage and ledger volumes). */
  localState: string;
  /** Prints one progress line. */
  log: (line: string) => void;
}

/** An opened environment. */
export interface OpenEnvironment {
  target: Target;
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
export async function openEnvironment(args: EnvironmentArgs, action: string, opts: { startLocal?: boolean } = {}): Promise<OpenEnvironment> {
  const runId = randomUUID();
  const local = args.env === LOCAL;
  const onEmulator = !local && Boolean(args.aws.endpoint);
  const infra = await infraContainer(args.source);
  const target = await resolveTarget(infra, args.env, args.configOverrides ?? "", onEmulator);
  if (local && opts.startLocal === false) return localRecords(args, target, runId);
  if (local) return await openLocal(args, target, runId);

  if (args.aws.region && args.aws.region !== target.region) {
    throw new Error(
      `${action}: environment "${target.name}" is in ${target.region} (infra/src/config/environments.ts), but --aws-region says ${args.aws.region}. ` +
        `Pass --aws-region ${target.region} (or leave it out), or change the environment's region.`,
    );
  }
  const auth = await resolveAwsAuth({ ...args.aws, region: target.region }, action);
  const identity = await callerIdentity(auth, action);
  // The token too is kept out of every output (the temporary credentials are in `auth`).
  const webIdentityToken = args.aws.webIdentityToken ? (await args.aws.webIdentityToken.plaintext()).trim() : "";
  const ends = auth.webIdentity?.expiration ? ` (session ends ${auth.webIdentity.expiration.toISOString()})` : "";
  const via = auth.webIdentity ? `, assumed with a web-identity token${ends}` : "";
  args.log(`preflight: AWS account ${identity.account}, identity ${identity.arn}${via}${auth.endpoint ? ` (AWS emulator at ${auth.endpoint})` : ""}`);
  if (target.accountId && identity.account !== target.accountId) {
    throw new Error(
      [
        `${action} refused: the credentials belong to AWS account ${identity.account} (${identity.arn}),`,
        `but environment "${target.name}" is configured for account ${target.accountId} (accountId in infra/src/config/environments.ts).`,
        "Either use credentials of that account (check the role you assumed, or AWS_PROFILE), or, if the environment moved, change its accountId there.",
      ].join("\n"),
    );
  }
  const secret = (name: string, value: Secret | undefined) => value ?? dag.setSecret(`fp-${name}-${runId}`, "");
  // With a web-identity token, OpenTofu gets the role's temporary credentials that
  // STS returned, as secrets named for this run only; with keys, the keys passed.
  const resolved = (name: string, value: string) => dag.setSecret(`fp-${name}-${runId}`, value);
  const keys: Pick<TofuAws, "accessKeyId" | "secretAccessKey" | "sessionToken"> = auth.webIdentity
    ? {
        accessKeyId: resolved("key", auth.credentials.accessKeyId),
        secretAccessKey: resolved("secret", auth.credentials.secretAccessKey),
        sessionToken: resolved("session", auth.credentials.sessionToken ?? ""),
      }
    : {
        accessKeyId: secret("key", args.aws.accessKeyId),
        secretAccessKey: secret("secret", args.aws.secretAccessKey),
        ...(args.aws.sessionToken ? { sessionToken: args.aws.sessionToken } : {}),
      };
  const tofu: TofuAws = {
    region: target.region,
    ...keys,
    emulatorEnv: onEmulator ? withEndpoint(target.emulatorEnvironment, auth.endpoint!) : {},
    backendConfig: onEmulator ? target.emulatorBackendConfig : [],
  };
  const sdk = awsClientConfig(auth);
  return {
    target,
    mode: onEmulator ? "emulator" : "aws",
    identity,
    sdk,
    tofu,
    auth,
    ledger: s3Ledger(sdk, target.state.bucket, target.names.state.ledger),
    runId,
    secrets: [auth.credentials.accessKeyId, auth.credentials.secretAccessKey, auth.credentials.sessionToken ?? "", webIdentityToken].filter((s) => s !== ""),
    close: async () => {},
  };
}

/** The local environment: the emulator from its saved state, the persistent registry and ledger, the state bucket created. */
async function openLocal(args: EnvironmentArgs, target: Target, runId: string): Promise<OpenEnvironment> {
  if (!target.emulator) throw new Error(`environment "${LOCAL}" must have emulator: true in infra/src/config/environments.ts`);
  if (args.aws.accessKeyId || args.aws.webIdentityToken || args.aws.endpoint) {
    args.log("note: the local environment ignores AWS credentials and --aws-endpoint: it runs its own emulator in the engine");
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
    const auth: AwsAuth = { region: target.region, endpoint: emulator.reach.url, credentials: { ...EMULATOR_CREDENTIALS } };
    const sdk = awsClientConfig(auth);
    const identity = await callerIdentity(auth, "local");
    await ensureStateBucket(sdk, target.state.bucket, target.state.region);
    return {
      target,
      mode: "local",
      identity,
      sdk,
      tofu: {
        region: target.region,
        ...EMULATOR_CREDENTIALS,
        emulatorEnv: withEndpoint(target.emulatorEnvironment, `http://${EMULATOR_BINDING}:${EMULATOR_PORT}`),
        backendConfig: target.emulatorBackendConfig,
        service: { binding: EMULATOR_BINDING, svc: emulator.service },
      },
      registry,
      ledger: volumeLedger(args.localState),
      runId,
      secrets: [],
      saveLocalState: emulator.save,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The local environment without its services: configuration, registry and ledger (both persistent). */
function localRecords(args: EnvironmentArgs, target: Target, runId: string): OpenEnvironment {
  const registry = registryService(args.localState);
  return {
    target,
    mode: "local",
    identity: { account: "(emulator, not started)", arn: "local" },
    sdk: awsClientConfig({ region: target.region, credentials: { ...EMULATOR_CREDENTIALS } }),
    tofu: {
      region: target.region,
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

/** infra's emulatorEnvironment() with the endpoint filled in. */
function withEndpoint(env: Record<string, string>, endpoint: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace("{{ENDPOINT}}", endpoint)]));
}
