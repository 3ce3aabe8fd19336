/**
 * The bridge to the infrastructure: the module's own `infra/` (common/module-files.ts)
 * runs in a Node container with the app's configuration file, and answers with
 * the environment's validated configuration (names, region, account, what the
 * emulator needs, how to smoke-test the app) and the synthesized stacks.
 *
 * The module never imports infra's code: it runs it, the way a developer does
 * (`node environment.ts`, `node main.ts`). So every cdktf import stays inside
 * infra/; the stacks are the module's, the configuration is the app's.
 * EnvironmentConfig restates infra's ModuleEnvironment (infra/src/module-view.ts),
 * the fields the module reads; the contract test
 * (dagger/test/unit/stacks/config-contract.test.ts) runs infra's program and
 * checks every field, so a field renamed or dropped there fails in the unit tier.
 */
import { dag, type Container, type Directory, type File } from "@dagger.io/dagger";

import { commandFailure, indent, tail } from "../common/errors.js";
import { explainNpmInstallFailure, nodeContainer, withSystemCAs } from "../common/npm.js";
import type { OutputNames } from "./outputs.js";

/** Where infra sits in its container. */
const INFRA_PATH = "/infra";

/** Where the app's configuration file is put in the container. */
const CONFIG_PATH = "/config";

/** Where synthesis writes, inside the container. */
const SYNTH_OUT = "/synth";

/** The app's configuration file, when it has one. */
export interface ConfigFile {
  /** The file. */
  file: File;
  /** Its path in the app's source, for messages (e.g. fargate-pipeline.yaml). */
  name: string;
}

/** Where an app reports its commit (the configuration's service.smokeTest.commitFrom). */
export type CommitFrom = { jsonField: string } | { header: string };

/** The names of an environment's resources (infra's ResourceNames, the fields the module uses). */
export interface ResourceNames {
  prefix: string;
  stacks: { base: string; service: string };
  cluster: string;
  service: string;
  taskFamily: string;
  container: string;
  logGroup: string;
  logStreamPrefix: string;
  repository: string;
  roles: { deploy: string; plan: string; preview: string };
  /** State bucket, state keys, and the deployment ledger's key (next to the service stack's state). */
  state: { bucket: string; keys: { base: string; service: string }; ledger: string };
}

/** An environment as the deploy needs it: infra's validated configuration, reduced to what the module reads. */
export interface EnvironmentConfig {
  /** The environment's name, e.g. `local`, `staging`. */
  name: string;
  region: string;
  /** The account the environment lives in; undefined only for `local`. */
  accountId?: string;
  /**
   * The HTTPS name of the service. Attached to a shared environment: `<host>.<its
   * domain>`, filled in when the environment opens (env/open.ts reads the domain
   * the shared environment published); infra leaves it out then.
   */
  domain: string;
  /** The shared environment the service attaches to, when it does (infra's AttachmentView). */
  shared?: Attachment;
  /** Whether the service has a load balancer of its own (standalone, created). */
  ownsLoadBalancer: boolean;
  /** The task's size: CPU units and MiB. */
  size: { cpu: number; memory: number };
  /** Applied to an AWS emulator (the stacks carry the emulator-only settings). */
  emulator: boolean;
  names: ResourceNames;
  /** The state bucket and its region. */
  state: { bucket: string; region: string };
  desiredCount: number;
  containerPort: number;
  healthCheckPath: string;
  /** Whether the base stack creates the hosted zone (bootstrap then prints its name servers). */
  createsZone: boolean;
  /** How the smoke test proves the new image answers (service.smokeTest). */
  smokeTest: { commitFrom?: CommitFrom };
  /** The configuration file the environment came from, for messages. */
  configFile: string;
  /** The overrides synthesis must use (the caller's, plus the emulator's when on one), as JSON. */
  overrides: string;
  /** `tofu init` flags for a state backend on the emulator (infra's emulatorBackendConfig()); empty for AWS. */
  emulatorBackendConfig: string[];
  /** Environment variables that point tools at the emulator (infra's emulatorEnvironment()), with {{ENDPOINT}} for the URL. */
  emulatorEnvironment: Record<string, string>;
  /** The names of the stacks' outputs (infra's BASE_OUTPUTS, SERVICE_OUTPUTS): the module reads outputs by these, never by literals. */
  outputs: OutputNames;
  /** The service stack's input variable that takes the image by digest (infra's IMAGE_VARIABLE). */
  imageVariable: string;
  /** The service stack's input variable that takes the secrets' versions (infra's SECRET_VERSIONS_VARIABLE; env/secrets.ts secretVersions()). */
  secretVersionsVariable: string;
  /** The secrets the tasks read at start (service.secrets), sorted by variable; empty when none. Names only, never values. */
  secrets: SecretSummary[];
  /** Who owns the task count, and its bounds (service.autoscaling). */
  autoscaling: { enabled: boolean; minCount: number; maxCount: number };
  /** The CI whose OIDC tokens the deploy and plan roles trust (`ci`); none: the base stack has no CI roles. */
  ci: CiSummary;
}

/** An attached service's view of its shared environment (infra's AttachmentView). */
export interface Attachment {
  /** The shared environment's name. */
  environment: string;
  /** The host's first label: the service answers on `<host>.<domain>`. */
  host: string;
  /** Path patterns of its rule (empty: every path). */
  paths: string[];
  /** The pull request, when this is its preview. */
  pullRequest?: number;
  /** Where the shared environment's outputs are published (SSM), and the claims' paths. */
  parameterPath: string;
  claims: { hosts: string; priorities: string };
  /** The published outputs' names below parameterPath. */
  parameters: SharedParameterNames;
  /** The service stack's variable with the rule's priority. */
  priorityVariable: string;
  /** The shared load balancer's and cluster's names. */
  loadBalancer: string;
  cluster: string;
  /** The patterns of this service's previews' names (`<prefix>-pr-*`) and host labels (`pr-*-<label>`). */
  previewPrefix: string;
  previewHost: string;
}

/** The SSM parameters a shared environment publishes, by what they hold (infra's SHARED_PARAMETERS). */
export interface SharedParameterNames {
  domain: string;
  hostedZoneId: string;
  vpcId: string;
  subnetIds: string;
  clusterName: string;
  clusterArn: string;
  loadBalancerArn: string;
  loadBalancerSecurityGroupId: string;
  httpsListenerArn: string;
  certificateArn: string;
}

/** A shared environment as `platform …` needs it (infra's SharedModuleEnvironment). */
export interface SharedConfig {
  name: string;
  region: string;
  accountId?: string;
  /** Services answer on <host>.<domain>. */
  domain: string;
  emulator: boolean;
  /** Whether its stack creates the hosted zone. */
  createsZone: boolean;
  names: {
    prefix: string;
    stack: string;
    cluster: string;
    loadBalancer: string;
    securityGroup: string;
    parameterPath: string;
    claims: { hosts: string; priorities: string };
  };
  state: { bucket: string; region: string; key: string };
  configFile: string;
  overrides: string;
  emulatorBackendConfig: string[];
  emulatorEnvironment: Record<string, string>;
  /** Its stack's outputs (infra's SHARED_OUTPUTS). */
  outputs: SharedOutputNames;
  /** What it publishes below names.parameterPath. */
  parameters: SharedParameterNames;
}

/** A shared environment stack's outputs the module reads (infra's SHARED_OUTPUTS). */
export interface SharedOutputNames {
  domain: string;
  hostedZoneId: string;
  nameServers: string;
  loadBalancerArn: string;
  loadBalancerDnsName: string;
  httpsListenerArn: string;
  clusterName: string;
  parameterPath: string;
}

/** The CI an environment's roles trust (infra's ModuleCi): bootstrap's next steps fit it. */
export type CiSummary =
  | { provider: "none" }
  | { provider: "github"; repository: string; environment: string; branch: string }
  | { provider: "gitlab"; project: string; url: string; audience: string; branch: string }
  | { provider: "oidc"; issuer: string; audience: string };

/** One secret environment variable of the service (infra's SecretSummary). */
export interface SecretSummary {
  /** The container's environment variable, e.g. DATABASE_URL. */
  envVar: string;
  /** SSM Parameter Store or Secrets Manager. */
  kind: "ssm" | "secretsManager";
  /** The parameter's or secret's name (a secret ARN's random suffix left out). */
  name: string;
  /** The ARN as configured, when one was (then it is the SecretId). */
  arn?: string;
  /** The store's region. */
  region: string;
  /** The one JSON key of the secret the variable gets, when only one. */
  key?: string;
  /** The customer-managed KMS key, when one is named. */
  kmsKeyArn?: string;
}

/** The synthesized stacks of one environment. */
export interface Stacks {
  base: Directory;
  service: Directory;
}

/**
 * The module's infra installed with `npm ci --omit=dev` from its own manifest
 * and lock file (so the engine installs it once, and again only when they
 * change), its source on top, and the app's configuration file beside it.
 * Built once per call: the caller keeps the container for resolve and synth.
 *
 * @param infra the module's infra directory (moduleInfra())
 * @param config the app's configuration file; undefined: the built-in environments only
 */
export async function infraContainer(infra: Directory, config: ConfigFile | undefined): Promise<Container> {
  const manifests = dag
    .directory()
    .withDirectory("/", infra, { include: ["package.json", "package-lock.json", ".npmrc"] });
  let installed: Container;
  try {
    installed = await nodeContainer()
      .withDirectory(INFRA_PATH, manifests)
      .withWorkdir(INFRA_PATH)
      .withExec(withSystemCAs(["npm", "ci", "--omit=dev", "--prefer-offline"]))
      .sync();
  } catch (err) {
    const { output } = commandFailure(err);
    throw new Error(
      explainNpmInstallFailure(output, "the module's infra/") ??
        `npm ci of the module's infra/ failed:\n${indent(tail(output, 15))}`,
      { cause: err },
    );
  }
  const withSource = installed.withDirectory(INFRA_PATH, infra, {
    exclude: ["node_modules", "cdktf.out", "test", "scripts"],
  });
  if (!config) return withSource.withEnvVariable("FP_CONFIG", "");
  return withSource
    .withFile(`${CONFIG_PATH}/${basename(config.name)}`, config.file)
    .withEnvVariable("FP_CONFIG", `${CONFIG_PATH}/${basename(config.name)}`)
    .withEnvVariable("FP_CONFIG_NAME", config.name);
}

/**
 * The last part of a path.
 * @param path e.g. deploy/fargate-pipeline.yaml
 */
function basename(path: string): string {
  return (
    path
      .split("/")
      .filter((p) => p !== "")
      .at(-1) ?? path
  );
}

/**
 * The environment's configuration, validated by infra.
 *
 * @param infra the container of infraContainer()
 * @param name the environment's name
 * @param overrides JSON merged over the environment's entry (infra's FP_OVERRIDES), or ""
 * @param onEmulator true when the caller named an AWS emulator (adds infra's emulatorOverrides())
 */
export async function resolveEnvironmentConfig(
  infra: Container,
  name: string,
  overrides: string,
  onEmulator: boolean,
): Promise<EnvironmentConfig> {
  // infra's environment.ts: the configuration file parsed, the environment resolved and validated
  // (emulatorOverrides() added on an emulator), printed as this EnvironmentConfig; exit 2 on a ConfigError.
  const run = infra
    .withEnvVariable("FP_ENV", name)
    .withEnvVariable("FP_OVERRIDES", overrides)
    .withEnvVariable("FP_ON_EMULATOR", onEmulator ? "1" : "0")
    .withExec(withSystemCAs(["node", "environment.ts"]));
  try {
    // infra leaves the domain out for an attached service: env/open.ts fills it in.
    const view = JSON.parse(await run.stdout()) as Omit<EnvironmentConfig, "domain"> & { domain?: string };
    return { ...view, domain: view.domain ?? "" };
  } catch (err) {
    const { output, exitCode } = commandFailure(err);
    if (exitCode === 2)
      throw new Error(`${tail(output, 30).join("\n")}\nFix the configuration file and run again.`, { cause: err });
    throw new Error(
      `reading the configuration of environment "${name}" failed in the module's infra/:\n${indent(tail(output, 15))}`,
      { cause: err },
    );
  }
}

/**
 * Synthesizes the environment's two stacks (`node main.ts` in infra).
 *
 * @param infra the container of infraContainer()
 * @param config the environment (its overrides are passed to synthesis)
 */
export async function synthesize(infra: Container, config: EnvironmentConfig): Promise<Stacks> {
  const run = infra
    .withEnvVariable("FP_ENV", config.name)
    .withEnvVariable("FP_OVERRIDES", config.overrides)
    .withEnvVariable("FP_OUTDIR", SYNTH_OUT)
    .withExec(withSystemCAs(["node", "main.ts"]));
  try {
    await run.sync();
  } catch (err) {
    throw new Error(
      `synthesizing the stacks of "${config.name}" (node main.ts in the module's infra/) failed:\n${indent(tail(commandFailure(err).output, 20))}`,
      { cause: err },
    );
  }
  const stacks = run.directory(`${SYNTH_OUT}/stacks`);
  return { base: stacks.directory(config.names.stacks.base), service: stacks.directory(config.names.stacks.service) };
}

/**
 * A shared environment's configuration, validated by infra (`FP_SHARED=1 node environment.ts`).
 *
 * @param infra the container of infraContainer()
 * @param name the shared environment's name (sharedEnvironments: in the file)
 * @param overrides JSON merged over its entry, or ""
 * @param onEmulator true when the caller named an AWS emulator
 */
export async function resolveSharedConfig(
  infra: Container,
  name: string,
  overrides: string,
  onEmulator: boolean,
): Promise<SharedConfig> {
  const run = infra
    .withEnvVariable("FP_SHARED", "1")
    .withEnvVariable("FP_ENV", name)
    .withEnvVariable("FP_OVERRIDES", overrides)
    .withEnvVariable("FP_ON_EMULATOR", onEmulator ? "1" : "0")
    .withExec(withSystemCAs(["node", "environment.ts"]));
  try {
    return JSON.parse(await run.stdout()) as SharedConfig;
  } catch (err) {
    const { output, exitCode } = commandFailure(err);
    if (exitCode === 2)
      throw new Error(`${tail(output, 30).join("\n")}\nFix the configuration file and run again.`, { cause: err });
    throw new Error(
      `reading the configuration of shared environment "${name}" failed in the module's infra/:\n${indent(tail(output, 15))}`,
      { cause: err },
    );
  }
}

/**
 * Synthesizes a shared environment's stack (`FP_SHARED=1 node main.ts` in infra).
 *
 * @param infra the container of infraContainer()
 * @param config the shared environment (its overrides are passed to synthesis)
 */
export async function synthesizeShared(infra: Container, config: SharedConfig): Promise<Directory> {
  const run = infra
    .withEnvVariable("FP_SHARED", "1")
    .withEnvVariable("FP_ENV", config.name)
    .withEnvVariable("FP_OVERRIDES", config.overrides)
    .withEnvVariable("FP_OUTDIR", SYNTH_OUT)
    .withExec(withSystemCAs(["node", "main.ts"]));
  try {
    await run.sync();
  } catch (err) {
    throw new Error(
      `synthesizing the stack of shared environment "${config.name}" (node main.ts in the module's infra/) failed:\n${indent(tail(commandFailure(err).output, 20))}`,
      { cause: err },
    );
  }
  return run.directory(`${SYNTH_OUT}/stacks/${config.names.stack}`);
}
