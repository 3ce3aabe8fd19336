import { describe, expect, it } from "vitest";
import { resolveEnvironment } from "../../src/resolve.ts";
import { DEPLOY_POLICY_PARTS, deployRolePolicies } from "../../src/policies/deploy-role.ts";
import { ciTrust, ecsTasksTrustPolicy, oidcTrustPolicy } from "../../src/policies/trust.ts";
import { subjectProblem } from "../../src/config/oidc.ts";
import { executionRolePolicy, taskBoundaryPolicy } from "../../src/policies/task.ts";
import { planRolePolicy } from "../../src/policies/plan-role.ts";
import { type PolicyContext, type PolicyDocument, type PolicyStatement } from "../../src/policies/document.ts";
import { policyContext } from "../../src/policies/context.ts";
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
      dnsSuffix: "amazonaws.com",
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

const PROVIDER = "arn:aws:iam::111111111111:oidc-provider/x";

/**
 * The role trust policies of a CI, deploy and plan.
 * @param ci The CI block as the environment resolves it.
 */
function trustOf(ci: Parameters<typeof ciTrust>[0]): { deploy: PolicyDocument; plan: PolicyDocument } {
  const t = ciTrust(ci);
  const identity = { providerArn: PROVIDER, issuer: t.issuer, audience: t.audience };
  return { deploy: oidcTrustPolicy(identity, t.deploy), plan: oidcTrustPolicy(identity, t.plan) };
}

/** A CI of every kind, as the environment resolves it: each trust policy below must stay pinned. */
const EVERY_CI = {
  github: { provider: "github", repository: "acme/shop", environment: "production", branch: "main" },
  gitlab: {
    provider: "gitlab",
    project: "acme/platform/shop",
    url: "https://gitlab.com",
    audience: "sts.amazonaws.com",
    branch: "main",
  },
  "custom issuer": {
    provider: "oidc",
    issuer: "https://agent.buildkite.com",
    audience: "sts.amazonaws.com",
    deploySubjects: ["organization:acme:pipeline:shop:ref:refs/heads/main:commit:*:step:deploy"],
    planSubjects: ["organization:acme:pipeline:shop:ref:refs/heads/main:commit:*:step:plan"],
  },
} as const satisfies Record<string, Parameters<typeof ciTrust>[0]>;

describe("CI OIDC trust (the deploy and plan roles)", () => {
  it("GitHub: deploy jobs only in the environment, plans on pull requests and pushes to the branch, exact subjects", () => {
    const { deploy, plan } = trustOf(EVERY_CI.github);
    expect(deploy.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:acme/shop:environment:production"],
          },
        },
      },
    ]);
    expect(plan.Statement[0]!.Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": [
          "repo:acme/shop:pull_request",
          "repo:acme/shop:ref:refs/heads/main",
        ],
      },
    });
    expect(JSON.stringify([deploy, plan])).not.toMatch(/StringLike|\*/);
  });

  it("GitLab: deploys from the protected branch exactly; plans on every branch of the project only (merge requests run on theirs)", () => {
    const { deploy, plan } = trustOf(EVERY_CI.gitlab);
    expect(deploy.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "gitlab.com:aud": "sts.amazonaws.com",
            "gitlab.com:sub": ["project_path:acme/platform/shop:ref_type:branch:ref:main"],
          },
        },
      },
    ]);
    expect(plan.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "gitlab.com:aud": "sts.amazonaws.com" },
          StringLike: { "gitlab.com:sub": ["project_path:acme/platform/shop:ref_type:branch:ref:*"] },
        },
      },
    ]);
  });

  it("GitLab self-managed: the condition keys name the instance as its tokens' iss does", () => {
    const t = ciTrust({
      ...EVERY_CI.gitlab,
      url: "https://git.acme.example/gitlab",
      audience: "https://git.acme.example",
    });
    const doc = oidcTrustPolicy({ providerArn: PROVIDER, issuer: t.issuer, audience: t.audience }, t.deploy);
    expect(doc.Statement[0]!.Condition).toEqual({
      StringEquals: {
        "git.acme.example/gitlab:aud": "https://git.acme.example",
        "git.acme.example/gitlab:sub": ["project_path:acme/platform/shop:ref_type:branch:ref:main"],
      },
    });
  });

  it("a custom issuer: its own subjects, exact ones StringEquals, patterns StringLike in a statement of their own", () => {
    const doc = oidcTrustPolicy({ providerArn: PROVIDER, issuer: "https://token.example.com/ci", audience: "aws" }, [
      "team:shop:job:deploy",
      "team:shop:job:*",
    ]);
    expect(doc.Statement.map((s) => s.Condition)).toEqual([
      { StringEquals: { "token.example.com/ci:aud": "aws", "token.example.com/ci:sub": ["team:shop:job:deploy"] } },
      {
        StringEquals: { "token.example.com/ci:aud": "aws" },
        StringLike: { "token.example.com/ci:sub": ["team:shop:job:*"] },
      },
    ]);
  });

  // The test that fails if a trust policy widens to every token of an issuer: each statement
  // requires the audience and a subject, and no subject is `*` or a pattern unpinned from a project.
  it.each(Object.entries(EVERY_CI))(
    "%s: every statement pins the audience and a subject that is not a bare wildcard",
    (_, ci) => {
      const t = ciTrust(ci);
      const host = t.issuer.replace("https://", "");
      for (const doc of Object.values(trustOf(ci))) {
        expect(doc.Statement.length).toBeGreaterThan(0);
        for (const s of doc.Statement) {
          expect(s.Action).toBe("sts:AssumeRoleWithWebIdentity");
          expect(s.Condition?.["StringEquals"]?.[`${host}:aud`]).toBe(t.audience);
          const subs = [s.Condition?.["StringEquals"]?.[`${host}:sub`], s.Condition?.["StringLike"]?.[`${host}:sub`]]
            .flat()
            .filter((x): x is string => typeof x === "string");
          expect(subs.length).toBeGreaterThan(0);
          for (const sub of subs) {
            expect(sub).not.toMatch(/^[*?]/);
            expect(subjectProblem(sub)).toBeUndefined();
          }
          // A wildcard only under StringLike: under StringEquals it would be a literal that never matches.
          expect(JSON.stringify(s.Condition?.["StringEquals"] ?? {})).not.toMatch(/[*?]/);
        }
      }
    },
  );

  it.each([
    ["*", "subject"],
    ["*:main", "subject"],
    ["repo:*", '"repo:…" subject'],
    ["project_path:*", '"project_path:…" subject'],
    ["repo:acme*", '"repo:acme…" subject'],
  ])("refuses to write a trust policy for %s (it would trust every %s of the issuer)", (subject, what) => {
    expect(() =>
      oidcTrustPolicy({ providerArn: PROVIDER, issuer: "https://x.example", audience: "a" }, [subject]),
    ).toThrow(`would trust the tokens of every ${what}`);
    expect(() => oidcTrustPolicy({ providerArn: PROVIDER, issuer: "https://x.example", audience: "a" }, [])).toThrow(
      "at least one subject",
    );
  });

  it("names the subjects of changes under review (pull and merge requests)", () => {
    expect(ciTrust(EVERY_CI.github).changeRequests).toEqual(["repo:acme/shop:pull_request"]);
    expect(ciTrust(EVERY_CI.gitlab).changeRequests).toEqual(["project_path:acme/platform/shop:ref_type:branch:ref:*"]);
  });

  it("gives the previews' role the jobs that deploy and sweep previews, each pinned to its repository or project", () => {
    // GitHub: the environment `preview`, which the pull request's workflow and the scheduled janitor both declare.
    expect(ciTrust(EVERY_CI.github).previews).toEqual(["repo:acme/shop:environment:preview"]);
    expect(ciTrust(EVERY_CI.gitlab).previews).toEqual(["project_path:acme/platform/shop:ref_type:branch:ref:*"]);
    expect(ciTrust(EVERY_CI["custom issuer"]).previews).toEqual(EVERY_CI["custom issuer"].planSubjects);
    for (const ci of Object.values(EVERY_CI)) {
      const t = ciTrust(ci);
      expect(() => oidcTrustPolicy({ providerArn: PROVIDER, ...t }, t.previews)).not.toThrow();
    }
  });
});

describe("task roles", () => {
  const ctx = contextOf("staging");

  it("only ECS tasks of this account and region assume them", () => {
    expect(ecsTasksTrustPolicy(ctx).Statement[0]).toEqual({
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": "111111111111" },
        ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:111111111111:*" },
      },
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
  const all: PolicyDocument = {
    Version: "2012-10-17",
    Statement: DEPLOY_POLICY_PARTS.flatMap((p) => parts[p].Statement),
  };

  it("creates and changes task roles only with the permissions boundary", () => {
    expect(statement(all, "TaskRolesOnlyWithBoundary")).toMatchObject({
      Action: expect.arrayContaining([
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
      ]) as unknown,
      Resource: [
        "arn:aws:iam::111111111111:role/fargate-pipeline-staging-execution",
        "arn:aws:iam::111111111111:role/fargate-pipeline-staging-task",
      ],
      Condition: {
        StringEquals: {
          "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/fargate-pipeline-staging-task-boundary",
        },
      },
    });
  });

  it("passes the task roles to ECS only", () => {
    expect(statement(all, "PassTaskRolesToEcsOnly").Condition).toEqual({
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
  });

  it("can never change its own identity, the boundary or the OIDC provider", () => {
    const iamWrites = all.Statement.filter((s) => s.Effect === "Allow")
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).map((a) => ({ a, r: s.Resource })))
      .filter(({ a }) => a.startsWith("iam:") && !/^iam:(Get|List)/.test(a));
    for (const { a, r } of iamWrites) {
      const resources = Array.isArray(r) ? r : [r];
      if (a === "iam:CreateServiceLinkedRole") continue;
      expect(resources, a).toEqual([
        "arn:aws:iam::111111111111:role/fargate-pipeline-staging-execution",
        "arn:aws:iam::111111111111:role/fargate-pipeline-staging-task",
      ]);
    }
    expect(actions(all)).not.toContain("iam:CreatePolicyVersion");
    expect(actions(all)).not.toContain("iam:DeleteRolePermissionsBoundary");
  });

  it("pushes to this repository only", () => {
    expect(statement(all, "PushToThisRepository").Resource).toBe(
      "arn:aws:ecr:eu-west-1:111111111111:repository/fargate-pipeline-staging",
    );
    expect(actions(all)).not.toContain("ecr:DeleteRepository");
    expect(actions(all)).not.toContain("ecr:CreateRepository");
  });

  it("manages this cluster and service, and follows their deployments", () => {
    expect(statement(all, "EcsThisClusterAndService")).toMatchObject({
      Action: expect.arrayContaining([
        "ecs:UpdateService",
        "ecs:ListServiceDeployments",
        "ecs:DescribeServiceDeployments",
        "ecs:DescribeServiceRevisions",
        "ecs:DescribeTasks",
      ]) as unknown,
      Resource: expect.arrayContaining([
        "arn:aws:ecs:eu-west-1:111111111111:cluster/fargate-pipeline-staging",
        "arn:aws:ecs:eu-west-1:111111111111:service/fargate-pipeline-staging/fargate-pipeline-staging",
        "arn:aws:ecs:eu-west-1:111111111111:task-definition/fargate-pipeline-staging:*",
        // The rollout tracker's reads of ECS's deployment records: this service's only.
        "arn:aws:ecs:eu-west-1:111111111111:service-deployment/fargate-pipeline-staging/fargate-pipeline-staging/*",
        "arn:aws:ecs:eu-west-1:111111111111:service-revision/fargate-pipeline-staging/fargate-pipeline-staging/*",
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
      expect(statement(all, sid).Condition?.["StringEquals"]?.["aws:ResourceTag/Stack"]).toBe(
        "fargate-pipeline-staging",
      );
    }
  });

  it("changes only the domain's records and its validation record", () => {
    expect(statement(all, "RecordsOfThisDomainOnly")).toMatchObject({
      Resource: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      Condition: {
        "ForAllValues:StringLike": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            "app.staging.example.com",
            "*.app.staging.example.com",
          ],
        },
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
    expect(sharedAll.find((s) => s.Sid === "TargetGroups")?.Resource).toBe(
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/stagi-*",
    );
  });

  it("every part fits IAM's size limit even with the longest names", () => {
    const longest = contextOf("staging", {
      serviceName: "abcdefghijklmnopqrst",
      domain: `${"a".repeat(40)}.staging.example.com`,
    });
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

  it("reads ECS's service-deployment records, as the deploy role does (a read-only identity can follow a rollout)", () => {
    const read = [statement(doc, "ReadManagedResources").Action].flat();
    for (const action of [
      "ecs:ListServiceDeployments",
      "ecs:DescribeServiceDeployments",
      "ecs:DescribeServiceRevisions",
    ])
      expect(
        read.some((p) => new RegExp(`^${p.replace(/\*/g, ".*")}$`).test(action)),
        action,
      ).toBe(true);
  });
});

/** Every kind of reference: parameters by name and by ARN (another region), secrets by name with a key and by ARN with a named key. */
const SECRETS = {
  service: {
    secrets: {
      DATABASE_URL: { ssm: "/app/db-url" },
      REMOTE_TOKEN: { ssm: "arn:aws:ssm:us-east-1:111111111111:parameter/shared/token" },
      DB_USER: { secretsManager: "prod/db", key: "username" },
      DB_PASSWORD: { secretsManager: "prod/db", key: "password" },
      STRIPE_KEY: {
        secretsManager: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf",
        kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
    },
  },
};

/**
 * The statements of a policy that mention a store or KMS.
 * @param doc The policy.
 */
function secretStatements(doc: PolicyDocument): PolicyStatement[] {
  return doc.Statement.filter((s) =>
    (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => /^(ssm|secretsmanager|kms):/.test(a)),
  );
}

describe("secrets in the task roles", () => {
  const ctx = contextOf("staging", SECRETS);
  const doc = executionRolePolicy(ctx);

  it("the execution role reads exactly the named parameters and secrets and decrypts only through their stores", () => {
    expect(secretStatements(doc)).toEqual([
      {
        Sid: "ReadTheseParameters",
        Effect: "Allow",
        Action: "ssm:GetParameters",
        Resource: [
          "arn:aws:ssm:eu-west-1:111111111111:parameter/app/db-url",
          "arn:aws:ssm:us-east-1:111111111111:parameter/shared/token",
        ],
      },
      {
        Sid: "ReadTheseSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        // Two keys of prod/db are one resource; the suffix wildcard only where the name was given.
        Resource: [
          "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-??????",
          "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf",
        ],
      },
      {
        Sid: "DecryptParameters",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: ["arn:aws:kms:eu-west-1:111111111111:key/*"],
        Condition: { StringEquals: { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" } },
      },
      {
        Sid: "DecryptParametersUsEast1",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: ["arn:aws:kms:us-east-1:111111111111:key/*"],
        Condition: { StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com" } },
      },
      {
        Sid: "DecryptSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        // prod/db uses the AWS-managed key: key/* through Secrets Manager, which covers the named key too.
        Resource: ["arn:aws:kms:eu-west-1:111111111111:key/*"],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("a named key alone is decrypted with exactly that key", () => {
    const named = executionRolePolicy(
      contextOf("staging", { service: { secrets: { STRIPE_KEY: SECRETS.service.secrets.STRIPE_KEY } } }),
    );
    expect(statement(named, "DecryptSecrets")).toEqual({
      Sid: "DecryptSecrets",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: ["arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
    });
  });

  it('never widens: no wildcard action, no Resource of "*", and a KMS wildcard only under the store\'s ViaService', () => {
    for (const s of secretStatements(doc)) {
      const list = Array.isArray(s.Action) ? s.Action : [s.Action];
      expect(
        list.every((a) => !a.includes("*")),
        s.Sid,
      ).toBe(true);
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      for (const r of resources) {
        expect(r, s.Sid).not.toBe("*");
        // The only wildcards: a secret's 6-character suffix, and the region's keys behind kms:ViaService.
        const wildcard = r!.replace(/-\?{6}$/, "").replace(/:key\/\*$/, ":key/");
        expect(wildcard, s.Sid).not.toMatch(/[*?]/);
        if (r!.endsWith(":key/*"))
          expect(s.Condition?.["StringEquals"]?.["kms:ViaService"], s.Sid).toMatch(
            /^(ssm|secretsmanager)\.[a-z0-9-]+\.amazonaws\.com$/,
          );
      }
    }
  });

  it('a policy widened to "*" fails that check', () => {
    const widened: PolicyDocument = {
      ...doc,
      Statement: [...doc.Statement, { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }],
    };
    expect(secretStatements(widened).some((s) => s.Resource === "*")).toBe(true);
    expect(
      secretStatements(doc).some((s) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*"))),
    ).toBe(false);
  });

  it("no statement about secrets without secrets", () => {
    expect(secretStatements(executionRolePolicy(contextOf("staging")))).toEqual([]);
  });

  it("the boundary holds the same secret statements: a task can never read another secret", () => {
    expect(secretStatements(taskBoundaryPolicy(ctx))).toEqual(secretStatements(doc));
  });
});

describe("secrets and scaling in the deploy and plan roles", () => {
  const ctx = contextOf("staging", SECRETS);
  const parts = deployRolePolicies(ctx);
  const all: PolicyDocument = {
    Version: "2012-10-17",
    Statement: DEPLOY_POLICY_PARTS.flatMap((p) => parts[p].Statement),
  };

  it("the deploy role sees that the secrets exist, and reads no value", () => {
    expect(secretStatements(all)).toEqual([
      {
        Sid: "SecretsExistParameters",
        Effect: "Allow",
        Action: "ssm:DescribeParameters",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": ["eu-west-1", "us-east-1"] } },
      },
      {
        Sid: "SecretsExistSecrets",
        Effect: "Allow",
        Action: "secretsmanager:DescribeSecret",
        Resource: [
          "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-??????",
          "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf",
        ],
      },
    ]);
    for (const forbidden of ["ssm:GetParameter", "ssm:GetParameters", "secretsmanager:GetSecretValue", "kms:Decrypt"]) {
      expect(actions(all), forbidden).not.toContain(forbidden);
    }
    expect(
      secretStatements({
        ...all,
        Statement: DEPLOY_POLICY_PARTS.flatMap((p) => deployRolePolicies(contextOf("staging"))[p].Statement),
      }),
    ).toEqual([]);
  });

  it("the deploy role manages the scaling target and policies in the region, and only this service's alarms", () => {
    expect(statement(all, "ScalingOfTheService")).toMatchObject({
      Action: expect.arrayContaining([
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:DeleteScalingPolicy",
        "application-autoscaling:DescribeScalingActivities",
      ]) as unknown,
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
    });
    expect(statement(all, "ScalingAlarmsOfTheService").Resource).toBe(
      "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:TargetTracking-service/fargate-pipeline-staging/fargate-pipeline-staging-*",
    );
    expect(
      statement(all, "ServiceLinkedRolesOfEcsElbAndScaling").Condition?.["StringEquals"]?.["iam:AWSServiceName"],
    ).toContain("ecs.application-autoscaling.amazonaws.com");
  });

  it("the plan role reads the scaling target, its policies and activities", () => {
    expect(statement(planRolePolicy(ctx), "ReadManagedResources").Action).toEqual(
      expect.arrayContaining([
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScalingActivities",
        "application-autoscaling:ListTagsForResource",
      ]),
    );
  });

  it("every part still fits IAM's size limit with the longest names and a dozen secrets", () => {
    const secrets = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [
        `SECRET_${i}`,
        i % 2 === 0
          ? { ssm: `/abcdefghijklmnopqrst/integration/secret-${i}` }
          : { secretsManager: `abcdefghijklmnopqrst/integration/secret-${i}` },
      ]),
    );
    const longest = contextOf("staging", {
      serviceName: "abcdefghijklmnopqrst",
      domain: `${"a".repeat(40)}.staging.example.com`,
      service: { secrets },
    });
    const longParts = deployRolePolicies({ ...longest, prefix: "abcdefghijklmnopqrst-integration" });
    for (const part of DEPLOY_POLICY_PARTS)
      expect(JSON.stringify(longParts[part]).length, part).toBeLessThan(MANAGED_POLICY_LIMIT);
    expect(JSON.stringify(taskBoundaryPolicy(longest)).length).toBeLessThan(MANAGED_POLICY_LIMIT);
  });
});
