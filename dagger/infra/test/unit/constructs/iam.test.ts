import { describe, expect, it } from "vitest";
import { all, one, parseJsonAttribute, synthEnvironment } from "../support.ts";

describe("TaskRoles and TaskBoundary", () => {
  const { base, service } = synthEnvironment("staging");
  const boundaryArn = "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:policy/fargate-pipeline-staging-task-boundary";

  it("both task roles carry the permissions boundary", () => {
    expect(one(service, "aws_iam_role", "iam_execution_role")).toMatchObject({ name: "fargate-pipeline-staging-execution", permissions_boundary: boundaryArn });
    expect(one(service, "aws_iam_role", "iam_task_role")).toMatchObject({ name: "fargate-pipeline-staging-task", permissions_boundary: boundaryArn });
  });

  it("ECS tasks of this account assume them", () => {
    const trust = parseJsonAttribute(one(service, "aws_iam_role", "iam_task_role")["assume_role_policy"]) as { Statement: unknown[] };
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }),
    ]);
  });

  it("the execution role has its one policy; the task role has none", () => {
    const policies = Object.values(all(service, "aws_iam_role_policy"));
    expect(policies.map((p) => p["role"])).toEqual(["${aws_iam_role.iam_execution_role.name}"]);
    expect(all(service, "aws_iam_role_policy_attachment")).toEqual({});
  });

  it("the boundary is a managed policy of the base stack with the same name", () => {
    expect(one(base, "aws_iam_policy", "task_boundary_policy")["name"]).toBe("fargate-pipeline-staging-task-boundary");
  });
});
