/**
 * The plan role's policy: what pull requests run `plan` and `status` with, read-only.
 */
import { identityPolicies, roleArn, type PolicyContext, type PolicyDocument } from "./document.ts";
import { readSharedStatements, secretMetadataStatements, stateStatements } from "./deploy-role.ts";

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
      // Attached: what the shared environment published, and who claimed which host.
      ...readSharedStatements(ctx),
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
