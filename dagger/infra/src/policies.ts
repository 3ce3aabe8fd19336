/**
 * The IAM policy documents of the stacks, as pure functions of names and ARNs
 * (which may be Terraform references): easy to read in one place and to test
 * statement by statement.
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

import { secretIamResource, secretViaService, type SecretReference } from "./config/secrets.ts";

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
  /** Role names. */
  roles: { execution: string; task: string; deploy: string; plan: string };
  /** ARN of the permissions boundary of the task roles. */
  boundaryPolicyArn: string;
  /** ARN of the GitHub OIDC provider. */
  oidcProviderArn: string;
  /** Name of the ALB the service sits behind (created or existing). */
  loadBalancerName: string;
  /** True when the ALB is shared (existing): the deploy role may only manage its rule and certificate. */
  sharedLoadBalancer: boolean;
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

/** The service that runs ECS tasks and assumes their roles. */
const ECS_TASKS = "ecs-tasks.amazonaws.com";

/** GitHub's OIDC issuer, without scheme, as IAM condition keys spell it. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The audience configure-aws-credentials requests. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * An ARN in the context's partition.
 * @param ctx The policy context.
 * @param service The AWS service, e.g. "ecs".
 * @param resource The resource part, e.g. "cluster/name".
 * @param scope Region and account ("" for global services or S3).
 */
function arn(
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
function roleArn(ctx: ServicePolicyContext, name: string): string {
  return arn(ctx, "iam", `role/${name}`, { region: "" });
}

/**
 * The environment's customer-managed policies (the boundary and the deploy
 * role's parts), by name prefix.
 * @param ctx The policy context.
 */
function identityPolicies(ctx: ServicePolicyContext): string {
  return arn(ctx, "iam", `policy/${ctx.prefix}-*`, { region: "" });
}

/**
 * Condition limiting a statement to the environment's region.
 * @param ctx The policy context.
 */
function inRegion(ctx: ServicePolicyContext): PolicyStatement["Condition"] {
  return { StringEquals: { "aws:RequestedRegion": ctx.region } };
}

/**
 * ARNs of the repository and log group, shared by the execution role's policy
 * and the boundary.
 * @param ctx The policy context.
 */
function taskResources(ctx: ServicePolicyContext) {
  return {
    repository: arn(ctx, "ecr", `repository/${ctx.repository}`),
    logStreams: arn(ctx, "logs", `log-group:${ctx.logGroup}:log-stream:*`),
  };
}

/**
 * Trust policy letting ECS tasks of this account and region assume a role
 * (aws:SourceAccount/SourceArn guard against the confused-deputy problem).
 * @param ctx The policy context.
 */
export function ecsTasksTrustPolicy(ctx: ServicePolicyContext): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: ECS_TASKS },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": ctx.account },
          ArnLike: { "aws:SourceArn": arn(ctx, "ecs", "*") },
        },
      },
    ],
  };
}

/**
 * Distinct values in first-seen order.
 * @param values Values, possibly repeated.
 */
function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The IAM resources of the secrets of one store, distinct (several keys of one
 * secret are one resource).
 * @param ctx The policy context.
 * @param kind The store.
 */
function secretResources(ctx: ServicePolicyContext, kind: SecretReference["kind"]): string[] {
  return distinct(ctx.secrets.filter((s) => s.kind === kind).map((s) => secretIamResource(s, ctx)));
}

/**
 * A Sid-safe word from a region ("eu-west-1" → "EuWest1").
 * @param region A region name.
 */
function regionWord(region: string): string {
  return region
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/**
 * What ECS needs to put the secrets into a task, and nothing more:
 * - ssm:GetParameters on exactly the referenced parameters' ARNs;
 * - secretsmanager:GetSecretValue on exactly the referenced secrets (by full
 *   ARN, or NAME-?????? for a secret named by name: see secretIamResource);
 * - kms:Decrypt only through the store (kms:ViaService = that store's endpoint
 *   in the secret's region), on the named customer-managed keys; for the
 *   AWS-managed key (aws/ssm, aws/secretsmanager), whose ARN carries an id
 *   known only in the account, on the region's keys through the store: the
 *   store decrypts only for a parameter or secret the role may read, so this
 *   opens no other value. (The AWS-managed keys' policies allow the account
 *   already; the statement keeps decryption working under the permissions
 *   boundary.)
 * None when the environment has no secrets.
 * @param ctx The policy context.
 */
export function secretReadStatements(ctx: ServicePolicyContext): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const parameters = secretResources(ctx, "ssm");
  if (parameters.length > 0)
    statements.push({ Sid: "ReadTheseParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: parameters });
  const secrets = secretResources(ctx, "secretsManager");
  if (secrets.length > 0)
    statements.push({
      Sid: "ReadTheseSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: secrets,
    });
  // One statement per store endpoint (store and region): each key may decrypt through its store only.
  const byEndpoint = new Map<string, SecretReference[]>();
  for (const ref of ctx.secrets) {
    const endpoint = `${ref.kind === "ssm" ? 0 : 1}:${ref.region}`;
    byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), ref]);
  }
  // Parameters before secrets, then by region: the order stays put when a variable is renamed.
  for (const endpoint of [...byEndpoint.keys()].sort()) {
    const refs = byEndpoint.get(endpoint)!;
    const first = refs[0]!;
    // A named key beside the AWS-managed one, in the same store and region, is covered by
    // key/* under the same ViaService condition: listing it too would change nothing.
    const awsManaged = refs.some((r) => r.kmsKeyArn === undefined);
    const keys = awsManaged
      ? [`arn:${ctx.partition}:kms:${first.region}:${ctx.account}:key/*`]
      : distinct(refs.map((r) => r.kmsKeyArn!));
    const store = first.kind === "ssm" ? "Parameters" : "Secrets";
    statements.push({
      Sid: `Decrypt${store}${first.region === ctx.region ? "" : regionWord(first.region)}`,
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: keys,
      Condition: { StringEquals: { "kms:ViaService": secretViaService(first, ctx.dnsSuffix) } },
    });
  }
  return statements;
}

/**
 * The execution role's policy: pull this repository's images, write this log
 * group, read exactly the configured secrets (secretReadStatements). Nothing else.
 * @param ctx The policy context.
 */
export function executionRolePolicy(ctx: ServicePolicyContext): PolicyDocument {
  const r = taskResources(ctx);
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullThisRepository",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: r.repository,
      },
      {
        Sid: "WriteThisLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: r.logStreams,
      },
      ...secretReadStatements(ctx),
    ],
  };
}

/**
 * The permissions boundary of every role the service stack creates: the most
 * any task role or execution role can ever be granted. Extend it (in the base
 * stack, applied by an administrator) when the app needs more AWS access.
 * It lists the configured secrets too, so a compromised pipeline cannot point
 * a task at any other secret: adding a secret reference takes an apply of the
 * base stack (`bootstrap`) before the deploy that uses it.
 * @param ctx The policy context.
 */
export function taskBoundaryPolicy(ctx: ServicePolicyContext): PolicyDocument {
  return { Version: "2012-10-17", Statement: executionRolePolicy(ctx).Statement };
}

/**
 * Trust policy of a role assumed by GitHub Actions through OIDC.
 *
 * `sub` is what GitHub puts in the token, and it depends on the job: a job with
 * `environment: production` gets `repo:OWNER/REPO:environment:production` (and
 * no ref: restrict which branches may deploy with the environment's deployment
 * branch rule); a job on a pull request gets `repo:OWNER/REPO:pull_request`; any
 * other job gets `repo:OWNER/REPO:ref:refs/heads/BRANCH`. StringEquals, not
 * StringLike: no wildcard can widen it.
 * @param oidcProviderArn ARN of the account's GitHub OIDC provider.
 * @param subjects The exact `sub` values allowed.
 */
export function githubTrustPolicy(oidcProviderArn: string, subjects: string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subjects,
          },
        },
      },
    ],
  };
}

/**
 * The `sub` claims of the deploy role: jobs running in the GitHub environment.
 * @param repository "OWNER/REPO".
 * @param environment The GitHub environment's name.
 */
export function deploySubjects(repository: string, environment: string): string[] {
  return [`repo:${repository}:environment:${environment}`];
}

/**
 * The `sub` claims of the plan role: pull requests and pushes to the branch.
 * @param repository "OWNER/REPO".
 * @param branch The branch whose pushes run checks and plans.
 */
export function planSubjects(repository: string, branch: string): string[] {
  return [`repo:${repository}:pull_request`, `repo:${repository}:ref:refs/heads/${branch}`];
}

/**
 * State access: read and write both stacks' state and the deployment ledger
 * (the Dagger module's record of deploys, next to the state), and their lock
 * files (use_lockfile writes `<key>.tflock` next to the state).
 * @param ctx The policy context.
 * @param write False for the plan role: it reads state, and only writes the lock.
 */
function stateStatements(ctx: PolicyContext, write: boolean): PolicyStatement[] {
  const bucket = `arn:${ctx.partition}:s3:::${ctx.state.bucket}`;
  return [
    { Sid: "StateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
    {
      Sid: "StateObjects",
      Effect: "Allow",
      Action: write ? ["s3:GetObject", "s3:PutObject"] : ["s3:GetObject"],
      Resource: [...ctx.state.keys, ctx.state.ledger].map((k) => `${bucket}/${k}`),
    },
    {
      Sid: "StateLocks",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: ctx.state.keys.map((k) => `${bucket}/${k}.tflock`),
    },
  ];
}

/**
 * IAM statements of the deploy role: the two task roles under the boundary,
 * passing them to ECS only, and reading the identity resources of the base stack.
 * @param ctx The policy context.
 */
function iamStatements(ctx: PolicyContext): PolicyStatement[] {
  const taskRoles = [roleArn(ctx, ctx.roles.execution), roleArn(ctx, ctx.roles.task)];
  return [
    {
      Sid: "TaskRolesOnlyWithBoundary",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
      ],
      Resource: taskRoles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": ctx.boundaryPolicyArn } },
    },
    {
      Sid: "TaskRolesManage",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
      ],
      Resource: taskRoles,
    },
    {
      Sid: "PassTaskRolesToEcsOnly",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: taskRoles,
      Condition: { StringEquals: { "iam:PassedToService": ECS_TASKS } },
    },
    {
      Sid: "ServiceLinkedRolesOfEcsElbAndScaling",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: "*",
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": [
            "ecs.amazonaws.com",
            "elasticloadbalancing.amazonaws.com",
            "ecs.application-autoscaling.amazonaws.com",
          ],
        },
      },
    },
    {
      Sid: "ReadBaseIdentity",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:GetOpenIDConnectProvider",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:ListPolicyVersions",
      ],
      Resource: [
        roleArn(ctx, ctx.roles.deploy),
        roleArn(ctx, ctx.roles.plan),
        ctx.oidcProviderArn,
        identityPolicies(ctx),
      ],
    },
  ];
}

/**
 * Load balancer statements: everything on the stack's own ALB, listeners, rules
 * and target groups; on a shared ALB only the rule and the SNI certificate.
 * @param ctx The policy context.
 */
function elbStatements(ctx: PolicyContext): PolicyStatement[] {
  const lb = ctx.loadBalancerName;
  const elb = (resource: string) => arn(ctx, "elasticloadbalancing", resource);
  const tagging = ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"];
  const targetGroups: PolicyStatement = {
    Sid: "TargetGroups",
    Effect: "Allow",
    Action: [
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      ...tagging,
    ],
    Resource: elb(`targetgroup/${ctx.targetGroupPrefix}*`),
  };
  const rules: PolicyStatement = {
    Sid: "ListenerRules",
    Effect: "Allow",
    Action: [
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:SetRulePriorities",
      "elasticloadbalancing:AddListenerCertificates",
      "elasticloadbalancing:RemoveListenerCertificates",
      ...tagging,
    ],
    Resource: [elb(`listener/app/${lb}/*`), elb(`listener-rule/app/${lb}/*`)],
  };
  const read: PolicyStatement = {
    Sid: "LoadBalancingRead",
    Effect: "Allow",
    Action: "elasticloadbalancing:Describe*",
    Resource: "*",
  };
  if (ctx.sharedLoadBalancer) return [read, targetGroups, rules];
  return [
    read,
    targetGroups,
    rules,
    {
      Sid: "OwnLoadBalancer",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyListenerAttributes",
        ...tagging,
      ],
      Resource: [elb(`loadbalancer/app/${lb}/*`), elb(`listener/app/${lb}/*`)],
    },
  ];
}

/**
 * EC2 statements: the network of the service stack. Creation is region-wide
 * (ids are unknown before), deletion only of resources tagged with the stack.
 * @param ctx The policy context.
 */
function ec2Statements(ctx: PolicyContext): PolicyStatement[] {
  return [
    { Sid: "NetworkRead", Effect: "Allow", Action: "ec2:Describe*", Resource: "*" },
    {
      Sid: "NetworkCreateAndChange",
      Effect: "Allow",
      Action: [
        "ec2:CreateVpc",
        "ec2:ModifyVpcAttribute",
        "ec2:CreateSubnet",
        "ec2:ModifySubnetAttribute",
        "ec2:CreateInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:CreateRouteTable",
        "ec2:CreateRoute",
        "ec2:ReplaceRoute",
        "ec2:AssociateRouteTable",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifySecurityGroupRules",
        "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
      ],
      Resource: "*",
      Condition: inRegion(ctx),
    },
    {
      Sid: "NetworkDeleteOwnOnly",
      Effect: "Allow",
      Action: [
        "ec2:DeleteVpc",
        "ec2:DeleteSubnet",
        "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteRouteTable",
        "ec2:DeleteRoute",
        "ec2:DisassociateRouteTable",
        "ec2:DeleteSecurityGroup",
      ],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:RequestedRegion": ctx.region, [`aws:ResourceTag/${STACK_TAG}`]: ctx.serviceStack },
      },
    },
  ];
}

/**
 * Autoscaling of the service: the scalable target and its target-tracking
 * policies, and the CloudWatch alarms Application Auto Scaling creates for
 * them (named `TargetTracking-service/CLUSTER/SERVICE-Alarm…`), whose writes
 * AWS checks against the caller too. Application Auto Scaling has no useful
 * resource-level scope (a scalable target's ARN carries a random id), so its
 * calls are region-wide; registering a target or a policy also needs
 * ecs:UpdateService on the service itself, which this role has on this
 * service only. Granted whether or not autoscaling is on: turning it off
 * deletes the target, and `status` reads the scaling activity.
 * @param ctx The policy context.
 */
function scalingStatements(ctx: PolicyContext): PolicyStatement[] {
  return [
    {
      Sid: "ScalingOfTheService",
      Effect: "Allow",
      Action: [
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:DeleteScalingPolicy",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScalingActivities",
        "application-autoscaling:TagResource",
        "application-autoscaling:UntagResource",
        "application-autoscaling:ListTagsForResource",
      ],
      Resource: "*",
      Condition: inRegion(ctx),
    },
    {
      Sid: "ScalingAlarmsOfTheService",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"],
      Resource: arn(ctx, "cloudwatch", `alarm:TargetTracking-service/${ctx.cluster}/${ctx.service}-*`),
    },
  ];
}

/**
 * Metadata of the referenced secrets, for the deploy's preflight (does each
 * exist, which version is current): ssm:DescribeParameters (no resource-level
 * permissions in IAM; limited to the parameters' regions) and
 * secretsmanager:DescribeSecret on exactly the referenced secrets. No value
 * reads: neither GetParameter(s) nor GetSecretValue, nor any KMS key.
 * None when the environment has no secrets.
 * @param ctx The policy context.
 */
function secretMetadataStatements(ctx: PolicyContext): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const parameterRegions = distinct(ctx.secrets.filter((s) => s.kind === "ssm").map((s) => s.region));
  if (parameterRegions.length > 0) {
    statements.push({
      Sid: "SecretsExistParameters",
      Effect: "Allow",
      Action: "ssm:DescribeParameters",
      Resource: "*",
      Condition: {
        StringEquals: {
          "aws:RequestedRegion": parameterRegions.length === 1 ? parameterRegions[0]! : parameterRegions,
        },
      },
    });
  }
  const secrets = secretResources(ctx, "secretsManager");
  if (secrets.length > 0)
    statements.push({
      Sid: "SecretsExistSecrets",
      Effect: "Allow",
      Action: "secretsmanager:DescribeSecret",
      Resource: secrets,
    });
  return statements;
}

/** The parts of the deploy role's permissions, each a managed policy (IAM allows 6,144 characters per policy). */
export const DEPLOY_POLICY_PARTS = ["state-and-images", "service", "network-and-edge", "scaling-and-secrets"] as const;

/** One part of the deploy role's permissions. */
export type DeployPolicyPart = (typeof DEPLOY_POLICY_PARTS)[number];

/**
 * The deploy role's permissions: push images, apply the service stack, follow
 * the rollout. It cannot change the base stack's identity resources (the OIDC
 * provider, its own role, the boundary): those are applied by an administrator.
 * In parts, because together they exceed IAM's size limit for one policy.
 * @param ctx The policy context.
 */
export function deployRolePolicies(ctx: PolicyContext): Record<DeployPolicyPart, PolicyDocument> {
  const cluster = arn(ctx, "ecs", `cluster/${ctx.cluster}`);
  const service = arn(ctx, "ecs", `service/${ctx.cluster}/${ctx.service}`);
  const logGroup = arn(ctx, "logs", `log-group:${ctx.logGroup}`);
  const zone = `arn:${ctx.partition}:route53:::hostedzone/${ctx.hostedZoneId}`;
  const doc = (statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });
  return {
    "state-and-images": doc([
      ...stateStatements(ctx, true),
      { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PushToThisRepository",
        Effect: "Allow",
        Action: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
          "ecr:DescribeImages",
          "ecr:DescribeImageScanFindings",
          "ecr:ListImages",
          "ecr:DescribeRepositories",
          "ecr:GetLifecyclePolicy",
          "ecr:ListTagsForResource",
        ],
        Resource: arn(ctx, "ecr", `repository/${ctx.repository}`),
      },
    ]),
    service: doc([
      {
        Sid: "EcsNoResourceLevel",
        Effect: "Allow",
        Action: [
          "ecs:CreateCluster",
          "ecs:RegisterTaskDefinition",
          "ecs:DeregisterTaskDefinition",
          "ecs:DescribeTaskDefinition",
          "ecs:ListTaskDefinitions",
          "ecs:ListClusters",
          "ecs:ListServices",
          "ecs:ListTasks",
        ],
        Resource: "*",
        Condition: inRegion(ctx),
      },
      {
        Sid: "EcsThisClusterAndService",
        Effect: "Allow",
        Action: [
          "ecs:DescribeClusters",
          "ecs:DeleteCluster",
          "ecs:UpdateCluster",
          "ecs:UpdateClusterSettings",
          "ecs:PutClusterCapacityProviders",
          "ecs:CreateService",
          "ecs:UpdateService",
          "ecs:DeleteService",
          "ecs:DescribeServices",
          "ecs:ListServiceDeployments",
          "ecs:DescribeServiceDeployments",
          "ecs:DescribeServiceRevisions",
          "ecs:DescribeTasks",
          "ecs:TagResource",
          "ecs:UntagResource",
          "ecs:ListTagsForResource",
        ],
        Resource: [
          cluster,
          service,
          arn(ctx, "ecs", `task/${ctx.cluster}/*`),
          arn(ctx, "ecs", `task-definition/${ctx.taskFamily}:*`),
          arn(ctx, "ecs", `service-deployment/${ctx.cluster}/${ctx.service}/*`),
          arn(ctx, "ecs", `service-revision/${ctx.cluster}/${ctx.service}/*`),
        ],
      },
      ...iamStatements(ctx),
      { Sid: "LogGroupsList", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
      {
        Sid: "ThisLogGroup",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:DeleteRetentionPolicy",
          "logs:TagResource",
          "logs:UntagResource",
          "logs:ListTagsForResource",
          "logs:TagLogGroup",
          "logs:ListTagsLogGroup",
          "logs:DescribeLogStreams",
          "logs:GetLogEvents",
          "logs:FilterLogEvents",
        ],
        Resource: [logGroup, `${logGroup}:*`],
      },
    ]),
    "network-and-edge": doc([
      ...elbStatements(ctx),
      ...ec2Statements(ctx),
      {
        Sid: "CertificateRequest",
        Effect: "Allow",
        Action: ["acm:RequestCertificate", "acm:AddTagsToCertificate", "acm:ListCertificates"],
        Resource: "*",
        Condition: inRegion(ctx),
      },
      {
        Sid: "CertificateRead",
        Effect: "Allow",
        Action: ["acm:DescribeCertificate", "acm:ListTagsForCertificate", "acm:GetCertificate"],
        Resource: arn(ctx, "acm", "certificate/*"),
      },
      {
        Sid: "CertificateDeleteOwnOnly",
        Effect: "Allow",
        Action: ["acm:DeleteCertificate", "acm:RemoveTagsFromCertificate"],
        Resource: arn(ctx, "acm", "certificate/*"),
        Condition: { StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: ctx.serviceStack } },
      },
      {
        Sid: "ZoneLookup",
        Effect: "Allow",
        Action: ["route53:ListHostedZones", "route53:ListHostedZonesByName", "route53:GetChange"],
        Resource: "*",
      },
      {
        Sid: "ZoneRead",
        Effect: "Allow",
        Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ListTagsForResource"],
        Resource: zone,
      },
      {
        Sid: "RecordsOfThisDomainOnly",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: zone,
        Condition: {
          // The alias record itself and the certificate's validation record (_<hash>.<domain>).
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [ctx.domain, `*.${ctx.domain}`],
          },
        },
      },
    ]),
    // Its own part: the secrets' list grows with the configuration, and the others are near IAM's limit.
    "scaling-and-secrets": doc([...scalingStatements(ctx), ...secretMetadataStatements(ctx)]),
  };
}

/**
 * The plan role's policy: read everything the stacks manage and their state,
 * and take the state lock (plan locks state). No write to any resource.
 * @param ctx The policy context.
 */
export function planRolePolicy(ctx: PolicyContext): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      ...stateStatements(ctx, false),
      // status names the secrets' current versions: metadata only, as for the deploy role.
      ...secretMetadataStatements(ctx),
      {
        Sid: "ReadManagedResources",
        Effect: "Allow",
        Action: [
          "ec2:Describe*",
          "elasticloadbalancing:Describe*",
          "ecs:Describe*",
          "ecs:List*",
          "ecr:DescribeRepositories",
          "ecr:DescribeImages",
          "ecr:GetLifecyclePolicy",
          "ecr:ListTagsForResource",
          "acm:DescribeCertificate",
          "acm:ListTagsForCertificate",
          "route53:GetHostedZone",
          "route53:ListHostedZones",
          "route53:ListHostedZonesByName",
          "route53:ListResourceRecordSets",
          "route53:ListTagsForResource",
          "logs:DescribeLogGroups",
          "logs:ListTagsForResource",
          "logs:ListTagsLogGroup",
          "application-autoscaling:DescribeScalableTargets",
          "application-autoscaling:DescribeScalingPolicies",
          "application-autoscaling:DescribeScalingActivities",
          "application-autoscaling:ListTagsForResource",
        ],
        Resource: "*",
      },
      {
        Sid: "ReadIdentity",
        Effect: "Allow",
        Action: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:GetOpenIDConnectProvider",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
        ],
        Resource: [...Object.values(ctx.roles).map((r) => roleArn(ctx, r)), ctx.oidcProviderArn, identityPolicies(ctx)],
      },
    ],
  };
}
