/**
 * Every name the stacks give to AWS resources, derived from the configuration
 * in one place: the stacks, the deploy role's policy (which scopes permissions
 * by these names) and the Dagger module (which looks resources up by them) all
 * read them from here.
 */

/** The environment that runs against the AWS emulator; the only one allowed without an account id. */
export const LOCAL_ENVIRONMENT = "local";

/** The container's name in the task definition (the load balancer and the log streams refer to it). */
export const CONTAINER_NAME = "app";

/**
 * The container's plain environment: what the pipeline sets (NODE_ENV, PORT)
 * and the configured variables over it. Secrets are separate (task definition
 * `secrets`) and may not reuse these names.
 * @param containerPort The port the app listens on.
 * @param environment The configured variables.
 */
export function containerEnvironment(
  containerPort: number,
  environment: Record<string, string>,
): Record<string, string> {
  return { NODE_ENV: "production", PORT: String(containerPort), ...environment };
}

/** The two stacks of an environment, applied in this order and destroyed in the reverse one. */
export const STACK_ROLES = ["base", "service"] as const;

/** Which of an environment's two stacks: `base` (applied first) or `service`. */
export type StackRole = (typeof STACK_ROLES)[number];

/** What the names are derived from. */
export interface NamingInput {
  /** The application's name. */
  serviceName: string;
  /** The environment's name. */
  name: string;
  /** The AWS account id, when configured. */
  accountId?: string | undefined;
  /** The environment's region. */
  region: string;
  /** A configured state bucket, when set. */
  stateBucket?: string | undefined;
  /** A configured target group name prefix, when set. */
  targetGroupNamePrefix?: string | undefined;
  /** The shared environment the service attaches to, when it does (its cluster and load balancer are used). */
  shared?: SharedNames | undefined;
  /** The pull request whose preview this is, when it is one (config/preview.ts). */
  preview?: number | undefined;
}

/** The names of an environment's resources. */
export interface ResourceNames {
  /** `<serviceName>-<env>`: the common prefix; also the cluster, service, task family, ALB and repository name. */
  prefix: string;
  /** Stack names by role. */
  stacks: Record<StackRole, string>;
  /** ECS cluster. */
  cluster: string;
  /** ECS service. */
  service: string;
  /** Task definition family. */
  taskFamily: string;
  /** The container in the task definition. */
  container: string;
  /** CloudWatch log group of the tasks. */
  logGroup: string;
  /** awslogs stream prefix: streams are `<prefix>/<container>/<task id>`. */
  logStreamPrefix: string;
  /** ECR repository. */
  repository: string;
  /** Application load balancer (when the stack creates one). */
  loadBalancer: string;
  /** Target group name prefix (Terraform appends a unique suffix). */
  targetGroupPrefix: string;
  /** Security groups. */
  securityGroups: { alb: string; app: string };
  /** IAM roles (`preview`: the role of the pull requests' previews, in the base stack of an attached environment). */
  roles: { execution: string; task: string; deploy: string; plan: string; preview: string };
  /** The permissions boundary every role the service stack creates must carry. */
  taskBoundaryPolicy: string;
  /**
   * Remote state: bucket and one key per stack; `ledger` is the deployment ledger
   * (JSON lines: image digest, commit, verdict per deploy) the Dagger module keeps
   * next to the service stack's state — what `status` shows and `rollback` returns to.
   */
  state: { bucket: string; keys: Record<StackRole, string>; ledger: string };
}

/**
 * Derives every resource name of an environment.
 * @param input The configuration fields the names depend on.
 */
export function resourceNames(input: NamingInput): ResourceNames {
  const prefix = `${input.serviceName}-${input.name}`;
  // A preview is the environment's service again, under names of its own: what it
  // shares with the environment is the base stack (registry, boundary, CI roles).
  const own = input.preview === undefined ? prefix : previewPrefix(prefix, input.preview);
  const stacks = { base: `${prefix}-base`, service: own };
  const owner = input.accountId ?? input.name;
  return {
    prefix,
    stacks,
    cluster: input.shared?.cluster ?? prefix,
    service: own,
    taskFamily: own,
    container: CONTAINER_NAME,
    logGroup: `/ecs/${own}`,
    logStreamPrefix: "ecs",
    repository: prefix,
    loadBalancer: input.shared?.loadBalancer ?? prefix,
    // name_prefix allows 6 characters: the environment's first 5 and a hyphen by default;
    // previews share one ("pr-"): their role tells them apart by the Stack tag.
    targetGroupPrefix:
      input.preview === undefined ? (input.targetGroupNamePrefix ?? `${input.name.slice(0, 5)}-`) : PREVIEW_TG_PREFIX,
    securityGroups: { alb: input.shared?.securityGroup ?? `${prefix}-alb`, app: `${own}-app` },
    roles: {
      execution: `${own}-execution`,
      task: `${own}-task`,
      deploy: `${prefix}-deploy`,
      plan: `${prefix}-plan`,
      preview: `${prefix}-preview`,
    },
    taskBoundaryPolicy: `${prefix}-task-boundary`,
    state: {
      // Account and region make the name globally unique and say where it lives.
      bucket: input.stateBucket ?? `${input.serviceName}-tfstate-${owner}-${input.region}`,
      keys: { base: `${stacks.base}/terraform.tfstate`, service: `${stacks.service}/terraform.tfstate` },
      ledger: `${stacks.service}/deployments.jsonl`,
    },
  };
}

/** The target group name prefix of every preview (name_prefix allows 6 characters). */
export const PREVIEW_TG_PREFIX = "pr-";

/**
 * The name prefix of a pull request's preview: `<serviceName>-<env>-pr-<N>`,
 * what its service, task family, log group, roles and state key are named;
 * `previewPrefix(prefix, "*")` is the pattern of all of them (IAM).
 * @param prefix The environment's prefix.
 * @param pullRequest The pull request's number, or "*".
 */
export function previewPrefix(prefix: string, pullRequest: number | "*"): string {
  return `${prefix}-pr-${pullRequest}`;
}

/**
 * The host label of a pull request's preview: `pr-<N>-<the service's label>`.
 * @param host The service's host label.
 * @param pullRequest The pull request's number, or "*".
 */
export function previewHost(host: string, pullRequest: number | "*"): string {
  return `pr-${pullRequest}-${host}`;
}

/** Where shared environments publish their outputs (SSM Parameter Store); each under `<root>/<name>`. */
export const SHARED_PARAMETER_ROOT = "/fargate-pipeline/shared";

/** The names of a shared environment's resources, derived from its name. */
export interface SharedNames {
  /** `shared-<name>`: the prefix of what it creates; also its stack, cluster and ALB name. */
  prefix: string;
  /** Its stack. */
  stack: string;
  /** ECS cluster. */
  cluster: string;
  /** Application load balancer. */
  loadBalancer: string;
  /** The load balancer's security group. */
  securityGroup: string;
  /** The access-log bucket, when access logs are on. */
  accessLogBucket: string;
  /** SSM path of its published outputs (`<root>/<name>`), one parameter per output below it. */
  parameterPath: string;
  /**
   * SSM paths of the claims services make on it before they apply (the module's
   * preflight): `hosts/<host>` (who answers there, at which rule priority) and
   * `priorities/<n>` (which host holds a rule priority). Created only if absent,
   * atomically: two services can never hold one host or one priority.
   */
  claims: { hosts: string; priorities: string };
}

/** What shared names are derived from. */
export interface SharedNamingInput {
  /** The shared environment's name. */
  name: string;
  /** Its account (for the access-log bucket's globally unique name). */
  accountId?: string | undefined;
  /** Its region. */
  region: string;
}

/**
 * Derives a shared environment's names.
 * @param input Its name, account and region.
 */
export function sharedNames(input: SharedNamingInput): SharedNames {
  const prefix = `shared-${input.name}`;
  const parameterPath = `${SHARED_PARAMETER_ROOT}/${input.name}`;
  return {
    prefix,
    stack: prefix,
    cluster: prefix,
    loadBalancer: prefix,
    securityGroup: `${prefix}-alb`,
    accessLogBucket: `${prefix}-alb-logs-${input.accountId ?? input.name}-${input.region}`,
    parameterPath,
    claims: { hosts: `${parameterPath}/claims/hosts`, priorities: `${parameterPath}/claims/priorities` },
  };
}
