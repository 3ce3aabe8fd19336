/**
 * What the policy documents know of an environment: its names, account and
 * partition (the stack's data sources), zone and ARNs, and the ARN of its task boundary.
 */
import type { EnvironmentConfig } from "../config/types.ts";
import { ALB_ARN_PATTERN } from "../config/schema.ts";
import { resolveSecrets } from "../config/secrets.ts";
import type { ServicePolicyContext } from "./document.ts";

/**
 * The name of the ALB the service sits behind: the stack's own, or the name in
 * the existing ALB's ARN.
 * @param config The environment's configuration.
 */
export function loadBalancerName(config: EnvironmentConfig): string {
  if (config.loadBalancer.mode === "create") return config.names.loadBalancer;
  // Validated against the pattern at synth: group 3 is the name.
  return config.loadBalancer.arn.match(ALB_ARN_PATTERN)![3]!;
}

/**
 * The policy context of an environment: names from the configuration, account
 * and partition from the stack's data sources, zone and ARNs as given.
 * @param config The environment's configuration.
 * @param refs Values only known to the stack (references).
 */
export function policyContext(
  config: EnvironmentConfig,
  refs: { partition: string; dnsSuffix: string; account: string; hostedZoneId: string; boundaryPolicyArn: string },
): ServicePolicyContext {
  const n = config.names;
  return {
    ...refs,
    region: config.region,
    prefix: n.prefix,
    serviceStack: n.stacks.service,
    cluster: n.cluster,
    service: n.service,
    taskFamily: n.taskFamily,
    repository: n.repository,
    logGroup: n.logGroup,
    roles: n.roles,
    loadBalancerName: loadBalancerName(config),
    sharedLoadBalancer: config.loadBalancer.mode === "existing",
    targetGroupPrefix: config.service.targetGroupNamePrefix,
    domain: config.domain,
    state: { bucket: config.state.bucket, keys: Object.values(config.state.keys), ledger: config.names.state.ledger },
    secrets: resolveSecrets(config.service.secrets, config.region),
  };
}

/**
 * The ARN of the task boundary policy, by name (the service stack refers to the
 * base stack's policy without reading its state).
 * @param config The environment's configuration.
 * @param partition ARN partition.
 * @param account Account id.
 */
export function boundaryPolicyArn(config: EnvironmentConfig, partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:policy/${config.names.taskBoundaryPolicy}`;
}
