/**
 * The previews' role: what a pull request's workflow deploys and destroys
 * previews with (`preview`, `sweep-previews`). It may touch only previews —
 * resources named `<prefix>-pr-<N>…` or tagged Stack=`<prefix>-pr-<N>`, their
 * hosts `pr-<N>-<label>.<domain>`, their claims and their state keys — and
 * push to the service's registry (a preview runs the pull request's image).
 * Nothing of the service itself (its state, ECS service, roles, rule, record)
 * nor of another service is within reach: a test walks this policy over both
 * (dagger/infra/test/unit/preview-role.test.ts).
 */
import { previewHost, previewPrefix } from "../config/naming.ts";
import {
  arn,
  ECS_TASKS,
  inRegion,
  roleArn,
  STACK_TAG,
  type PolicyContext,
  type PolicyDocument,
  type PolicyStatement,
} from "./document.ts";
import { ECR_PUSH_ACTIONS, secretMetadataStatements, sharedParameterStatements } from "./deploy-role.ts";

/** The parts of the previews' role's permissions, each a managed policy (IAM's 6,144 characters each). */
export const PREVIEW_POLICY_PARTS = ["state-images-and-service", "edge"] as const;

/**
 * A condition on the Stack tag of what a request creates or changes: a preview's.
 * @param key "aws:RequestTag" (creating) or "aws:ResourceTag" (changing).
 * @param pattern The previews' Stack pattern.
 */
function previewTag(key: "aws:RequestTag" | "aws:ResourceTag", pattern: string): PolicyStatement["Condition"] {
  return { StringLike: { [`${key}/${STACK_TAG}`]: pattern } };
}

/**
 * The previews' role's permissions, in parts.
 * @param ctx The policy context of the attached environment (with sharedEnvironment).
 * @param label The service's host label (previews answer on pr-<N>-<label>.<domain>).
 * @param domain The shared domain (a reference: read from what the shared environment published).
 */
export function previewRolePolicies(
  ctx: PolicyContext,
  label: string,
  domain: string,
): Record<(typeof PREVIEW_POLICY_PARTS)[number], PolicyDocument> {
  const stacks = previewPrefix(ctx.prefix, "*");
  const bucket = `arn:${ctx.partition}:s3:::${ctx.state.bucket}`;
  const elb = (resource: string) => arn(ctx, "elasticloadbalancing", resource);
  const roles = [roleArn(ctx, `${stacks}-execution`), roleArn(ctx, `${stacks}-task`)];
  const zone = `arn:${ctx.partition}:route53:::hostedzone/${ctx.hostedZoneId}`;
  const first: PolicyStatement[] = [
    { Sid: "StateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
    {
      Sid: "PreviewStateOnly",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: [`${bucket}/${stacks}/*`],
    },
    { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PushThePullRequestsImage",
      Effect: "Allow",
      Action: [...ECR_PUSH_ACTIONS, "ecr:DescribeRepositories", "ecr:DescribeImages"],
      Resource: arn(ctx, "ecr", `repository/${ctx.repository}`),
    },
    {
      Sid: "EcsNoResourceLevel",
      Effect: "Allow",
      Action: [
        "ecs:RegisterTaskDefinition",
        "ecs:DeregisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
        "ecs:ListTaskDefinitions",
        "ecs:ListServices",
        "ecs:ListTasks",
      ],
      Resource: "*",
      Condition: inRegion(ctx),
    },
    {
      Sid: "PreviewServicesOnly",
      Effect: "Allow",
      Action: [
        "ecs:CreateService",
        "ecs:UpdateService",
        "ecs:DeleteService",
        "ecs:DescribeServices",
        "ecs:ListServiceDeployments",
        "ecs:DescribeServiceDeployments",
        "ecs:DescribeServiceRevisions",
        "ecs:DescribeTasks",
        "ecs:TagResource",
        "ecs:ListTagsForResource",
      ],
      Resource: [
        arn(ctx, "ecs", `service/${ctx.cluster}/${stacks}`),
        arn(ctx, "ecs", `task/${ctx.cluster}/*`),
        arn(ctx, "ecs", `task-definition/${stacks}:*`),
        arn(ctx, "ecs", `service-deployment/${ctx.cluster}/${stacks}/*`),
        arn(ctx, "ecs", `service-revision/${ctx.cluster}/${stacks}/*`),
      ],
    },
    {
      Sid: "SharedCluster",
      Effect: "Allow",
      Action: "ecs:DescribeClusters",
      Resource: arn(ctx, "ecs", `cluster/${ctx.cluster}`),
    },
    {
      Sid: "PreviewRolesOnlyWithBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
      Resource: roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": ctx.boundaryPolicyArn } },
    },
    {
      Sid: "PreviewRolesManage",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:UpdateAssumeRolePolicy",
      ],
      Resource: roles,
    },
    {
      Sid: "PassPreviewRolesToEcsOnly",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roles,
      Condition: { StringEquals: { "iam:PassedToService": ECS_TASKS } },
    },
    { Sid: "LogGroupsList", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
    {
      Sid: "PreviewLogGroupsOnly",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:TagResource",
        "logs:ListTagsForResource",
        "logs:TagLogGroup",
        "logs:ListTagsLogGroup",
        // The rollout reads a failing task's last lines.
        "logs:DescribeLogStreams",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
      ],
      Resource: [arn(ctx, "logs", `log-group:/ecs/${stacks}`), arn(ctx, "logs", `log-group:/ecs/${stacks}:*`)],
    },
    // The deploy's preflight: the secrets a preview's tasks read exist (metadata only; none without secrets).
    ...secretMetadataStatements(ctx),
  ];
  const edge: PolicyStatement[] = [
    { Sid: "Read", Effect: "Allow", Action: ["elasticloadbalancing:Describe*", "ec2:Describe*"], Resource: "*" },
    {
      Sid: "CreatePreviewTargetGroupsAndRules",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateTargetGroup",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:AddTags",
      ],
      Resource: [
        elb("targetgroup/*"),
        elb(`listener/app/${ctx.loadBalancerName}/*`),
        elb(`listener-rule/app/${ctx.loadBalancerName}/*`),
      ],
      Condition: previewTag("aws:RequestTag", stacks),
    },
    {
      Sid: "ChangePreviewTargetGroupsAndRulesOnly",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags",
      ],
      Resource: [elb("targetgroup/*"), elb(`listener-rule/app/${ctx.loadBalancerName}/*`)],
      Condition: previewTag("aws:ResourceTag", stacks),
    },
    {
      Sid: "CreatePreviewSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:CreateSecurityGroup", "ec2:CreateTags"],
      Resource: "*",
      Condition: { ...inRegion(ctx), ...previewTag("aws:RequestTag", stacks) },
    },
    {
      Sid: "ChangePreviewSecurityGroupsOnly",
      Effect: "Allow",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:DeleteSecurityGroup",
        "ec2:CreateTags",
      ],
      Resource: "*",
      Condition: { ...inRegion(ctx), ...previewTag("aws:ResourceTag", stacks) },
    },
    {
      Sid: "ZoneLookup",
      Effect: "Allow",
      Action: [
        "route53:ListHostedZones",
        "route53:GetChange",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
      ],
      Resource: "*",
    },
    {
      Sid: "PreviewRecordsOnly",
      Effect: "Allow",
      Action: "route53:ChangeResourceRecordSets",
      Resource: zone,
      Condition: {
        "ForAllValues:StringLike": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`${previewHost(label, "*")}.${domain}`],
        },
      },
    },
    ...sharedParameterStatements(ctx, stacks),
  ];
  return {
    "state-images-and-service": { Version: "2012-10-17", Statement: first },
    edge: { Version: "2012-10-17", Statement: edge },
  };
}
