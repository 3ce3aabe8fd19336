/**
 * The previews' role (an attached environment's base stack) may touch only
 * previews. The policy is walked by a small evaluator of IAM's own rules
 * (actions and resources with wildcards, the StringEquals/StringLike/
 * ForAllValues:StringLike conditions the documents use; a request is allowed
 * when a statement matches all three, and nothing here denies): requests on a
 * preview are allowed, the same requests on the service itself or on another
 * service are not. A test that widens the policy to "*" shows the walk fails.
 */
import { describe, expect, it } from "vitest";
import { resolveEnvironment } from "../../src/resolve.ts";
import { boundaryPolicyArn, policyContext } from "../../src/policies/context.ts";
import { type PolicyDocument, type PolicyStatement } from "../../src/policies/document.ts";
import { PREVIEW_POLICY_PARTS, previewRolePolicies } from "../../src/policies/preview-role.ts";
import { MANAGED_POLICY_LIMIT } from "../../src/policies/size.ts";
import { SAMPLE } from "./sample.ts";

const ACCOUNT = "111111111111";
const DOMAIN = "apps.staging.example.com";
const config = resolveEnvironment("review", { config: SAMPLE });
const ctx = {
  ...policyContext(config, {
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    account: ACCOUNT,
    hostedZoneId: "Z0123456789ABCDEFGHIJ",
    boundaryPolicyArn: boundaryPolicyArn(config, "aws", ACCOUNT),
    host: `fargate-pipeline.${DOMAIN}`,
  }),
  oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
};
const parts = previewRolePolicies(ctx, "fargate-pipeline", DOMAIN);
const statements = PREVIEW_POLICY_PARTS.flatMap((p) => parts[p].Statement);

/** One request: an action on a resource, with the condition keys IAM would see. */
interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** IAM's wildcard match (`*` any run, `?` one character), case-sensitive as resources are. */
function like(pattern: string, value: string, caseless = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, caseless ? "i" : "").test(value);
}

/** Whether a statement's conditions hold for a request's context (a key the request lacks fails its condition). */
function conditionsHold(s: PolicyStatement, context: Record<string, string | string[]>): boolean {
  for (const [operator, entries] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const wanted = [expected].flat();
      const actual = context[key];
      if (actual === undefined) return false;
      const values = [actual].flat();
      const test = (v: string) =>
        operator.endsWith("StringLike") ? wanted.some((w) => like(w, v)) : wanted.includes(v);
      if (operator.startsWith("ForAllValues:") ? !values.every(test) : !values.some(test)) return false;
    }
  }
  return true;
}

/** The Sids of the statements that allow a request. */
function allows(policy: PolicyStatement[], r: Request): string[] {
  return policy
    .filter(
      (s) =>
        s.Effect === "Allow" &&
        [s.Action].flat().some((a) => like(a, r.action, true)) &&
        [s.Resource ?? []].flat().some((p) => like(p, r.resource)) &&
        conditionsHold(s, { "aws:RequestedRegion": "eu-west-1", ...(r.context ?? {}) }),
    )
    .map((s) => s.Sid ?? "(no Sid)");
}

const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${resource}`;
const bucket = "arn:aws:s3:::fargate-pipeline-tfstate-111111111111-eu-west-1";
const claims = "/fargate-pipeline/shared/staging/claims";

/** The same requests on a preview (`…-pr-12`) and on what is not one (the service, another service). */
function requests(stack: string, host: string): Request[] {
  const tagged = (key: string) => ({ [`${key}/Stack`]: stack });
  return [
    { action: "s3:PutObject", resource: `${bucket}/${stack}/terraform.tfstate` },
    { action: "s3:PutObject", resource: `${bucket}/${stack}/deployments.jsonl` },
    { action: "s3:DeleteObject", resource: `${bucket}/${stack}/terraform.tfstate.tflock` },
    { action: "ecs:UpdateService", resource: arn("ecs", `service/shared-staging/${stack}`) },
    { action: "ecs:DeleteService", resource: arn("ecs", `service/shared-staging/${stack}`) },
    {
      action: "iam:CreateRole",
      resource: `arn:aws:iam::${ACCOUNT}:role/${stack}-execution`,
      context: { "iam:PermissionsBoundary": ctx.boundaryPolicyArn },
    },
    { action: "iam:DeleteRole", resource: `arn:aws:iam::${ACCOUNT}:role/${stack}-task` },
    {
      action: "iam:PassRole",
      resource: `arn:aws:iam::${ACCOUNT}:role/${stack}-task`,
      context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    },
    { action: "logs:DeleteLogGroup", resource: arn("logs", `log-group:/ecs/${stack}`) },
    {
      action: "elasticloadbalancing:DeleteRule",
      resource: arn("elasticloadbalancing", "listener-rule/app/shared-staging/0123/4567/89ab"),
      context: tagged("aws:ResourceTag"),
    },
    {
      action: "elasticloadbalancing:CreateRule",
      resource: arn("elasticloadbalancing", "listener/app/shared-staging/0123/4567"),
      context: tagged("aws:RequestTag"),
    },
    {
      action: "elasticloadbalancing:DeleteTargetGroup",
      resource: arn("elasticloadbalancing", "targetgroup/pr-0123/4567"),
      context: tagged("aws:ResourceTag"),
    },
    {
      action: "ec2:DeleteSecurityGroup",
      resource: arn("ec2", "security-group/sg-0123"),
      context: tagged("aws:ResourceTag"),
    },
    {
      action: "route53:ChangeResourceRecordSets",
      resource: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      context: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": [host] },
    },
    {
      action: "ssm:PutParameter",
      resource: arn("ssm", `parameter${claims}/hosts/${host}`),
      context: { "aws:RequestTag/Claimant": stack },
    },
    {
      action: "ssm:DeleteParameter",
      resource: arn("ssm", `parameter${claims}/priorities/3`),
      context: { "ssm:resourceTag/Claimant": stack },
    },
  ];
}

describe("the previews' role", () => {
  it("may do to a pull request's preview everything a preview's deploy and destroy do", () => {
    const denied = requests("fargate-pipeline-review-pr-12", `pr-12-fargate-pipeline.${DOMAIN}`).filter(
      (r) => allows(statements, r).length === 0,
    );
    expect(denied.map((r) => `${r.action} ${r.resource}`)).toEqual([]);
  });

  it.each([
    ["the service itself", "fargate-pipeline-review", `fargate-pipeline.${DOMAIN}`],
    ["another service on the shared environment", "flask-demo-staging", `flask-demo.${DOMAIN}`],
    ["another service's previews", "flask-demo-staging-pr-12", `pr-12-flask-demo.${DOMAIN}`],
    ["another environment of the same service", "fargate-pipeline-production", `fargate-pipeline.example.com`],
  ])("reaches nothing of %s", (_what, stack, host) => {
    const reached = requests(stack, host).filter((r) => allows(statements, r).length > 0);
    expect(reached.map((r) => `${r.action} ${r.resource} (${allows(statements, r).join(", ")})`)).toEqual([]);
  });

  it("a policy widened to every resource fails that walk (the check can fail)", () => {
    const widened: PolicyStatement[] = [
      ...statements,
      { Sid: "Oops", Effect: "Allow", Action: "ecs:*", Resource: "*" },
    ];
    expect(
      requests("fargate-pipeline-review", `fargate-pipeline.${DOMAIN}`).filter((r) => allows(widened, r).length > 0),
    ).not.toEqual([]);
  });

  it("each part fits IAM's size limit for a managed policy", () => {
    for (const part of PREVIEW_POLICY_PARTS) {
      const doc: PolicyDocument = parts[part];
      expect(JSON.stringify(doc).length, part).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    }
  });
});
