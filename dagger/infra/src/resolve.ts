/**
 * From an environment's name (and optional overrides) to its validated
 * configuration. The environments come from the app's configuration file
 * (file.ts; without one, the built-in `local`). Overrides are how a caller
 * changes fields without editing the file: the e2e tests and emulator
 * rehearsals use them for what the emulator needs (its account, a zone it
 * created). They pass the same validation as the file, and then the IAM
 * documents the configuration makes are checked against IAM's size limit
 * (policies/size.ts): everything that makes a configuration unusable is a
 * ConfigError, reported before any synthesis.
 */
import { noConfigFile, type ConfigFile } from "./config/file.ts";
import { FORM_KEYS, type EnvironmentInput } from "./config/schema.ts";
import type {
  ConfigIssue,
  EnvironmentConfig,
  EnvironmentOverrides,
  SharedEnvironmentConfig,
  SharedEnvironmentOverrides,
} from "./config/types.ts";
import { validateEnvironment, validateSharedEnvironment } from "./config/validate.ts";
import { policySizeIssues } from "./policies/size.ts";

/** A configuration that failed validation; `issues` holds every problem. */
export class ConfigError extends Error {
  /** The environment whose configuration is invalid. */
  readonly environment: string;
  /** Every problem found, each naming its field. */
  readonly issues: ConfigIssue[];

  /**
   * @param environment The environment's name.
   * @param issues The problems found, each path a field of the environment.
   * @param file The configuration file's name, for the message.
   * @param locate Where a field is written in the file, for the message (ConfigFile.locate).
   */
  constructor(
    environment: string,
    issues: ConfigIssue[],
    file: string,
    locate: (path: string) => string = (path) => path,
  ) {
    const lines = issues.map((i) => `  ${locate(i.path)}: ${i.message}`);
    super(`invalid configuration for environment "${environment}" in ${file}:\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.environment = environment;
    this.issues = issues;
  }
}

/**
 * True for a plain object (not an array, not null).
 * @param value Anything.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Merges overrides over a configuration: objects field by field, arrays and
 * scalars replaced. An object whose form changes (its `mode` or `provider`,
 * e.g. loadBalancer from "create" to "existing", ci from github to gitlab) is
 * replaced whole, so no field of the old form leaks in.
 * @param base The configuration as written.
 * @param overrides The fields to change.
 * @returns A new object; neither argument is modified.
 */
export function mergeOverrides(base: unknown, overrides: unknown): unknown {
  if (overrides === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides;
  if (FORM_KEYS.some((k) => k in overrides && overrides[k] !== base[k])) return overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) merged[key] = mergeOverrides(base[key], value);
  return merged;
}

/**
 * The names of the configured environments.
 * @param config The configuration file (default: none, the built-in environments).
 */
export function environmentNames(config: ConfigFile = noConfigFile()): string[] {
  return Object.keys(config.environments);
}

/** Options of resolveEnvironment. */
export interface ResolveOptions {
  /** The configuration file to choose from (default: none, the built-in environments). */
  config?: ConfigFile;
  /** Fields to change before validation. */
  overrides?: EnvironmentOverrides | undefined;
  /**
   * Whether a message says the file was read "with overrides" (default: when
   * overrides are given). False when they are only the pipeline's own (an
   * emulator's settings): the user gave none, so naming them would mislead.
   */
  mentionOverrides?: boolean;
}

/**
 * Looks an environment up by name, applies overrides and validates it.
 * @param name The environment's name, e.g. "local".
 * @param options Where to look it up and what to override.
 * @returns The validated configuration with every derived value.
 * @throws ConfigError naming each invalid field and what is allowed, or the known names for an unknown environment.
 */
export function resolveEnvironment(name: string, options: ResolveOptions = {}): EnvironmentConfig {
  const config = options.config ?? noConfigFile();
  const envs: Record<string, EnvironmentInput> = config.environments;
  const entry = Object.hasOwn(envs, name) ? envs[name] : undefined;
  if (entry === undefined) {
    throw new ConfigError(
      name,
      [
        {
          path: "(name)",
          message: `unknown environment; ${config.file} defines: ${environmentNames(config).join(", ")} (add it under environments: in the file)`,
        },
      ],
      config.file,
    );
  }
  const input = mergeOverrides(entry, options.overrides);
  const validated = validateEnvironment(input);
  // The IAM documents the configuration makes must fit IAM's limits: one more check, reported like the others.
  const sizes = validated.ok ? policySizeIssues(validated.config) : [];
  const result = sizes.length > 0 ? { ok: false as const, issues: sizes } : validated;
  if (!result.ok) {
    const mention = options.mentionOverrides ?? options.overrides !== undefined;
    const file = mention ? `${config.file} with overrides` : config.file;
    throw new ConfigError(name, result.issues, file, (path) => config.locate(name, path));
  }
  if (result.config.name !== name) {
    const issue = { path: "name", message: `is "${result.config.name}" but the entry is "${name}"; make them equal` };
    throw new ConfigError(name, [issue], config.file, (path) => config.locate(name, path));
  }
  return result.config;
}

/**
 * Looks a shared environment up by name (sharedEnvironments: in the file),
 * applies overrides and validates it.
 * @param name The shared environment's name.
 * @param options The file and overrides.
 * @returns Its validated configuration.
 * @throws ConfigError naming each invalid field, or the names the file defines for an unknown one.
 */
export function resolveSharedEnvironment(
  name: string,
  options: { config?: ConfigFile; overrides?: SharedEnvironmentOverrides | undefined } = {},
): SharedEnvironmentConfig {
  const config = options.config ?? noConfigFile();
  const entry = Object.hasOwn(config.sharedEnvironments, name) ? config.sharedEnvironments[name] : undefined;
  const label = `shared:${name}`;
  if (entry === undefined) {
    const known = Object.keys(config.sharedEnvironments);
    throw new ConfigError(
      label,
      [
        {
          path: "(name)",
          message: `unknown shared environment; ${config.file} defines ${known.length > 0 ? known.join(", ") : "none"} (add it under sharedEnvironments: in the platform team's file)`,
        },
      ],
      config.file,
    );
  }
  const result = validateSharedEnvironment(mergeOverrides(entry, options.overrides));
  if (!result.ok) {
    const file = options.overrides === undefined ? config.file : `${config.file} with overrides`;
    throw new ConfigError(label, result.issues, file, (path) => config.locate(label, path));
  }
  if (result.config.name !== name) {
    const issue = { path: "name", message: `is "${result.config.name}" but the entry is "${name}"; make them equal` };
    throw new ConfigError(label, [issue], config.file, (path) => config.locate(label, path));
  }
  return result.config;
}
