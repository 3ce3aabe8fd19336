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
  // The shared environment's, or the stack's own.
  if (config.shared || config.loadBalancer.mode === "create") return config.names.loadBalancer;
  // Validated against the pattern at synth: group 3 is the name.
  return config.loadBalancer.arn.match(ALB_ARN_PATTERN)![3]!;
}

/** What only the stack knows (data sources), for policyContext(). */
export interface PolicyReferences {
  partition: string;
  dnsSuffix: string;
  account: string;
  hostedZoneId: string;
  boundaryPolicyArn: string;
  /** An attached service's host, `<label>.<the shared domain>` (read from what the environment published). */
  host?: string;
}

/**
 * The policy context of an environment: names from the configuration, account
 * and partition from the stack's data sources, zone and ARNs as given.
 * @param config The environment's configuration.
 * @param refs Values only known to the stack (references).
 */
export function policyContext(config: EnvironmentConfig, refs: PolicyReferences): ServicePolicyContext {
  const n = config.names;
  const { host, ...known } = refs;
  if (config.shared && host === undefined)
    throw new Error(`policyContext: environment "${config.name}" is attached: pass the host the stack reads`);
  return {
    ...known,
    region: config.region,
    prefix: n.prefix,
    serviceStack: n.stacks.service,
    cluster: n.cluster,
    service: n.service,
    taskFamily: n.taskFamily,
    repository: n.repository,
    logGroup: n.logGroup,
    // The previews' role exists only for an attached environment.
    roles: config.shared
      ? n.roles
      : { execution: n.roles.execution, task: n.roles.task, deploy: n.roles.deploy, plan: n.roles.plan },
    loadBalancerName: loadBalancerName(config),
    sharedLoadBalancer: config.shared !== undefined || config.loadBalancer.mode === "existing",
    ...(config.shared
      ? {
          sharedEnvironment: {
            parameterPath: config.shared.names.parameterPath,
            claims: config.shared.names.claims,
          },
        }
      : {}),
    targetGroupPrefix: config.service.targetGroupNamePrefix,
    domain: config.shared ? host! : config.domain,
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
