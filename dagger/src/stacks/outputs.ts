/**
 * Reading the stacks' outputs by the names infra gives them. The names come
 * from infra (BASE_OUTPUTS, SERVICE_OUTPUTS in infra/src/tofu.ts) through the
 * EnvironmentConfig (infra-bridge.ts); the module restates only which ones it reads, so
 * an output renamed in infra fails the contract test, and one missing from a
 * state fails here with what to do, never as an empty string further on.
 */

/** The base stack's outputs the module reads (infra's BASE_OUTPUTS), each mapped to its name in OpenTofu. */
export interface BaseOutputNames {
  repositoryUrl: string;
  deployRoleArn: string;
  planRoleArn: string;
  hostedZoneId: string;
  nameServers: string;
  /** Attached environments only: the previews' role. */
  previewRoleArn: string;
}

/** The service stack's outputs the module reads (infra's SERVICE_OUTPUTS), each mapped to its name in OpenTofu. */
export interface ServiceOutputNames {
  url: string;
  clusterName: string;
  serviceName: string;
  taskDefinitionArn: string;
  logGroupName: string;
  albDnsName: string;
  targetGroupArn: string;
}

/** The output names of both stacks, as the EnvironmentConfig carries them. */
export interface OutputNames {
  base: BaseOutputNames;
  service: ServiceOutputNames;
}

/** A stack's `tofu output -json` values, as tofu.ts readOutputs() returns them (lists stay lists). */
export type StackOutputs = Record<string, string | string[]>;

/**
 * `tofu output -json` as StackOutputs: each output's value as a string, a
 * list's items as strings; an output whose value is null is left out. A state
 * with no outputs prints `{}` (or nothing).
 *
 * @param stdout what `tofu output -json` printed
 */
export function parseOutputs(stdout: string): StackOutputs {
  const parsed = JSON.parse(stdout.trim() || "{}") as Record<string, { value: unknown }>;
  // A null value is no value: kept, it would read as the string "null".
  return Object.fromEntries(
    Object.entries(parsed)
      .filter(([, v]) => v.value !== null && v.value !== undefined)
      .map(([k, v]) => [k, Array.isArray(v.value) ? v.value.map(String) : String(v.value)]),
  );
}

/** Which stack the outputs are of, for the message of a missing one. */
export interface OutputSource {
  /** `base` or `service`. */
  role: "base" | "service";
  /** The stack's name, e.g. myapp-staging-service. */
  stack: string;
  /** What to do when an output is missing, e.g. "the apply did not finish; run deploy again". */
  next: string;
}

/** A required output that the stack's state does not have (or has empty). */
export class MissingOutputError extends Error {
  /**
   * @param output the output's name in OpenTofu
   * @param source the stack and what to do
   */
  constructor(
    readonly output: string,
    readonly source: OutputSource,
  ) {
    super(`the ${source.role} stack's state (${source.stack}) has no output ${output}: ${source.next}`);
    this.name = "MissingOutputError";
  }
}

/**
 * A required output as a string. Missing, empty or a list: a MissingOutputError
 * naming the output, the stack and what to do.
 *
 * @param out the stack's outputs
 * @param name the output's name (from target.outputs)
 * @param source the stack and what to do when it is missing
 */
export function requireOutput(out: StackOutputs, name: string, source: OutputSource): string {
  const value = out[name];
  if (typeof value !== "string" || value === "") throw new MissingOutputError(name, source);
  return value;
}

/**
 * A required output as a list (OpenTofu lists stay lists; a string is split at
 * commas). Missing: a MissingOutputError. An empty list is a value (an existing
 * zone has no name servers for the module to print).
 *
 * @param out the stack's outputs
 * @param name the output's name (from target.outputs)
 * @param source the stack and what to do when it is missing
 */
export function requireListOutput(out: StackOutputs, name: string, source: OutputSource): string[] {
  const value = out[name];
  if (value === undefined) throw new MissingOutputError(name, source);
  return Array.isArray(value) ? value : value.split(",").filter((v) => v !== "");
}

/** The service stack's outputs a deploy or rollback uses, read once after the apply. */
export interface ServiceOutputs {
  url: string;
  clusterName: string;
  serviceName: string;
  taskDefinitionArn: string;
  albDnsName: string;
}

/**
 * The service stack's outputs a rollout and smoke test need, each required.
 *
 * @param out the service stack's outputs after the apply
 * @param names config.outputs.service
 * @param source the service stack and what to do when one is missing
 */
export function serviceOutputs(out: StackOutputs, names: ServiceOutputNames, source: OutputSource): ServiceOutputs {
  return {
    url: requireOutput(out, names.url, source),
    clusterName: requireOutput(out, names.clusterName, source),
    serviceName: requireOutput(out, names.serviceName, source),
    taskDefinitionArn: requireOutput(out, names.taskDefinitionArn, source),
    albDnsName: requireOutput(out, names.albDnsName, source),
  };
}
