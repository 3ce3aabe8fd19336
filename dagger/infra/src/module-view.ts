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
import type { EnvironmentOverrides } from "./config/types.ts";
import { emulatorBackendConfig, emulatorEnvironment, emulatorOverrides } from "./emulator.ts";
import { mergeOverrides, resolveEnvironment } from "./resolve.ts";
import { BASE_OUTPUTS, IMAGE_VARIABLE, SECRET_VERSIONS_VARIABLE, SERVICE_OUTPUTS } from "./tofu.ts";
import { noConfigFile } from "./config/file.ts";

/** Where an app reports its commit (service.smokeTest.commitFrom). */
export type CommitFrom = { jsonField: string } | { header: string };

/** The environment as the module reads it. */
export interface ModuleEnvironment {
  name: string;
  region: string;
  /** undefined only for `local`. */
  accountId?: string;
  domain: string;
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
    roles: { deploy: string; plan: string };
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
    c = resolveEnvironment(name, { config, overrides });
  }
  const n = c.names;
  const commitFrom = c.service.smokeTest.commitFrom;
  return {
    name: c.name,
    region: c.region,
    ...(c.accountId !== undefined ? { accountId: c.accountId } : {}),
    domain: c.domain,
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
      roles: { deploy: n.roles.deploy, plan: n.roles.plan },
      state: n.state,
    },
    state: { bucket: c.state.bucket, region: c.state.region },
    desiredCount: c.service.desiredCount,
    containerPort: c.service.containerPort,
    healthCheckPath: c.service.healthCheckPath,
    createsZone: c.hostedZone.mode === "create",
    smokeTest: commitFrom ? { commitFrom } : {},
    configFile: config.file,
    overrides: JSON.stringify(overrides ?? {}),
    emulatorBackendConfig: emulatorBackendConfig(),
    emulatorEnvironment: emulatorEnvironment("{{ENDPOINT}}"),
    outputs: { base: BASE_OUTPUTS, service: SERVICE_OUTPUTS },
    imageVariable: IMAGE_VARIABLE,
    secretVersionsVariable: SECRET_VERSIONS_VARIABLE,
    ...secretsAndScaling(c),
  };
}
