/**
 * The shapes and ARN helpers every policy document of the stacks shares. The
 * documents themselves are pure functions of names and ARNs (which may be
 * Terraform references), one file per document: trust.ts, task.ts,
 * deploy-role.ts, plan-role.ts; size.ts keeps them under IAM's size limit.
 *
 * Scoping, and where AWS does not allow more of it:
 * - By ARN (derived from resourceNames()): ECR repository, ECS cluster/service/
 *   task family, log group, IAM roles and boundary, load balancer, listeners,
 *   rules and target groups (by name prefix), state objects, hosted zone.
 * - By tag (`Stack` = the service stack's name, set by the provider's default
 *   tags) for deletes of EC2 network resources and ACM certificates, whose ids
 *   are unknown until created.
 * - Region-wide (aws:RequestedRegion) where the API has no resource-level
 *   permissions: EC2/ELB/ECS Describe and List calls, RegisterTaskDefinition,
 *   CreateCluster, RequestCertificate, creating EC2 network resources.
 * - IAM: the deploy role may create and change only the two task roles, and only
 *   with the permissions boundary attached (iam:PermissionsBoundary), so it can
 *   never grant a task more than the boundary allows; it may pass them only to ECS.
 */

import type { SecretReference } from "../config/secrets.ts";

/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** One statement of a policy document. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** What the policies need to know; values may be Terraform references (tokens). */
export interface PolicyContext {
  /** ARN partition ("aws"), usually data.aws_partition. */
  partition: string;
  /** Account id, usually data.aws_caller_identity. */
  account: string;
  /** The environment's region. */
  region: string;
  /** The environment's name prefix (`<serviceName>-<env>`): the deploy role's managed policies start with it. */
  prefix: string;
  /** The tag value (`Stack`) every resource of the service stack carries. */
  serviceStack: string;
  /** ECS cluster name. */
  cluster: string;
  /** ECS service name. */
  service: string;
  /** Task definition family. */
  taskFamily: string;
  /** ECR repository name. */
  repository: string;
  /** CloudWatch log group name. */
  logGroup: string;
  /** Role names (`preview`: the previews' role, of an attached environment only). */
  roles: { execution: string; task: string; deploy: string; plan: string; preview?: string };
  /** ARN of the permissions boundary of the task roles. */
  boundaryPolicyArn: string;
  /** ARN of the GitHub OIDC provider. */
  oidcProviderArn: string;
  /** Name of the ALB the service sits behind (created or existing). */
  loadBalancerName: string;
  /** True when the ALB is shared (existing): the deploy role may only manage its rule and certificate. */
  sharedLoadBalancer: boolean;
  /**
   * The shared environment the service attaches to, when it does: where its
   * outputs are published and where services claim hosts and rule priorities
   * (SharedNames). The deploy role then manages no network, cluster or certificate.
   */
  sharedEnvironment?: { parameterPath: string; claims: { hosts: string; priorities: string } };
  /** Target group name prefix. */
  targetGroupPrefix: string;
  /** Hosted zone id of the domain. */
  hostedZoneId: string;
  /** The service's domain name. */
  domain: string;
  /** State bucket, the stacks' state keys, and the deployment ledger's key. */
  state: { bucket: string; keys: string[]; ledger: string };
  /** The partition's DNS suffix ("amazonaws.com"), usually data.aws_partition: service endpoints in kms:ViaService. */
  dnsSuffix: string;
  /** The secrets the tasks get (service.secrets, resolved). */
  secrets: SecretReference[];
}

/** The context without the OIDC provider: all the task roles' policies need. */
export type ServicePolicyContext = Omit<PolicyContext, "oidcProviderArn">;

/** The tag key that names the stack a resource belongs to (provider default tags). */
export const STACK_TAG = "Stack";

/**
 * The tag key of a claim on a shared environment (an SSM parameter under its
 * claims path): the service stack that made it. Roles may create claims only
 * with their own stack as the value, and delete only those.
 */
export const CLAIMANT_TAG = "Claimant";

/** The service that runs ECS tasks and assumes their roles. */
export const ECS_TASKS = "ecs-tasks.amazonaws.com";

/**
 * An ARN in the context's partition.
 * @param ctx The policy context.
 * @param service The AWS service, e.g. "ecs".
 * @param resource The resource part, e.g. "cluster/name".
 * @param scope Region and account ("" for global services or S3).
 */
export function arn(
  ctx: ServicePolicyContext,
  service: string,
  resource: string,
  scope: { region?: string; account?: string } = {},
): string {
  return `arn:${ctx.partition}:${service}:${scope.region ?? ctx.region}:${scope.account ?? ctx.account}:${resource}`;
}

/**
 * The ARN of an IAM role.
 * @param ctx The policy context.
 * @param name The role's name.
 */
export function roleArn(ctx: ServicePolicyContext, name: string): string {
  return arn(ctx, "iam", `role/${name}`, { region: "" });
}

/**
 * The environment's customer-managed policies (the boundary and the deploy
 * role's parts), by name prefix.
 * @param ctx The policy context.
 */
export function identityPolicies(ctx: ServicePolicyContext): string {
  return arn(ctx, "iam", `policy/${ctx.prefix}-*`, { region: "" });
}

/**
 * Condition limiting a statement to the environment's region.
 * @param ctx The policy context.
 */
export function inRegion(ctx: ServicePolicyContext): PolicyStatement["Condition"] {
  return { StringEquals: { "aws:RequestedRegion": ctx.region } };
}

/**
 * Distinct values in first-seen order.
 * @param values Values, possibly repeated.
 */
export function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
