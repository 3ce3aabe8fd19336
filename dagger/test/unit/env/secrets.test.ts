/**
 * The deploy preflight's execution-role check (env/secrets.ts): the ARN a
 * store reports for an existing parameter or secret against what the role's
 * policy names (infra's secretIamResource(): the exact parameter ARN, or
 * `…:secret:NAME-??????` in the task's own account).
 */
import { describe, expect, it } from "vitest";

import { executionRoleMismatch, type SecretMetadata, secretVersions } from "../../../src/env/secrets.js";
import { setSecretCommand } from "../../../src/common/cli.js";

const ACCOUNT = "123456789012";
const sm = (arn: string, name = "production/db", configuredArn?: string): SecretMetadata => ({
  secret: {
    envVar: "DB_PASSWORD",
    kind: "secretsManager",
    name,
    region: "eu-west-1",
    key: "password",
    ...(configuredArn ? { arn: configuredArn } : {}),
  },
  exists: true,
  version: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
  arn,
});

describe("executionRoleMismatch", () => {
  it("accepts a secret named by name whose ARN is NAME plus AWS's six-character suffix, in the task's account and region", () => {
    expect(
      executionRoleMismatch(sm(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:production/db-AbC123`), ACCOUNT),
    ).toBeUndefined();
  });

  it("refuses another account, another region, or a longer name the pattern does not match", () => {
    expect(
      executionRoleMismatch(sm("arn:aws:secretsmanager:eu-west-1:222222222222:secret:production/db-AbC123"), ACCOUNT),
    ).toMatch(/account 222222222222.*own account \(123456789012\)/);
    expect(
      executionRoleMismatch(sm(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:production/db-AbC123`), ACCOUNT),
    ).toMatch(/is in us-east-1.*names eu-west-1/);
    expect(
      executionRoleMismatch(sm(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:production/db-old-AbC123`), ACCOUNT),
    ).toMatch(/does not match the role's production\/db-\?\?\?\?\?\?/);
  });

  it("an SSM parameter in the task's account passes; a missing one or one without a reported ARN is not judged here", () => {
    const param: SecretMetadata = {
      secret: { envVar: "DATABASE_URL", kind: "ssm", name: "/app/db-url", region: "eu-west-1" },
      exists: true,
      version: "3",
      arn: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/db-url`,
    };
    expect(executionRoleMismatch(param, ACCOUNT)).toBeUndefined();
    expect(executionRoleMismatch({ ...param, exists: false }, ACCOUNT)).toBeUndefined();
    expect(executionRoleMismatch({ secret: param.secret, exists: true }, ACCOUNT)).toBeUndefined();
  });

  it("the command it names sets the variable from an env: Secret", () => {
    expect(setSecretCommand("staging", "DATABASE_URL")).toBe(
      "dagger call environment --name staging with-aws-credentials … set-secret --name DATABASE_URL --value env:DATABASE_URL",
    );
  });
});

describe("secretVersions (the service stack's secret_versions: a change redeploys the tasks)", () => {
  const ssm = (envVar: string, version?: string): SecretMetadata => ({
    secret: { envVar, kind: "ssm", name: `/app/${envVar.toLowerCase()}`, region: "eu-west-1" },
    exists: true,
    ...(version ? { version } : {}),
  });

  it("is each variable's current version, sorted by variable: the order of the stores' answers does not matter", () => {
    const a = secretVersions([
      sm("arn:aws:secretsmanager:eu-west-1:1:secret:production/db-AbC123"),
      ssm("API_KEY", "7"),
    ]);
    const b = secretVersions([
      ssm("API_KEY", "7"),
      sm("arn:aws:secretsmanager:eu-west-1:1:secret:production/db-AbC123"),
    ]);
    expect(a).toBe("API_KEY=7,DB_PASSWORD=a1b2c3d4-5678-90ab-cdef-EXAMPLE11111");
    expect(b).toBe(a);
  });

  it("changes when one secret is rotated, and only names versions (never a value)", () => {
    expect(secretVersions([ssm("API_KEY", "8")])).not.toBe(secretVersions([ssm("API_KEY", "7")]));
    expect(secretVersions([ssm("API_KEY")])).toBe("API_KEY=unknown");
  });

  it("is empty without secrets", () => {
    expect(secretVersions([])).toBe("");
  });
});
