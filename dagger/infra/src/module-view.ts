/**
 * One environment as the Dagger module reads it (its EnvironmentConfig): the
 * validated configuration reduced to the fields the module uses, plus what it
 * needs to run the stacks (the emulator's backend flags and variables, the
 * stacks' output and variable names). Printed as JSON by `node environment.ts`;
 * the module's stacks/infra-bridge.ts declares the same shape, and its contract
 * test runs this program and checks every field.
 */
import type { ConfigFile } from "./config/file.ts";
import { secretsAndScaling, type ScalingSummary, type SecretSummary } from "./config/runtime.ts";
import type { CiConfig, EnvironmentOverrides, SharedEnvironmentOverrides } from "./config/types.ts";
import { emulatorBackendConfig, emulatorEnvironment, emulatorOverrides, sharedEmulatorOverrides } from "./emulator.ts";
import { mergeOverrides, resolveEnvironment, resolveSharedEnvironment } from "./resolve.ts";
import {
  BASE_OUTPUTS,
  IMAGE_VARIABLE,
  RULE_PRIORITY_VARIABLE,
  SECRET_VERSIONS_VARIABLE,
  SERVICE_OUTPUTS,
  SHARED_OUTPUTS,
  SHARED_PARAMETERS,
} from "./tofu.ts";
import { previewHost, previewPrefix } from "./config/naming.ts";
import type { SharedAttachment } from "./config/types.ts";
import { noConfigFile } from "./config/file.ts";

/** Where an app reports its commit (service.smokeTest.commitFrom). */
export type CommitFrom = { jsonField: string } | { header: string };

/** The CI the environment's roles trust, as bootstrap's next steps name it (no subjects: the policies hold those). */
export type ModuleCi =
  | { provider: "none" }
  | { provider: "github"; repository: string; environment: string; branch: string }
  | { provider: "gitlab"; project: string; url: string; audience: string; branch: string }
  | { provider: "oidc"; issuer: string; audience: string };

/** The environment as the module reads it. */
export interface ModuleEnvironment {
  name: string;
  region: string;
  /** undefined only for `local`. */
  accountId?: string;
  /** The name the service answers on; left out when attached (the module reads the shared domain, then `<host>.<domain>`). */
  domain?: string;
  /** The shared environment it attaches to, when it does. */
  shared?: AttachmentView;
  /** Whether the service has a load balancer of its own (standalone, created: what it costs). */
  ownsLoadBalancer: boolean;
  /** The task's size: CPU units and MiB (what a task costs). */
  size: { cpu: number; memory: number };
  /** Applied to an AWS emulator: the stacks carry the emulator-only settings. */
  emulator: boolean;
  names: {
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
    state: { bucket: string; keys: { base: string; service: string }; ledger: string };
  };
  state: { bucket: string; region: string };
  desiredCount: number;
  containerPort: number;
  healthCheckPath: string;
  /** Whether the base stack creates the hosted zone. */
  createsZone: boolean;
  smokeTest: { commitFrom?: CommitFrom };
  /** The configuration file the environment came from, for messages. */
  configFile: string;
  /** The overrides synthesis must use (the caller's, plus the emulator's when on one), as JSON. */
  overrides: string;
  emulatorBackendConfig: string[];
  /** Variables that point tools at an emulator, with {{ENDPOINT}} for its URL. */
  emulatorEnvironment: Record<string, string>;
  outputs: { base: typeof BASE_OUTPUTS; service: typeof SERVICE_OUTPUTS };
  imageVariable: string;
  secretVersionsVariable: string;
  secrets: SecretSummary[];
  autoscaling: ScalingSummary;
  ci: ModuleCi;
}

/**
 * The CI as the module reads it.
 * @param ci The environment's resolved CI.
 */
function moduleCi(ci: CiConfig): ModuleCi {
  switch (ci.provider) {
    case "none":
      return { provider: "none" };
    case "github":
      return { provider: "github", repository: ci.repository, environment: ci.environment, branch: ci.branch };
    case "gitlab":
      return { provider: "gitlab", project: ci.project, url: ci.url, audience: ci.audience, branch: ci.branch };
    case "oidc":
      return { provider: "oidc", issuer: ci.issuer, audience: ci.audience };
  }
}

/** An attached service's view of its shared environment: where to read it and claim on it. */
export interface AttachmentView {
  /** The shared environment's name. */
  environment: string;
  /** The host's first label (the service answers on `<host>.<domain>`). */
  host: string;
  /** Path patterns of its rule (empty: every path). */
  paths: string[];
  /** The pull request, when this is its preview. */
  pullRequest?: number;
  /** Where the environment's outputs are published (SSM), and the claims' paths. */
  parameterPath: string;
  claims: { hosts: string; priorities: string };
  /** The published outputs' names below parameterPath (infra's SHARED_PARAMETERS). */
  parameters: typeof SHARED_PARAMETERS;
  /** The service stack's variable with the rule's priority (infra's RULE_PRIORITY_VARIABLE). */
  priorityVariable: string;
  /** The shared load balancer's and cluster's names. */
  loadBalancer: string;
  cluster: string;
  /** The name prefix of this service's previews (`<prefix>-pr-<N>`, with N = "*"), and their host label's (`pr-<N>-<label>`). */
  previewPrefix: string;
  previewHost: string;
}

/** Options of moduleEnvironment(). */
export interface ModuleEnvironmentOptions {
  /** The app's configuration file; undefined: the built-in environments. */
  config: ConfigFile | undefined;
  /** The caller's overrides. */
  overrides: EnvironmentOverrides | undefined;
  /** The caller named an AWS emulator: infra's emulatorOverrides() are added to an environment that is not one already. */
  onEmulator: boolean;
}

/**
 * Resolves one environment and reduces it to what the module reads.
 * @param name The environment's name.
 * @param options The configuration file, the overrides, and whether it runs on an emulator.
 * @throws ConfigError naming every problem.
 */
export function moduleEnvironment(name: string, options: ModuleEnvironmentOptions): ModuleEnvironment {
  const config = options.config ?? noConfigFile();
  let overrides = options.overrides;
  let c = resolveEnvironment(name, { config, overrides });
  if (options.onEmulator && !c.emulator) {
    overrides = mergeOverrides(overrides ?? {}, emulatorOverrides(c.accountId ?? "")) as EnvironmentOverrides;
    // The emulator's settings are not the caller's overrides: messages mention overrides only when given.
    c = resolveEnvironment(name, { config, overrides, mentionOverrides: options.overrides !== undefined });
  }
  const n = c.names;
  const commitFrom = c.service.smokeTest.commitFrom;
  return {
    name: c.name,
    region: c.region,
    ...(c.accountId !== undefined ? { accountId: c.accountId } : {}),
    ...(c.shared ? { shared: attachmentView(c.shared, c.names.prefix, c.preview?.pullRequest) } : { domain: c.domain }),
    ownsLoadBalancer: c.shared === undefined && c.loadBalancer.mode === "create",
    size: { cpu: c.service.cpu, memory: c.service.memory },
    emulator: c.emulator === true,
    names: {
      prefix: n.prefix,
      stacks: n.stacks,
      cluster: n.cluster,
      service: n.service,
      taskFamily: n.taskFamily,
      container: n.container,
      logGroup: n.logGroup,
      logStreamPrefix: n.logStreamPrefix,
      repository: n.repository,
      roles: { deploy: n.roles.deploy, plan: n.roles.plan, preview: n.roles.preview },
      state: n.state,
    },
    state: { bucket: c.state.bucket, region: c.state.region },
    desiredCount: c.service.desiredCount,
    containerPort: c.service.containerPort,
    healthCheckPath: c.service.healthCheckPath,
    createsZone: c.hostedZone?.mode === "create",
    smokeTest: commitFrom ? { commitFrom } : {},
    configFile: config.file,
    overrides: JSON.stringify(overrides ?? {}),
    emulatorBackendConfig: emulatorBackendConfig(),
    emulatorEnvironment: emulatorEnvironment("{{ENDPOINT}}"),
    outputs: { base: BASE_OUTPUTS, service: SERVICE_OUTPUTS },
    imageVariable: IMAGE_VARIABLE,
    secretVersionsVariable: SECRET_VERSIONS_VARIABLE,
    ...secretsAndScaling(c),
    ci: moduleCi(c.ci),
  };
}

/**
 * What the module needs of an attachment: names, paths and variables.
 * @param a The resolved attachment.
 * @param prefix The environment's name prefix.
 * @param pullRequest The pull request, when the environment is its preview.
 */
function attachmentView(a: SharedAttachment, prefix: string, pullRequest: number | undefined): AttachmentView {
  // A preview's label is pr-N-<label>: its previews' pattern is the service's, not its own.
  const label = pullRequest === undefined ? a.host : a.host.slice(`pr-${pullRequest}-`.length);
  return {
    environment: a.environment,
    host: a.host,
    paths: a.paths,
    ...(pullRequest !== undefined ? { pullRequest } : {}),
    parameterPath: a.names.parameterPath,
    claims: a.names.claims,
    parameters: SHARED_PARAMETERS,
    priorityVariable: RULE_PRIORITY_VARIABLE,
    loadBalancer: a.names.loadBalancer,
    cluster: a.names.cluster,
    previewPrefix: previewPrefix(prefix, "*"),
    previewHost: previewHost(label, "*"),
  };
}

/** A shared environment as the module reads it (`platform …`). */
export interface SharedModuleEnvironment {
  name: string;
  region: string;
  /** undefined only on an emulator's account given by overrides. */
  accountId?: string;
  /** Services answer on <host>.<domain>. */
  domain: string;
  emulator: boolean;
  /** Whether its stack creates the hosted zone (apply then prints its name servers). */
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
  /** The configuration file it came from, for messages. */
  configFile: string;
  /** The overrides synthesis must use (the caller's, plus the emulator's when on one), as JSON. */
  overrides: string;
  emulatorBackendConfig: string[];
  /** Variables that point tools at an emulator, with {{ENDPOINT}} for its URL. */
  emulatorEnvironment: Record<string, string>;
  /** Its stack's outputs (infra's SHARED_OUTPUTS) and the SSM parameters it publishes (SHARED_PARAMETERS). */
  outputs: typeof SHARED_OUTPUTS;
  parameters: typeof SHARED_PARAMETERS;
}

/**
 * Resolves one shared environment and reduces it to what the module reads.
 * @param name The shared environment's name.
 * @param options The configuration file, the overrides, and whether it runs on an emulator.
 * @throws ConfigError naming every problem.
 */
export function sharedModuleEnvironment(name: string, options: ModuleEnvironmentOptions): SharedModuleEnvironment {
  const config = options.config ?? noConfigFile();
  let overrides = options.overrides as SharedEnvironmentOverrides | undefined;
  let c = resolveSharedEnvironment(name, { config, overrides });
  if (options.onEmulator && !c.emulator) {
    overrides = mergeOverrides(
      overrides ?? {},
      sharedEmulatorOverrides(c.accountId ?? ""),
    ) as SharedEnvironmentOverrides;
    c = resolveSharedEnvironment(name, { config, overrides });
  }
  const n = c.names;
  return {
    name: c.name,
    region: c.region,
    ...(c.accountId !== undefined ? { accountId: c.accountId } : {}),
    domain: c.domain,
    emulator: c.emulator,
    createsZone: c.hostedZone.mode === "create",
    names: {
      prefix: n.prefix,
      stack: n.stack,
      cluster: n.cluster,
      loadBalancer: n.loadBalancer,
      securityGroup: n.securityGroup,
      parameterPath: n.parameterPath,
      claims: n.claims,
    },
    state: c.state,
    configFile: config.file,
    overrides: JSON.stringify(overrides ?? {}),
    emulatorBackendConfig: emulatorBackendConfig(),
    emulatorEnvironment: emulatorEnvironment("{{ENDPOINT}}"),
    outputs: SHARED_OUTPUTS,
    parameters: SHARED_PARAMETERS,
  };
}
