/**
 * Synthesis: from environment configurations to `cdk.tf.json` files that plain
 * `tofu init/plan/apply` runs on (no cdktf CLI). Pure of environment variables:
 * main.ts reads those and calls synthesize().
 */
import { join } from "node:path";
import { App } from "cdktf";
import { STACK_ROLES, type StackRole } from "./config/naming.ts";
import { environmentNames, resolveEnvironment, resolveSharedEnvironment } from "./resolve.ts";
import { type EnvironmentOverrides, type SharedEnvironmentOverrides } from "./config/types.ts";
import type { ConfigFile } from "./config/file.ts";
import type { EnvironmentConfig } from "./config/types.ts";
import { BaseStack } from "./stacks/base-stack.ts";
import { ServiceStack } from "./stacks/service-stack.ts";
import { SharedStack } from "./stacks/shared-stack.ts";

/** One synthesized stack, in apply order within its environment. */
export interface SynthesizedStack {
  /** The environment's name. */
  environment: string;
  /** base (apply first) or service; "shared" for a shared environment's one stack. */
  role: StackRole | "shared";
  /** The stack's name. */
  name: string;
  /** The folder to run tofu in. */
  directory: string;
  /** The synthesized configuration file in it. */
  file: string;
}

/** Options of synthesize(). */
export interface SynthesizeOptions {
  /** Output folder; stacks land in `<outdir>/stacks/<name>/cdk.tf.json`. */
  outdir: string;
  /** Environments to synthesize (default: all configured). */
  environments?: string[];
  /** Overrides, merged into every environment synthesized (see resolve.ts). */
  overrides?: EnvironmentOverrides | undefined;
  /** The app's configuration file (default: none, the built-in environments). */
  config?: ConfigFile;
}

/** Options of synthesizeShared(). */
export interface SynthesizeSharedOptions {
  /** Output folder; the stack lands in `<outdir>/stacks/<name>/cdk.tf.json`. */
  outdir: string;
  /** The shared environments to synthesize, by name. */
  environments: string[];
  /** Overrides merged into each. */
  overrides?: SharedEnvironmentOverrides | undefined;
  /** The configuration file that defines them (sharedEnvironments:). */
  config?: ConfigFile;
}

/**
 * Adds both stacks of an environment to an app.
 * @param app The cdktf app.
 * @param config The environment's validated configuration.
 * @returns The stacks, base first.
 */
export function addEnvironment(app: App, config: EnvironmentConfig): [BaseStack, ServiceStack] {
  return [new BaseStack(app, config), new ServiceStack(app, config)];
}

/**
 * Validates the environments and writes their stacks.
 * @param options See SynthesizeOptions.
 * @returns Every stack written, per environment base before service.
 * @throws ConfigError (before anything is written) when a configuration is invalid.
 */
export function synthesize(options: SynthesizeOptions): SynthesizedStack[] {
  const resolveOptions = { overrides: options.overrides, ...(options.config ? { config: options.config } : {}) };
  const names = options.environments ?? environmentNames(options.config);
  const configs = names.map((name) => resolveEnvironment(name, resolveOptions));
  // stackTraces off: the JSON must not depend on where it was synthesized (caching, snapshots).
  const app = new App({ outdir: options.outdir, stackTraces: false });
  for (const config of configs) addEnvironment(app, config);
  app.synth();
  return configs.flatMap((config) =>
    STACK_ROLES.map((role) => {
      const name = config.names.stacks[role];
      const directory = join(options.outdir, "stacks", name);
      return { environment: config.name, role, name, directory, file: join(directory, "cdk.tf.json") };
    }),
  );
}

/**
 * Validates shared environments and writes their stacks (one each).
 * @param options See SynthesizeSharedOptions.
 * @returns The stacks written.
 * @throws ConfigError (before anything is written) when a configuration is invalid.
 */
export function synthesizeShared(options: SynthesizeSharedOptions): SynthesizedStack[] {
  const configs = options.environments.map((name) =>
    resolveSharedEnvironment(name, {
      overrides: options.overrides,
      ...(options.config ? { config: options.config } : {}),
    }),
  );
  const app = new App({ outdir: options.outdir, stackTraces: false });
  for (const config of configs) new SharedStack(app, config);
  app.synth();
  return configs.map((config) => {
    const directory = join(options.outdir, "stacks", config.names.stack);
    return {
      environment: config.name,
      role: "shared" as const,
      name: config.names.stack,
      directory,
      file: join(directory, "cdk.tf.json"),
    };
  });
}
