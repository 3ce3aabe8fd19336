/**
 * The deploy role's permissions: push images, apply the service stack, follow
 * the rollout; the state and ledger it reads and writes (shared with the plan role).
 */
import {
  arn,
  distinct,
  ECS_TASKS,
  identityPolicies,
  inRegion,
  roleArn,
  CLAIMANT_TAG,
  STACK_TAG,
  type PolicyContext,
  type PolicyDocument,
  type PolicyStatement,
} from "./document.ts";
import { secretResources } from "./task.ts";

/**
 * State access: read and write both stacks' state and the deployment ledger
 * (the Dagger module's record of deploys, next to the state), and their lock
 * files (use_lockfile writes `<key>.tflock` next to the state).
 * @param ctx The policy context.
 * @param write False for the plan role: it reads state, and only writes the lock.
 */
export function stateStatements(ctx: PolicyContext, write: boolean): PolicyStatement[] {
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
  if (ctx.sharedEnvironment) return [read, targetGroups, ...ownRulesOnly(ctx, elb)];
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
 * On a shared environment's listener, which other services' rules share: its
 * own rule only, told apart by the Stack tag it is created with (the
 * provider's default tags) and carries.
 * @param ctx The policy context.
 * @param elb An ELB ARN of the context's region and account.
 */
function ownRulesOnly(ctx: PolicyContext, elb: (resource: string) => string): PolicyStatement[] {
  const lb = ctx.loadBalancerName;
  return [
    {
      Sid: "CreateOwnRuleOnSharedListener",
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateRule", "elasticloadbalancing:AddTags"],
      Resource: [elb(`listener/app/${lb}/*`), elb(`listener-rule/app/${lb}/*`)],
      Condition: { StringEquals: { [`aws:RequestTag/${STACK_TAG}`]: ctx.serviceStack } },
    },
    {
      Sid: "ChangeOwnRuleOnly",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities",
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags",
      ],
      Resource: elb(`listener-rule/app/${lb}/*`),
      Condition: { StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: ctx.serviceStack } },
    },
  ];
}

/**
 * Reading what a shared environment published, and the claims on it (the
 * deploy, plan and preview roles of an attached service); none otherwise.
 * @param ctx The policy context.
 */
export function readSharedStatements(ctx: PolicyContext): PolicyStatement[] {
  const shared = ctx.sharedEnvironment;
  if (!shared) return [];
  const parameter = (path: string) => arn(ctx, "ssm", `parameter${path}`);
  return [
    {
      Sid: "ReadSharedEnvironment",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: [parameter(shared.parameterPath), parameter(`${shared.parameterPath}/*`)],
    },
  ];
}

/**
 * What a service attached to a shared environment reads and writes there
 * through SSM: the outputs it published (read), and the claims the module's
 * preflight makes before an apply: created only with the service's own
 * Claimant tag, and deleted (on destroy) only when they carry it.
 * @param ctx The policy context (with sharedEnvironment).
 * @param claimant The Claimant tag value (or pattern) this role may claim as.
 */
export function sharedParameterStatements(ctx: PolicyContext, claimant: string): PolicyStatement[] {
  const shared = ctx.sharedEnvironment;
  if (!shared) return [];
  const parameter = (path: string) => arn(ctx, "ssm", `parameter${path}`);
  const claims = [parameter(`${shared.claims.hosts}/*`), parameter(`${shared.claims.priorities}/*`)];
  const operator = claimant.includes("*") ? "StringLike" : "StringEquals";
  return [
    ...readSharedStatements(ctx),
    {
      Sid: "ClaimHostAndPriority",
      Effect: "Allow",
      Action: ["ssm:PutParameter", "ssm:AddTagsToResource"],
      Resource: claims,
      Condition: { [operator]: { [`aws:RequestTag/${CLAIMANT_TAG}`]: claimant } },
    },
    {
      Sid: "ReleaseOwnClaims",
      Effect: "Allow",
      Action: ["ssm:DeleteParameter", "ssm:DeleteParameters"],
      Resource: claims,
      Condition: { [operator]: { [`ssm:resourceTag/${CLAIMANT_TAG}`]: claimant } },
    },
  ];
}

/**
 * EC2 statements: the network of the service stack. Creation is region-wide
 * (ids are unknown before), deletion only of resources tagged with the stack.
 * @param ctx The policy context.
 */
function ec2Statements(ctx: PolicyContext): PolicyStatement[] {
  // Attached: the network is the shared environment's; the service has one security group.
  if (ctx.sharedEnvironment)
    return [
      { Sid: "NetworkRead", Effect: "Allow", Action: "ec2:Describe*", Resource: "*" },
      {
        Sid: "OwnSecurityGroup",
        Effect: "Allow",
        Action: [
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
        Sid: "DeleteOwnSecurityGroupOnly",
        Effect: "Allow",
        Action: "ec2:DeleteSecurityGroup",
        Resource: "*",
        Condition: {
          StringEquals: { "aws:RequestedRegion": ctx.region, [`aws:ResourceTag/${STACK_TAG}`]: ctx.serviceStack },
        },
      },
    ];
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
export function secretMetadataStatements(ctx: PolicyContext): PolicyStatement[] {
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
  return {
    "state-and-images": stateAndImagesPolicy(ctx),
    service: servicePolicy(ctx),
    "network-and-edge": networkAndEdgePolicy(ctx),
    // Its own part: the secrets' list grows with the configuration, and the others are near IAM's limit.
    "scaling-and-secrets": policy([...scalingStatements(ctx), ...secretMetadataStatements(ctx)]),
  };
}

/**
 * A policy document of statements.
 * @param statements Its statements.
 */
function policy(statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** What a push of an image (docker push, Dagger's publish) needs of its repository, and a pull back by digest. */
export const ECR_PUSH_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:CompleteLayerUpload",
  "ecr:GetDownloadUrlForLayer",
  "ecr:InitiateLayerUpload",
  "ecr:PutImage",
  "ecr:UploadLayerPart",
];

/**
 * "state-and-images": the state, the ledger and the locks; push and read this repository's images.
 * @param ctx The policy context.
 */
function stateAndImagesPolicy(ctx: PolicyContext): PolicyDocument {
  return policy([
    ...stateStatements(ctx, true),
    { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PushToThisRepository",
      Effect: "Allow",
      Action: [
        ...ECR_PUSH_ACTIONS,
        "ecr:DescribeImages",
        "ecr:DescribeImageScanFindings",
        "ecr:ListImages",
        "ecr:DescribeRepositories",
        "ecr:GetLifecyclePolicy",
        "ecr:ListTagsForResource",
      ],
      Resource: arn(ctx, "ecr", `repository/${ctx.repository}`),
    },
  ]);
}

/**
 * "service": the cluster, the service, its task definitions, deployments and
 * tasks, the two task roles (IAM), and the log group.
 * @param ctx The policy context.
 */
function servicePolicy(ctx: PolicyContext): PolicyDocument {
  const cluster = arn(ctx, "ecs", `cluster/${ctx.cluster}`);
  const service = arn(ctx, "ecs", `service/${ctx.cluster}/${ctx.service}`);
  const logGroup = arn(ctx, "logs", `log-group:${ctx.logGroup}`);
  return policy([
    {
      Sid: "EcsNoResourceLevel",
      Effect: "Allow",
      Action: [
        ...(ctx.sharedEnvironment ? [] : ["ecs:CreateCluster"]),
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
        // A shared environment's cluster is the platform's: the service only runs in it.
        ...(ctx.sharedEnvironment
          ? []
          : ["ecs:DeleteCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:PutClusterCapacityProviders"]),
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
  ]);
}

/**
 * "network-and-edge": the load balancer (or the rule on a shared one), the
 * network, the certificate and the domain's records in its zone.
 * @param ctx The policy context.
 */
function networkAndEdgePolicy(ctx: PolicyContext): PolicyDocument {
  const zone = `arn:${ctx.partition}:route53:::hostedzone/${ctx.hostedZoneId}`;
  const certificates: PolicyStatement[] = [
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
  ];
  return policy([
    ...elbStatements(ctx),
    ...ec2Statements(ctx),
    // Attached: the shared environment's wildcard certificate covers the host.
    ...(ctx.sharedEnvironment ? [] : certificates),
    ...sharedParameterStatements(ctx, ctx.serviceStack),
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
          // Attached: its alias record only (the certificate's validation record is the platform's).
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": ctx.sharedEnvironment
            ? [ctx.domain]
            : [ctx.domain, `*.${ctx.domain}`],
        },
      },
    },
  ]);
}
