/**
 * Who may assume the stacks' roles: ECS tasks (the task and execution roles)
 * and CI jobs through OIDC (the deploy and plan roles), with the `sub` claims
 * each role accepts. The API for any role a CI assumes:
 *
 *   const trust = ciTrust(config.ci);                       // issuer, audience, subjects per role
 *   oidcTrustPolicy({ providerArn, ...trust }, trust.plan); // the role's assume-role policy
 *
 * Exact subjects are StringEquals; a pattern (GitLab's "every branch of the
 * project") is StringLike and must keep its first two parts fixed
 * (config/oidc.ts subjectProblem), so no policy ever trusts every token of an
 * issuer. docs/ci.md has each CI's subjects and why.
 */
import { ciIssuer } from "../config/ci.ts";
import { DEFAULT_AUDIENCE, GITHUB_ISSUER, isSubjectPattern, issuerHost, subjectProblem } from "../config/oidc.ts";
import type { CiConfig } from "../config/types.ts";
import { arn, ECS_TASKS, type PolicyDocument, type PolicyStatement, type ServicePolicyContext } from "./document.ts";

/** GitHub's OIDC issuer, without scheme, as IAM condition keys spell it. */
export const GITHUB_OIDC_HOST = issuerHost(GITHUB_ISSUER);

/** The audience configure-aws-credentials requests. */
export const GITHUB_OIDC_AUDIENCE = DEFAULT_AUDIENCE;

/**
 * The GitHub environment the preview jobs run in: on GitHub the previews' role
 * trusts exactly its jobs' OIDC subject (`repo:OWNER/REPO:environment:preview`),
 * so only a workflow job that declares it gets the role (and the environment's
 * protection rules apply to it).
 */
export const GITHUB_PREVIEW_ENVIRONMENT = "preview";

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

/** An OIDC identity as a role's trust policy names it. */
export interface OidcIdentity {
  /** ARN of the account's IAM OIDC provider of the issuer (created by the base stack, or an existing one). */
  providerArn: string;
  /** The issuer's URL, as its tokens' `iss` spells it (e.g. https://gitlab.com). */
  issuer: string;
  /** The audience (`aud`) the tokens must carry. */
  audience: string;
}

/**
 * Trust policy of a role assumed with OIDC tokens of one issuer: the token's
 * audience must match, and its `sub` must be one of the subjects. Exact ones
 * are a StringEquals condition; patterns a StringLike one in a statement of
 * their own (conditions of one statement all apply, so mixing both in one
 * would require a subject to match both).
 * @param identity The provider, issuer and audience.
 * @param subjects The `sub` values (or pinned patterns) allowed; at least one.
 * @throws Error when there is no subject, or a pattern would widen to other repositories or projects of the issuer.
 */
export function oidcTrustPolicy(identity: OidcIdentity, subjects: readonly string[]): PolicyDocument {
  if (subjects.length === 0) throw new Error("a role trusted through OIDC needs at least one subject");
  for (const s of subjects) {
    const problem = subjectProblem(s);
    if (problem !== undefined) throw new Error(`subject ${JSON.stringify(s)}: ${problem}`);
  }
  const host = issuerHost(identity.issuer);
  const exact = subjects.filter((s) => !isSubjectPattern(s));
  const patterns = subjects.filter(isSubjectPattern);
  const statement = (operator: "StringEquals" | "StringLike", values: string[]): PolicyStatement => ({
    Effect: "Allow",
    Principal: { Federated: identity.providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition:
      operator === "StringEquals"
        ? { StringEquals: { [`${host}:aud`]: identity.audience, [`${host}:sub`]: values } }
        : { StringEquals: { [`${host}:aud`]: identity.audience }, StringLike: { [`${host}:sub`]: values } },
  });
  return {
    Version: "2012-10-17",
    Statement: [
      ...(exact.length > 0 ? [statement("StringEquals", exact)] : []),
      ...(patterns.length > 0 ? [statement("StringLike", patterns)] : []),
    ],
  };
}

/** What a CI's tokens are, and which of them each role trusts. */
export interface CiTrust {
  /** The issuer's URL. */
  issuer: string;
  /** The audience the tokens carry. */
  audience: string;
  /** The subjects of the deploy role: the jobs that deploy. */
  deploy: string[];
  /** The subjects of the read-only plan role: the jobs that plan (changes under review and the deploy branch). */
  plan: string[];
  /** The subjects of jobs of a change under review (pull or merge requests). */
  changeRequests: string[];
  /**
   * The subjects of the jobs that deploy, remove and sweep pull requests'
   * previews (the previews' role, attached environments only): jobs of
   * changes under review and the scheduled janitor.
   */
  previews: string[];
}

/**
 * The issuer, audience and subjects of a CI:
 * - GitHub: a deploy job runs in the GitHub environment, so its `sub` is
 *   `repo:OWNER/REPO:environment:ENV` (and no ref: which branches may deploy is
 *   the environment's deployment branch rule); a pull request's job has
 *   `repo:OWNER/REPO:pull_request`, a push's `repo:OWNER/REPO:ref:refs/heads/BRANCH`.
 * - GitLab: every job's `sub` is `project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH`
 *   (GitLab puts no environment in it), so the deploy role trusts the deploy
 *   branch (protect it, and the environment), and the plan role every branch
 *   of the project, where merge request pipelines run (a StringLike pattern
 *   pinned to the project).
 * - Any other issuer: the subjects the configuration lists.
 *
 * Previews (the previews' role): on GitHub the jobs of the GitHub environment
 * `preview` (the pull request's workflow and the janitor both declare it: a
 * pull request's own `sub` would leave the scheduled janitor out); on GitLab
 * every branch of the project, as for the plan role (merge request pipelines
 * run on the source branch, the janitor's schedule on the default one: GitLab
 * puts no environment in `sub`); for another issuer its plan subjects (the
 * jobs of changes under review, which deploy the previews).
 * @param ci The environment's CI (not none).
 */
export function ciTrust(ci: Exclude<CiConfig, { provider: "none" }>): CiTrust {
  const issuer = ciIssuer(ci);
  if (ci.provider === "github") {
    const repo = `repo:${ci.repository}`;
    return {
      issuer,
      audience: GITHUB_OIDC_AUDIENCE,
      deploy: [`${repo}:environment:${ci.environment}`],
      plan: [`${repo}:pull_request`, `${repo}:ref:refs/heads/${ci.branch}`],
      changeRequests: [`${repo}:pull_request`],
      previews: [`${repo}:environment:${GITHUB_PREVIEW_ENVIRONMENT}`],
    };
  }
  if (ci.provider === "gitlab") {
    const project = `project_path:${ci.project}:ref_type:branch:ref:`;
    return {
      issuer,
      audience: ci.audience,
      deploy: [`${project}${ci.branch}`],
      plan: [`${project}*`],
      changeRequests: [`${project}*`],
      previews: [`${project}*`],
    };
  }
  return {
    issuer,
    audience: ci.audience,
    deploy: ci.deploySubjects,
    plan: ci.planSubjects,
    changeRequests: ci.planSubjects,
    previews: ci.planSubjects,
  };
}
