import { describe, expect, it } from "vitest";
import { all, one, parseJsonAttribute, synthEnvironment } from "../support.ts";

describe("TaskRoles and TaskBoundary", () => {
  const { base, service } = synthEnvironment("staging");
  const boundaryArn =
    "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:policy/fargate-pipeline-staging-task-boundary";

  it("both task roles carry the permissions boundary", () => {
    expect(one(service, "aws_iam_role", "iam_execution_role")).toMatchObject({
      name: "fargate-pipeline-staging-execution",
      permissions_boundary: boundaryArn,
    });
    expect(one(service, "aws_iam_role", "iam_task_role")).toMatchObject({
      name: "fargate-pipeline-staging-task",
      permissions_boundary: boundaryArn,
    });
  });

  it("ECS tasks of this account assume them", () => {
    const trust = parseJsonAttribute(one(service, "aws_iam_role", "iam_task_role")["assume_role_policy"]) as {
      Statement: unknown[];
    };
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }),
    ]);
  });

  it("the execution role has its one policy; the task role has none", () => {
    const policies = Object.values(all(service, "aws_iam_role_policy"));
    expect(policies.map((p) => p["role"])).toEqual(["${aws_iam_role.iam_execution_role.name}"]);
    expect(all(service, "aws_iam_role_policy_attachment")).toEqual({});
  });

  it("the execution role's policy and the boundary read exactly the configured secrets", () => {
    const secrets = {
      service: {
        secrets: { DATABASE_URL: { ssm: "/app/db-url" }, DB_PASSWORD: { secretsManager: "prod/db", key: "password" } },
      },
    };
    const synth = synthEnvironment("staging", secrets);
    const partition = "${data.aws_partition.partition.partition}";
    const account = "${data.aws_caller_identity.caller.account_id}";
    const expected = [
      {
        Sid: "ReadTheseParameters",
        Effect: "Allow",
        Action: "ssm:GetParameters",
        Resource: [`arn:${partition}:ssm:eu-west-1:${account}:parameter/app/db-url`],
      },
      {
        Sid: "ReadTheseSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [`arn:${partition}:secretsmanager:eu-west-1:${account}:secret:prod/db-??????`],
      },
      {
        Sid: "DecryptParameters",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: [`arn:${partition}:kms:eu-west-1:${account}:key/*`],
        Condition: { StringEquals: { "kms:ViaService": "ssm.eu-west-1.${data.aws_partition.partition.dns_suffix}" } },
      },
      {
        Sid: "DecryptSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: [`arn:${partition}:kms:eu-west-1:${account}:key/*`],
        Condition: {
          StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.${data.aws_partition.partition.dns_suffix}" },
        },
      },
    ];
    const execution = parseJsonAttribute(
      one(synth.service, "aws_iam_role_policy", "iam_execution_policy")["policy"],
    ) as { Statement: { Sid: string }[] };
    expect(execution.Statement.slice(3)).toEqual(expected);
    const boundary = parseJsonAttribute(one(synth.base, "aws_iam_policy", "task_boundary_policy")["policy"]) as {
      Statement: { Sid: string }[];
    };
    expect(boundary.Statement.slice(3)).toEqual(expected);
  });

  it("the boundary is a managed policy of the base stack with the same name", () => {
    expect(one(base, "aws_iam_policy", "task_boundary_policy")["name"]).toBe("fargate-pipeline-staging-task-boundary");
  });
});
