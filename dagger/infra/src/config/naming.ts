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
  /** IAM roles. */
  roles: { execution: string; task: string; deploy: string; plan: string };
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
  const stacks = { base: `${prefix}-base`, service: prefix };
  const owner = input.accountId ?? input.name;
  return {
    prefix,
    stacks,
    cluster: prefix,
    service: prefix,
    taskFamily: prefix,
    container: CONTAINER_NAME,
    logGroup: `/ecs/${prefix}`,
    logStreamPrefix: "ecs",
    repository: prefix,
    loadBalancer: prefix,
    // name_prefix allows 6 characters: the environment's first 5 and a hyphen by default.
    targetGroupPrefix: input.targetGroupNamePrefix ?? `${input.name.slice(0, 5)}-`,
    securityGroups: { alb: `${prefix}-alb`, app: `${prefix}-app` },
    roles: {
      execution: `${prefix}-execution`,
      task: `${prefix}-task`,
      deploy: `${prefix}-deploy`,
      plan: `${prefix}-plan`,
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
