/**
 * The configuration's types, apart from the code that makes them (validate.ts,
 * ../resolve.ts): every part of infra may import them without importing validation.
 */
import type { ResourceNames, SharedNames } from "./naming.ts";
import type { EnvironmentInput, EnvironmentParsed, SharedEnvironmentInput, SharedEnvironmentParsed } from "./schema.ts";

/** One problem in a configuration. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. "network.publicSubnetCidrs.1". */
  path: string;
  /** What is wrong and what is allowed. */
  message: string;
}

/** How the hosted zone comes to be (the configuration's hostedZone). */
export type ZoneConfig = NonNullable<EnvironmentParsed["hostedZone"]>;

/** A standalone environment's edge: its own network, load balancer, certificate and zone. */
export interface StandaloneEdge {
  shared?: undefined;
  /** The name the service answers on. */
  domain: string;
  hostedZone: ZoneConfig;
  availabilityZones: [string, string];
}

/** The edge of a service attached to a shared environment: all of it is the shared environment's. */
export interface AttachedEdge {
  shared: SharedAttachment;
  domain?: undefined;
  hostedZone?: undefined;
  availabilityZones?: undefined;
}

/** A service's attachment to a shared environment, resolved. */
export interface SharedAttachment {
  /** The shared environment's name. */
  environment: string;
  /** The host's first label: the service answers on `<host>.<the shared domain>` (a preview's is `pr-N-<label>`). */
  host: string;
  /** Path patterns the listener rule requires besides the host; empty: every path. */
  paths: string[];
  /** The shared environment's names, derived from its name (what it publishes is read at plan time). */
  names: SharedNames;
}

/** The `ci` block as parsed (before the GitHub environment's default is filled in). */
type CiParsed = NonNullable<EnvironmentParsed["ci"]>;

/**
 * The CI whose OIDC tokens may assume the deploy and plan roles, resolved:
 * `none` when the configuration names none (no CI roles); the older top-level
 * `github:` is read as `{ provider: "github", … }`; GitHub's environment
 * defaults to the environment's name. docs/ci.md has the trust it makes.
 */
export type CiConfig =
  Exclude<CiParsed, { provider: "github" }> | (Extract<CiParsed, { provider: "github" }> & { environment: string });

/** An environment's configuration after validation: defaults filled in, derived values resolved. */
export type EnvironmentConfig = Omit<
  EnvironmentParsed,
  "ci" | "github" | "state" | "service" | "domain" | "hostedZone" | "availabilityZones" | "shared"
> & {
  /** The account id; undefined only for `local`. */
  accountId: string | undefined;
  ci: CiConfig;
  service: EnvironmentParsed["service"] & { targetGroupNamePrefix: string };
  /** Where this environment's OpenTofu state lives (the bucket is created by `bootstrap`). */
  state: { bucket: string; region: string; keys: ResourceNames["state"]["keys"] };
  /** Every resource name, derived from the fields above. */
  names: ResourceNames;
} & (StandaloneEdge | AttachedEdge);

/** The outcome of validating one environment. */
export type ValidationResult = { ok: true; config: EnvironmentConfig } | { ok: false; issues: ConfigIssue[] };

/** A shared environment's configuration after validation. */
export type SharedEnvironmentConfig = Omit<SharedEnvironmentParsed, "state"> & {
  /** The account id (required, except on the emulator's own accounts through overrides). */
  accountId: string | undefined;
  /** Where its state lives (the bucket is created by `platform … apply`). */
  state: { bucket: string; region: string; key: string };
  /** Every name it gives, and the SSM path it publishes its outputs under. */
  names: SharedNames;
};

/** A partial configuration, merged field by field over an environment's entry. */
export type EnvironmentOverrides = DeepPartial<EnvironmentInput>;

/** A partial shared environment, merged over its entry. */
export type SharedEnvironmentOverrides = DeepPartial<SharedEnvironmentInput>;

/** Every field optional, recursively. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
