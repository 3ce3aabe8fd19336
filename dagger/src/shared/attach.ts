/**
 * A service attached to a shared environment, as the module's operations see
 * it: what the environment published (read when the service's environment
 * opens), the service's host and URL, its claim; the preflight before a deploy
 * (quotas, then the claim: refused before any apply on either); the release of
 * its claim after a destroy.
 */
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SSMClient } from "@aws-sdk/client-ssm";

import type { awsClientConfig } from "../aws/auth.js";
import type { Attachment } from "../stacks/infra-bridge.js";
import { claimHost, type HostClaim, plannedPriority, readHostClaim, readHostClaims, releaseHost } from "./claims.js";
import { readPublished, type Published } from "./published.js";
import { loadBalancerHoldings, quotaIssues, ruleHost, usageAfter, type QuotaUsage } from "./quotas.js";

/** SDK settings of the environment's account and region (env/open.ts's `sdk`). */
export type SdkConfig = ReturnType<typeof awsClientConfig>;

/** An attached service's shared environment, opened. */
export interface SharedContext {
  /** The attachment as the configuration has it. */
  view: Attachment;
  /** What the shared environment published. */
  published: Published;
  /** The host the service answers on: `<label>.<domain>`. */
  host: string;
  /** https://<host> */
  url: string;
  /** The service's claim on the host, when it has one (it claims it on its first deploy). */
  claim?: HostClaim;
}

/**
 * Opens an attached service's shared environment: reads what it published,
 * and the service's claim if it has one.
 *
 * @param sdk SDK settings of the account and region
 * @param view the attachment
 * @param fix what to do when the environment has published nothing
 */
export async function openAttachment(sdk: SdkConfig, view: Attachment, fix: string): Promise<SharedContext> {
  const ssm = new SSMClient(sdk);
  try {
    const published = await readPublished(ssm, view, fix);
    const host = `${view.host}.${published.domain}`;
    const claim = await readHostClaim(ssm, view.claims, host);
    return { view, published, host, url: `https://${host}`, ...(claim ? { claim } : {}) };
  } finally {
    ssm.destroy();
  }
}

/** What the preflight of a deploy onto a shared environment found and did. */
export interface AttachPreflight {
  claim: HostClaim;
  /** Whether this deploy made the claim (its first). */
  created: boolean;
  /** What the load balancer will hold after the apply. */
  usage: QuotaUsage;
}

/** A deploy that would take the shared load balancer over a quota: refused before any apply. */
export class QuotaError extends Error {
  /**
   * @param issues the quotas exceeded, each with what to do
   */
  constructor(issues: string[]) {
    super(["refused before any apply: the shared load balancer would exceed its quotas.", ...issues].join("\n"));
    this.name = "QuotaError";
  }
}

/**
 * Before a deploy onto a shared environment, in this order: the load balancer's
 * quotas with this service's rule added (moto does not enforce them; AWS would
 * fail the apply halfway), then the claim of the host and a rule priority
 * (refused when another service holds the host). Nothing is applied before both pass.
 *
 * @param sdk SDK settings of the account and region
 * @param shared the opened shared environment
 * @param claimant the stack that claims, its kind and pull request
 * @param fix what to do when the host is taken
 */
export async function attachPreflight(
  sdk: SdkConfig,
  shared: SharedContext,
  claimant: { stack: string; kind: HostClaim["kind"]; pullRequest?: number },
  fix: string,
): Promise<AttachPreflight> {
  const elb = new ElasticLoadBalancingV2Client(sdk);
  const ssm = new SSMClient(sdk);
  try {
    const holdings = await loadBalancerHoldings(elb, shared.published.loadBalancerArn);
    const usage = usageAfter(holdings, { host: shared.host, conditionValues: 1 + shared.view.paths.length });
    const issues = quotaIssues(usage, `load balancer ${shared.view.loadBalancer}`);
    if (issues.length > 0) throw new QuotaError(issues);
    // Rules of this host are the service's own (a claim lost, then re-made): their priority is free for it.
    const takenByRules = new Set(
      holdings.rules.filter((r) => ruleHost(r) !== shared.host).map((r) => Number(r.Priority)),
    );
    const { claim, created } = await claimHost(ssm, shared.view.claims, {
      host: shared.host,
      ...claimant,
      takenByRules,
      fix,
    });
    shared.claim = claim;
    return { claim, created, usage };
  } finally {
    elb.destroy();
    ssm.destroy();
  }
}

/**
 * The rule priority for a plan: the claimed one, or the one a deploy would
 * claim now (nothing is claimed: a plan changes nothing).
 *
 * @param sdk SDK settings of the account and region
 * @param shared the opened shared environment
 */
export async function priorityForPlan(
  sdk: SdkConfig,
  shared: SharedContext,
): Promise<{ priority: number; claimed: boolean }> {
  if (shared.claim) return { priority: shared.claim.priority, claimed: true };
  const elb = new ElasticLoadBalancingV2Client(sdk);
  const ssm = new SSMClient(sdk);
  try {
    const holdings = await loadBalancerHoldings(elb, shared.published.loadBalancerArn);
    const taken = new Set(holdings.rules.filter((r) => ruleHost(r) !== shared.host).map((r) => Number(r.Priority)));
    return await plannedPriority(ssm, shared.view.claims, shared.host, taken);
  } finally {
    elb.destroy();
    ssm.destroy();
  }
}

/**
 * Releases a service's claims after its stack is destroyed.
 *
 * @param sdk SDK settings of the account and region
 * @param shared the opened shared environment
 * @param stack the destroyed stack
 */
export async function releaseAttachment(sdk: SdkConfig, shared: SharedContext, stack: string): Promise<string[]> {
  const ssm = new SSMClient(sdk);
  try {
    return await releaseHost(ssm, shared.view.claims, shared.host, stack);
  } finally {
    ssm.destroy();
  }
}

/** Who shares a shared environment: the services attached, and this service's previews. */
export interface Sharing {
  /** Services (not previews) that hold a claim, this one counted even before its first claim. */
  services: number;
  /** This service's previews, by their claims. */
  previews: HostClaim[];
}

/**
 * Who shares the shared environment's load balancer with this service, for its cost.
 *
 * @param sdk SDK settings of the account and region
 * @param shared the opened shared environment
 * @param stack this service's stack
 */
export async function sharing(sdk: SdkConfig, shared: SharedContext, stack: string): Promise<Sharing> {
  const ssm = new SSMClient(sdk);
  try {
    const claims = await readHostClaims(ssm, shared.view.claims);
    const services = claims.filter((c) => c.kind === "service");
    const previewPrefix = shared.view.previewPrefix.replace(/\*$/, "");
    return {
      services: services.length + (services.some((c) => c.stack === stack) ? 0 : 1),
      previews: claims.filter((c) => c.kind === "preview" && c.stack.startsWith(previewPrefix)),
    };
  } finally {
    ssm.destroy();
  }
}
