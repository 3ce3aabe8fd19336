/**
 * The AWS actions the module's own code calls (MODULE_AWS_ACTIONS) against the
 * roles infra synthesizes: every call of deploy, rollback, logs, destroy and
 * publish-ecr must be allowed by the deploy role's policies, every call of
 * plan and status by the plan role's, and a role assumed with a web identity
 * must trust that action. The policies come from this repository's infra/, run
 * with Node as the contract test runs it (cdktf stays inside infra/). And the
 * list itself must name every SDK command dagger/src imports, so a new call
 * cannot skip it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

import { describe, expect, it } from "vitest";

import { FUNCTION_ROLE, MODULE_AWS_ACTIONS, type ModuleAwsAction } from "../../../src/aws/iam-actions.js";
import { moduleFiles } from "../../../scripts/introspect.mjs";

const REPO_ROOT = resolve(import.meta.dirname, "../../../..");

/** A statement as infra writes it (infra/src/policies/document.ts PolicyStatement, the fields this test reads). */
interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
}

/** The deploy role's policies (every part), the plan role's, and the GitHub trust policy, of one environment. */
interface RolePolicies {
  deploy: Statement[];
  /** The previews' role's (an attached environment's only; empty otherwise). */
  preview: Statement[];
  plan: Statement[];
  trust: Statement[];
}

// Runs in dagger/infra: the environment from the sample's configuration file, its policy context as the stack builds it
// (references replaced by plausible values), and the documents the base stack attaches to the two roles.
const POLICIES_SCRIPT = `
const src = process.cwd() + "/src";
const infra = await import(src + "/index.ts");
const { deployRolePolicies } = await import(src + "/policies/deploy-role.ts");
const { planRolePolicy } = await import(src + "/policies/plan-role.ts");
const { ciTrust, oidcTrustPolicy } = await import(src + "/policies/trust.ts");
const { boundaryPolicyArn, policyContext } = await import(src + "/policies/context.ts");
const { readFileSync } = await import("node:fs");
const config = infra.parseConfigFile(readFileSync(process.env.FP_CONFIG, "utf8"), "fargate-pipeline.yaml");
const c = infra.resolveEnvironment(process.env.FP_ENV, { config, overrides: JSON.parse(process.env.FP_OVERRIDES || "{}") });
const account = c.accountId ?? "123456789012";
const oidc = "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com";
const ctx = {
  ...policyContext(c, { partition: "aws", dnsSuffix: "amazonaws.com", account, hostedZoneId: "Z0123456789ABCDEFGHIJ", boundaryPolicyArn: boundaryPolicyArn(c, "aws", account), ...(c.shared ? { host: c.shared.host + ".apps.example.com" } : {}) }),
  oidcProviderArn: oidc,
};
const deploy = Object.values(deployRolePolicies(ctx)).flatMap((d) => d.Statement);
const { previewRolePolicies } = await import(src + "/policies/preview-role.ts");
const preview = c.shared ? Object.values(previewRolePolicies(ctx, c.shared.host, "apps.example.com")).flatMap((d) => d.Statement) : [];
process.stdout.write(JSON.stringify({
  deploy,
  preview,
  plan: planRolePolicy(ctx).Statement,
  trust: (() => {
    const t = ciTrust({ provider: "github", repository: "o/r", environment: c.name, branch: "main" });
    return oidcTrustPolicy({ providerArn: oidc, issuer: t.issuer, audience: t.audience }, t.deploy).Statement;
  })(),
}));
`;

/** Overrides giving the environment one SSM parameter and one Secrets Manager secret. */
const WITH_SECRETS = JSON.stringify({
  service: { secrets: { DATABASE_URL: { ssm: "/app/db-url" }, API_KEY: { secretsManager: "app/api-key" } } },
});

/** The role policies infra synthesizes for an environment of the sample's configuration file. */
function rolePolicies(env: string): RolePolicies {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", POLICIES_SCRIPT], {
    cwd: join(REPO_ROOT, "dagger/infra"),
    encoding: "utf8",
    // A secret of each store: the metadata statements exist only for an environment that has secrets (the module calls nothing otherwise).
    env: {
      ...process.env,
      FP_ENV: env,
      FP_CONFIG: join(REPO_ROOT, "fargate-pipeline.yaml"),
      FP_OVERRIDES: WITH_SECRETS,
    },
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as RolePolicies;
}

/** Whether an IAM action pattern (`ecs:Describe*`, case-insensitive as IAM compares them) covers an action. */
function covers(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return re.test(action);
}

/** The Sids (or "(no Sid)") of the statements that allow an action, when none denies it; [] when it is not allowed. */
function allowedBy(statements: Statement[], action: string): string[] {
  const matching = (effect: Statement["Effect"]) =>
    statements.filter((s) => s.Effect === effect && [s.Action].flat().some((p) => covers(p, action)));
  if (matching("Deny").length > 0) return [];
  return matching("Allow").map((s) => s.Sid ?? "(no Sid)");
}

/**
 * The actions of MODULE_AWS_ACTIONS one role must allow: those of its functions, authorized by its policy
 * (and, for an environment of its own, not those made only for an attached one).
 */
function actionsOf(role: "deploy" | "plan" | "preview", attached = false): ModuleAwsAction[] {
  return MODULE_AWS_ACTIONS.filter(
    (a) =>
      a.authorization === "identity-policy" &&
      (attached || !a.attachedOnly) &&
      a.functions.some((f) => FUNCTION_ROLE[f] === role),
  );
}

/** The sample's environments, with whether each is attached to a shared environment. */
const ENVIRONMENTS = [
  ["staging", false],
  ["production", false],
  ["review", true],
] as const;

/** "action (functions): not allowed" for each action a role's statements do not allow. */
function gaps(statements: Statement[], actions: ModuleAwsAction[]): string[] {
  return actions
    .filter((a) => allowedBy(statements, a.action).length === 0)
    .map((a) => `${a.action} (${a.functions.join(", ")}; ${a.source}): not allowed`);
}

describe("the roles infra synthesizes allow every AWS call the module makes", () => {
  it.each(ENVIRONMENTS)(
    "%s (attached: %s): the deploy role allows what deploy, rollback, logs, destroy and publish-ecr call",
    (env, attached) => {
      const actions = actionsOf("deploy", attached);
      // The list is not empty by accident: the rollout's reads and the ledger's write are in it.
      expect(actions.map((a) => a.action)).toEqual(
        expect.arrayContaining([
          "ecs:DescribeTasks",
          "elasticloadbalancing:DescribeTargetHealth",
          "ecs:ListServiceDeployments",
          "ecs:DescribeServiceDeployments",
          "ecs:DescribeServiceRevisions",
          "s3:PutObject",
          "logs:FilterLogEvents",
        ]),
      );
      expect(gaps(rolePolicies(env).deploy, actions)).toEqual([]);
    },
  );

  it.each(ENVIRONMENTS)("%s (attached: %s): the plan role allows what plan and status call", (env, attached) => {
    const actions = actionsOf("plan", attached);
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(["ecs:DescribeServices", "s3:GetObject", "s3:ListBucket"]),
    );
    expect(gaps(rolePolicies(env).plan, actions)).toEqual([]);
  });

  it("review (attached): the previews' role allows what preview and sweep-previews call", () => {
    const actions = actionsOf("preview", true);
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(["ssm:PutParameter", "ecr:PutImage", "ecs:DescribeTasks", "s3:PutObject"]),
    );
    expect(gaps(rolePolicies("review").preview, actions)).toEqual([]);
  });

  it("the plan role does not get the deploy's writes (a pull request cannot record a deploy)", () => {
    expect(allowedBy(rolePolicies("staging").plan, "s3:PutObject").filter((sid) => sid !== "StateLocks")).toEqual([]);
    expect(allowedBy(rolePolicies("staging").plan, "ecr:PutImage")).toEqual([]);
  });

  it("the roles' trust policy lets the module assume them with a web identity", () => {
    const trusted = MODULE_AWS_ACTIONS.filter((a) => a.authorization === "trust-policy");
    expect(trusted.map((a) => a.action)).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(gaps(rolePolicies("staging").trust, trusted)).toEqual([]);
  });

  it("the check catches an action the policy does not allow, and a Deny", () => {
    const statements: Statement[] = [
      { Sid: "Read", Effect: "Allow", Action: ["ecs:Describe*", "logs:GetLogEvents"] },
      { Sid: "NoTasks", Effect: "Deny", Action: "ecs:DescribeTasks" },
    ];
    expect(allowedBy(statements, "ecs:describeservices")).toEqual(["Read"]);
    expect(allowedBy(statements, "ecs:DescribeTasks")).toEqual([]);
    expect(allowedBy(statements, "ecs:ListTasks")).toEqual([]);
    expect(
      gaps(statements, [
        { action: "logs:FilterLogEvents", functions: ["logs"], source: "logs.ts", authorization: "identity-policy" },
      ]),
    ).toEqual(["logs:FilterLogEvents (logs; logs.ts): not allowed"]);
  });
});

/** The IAM service prefix of each AWS SDK client package dagger/src imports. */
const SDK_SERVICE: Record<string, string> = {
  "client-ecs": "ecs",
  "client-ecr": "ecr",
  "client-s3": "s3",
  "client-sts": "sts",
  "client-cloudwatch-logs": "logs",
  "client-elastic-load-balancing-v2": "elasticloadbalancing",
  "client-ssm": "ssm",
  "client-secrets-manager": "secretsmanager",
  "client-application-auto-scaling": "application-autoscaling",
};

/** SDK commands whose IAM action is not named like the API (S3's bucket settings). */
const ACTION_OF_COMMAND: Record<string, string> = {
  "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
  "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
};

/** Every `XCommand` value-imported from an AWS SDK client in dagger/src, as its IAM action. */
function importedSdkActions(): string[] {
  const actions = new Set<string>();
  // Recursive, as the runtime loads dagger/src: every area folder's imports count.
  for (const file of moduleFiles()) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/([a-z0-9-]+)"/gm)) {
      if (m[1]) continue;
      const service = SDK_SERVICE[m[3] ?? ""];
      expect(
        service,
        `${relative(REPO_ROOT, file)} imports @aws-sdk/${m[3]}: add its IAM prefix to SDK_SERVICE`,
      ).toBeDefined();
      for (const name of (m[2] ?? "").split(",").map((n) => n.trim())) {
        const command = /^([A-Z][A-Za-z0-9]*)Command$/.exec(name)?.[1];
        if (!command) continue;
        const action = `${service}:${command}`;
        actions.add(ACTION_OF_COMMAND[action] ?? action);
      }
    }
  }
  return [...actions].sort();
}

describe("MODULE_AWS_ACTIONS", () => {
  it("names every SDK command dagger/src imports", () => {
    const listed = new Set(MODULE_AWS_ACTIONS.map((a) => a.action));
    const imported = importedSdkActions();
    expect(imported).toEqual(
      expect.arrayContaining(["ecs:DescribeServices", "logs:FilterLogEvents", "s3:PutObject", "sts:GetCallerIdentity"]),
    );
    expect(imported.filter((a) => !listed.has(a))).toEqual([]);
  });

  it("lists each call once (an action made from two places has two lines), with the functions it comes from", () => {
    const calls = MODULE_AWS_ACTIONS.map((a) => `${a.action} ${a.source}`);
    expect(new Set(calls).size).toBe(calls.length);
    for (const a of MODULE_AWS_ACTIONS) expect(a.functions.length, a.action).toBeGreaterThan(0);
  });
});
