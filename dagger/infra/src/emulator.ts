/**
 * Everything that differs when the stacks run against the AWS emulator (moto)
 * instead of AWS, in one place:
 * - the endpoint comes from the environment at apply time (emulatorEnvironment);
 * - the backend's extras from `-backend-config` at init (emulatorBackendConfig);
 * - the one value moto cannot hold that has a harmless setting is a
 *   configuration field (set in `local`, overridden for the others:
 *   emulatorOverrides);
 * - the fields moto drops whatever they are set to are listed in
 *   EMULATOR_UNHELD_FIELDS: in stacks of a configuration with `emulator: true`
 *   (only those) plans ignore exactly those attributes of exactly those
 *   resources. Stacks for AWS ignore nothing (but the desired count the
 *   autoscaler owns, where autoscaling is on);
 * - the resources moto cannot serve at all are listed in
 *   EMULATOR_OMITTED_RESOURCES: stacks with `emulator: true` leave them out.
 *
 * No cdktf here (the package's public entry re-exports this file):
 * stacks/emulator-fields.ts applies the list to the synthesized stacks.
 */
import type { EnvironmentOverrides, SharedEnvironmentOverrides } from "./config/types.ts";

/**
 * `tofu init` flags for an S3 backend served by the emulator: path-style
 * addressing (no per-bucket DNS names) and no S3 checksum headers (the emulator
 * rejects some). Combine with emulatorEnvironment() for the endpoint.
 */
export function emulatorBackendConfig(): string[] {
  return ["-backend-config=use_path_style=true", "-backend-config=skip_s3_checksum=true"];
}

/**
 * Environment variables that point the AWS provider, the S3 backend and the AWS
 * SDK at the emulator; nothing in the synthesized JSON changes.
 * @param endpoint The emulator's URL, e.g. http://127.0.0.1:5050.
 */
export function emulatorEnvironment(endpoint: string): Record<string, string> {
  return {
    // The provider, the S3 backend and the SDK all honour the global endpoint variable.
    AWS_ENDPOINT_URL: endpoint,
    // No instance metadata service here: without this the SDK probes it before each credential lookup.
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/**
 * What a real environment (staging, production) needs changed to be applied to
 * the emulator, each with its reason:
 * - accountId: the emulator account the credentials act in (the provider
 *   refuses any other; a fresh account per run also keeps runs apart);
 * - emulator: the stacks carry EMULATOR_UNHELD_FIELDS (see there);
 * - service.healthCheckGracePeriodSeconds = 0: moto's CreateService drops the
 *   field and reads it back as 0, so any other value is a change on every plan
 *   (the built-in `local` sets 0 for the same reason, src/config/builtin.ts).
 * @param accountId The emulator account's id.
 */
export function emulatorOverrides(accountId: string): EnvironmentOverrides {
  return { accountId, emulator: true, service: { healthCheckGracePeriodSeconds: 0 } };
}

/**
 * What a shared environment needs changed to be applied to the emulator: its
 * account (the emulator account the credentials act in) and `emulator` (its
 * stack carries EMULATOR_UNHELD_FIELDS). No service settings: it runs none.
 * @param accountId The emulator account's id.
 */
export function sharedEmulatorOverrides(accountId: string): SharedEnvironmentOverrides {
  return { accountId, emulator: true };
}

/**
 * An attribute the emulator drops whatever it is set to: after an apply it
 * reads back empty, so every later plan would set it again. Against the
 * emulator, plans ignore it on the matching resources (lifecycle
 * ignore_changes); the value is still sent on create, and AWS stacks are unchanged.
 */
export interface EmulatorUnheldField {
  /** The resource type, e.g. "aws_vpc_security_group_ingress_rule". */
  resourceType: string;
  /** Only resources of that type that set this argument (snake_case, as in the JSON). */
  onlyWith: string;
  /** The attribute the emulator drops (snake_case). */
  attribute: string;
  /** Why, with the emulator code that drops it. */
  reason: string;
}

/** moto 5.2.5, moto/ec2/models/security_groups.py. */
const SECURITY_GROUP_RULE_DESCRIPTION =
  "moto 5.2.5 stores a rule's Description in the rule's ip_range for CIDR rules, but in its source_group (the UserIdGroupPair) " +
  "for rules that reference a security group; SecurityGroupRule.description (moto/ec2/models/security_groups.py, the " +
  "`description` property) returns only ip_range's. DescribeSecurityGroupRules, which the provider reads these resources " +
  "with, so returns no Description for security-group-to-security-group rules (CIDR rules keep theirs; AWS keeps both).";

/**
 * Every attribute the emulator cannot hold, with the resources it concerns.
 * Nothing else is ignored, not even against the emulator.
 */
export const EMULATOR_UNHELD_FIELDS: readonly EmulatorUnheldField[] = [
  {
    resourceType: "aws_vpc_security_group_ingress_rule",
    onlyWith: "referenced_security_group_id",
    attribute: "description",
    reason: SECURITY_GROUP_RULE_DESCRIPTION,
  },
  {
    resourceType: "aws_vpc_security_group_egress_rule",
    onlyWith: "referenced_security_group_id",
    attribute: "description",
    reason: SECURITY_GROUP_RULE_DESCRIPTION,
  },
];

/** A resource type the emulator cannot serve at all, so emulator stacks leave it out. */
export interface EmulatorOmittedResource {
  /** The resource type, e.g. "aws_appautoscaling_target". */
  resourceType: string;
  /** Why, with the emulator code concerned, and what still holds without it. */
  reason: string;
}

/** moto 5.2.5, moto/applicationautoscaling/responses.py. */
const SCALING_TAGS =
  "moto 5.2.5 implements no ListTagsForResource for Application Auto Scaling (moto/applicationautoscaling/responses.py has " +
  "no such action; the server answers 500), and the AWS provider lists a scalable target's tags after every create and read " +
  "(aws_appautoscaling_target carries tags), so the apply fails. The policies belong to the target and go with it. What " +
  "the emulator still shows: the ECS service ignores its desired count as with autoscaling on AWS, so a count changed " +
  "through the API (as the autoscaler would) survives a deploy and the next plan stays clean.";

/**
 * Every resource type the emulator cannot serve. Emulator stacks leave these
 * out, and nothing else.
 */
export const EMULATOR_OMITTED_RESOURCES: readonly EmulatorOmittedResource[] = [
  { resourceType: "aws_appautoscaling_target", reason: SCALING_TAGS },
  { resourceType: "aws_appautoscaling_policy", reason: SCALING_TAGS },
];
