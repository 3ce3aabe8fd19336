import { describe, expect, it } from "vitest";
import { lifecyclePolicy, Registry } from "../../../src/constructs/registry.ts";
import { one, parseJsonAttribute, synthConstruct, synthEnvironment } from "../support.ts";

describe("Registry", () => {
  const json = synthConstruct((stack) => {
    new Registry(stack, "registry", {
      name: "app-test",
      keepLastImages: 30,
      expireUntaggedAfterDays: 7,
      forceDelete: false,
    });
  });

  it("has immutable tags and scans on push", () => {
    expect(one(json, "aws_ecr_repository", "registry_repository")).toEqual({
      name: "app-test",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      force_delete: false,
    });
  });

  it("expires untagged images after N days and keeps the last M images", () => {
    const policy = one(json, "aws_ecr_lifecycle_policy", "registry_lifecycle_policy");
    expect(policy["repository"]).toBe("${aws_ecr_repository.registry_repository.name}");
    expect(parseJsonAttribute(policy["policy"])).toEqual(lifecyclePolicy(30, 7));
    expect(lifecyclePolicy(30, 7)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "Expire untagged images after 7 days",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Keep the last 30 images",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
          action: { type: "expire" },
        },
      ],
    });
  });

  it("lives in the base stack; only local lets destroy delete its images", () => {
    expect(one(synthEnvironment("local").base, "aws_ecr_repository", "registry_repository")).toMatchObject({
      name: "fargate-pipeline-local",
      force_delete: true,
    });
    expect(one(synthEnvironment("production").base, "aws_ecr_repository", "registry_repository")["force_delete"]).toBe(
      false,
    );
    expect(synthEnvironment("production").service.resource?.["aws_ecr_repository"]).toBeUndefined();
  });
});
