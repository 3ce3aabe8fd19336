/**
 * The load balancer's quotas, checked before an apply: a service that would
 * take a shared ALB over one is refused in the preflight, with the limit and
 * what to do, instead of failing halfway through an apply (or, on the
 * emulator, not at all: moto does not enforce the rule quota, so this check
 * is the only one there).
 *
 * AWS, "Quotas for your Application Load Balancers"
 * (docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html),
 * the defaults as of 2026-12 (see ../shared-environments research notes).
 */
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type Rule,
  TargetGroupNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";

/** One quota: its limit, whether AWS raises it on request, and what to do when a service would pass it. */
export interface Quota {
  /** What it counts. */
  counts: string;
  /** AWS's default limit. */
  limit: number;
  /** Whether Service Quotas raises it on request. */
  adjustable: boolean;
  /** What to do when it would be exceeded. */
  fix: string;
}

/** The quotas a service attaching to a shared load balancer can run into. */
export const ALB_QUOTAS = {
  rules: {
    counts: "rules per load balancer (not counting the listeners' default rules)",
    limit: 100,
    adjustable: true,
    fix: 'ask for more in Service Quotas ("Rules per Application Load Balancer", adjustable), or give new services a second shared environment',
  },
  targetGroups: {
    counts: "target groups per load balancer",
    limit: 100,
    adjustable: false,
    fix: "this one AWS does not raise: give new services a second shared environment (a new ALB), or remove services that no longer run (their rules and target groups go with `destroy`)",
  },
  certificates: {
    counts: "certificates per load balancer (not counting the listener's default)",
    limit: 25,
    adjustable: true,
    fix: 'attached services need none (the environment\'s wildcard certificate covers <host>.<domain>); remove certificates added by hand, or ask for more in Service Quotas ("Certificates per Application Load Balancer")',
  },
  conditionValues: {
    counts: "condition values per rule (the host and each path)",
    limit: 5,
    adjustable: false,
    fix: "AWS does not raise it: a rule holds the host and at most 4 paths; list fewer paths (a pattern like /api/* covers many), or split the service",
  },
} as const satisfies Record<string, Quota>;

/** Which quota. */
export type QuotaName = keyof typeof ALB_QUOTAS;

/** What the load balancer would hold after the apply: the counts the quotas limit. */
export type QuotaUsage = Record<QuotaName, number>;

/**
 * The quotas a usage exceeds, each as a message with the limit, the count and
 * what to do. At the limit is allowed (AWS's limits are inclusive); one over is not.
 *
 * @param usage what the load balancer would hold
 * @param where the load balancer (for the message)
 */
export function quotaIssues(usage: QuotaUsage, where: string): string[] {
  return (Object.keys(ALB_QUOTAS) as QuotaName[])
    .filter((name) => usage[name] > ALB_QUOTAS[name].limit)
    .map((name) => {
      const q = ALB_QUOTAS[name];
      return `${where}: ${usage[name]} ${q.counts}, over AWS's limit of ${q.limit}${q.adjustable ? " (a default: adjustable)" : ""}. ${q.fix}.`;
    });
}

/** The rules and target groups of a load balancer, as the preflight counts them. */
export interface LoadBalancerHoldings {
  /** Its listeners' rules other than the defaults. */
  rules: Rule[];
  /** Its target groups (those a rule or default action forwards to). */
  targetGroups: string[];
  /** Its listeners' certificates other than the defaults. */
  certificates: number;
}

/**
 * What a load balancer holds now: every listener's rules and certificates, and its target groups.
 * @param elb an ELB client of its account and region
 * @param loadBalancerArn the load balancer
 */
export async function loadBalancerHoldings(
  elb: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<LoadBalancerHoldings> {
  const { Listeners = [] } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
  const rules: Rule[] = [];
  let certificates = 0;
  for (const listener of Listeners) {
    let Marker: string | undefined;
    do {
      const page = await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn, Marker }));
      rules.push(...(page.Rules ?? []).filter((r) => !r.IsDefault));
      Marker = page.NextMarker;
    } while (Marker);
    if (listener.Protocol === "HTTPS") {
      const { Certificates = [] } = await elb.send(
        new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn }),
      );
      certificates += Certificates.filter((c) => !c.IsDefault).length;
    }
  }
  const targetGroups = await elb
    .send(new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn }))
    .then((out) => (out.TargetGroups ?? []).map((t) => t.TargetGroupArn ?? ""))
    // moto 5.2.5 answers a load balancer without target groups with TargetGroupNotFound (AWS: an empty list).
    .catch((err: unknown) => {
      if (err instanceof TargetGroupNotFoundException) return [];
      throw err;
    });
  return { rules, targetGroups, certificates };
}

/**
 * The host a rule forwards, from its host-header condition.
 * @param rule a listener rule
 */
export function ruleHost(rule: Rule): string | undefined {
  const host = rule.Conditions?.find((c) => c.Field === "host-header");
  return host?.HostHeaderConfig?.Values?.[0] ?? host?.Values?.[0];
}

/**
 * What the load balancer would hold once a service's rule is applied: its
 * rule and target group are new unless a rule forwards its host already.
 *
 * @param holdings what it holds now
 * @param service its host and the condition values of its rule (the host and each path)
 */
export function usageAfter(
  holdings: LoadBalancerHoldings,
  service: { host: string; conditionValues: number },
): QuotaUsage {
  const isNew = !holdings.rules.some((r) => ruleHost(r) === service.host);
  return {
    rules: holdings.rules.length + (isNew ? 1 : 0),
    targetGroups: holdings.targetGroups.length + (isNew ? 1 : 0),
    certificates: holdings.certificates,
    conditionValues: service.conditionValues,
  };
}
