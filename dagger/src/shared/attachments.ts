/**
 * What is attached to a shared environment: the claims services made (which
 * stack answers on which host, at which priority) beside the rules its
 * listener holds (a rule whose host nobody claimed was added another way). What
 * `platform … status` lists and `platform … destroy` refuses on.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SSMClient } from "@aws-sdk/client-ssm";

import type { SdkConfig } from "./attach.js";
import { type ClaimPaths, type HostClaim, readHostClaims } from "./claims.js";
import type { Published } from "./published.js";
import { loadBalancerHoldings, type LoadBalancerHoldings, ruleHost } from "./quotas.js";

/** One host on the shared load balancer. */
export interface AttachedHost {
  host: string;
  /** Its claim, when a service made one. */
  claim?: HostClaim;
  /** Its rule's priority, when the listener has one (a claim without a rule: claimed, not applied yet). */
  rulePriority?: number;
}

/** What is attached, and what the load balancer holds. */
export interface Attachments {
  hosts: AttachedHost[];
  holdings: LoadBalancerHoldings;
}

/**
 * Lists what is attached to a shared environment, by host.
 *
 * @param sdk SDK settings of its account and region
 * @param published what it published
 * @param claims its claims paths
 */
export async function listAttachments(sdk: SdkConfig, published: Published, claims: ClaimPaths): Promise<Attachments> {
  const elb = new ElasticLoadBalancingV2Client(sdk);
  const ssm = new SSMClient(sdk);
  try {
    const [holdings, hostClaims] = await Promise.all([
      loadBalancerHoldings(elb, published.loadBalancerArn),
      readHostClaims(ssm, claims),
    ]);
    const hosts = new Map<string, AttachedHost>();
    for (const claim of hostClaims) hosts.set(claim.host, { host: claim.host, claim });
    for (const rule of holdings.rules) {
      const host = ruleHost(rule) ?? `(a rule without a host condition, priority ${rule.Priority})`;
      hosts.set(host, { ...(hosts.get(host) ?? { host }), rulePriority: Number(rule.Priority) });
    }
    return { hosts: [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host)), holdings };
  } finally {
    elb.destroy();
    ssm.destroy();
  }
}

/**
 * Who an attached host belongs to, in words: its stack, or what is known of it.
 * @param a an attached host
 */
export function attachedBy(a: AttachedHost): string {
  if (a.claim)
    return a.claim.kind === "preview"
      ? `${a.claim.stack} (preview of pull request ${a.claim.pullRequest})`
      : a.claim.stack;
  return "(no claim: a rule added another way)";
}

/** What an attached service runs: its task count and size (ECS). */
export interface RunningSize {
  tasks: number;
  cpu: number;
  memory: number;
}

/**
 * What each attached stack runs on the shared cluster, from ECS (services
 * not found — claimed but not applied yet — are left out).
 *
 * @param sdk SDK settings of the account and region
 * @param cluster the shared cluster
 * @param stacks the attached stacks (an attached service's ECS service is named like its stack)
 */
export async function runningSizes(
  sdk: SdkConfig,
  cluster: string,
  stacks: string[],
): Promise<Map<string, RunningSize>> {
  const ecs = new ECSClient(sdk);
  const sizes = new Map<string, RunningSize>();
  try {
    // 10: DescribeServices' most services per call.
    for (let i = 0; i < stacks.length; i += 10) {
      const { services = [] } = await ecs.send(
        new DescribeServicesCommand({ cluster, services: stacks.slice(i, i + 10) }),
      );
      for (const s of services) {
        if (s.status !== "ACTIVE" || !s.serviceName || !s.taskDefinition) continue;
        const { taskDefinition } = await ecs.send(
          new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinition }),
        );
        sizes.set(s.serviceName, {
          tasks: s.desiredCount ?? 0,
          cpu: Number(taskDefinition?.cpu ?? 0),
          memory: Number(taskDefinition?.memory ?? 0),
        });
      }
    }
    return sizes;
  } finally {
    ecs.destroy();
  }
}
