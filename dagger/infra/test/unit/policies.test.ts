import { describe, expect, it } from "vitest";
import { resolveEnvironment } from "../../src/config/resolve.ts";
import {
  DEPLOY_POLICY_PARTS,
  deployRolePolicies,
  deploySubjects,
  ecsTasksTrustPolicy,
  executionRolePolicy,
  githubTrustPolicy,
  planRolePolicy,
  planSubjects,
  taskBoundaryPolicy,
  type PolicyContext,
  type PolicyDocument,
  type PolicyStatement,
} from "../../src/policies.ts";
import { policyContext } from "../../src/stacks/policy-context.ts";
import { EXISTING_EDGE } from "./support.ts";
import { SAMPLE } from "./sample.ts";

/** IAM's limit for a customer-managed policy, in characters (whitespace excluded; ours has none). */
const MANAGED_POLICY_LIMIT = 6144;

/**
 * A policy context of an environment with literal values where the stacks have references.
 * @param name Environment name.
 * @param overrides Configuration overrides.
 */
function contextOf(name: string, overrides = {}): PolicyContext {
  const config = resolveEnvironment(name, { config: SAMPLE, overrides });
  return {
    ...policyContext(config, {
      partition: "aws",
      account: "111111111111",
      hostedZoneId: "Z0123456789ABCDEFGHIJ",
      boundaryPolicyArn: `arn:aws:iam::111111111111:policy/${config.names.taskBoundaryPolicy}`,
    }),
    oidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
  };
}

/**
 * The statement with a Sid; fails when absent.
 * @param doc The policy.
 * @param sid The statement id.
 */
function statement(doc: PolicyDocument, sid: string): PolicyStatement {
  const found = doc.Statement.find((s) => s.Sid === sid);
  expect(found, `statement ${sid}`).toBeDefined();
  return found!;
}

/**
 * Every action of a policy.
 * @param doc The policy.
 */
function actions(doc: PolicyDocument): string[] {
  return doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

describe("GitHub OIDC trust", () => {
  it("deploy jobs: only the environment form of sub, with the STS audience, matched exactly", () => {
    const trust = githubTrustPolicy("arn:aws:iam::1:oidc-provider/x", deploySubjects("acme/shop", "production"));
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::1:oidc-provider/x" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:acme/shop:environment:production"],
          },
        },
      },
    ]);
    expect(JSON.stringify(trust)).not.toContain("StringLike");
    expect(JSON.stringify(trust)).not.toContain("*");
  });

  it("plan jobs: pull requests and pushes to the branch", () => {
    expect(planSubjects("acme/shop", "main")).toEqual(["repo:acme/shop:pull_request", "repo:acme/shop:ref:refs/heads/main"]);
  });
});

describe("task roles", () => {
  const ctx = contextOf("staging");

  it("only ECS tasks of this account and region assume them", () => {
    expect(ecsTasksTrustPolicy(ctx).Statement[0]).toEqual({
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:111111111111:*" } },
    });
  });

  it("the execution role pulls from this repository and writes this log group, nothing else", () => {
    const doc = executionRolePolicy(ctx);
    expect(doc.Statement).toEqual([
      { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullThisRepository",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: "arn:aws:ecr:eu-west-1:111111111111:repository/fargate-pipeline-staging",
      },
      {
        Sid: "WriteThisLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: "arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/fargate-pipeline-staging:log-stream:*",
      },
    ]);
  });

  it("the boundary allows at least what the execution role needs", () => {
    expect(actions(taskBoundaryPolicy(ctx)).sort()).toEqual(actions(executionRolePolicy(ctx)).sort());
  });
});

describe("deploy role", () => {
  const ctx = contextOf("staging");
  const parts = deployRolePolicies(ctx);
  const all: PolicyDocument = { Version: "2012-10-17", Statement: DEPLOY_POLICY_PARTS.flatMap((p) => parts[p].Statement) };

  it("creates and changes task roles only with the permissions boundary", () => {
    expect(statement(all, "TaskRolesOnlyWithBoundary")).toMatchObject({
      Action: expect.arrayContaining(["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]) as unknown,
      Resource: ["arn:aws:iam::111111111111:role/fargate-pipeline-staging-execution", "arn:aws:iam::111111111111:role/fargate-pipeline-staging-task"],
      Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/fargate-pipeline-staging-task-boundary" } },
    });
  });

  it("passes the task roles to ECS only", () => {
    expect(statement(all, "PassTaskRolesToEcsOnly").Condition).toEqual({ StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
  });

  it("can never change its own identity, the boundary or the OIDC provider", () => {
    const iamWrites = all.Statement.filter((s) => s.Effect === "Allow")
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).map((a) => ({ a, r: s.Resource })))
      .filter(({ a }) => a.startsWith("iam:") && !/^iam:(Get|List)/.test(a));
    for (const { a, r } of iamWrites) {
      const resources = Array.isArray(r) ? r : [r];
      if (a === "iam:CreateServiceLinkedRole") continue;
      expect(resources, a).toEqual(["arn:aws:iam::111111111111:role/fargate-pipeline-staging-execution", "arn:aws:iam::111111111111:role/fargate-pipeline-staging-task"]);
    }
    expect(actions(all)).not.toContain("iam:CreatePolicyVersion");
    expect(actions(all)).not.toContain("iam:DeleteRolePermissionsBoundary");
  });

  it("pushes to this repository only", () => {
    expect(statement(all, "PushToThisRepository").Resource).toBe("arn:aws:ecr:eu-west-1:111111111111:repository/fargate-pipeline-staging");
    expect(actions(all)).not.toContain("ecr:DeleteRepository");
    expect(actions(all)).not.toContain("ecr:CreateRepository");
  });

  it("manages this cluster and service, and follows their deployments", () => {
    expect(statement(all, "EcsThisClusterAndService")).toMatchObject({
      Action: expect.arrayContaining(["ecs:UpdateService", "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:DescribeTasks"]) as unknown,
      Resource: expect.arrayContaining([
        "arn:aws:ecs:eu-west-1:111111111111:cluster/fargate-pipeline-staging",
        "arn:aws:ecs:eu-west-1:111111111111:service/fargate-pipeline-staging/fargate-pipeline-staging",
        "arn:aws:ecs:eu-west-1:111111111111:task-definition/fargate-pipeline-staging:*",
      ]) as unknown,
    });
  });

  it("reads and writes both stacks' state, the deployment ledger and the lock files, nothing else in the bucket", () => {
    const bucket = "arn:aws:s3:::fargate-pipeline-tfstate-111111111111-eu-west-1";
    expect(statement(all, "StateObjects").Resource).toEqual([
      `${bucket}/fargate-pipeline-staging-base/terraform.tfstate`,
      `${bucket}/fargate-pipeline-staging/terraform.tfstate`,
      `${bucket}/fargate-pipeline-staging/deployments.jsonl`,
    ]);
    expect(statement(all, "StateLocks").Resource).toEqual([
      `${bucket}/fargate-pipeline-staging-base/terraform.tfstate.tflock`,
      `${bucket}/fargate-pipeline-staging/terraform.tfstate.tflock`,
    ]);
  });

  it("deletes network resources and certificates only when they carry the stack's tag", () => {
    for (const sid of ["NetworkDeleteOwnOnly", "CertificateDeleteOwnOnly"]) {
      expect(statement(all, sid).Condition?.["StringEquals"]?.["aws:ResourceTag/Stack"]).toBe("fargate-pipeline-staging");
    }
  });

  it("changes only the domain's records and its validation record", () => {
    expect(statement(all, "RecordsOfThisDomainOnly")).toMatchObject({
      Resource: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      Condition: {
        "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["app.staging.example.com", "*.app.staging.example.com"] },
      },
    });
  });

  it("on its own ALB manages the ALB and listeners; on a shared ALB only its rule, certificate and target group", () => {
    expect(statement(all, "OwnLoadBalancer").Resource).toEqual([
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/fargate-pipeline-staging/*",
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/fargate-pipeline-staging/*",
    ]);
    const shared = deployRolePolicies(contextOf("staging", EXISTING_EDGE));
    const sharedAll = DEPLOY_POLICY_PARTS.flatMap((p) => shared[p].Statement);
    expect(sharedAll.find((s) => s.Sid === "OwnLoadBalancer")).toBeUndefined();
    expect(sharedAll.find((s) => s.Sid === "ListenerRules")?.Resource).toEqual([
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared-edge/*",
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener-rule/app/shared-edge/*",
    ]);
    expect(sharedAll.find((s) => s.Sid === "TargetGroups")?.Resource).toBe("arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/stagi-*");
  });

  it("every part fits IAM's size limit even with the longest names", () => {
    const longest = contextOf("staging", { serviceName: "abcdefghijklmnopqrst", domain: `${"a".repeat(40)}.staging.example.com` });
    const longParts = deployRolePolicies({ ...longest, prefix: "abcdefghijklmnopqrst-integration" });
    for (const part of DEPLOY_POLICY_PARTS) {
      expect(JSON.stringify(longParts[part]).length, part).toBeLessThan(MANAGED_POLICY_LIMIT);
    }
    expect(JSON.stringify(planRolePolicy(longest)).length).toBeLessThan(MANAGED_POLICY_LIMIT);
  });
});

describe("plan role", () => {
  const doc = planRolePolicy(contextOf("production"));

  it("writes nothing but the state lock", () => {
    const writes = doc.Statement.filter((s) => {
      const list = Array.isArray(s.Action) ? s.Action : [s.Action];
      return list.some((a) => !/^[a-z0-9-]+:(Describe|List|Get)/.test(a) && a !== "s3:ListBucket");
    });
    expect(writes.map((s) => s.Sid)).toEqual(["StateLocks"]);
    expect(statement(doc, "StateObjects").Action).toEqual(["s3:GetObject"]);
  });
});
