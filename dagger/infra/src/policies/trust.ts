/**
 * Who may assume the stacks' roles: ECS tasks (the task and execution roles)
 * and CI jobs through OIDC (the deploy and plan roles), with the exact `sub`
 * claims each role accepts.
 */
import { arn, ECS_TASKS, type PolicyDocument, type ServicePolicyContext } from "./document.ts";

/** GitHub's OIDC issuer, without scheme, as IAM condition keys spell it. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The audience configure-aws-credentials requests. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

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
