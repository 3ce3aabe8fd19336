import { describe, expect, it } from "vitest";
import { ConfigError, resolveEnvironment } from "../../src/resolve.ts";
import { type EnvironmentOverrides } from "../../src/config/types.ts";
import { secretsAndScaling } from "../../src/config/runtime.ts";
import {
  resolveSecrets,
  secretIamResource,
  secretValueFrom,
  secretViaService,
  type SecretReference,
} from "../../src/config/secrets.ts";
import { SAMPLE } from "./sample.ts";

/** Literal partition and account, where the stacks have references. */
const SCOPE = { partition: "aws", account: "111111111111" };

/** A customer-managed key of staging's account and region. */
const KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/**
 * The issues resolveEnvironment reports for staging with these secrets; fails
 * the test when it does not throw a ConfigError.
 * @param secrets The `service.secrets` to configure (may be invalid on purpose).
 * @param service Other service fields.
 */
function issuesOf(secrets: unknown, service: object = {}): { path: string; message: string }[] {
  try {
    resolveEnvironment("staging", {
      config: SAMPLE,
      overrides: { service: { ...service, secrets } } as EnvironmentOverrides,
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

/**
 * The resolved secrets of staging with these secrets.
 * @param secrets The `service.secrets` to configure.
 */
function resolved(secrets: Record<string, unknown>): SecretReference[] {
  const config = resolveEnvironment("staging", {
    config: SAMPLE,
    overrides: { service: { secrets } } as EnvironmentOverrides,
  });
  return resolveSecrets(config.service.secrets, config.region);
}

describe("service.secrets resolves every form", () => {
  const refs = resolved({
    DATABASE_URL: { ssm: "/app/db-url" },
    LEGACY: { ssm: "legacy-token" },
    REMOTE: { ssm: "arn:aws:ssm:us-east-1:111111111111:parameter/shared/api-key" },
    DB_PASSWORD: { secretsManager: "prod/db", key: "password" },
    STRIPE: {
      secretsManager: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf",
      kmsKeyArn: KEY,
    },
  });
  const byVar = Object.fromEntries(refs.map((r) => [r.envVar, r]));

  it("sorted by variable, with name, region and (for ARNs) account", () => {
    expect(refs.map((r) => r.envVar)).toEqual(["DATABASE_URL", "DB_PASSWORD", "LEGACY", "REMOTE", "STRIPE"]);
    expect(byVar["DATABASE_URL"]).toEqual({
      envVar: "DATABASE_URL",
      kind: "ssm",
      name: "/app/db-url",
      region: "eu-west-1",
    });
    expect(byVar["REMOTE"]).toEqual({
      envVar: "REMOTE",
      kind: "ssm",
      name: "/shared/api-key",
      arn: "arn:aws:ssm:us-east-1:111111111111:parameter/shared/api-key",
      region: "us-east-1",
      account: "111111111111",
    });
    expect(byVar["STRIPE"]).toMatchObject({
      kind: "secretsManager",
      name: "prod/stripe",
      region: "eu-west-1",
      kmsKeyArn: KEY,
    });
  });

  it("valueFrom: the parameter ARN (one slash), the secret ARN, ARN:KEY:: for one key", () => {
    expect(refs.map((r) => [r.envVar, secretValueFrom(r, SCOPE)])).toEqual([
      ["DATABASE_URL", "arn:aws:ssm:eu-west-1:111111111111:parameter/app/db-url"],
      ["DB_PASSWORD", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db:password::"],
      ["LEGACY", "arn:aws:ssm:eu-west-1:111111111111:parameter/legacy-token"],
      ["REMOTE", "arn:aws:ssm:us-east-1:111111111111:parameter/shared/api-key"],
      ["STRIPE", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf"],
    ]);
  });

  it("IAM resource: the exact ARN; NAME-?????? (the random suffix only) for a secret named by name", () => {
    expect(refs.map((r) => secretIamResource(r, SCOPE))).toEqual([
      "arn:aws:ssm:eu-west-1:111111111111:parameter/app/db-url",
      "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-??????",
      "arn:aws:ssm:eu-west-1:111111111111:parameter/legacy-token",
      "arn:aws:ssm:us-east-1:111111111111:parameter/shared/api-key",
      "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf",
    ]);
  });

  it("decrypts through the store's endpoint in the secret's region", () => {
    expect(secretViaService(byVar["REMOTE"]!, "amazonaws.com")).toBe("ssm.us-east-1.amazonaws.com");
    expect(secretViaService(byVar["DB_PASSWORD"]!, "amazonaws.com.cn")).toBe(
      "secretsmanager.eu-west-1.amazonaws.com.cn",
    );
  });
});

describe("invalid secret references name the field and what is allowed", () => {
  it.each([
    ["app/db-url", 'a parameter path starts with "/": write "/app/db-url"'],
    [
      "/app/db url",
      'must be an SSM parameter: a path like "/app/db-url" (letters, digits, "_", ".", "-" between slashes) or its ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/app/db-url)',
    ],
    [
      "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf",
      'is a Secrets Manager ARN: write { secretsManager: "…" } for a secret',
    ],
    [
      "/app//db",
      'must be an SSM parameter: a path like "/app/db-url" (letters, digits, "_", ".", "-" between slashes) or its ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/app/db-url)',
    ],
  ])("an ssm name %s", (ssm, message) => {
    expect(issuesOf({ DB: { ssm } })).toEqual([{ path: "service.secrets.DB.ssm", message }]);
  });

  it.each([
    [
      "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db",
      "must be the secret's full ARN, ending in the six characters AWS appends to the name (arn:aws:secretsmanager:REGION:ACCOUNT:secret:prod/db-AbCdEf), or the secret's name",
    ],
    [
      "arn:aws:ssm:eu-west-1:111111111111:parameter/app/db",
      'is an SSM parameter ARN: write { ssm: "…" } for a parameter',
    ],
    [
      "prod/db*",
      'must be a Secrets Manager secret name like "prod/db" (1–512 letters, digits and / _ + = . @ -) or its full ARN',
    ],
    [
      "prod/db-AbCdEf",
      "ends like the random suffix of a secret's ARN (\"-\" and six characters), so Secrets Manager may resolve another secret by this name; give the secret's full ARN instead",
    ],
  ])("a secretsManager reference %s", (secretsManager, message) => {
    expect(issuesOf({ DB: { secretsManager } })).toEqual([{ path: "service.secrets.DB.secretsManager", message }]);
  });

  it("a key requested from an SSM parameter", () => {
    expect(issuesOf({ DB: { ssm: "/app/db", key: "password" } })).toEqual([
      {
        path: "service.secrets.DB.key",
        message:
          "an SSM parameter holds one value and has no JSON keys; drop key, or keep the JSON in Secrets Manager ({ secretsManager: …, key: … })",
      },
    ]);
  });

  it("both stores, or none", () => {
    const message = 'must name exactly one store: { ssm: "/app/db-url" } or { secretsManager: "prod/db" }';
    expect(issuesOf({ DB: { ssm: "/app/db", secretsManager: "prod/db" } })).toEqual([
      { path: "service.secrets.DB", message },
    ]);
    expect(issuesOf({ DB: { key: "password" } })).toEqual([{ path: "service.secrets.DB", message }]);
  });

  it("a value in the configuration is an unknown field: values never go there", () => {
    expect(issuesOf({ DB: { ssm: "/app/db", value: "hunter2" } })).toEqual([
      {
        path: "service.secrets.DB.value",
        message: "unknown field; allowed fields: ssm or secretsManager, key (secretsManager only), kmsKeyArn",
      },
    ]);
  });

  it("a key with a colon (valueFrom separates its parts with colons)", () => {
    expect(issuesOf({ DB: { secretsManager: "prod/db", key: "a:b" } })).toEqual([
      {
        path: "service.secrets.DB.key",
        message:
          'must be a JSON key of the secret: 1–256 characters without ":" (ECS separates the parts of valueFrom with ":")',
      },
    ]);
  });

  it("an environment variable name that is not one", () => {
    expect(issuesOf({ "DB-URL": { ssm: "/app/db" } })).toEqual([
      { path: "service.secrets.DB-URL", message: "must be an environment variable name" },
    ]);
  });

  it("a name that service.environment or the pipeline sets already", () => {
    expect(issuesOf({ LOG_LEVEL: { ssm: "/app/log" } }, { environment: { LOG_LEVEL: "debug" } })).toEqual([
      {
        path: "service.secrets.LOG_LEVEL",
        message:
          "LOG_LEVEL is a plain variable already: service.environment sets it too; a container variable comes from one place, so rename one",
      },
    ]);
    expect(issuesOf({ PORT: { ssm: "/app/port" } })).toEqual([
      {
        path: "service.secrets.PORT",
        message:
          "PORT is a plain variable already: the pipeline sets it (NODE_ENV, PORT); a container variable comes from one place, so rename one",
      },
    ]);
  });

  it("an ARN of another account (ECS reads its own account's secrets only)", () => {
    expect(issuesOf({ DB: { ssm: "arn:aws:ssm:eu-west-1:999999999999:parameter/app/db" } })).toEqual([
      {
        path: "service.secrets.DB",
        message:
          "the parameter belongs to account 999999999999, the environment to 111111111111; ECS reads secrets of the task's own account only",
      },
    ]);
  });

  it("a KMS alias, or a key of another region than the secret", () => {
    expect(
      issuesOf({ DB: { secretsManager: "prod/db", kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/app" } }),
    ).toEqual([
      {
        path: "service.secrets.DB.kmsKeyArn",
        message:
          "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); an alias does not work: IAM matches kms:Decrypt on the key's ARN",
      },
    ]);
    expect(issuesOf({ DB: { secretsManager: "prod/db", kmsKeyArn: KEY.replace("eu-west-1", "us-east-1") } })).toEqual([
      {
        path: "service.secrets.DB.kmsKeyArn",
        message:
          "the key is in us-east-1, the secret in eu-west-1; name the key in eu-west-1 its value is encrypted with",
      },
    ]);
  });

  it("more secrets than the task boundary can hold", () => {
    const many = Object.fromEntries(
      Array.from({ length: 80 }, (_, i) => [`SECRET_${i}`, { ssm: `/fargate-pipeline/staging/secret-number-${i}` }]),
    );
    const issues = issuesOf(many);
    expect(issues).toContainEqual({
      path: "service.secrets",
      message: expect.stringMatching(
        /^these secrets make the task roles' permissions boundary \(fargate-pipeline-staging-task-boundary\) \d+ characters long, over IAM's 6144 for a managed policy; reference fewer/,
      ),
    });
  });
});

describe("secretsAndScaling, for the Dagger module", () => {
  it("lists the secrets as plain JSON data and the count's bounds", () => {
    const config = resolveEnvironment("production", {
      config: SAMPLE,
      overrides: {
        service: {
          secrets: {
            DB_PASSWORD: {
              secretsManager: "arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/db-AbCdEf",
              key: "password",
            },
            API_KEY: { ssm: "/app/api-key" },
          },
        },
      },
    });
    const facts = secretsAndScaling(config);
    expect(facts).toEqual({
      secrets: [
        { envVar: "API_KEY", kind: "ssm", name: "/app/api-key", region: "eu-west-1" },
        {
          envVar: "DB_PASSWORD",
          kind: "secretsManager",
          name: "prod/db",
          arn: "arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/db-AbCdEf",
          region: "eu-west-1",
          key: "password",
        },
      ],
      autoscaling: { enabled: true, minCount: 2, maxCount: 10 },
    });
    expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
  });

  it("without autoscaling both bounds are the configured count; without secrets the list is empty", () => {
    expect(
      secretsAndScaling(resolveEnvironment("staging", { config: SAMPLE, overrides: { service: { desiredCount: 3 } } })),
    ).toEqual({
      secrets: [],
      autoscaling: { enabled: false, minCount: 3, maxCount: 3 },
    });
  });
});
