/**
 * The configuration's types, apart from the code that makes them (validate.ts,
 * ../resolve.ts): every part of infra may import them without importing validation.
 */
import type { ResourceNames } from "./naming.ts";
import type { EnvironmentInput, EnvironmentParsed } from "./schema.ts";

/** One problem in a configuration. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. "network.publicSubnetCidrs.1". */
  path: string;
  /** What is wrong and what is allowed. */
  message: string;
}

/** An environment's configuration after validation: defaults filled in, derived values resolved. */
export type EnvironmentConfig = Omit<EnvironmentParsed, "github" | "state" | "service"> & {
  /** The account id; undefined only for `local`. */
  accountId: string | undefined;
  github: EnvironmentParsed["github"] & { environment: string };
  service: EnvironmentParsed["service"] & { targetGroupNamePrefix: string };
  /** Where this environment's OpenTofu state lives (the bucket is created by `bootstrap`). */
  state: { bucket: string; region: string; keys: ResourceNames["state"]["keys"] };
  /** Every resource name, derived from the fields above. */
  names: ResourceNames;
};

/** The outcome of validating one environment. */
export type ValidationResult = { ok: true; config: EnvironmentConfig } | { ok: false; issues: ConfigIssue[] };

/** A partial configuration, merged field by field over an environment's entry. */
export type EnvironmentOverrides = DeepPartial<EnvironmentInput>;

/** Every field optional, recursively. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
