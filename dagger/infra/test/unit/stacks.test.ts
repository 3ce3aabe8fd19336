import { describe, expect, it } from "vitest";
import { resolveEnvironment } from "../../src/resolve.ts";
import { Network } from "../../src/constructs/network.ts";
import { ReadableIdStack } from "../../src/stacks/environment-stack.ts";
import { IMAGE_DIGEST_PATTERN } from "../../src/tofu.ts";
import { synthEnvironment, testApp } from "./support.ts";
import { SAMPLE } from "./sample.ts";

describe("every stack", () => {
  const { base, service } = synthEnvironment("staging");

  it.each([
    ["base", base, "fargate-pipeline-staging-base/terraform.tfstate"],
    ["service", service, "fargate-pipeline-staging/terraform.tfstate"],
  ] as const)("%s: S3 backend with the native lock file, one key per stack", (_role, json, key) => {
    expect(json.terraform?.["backend"]).toEqual({
      s3: {
        bucket: "fargate-pipeline-tfstate-111111111111-eu-west-1",
        key,
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(json.terraform?.["required_version"]).toBe(">= 1.10.0");
  });

  it("pins the provider to the environment's account and region, with default tags", () => {
    expect(service.provider?.["aws"]).toEqual([
      {
        region: "eu-west-1",
        allowed_account_ids: ["111111111111"],
        default_tags: [
          {
            tags: {
              Project: "fargate-pipeline",
              Environment: "staging",
              ManagedBy: "opentofu",
              Stack: "fargate-pipeline-staging",
            },
          },
        ],
      },
    ]);
    expect(service.terraform?.["required_providers"]).toEqual({ aws: { source: "aws", version: "6.25.0" } });
  });

  it("local has no account pin, no endpoints and no provider skips (endpoints come at apply time)", () => {
    const local = synthEnvironment("local");
    const [provider] = local.service.provider!["aws"]!;
    expect(provider).not.toHaveProperty("allowed_account_ids");
    expect(provider).not.toHaveProperty("endpoints");
    expect(provider).not.toHaveProperty("skip_credentials_validation");
    expect(local.service.terraform?.["backend"]).toEqual({
      s3: {
        bucket: "fargate-pipeline-tfstate-local-us-east-1",
        key: "fargate-pipeline-local/terraform.tfstate",
        region: "us-east-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("configured tags come on top, but cannot replace the Stack tag the deploy role relies on", () => {
    const tagged = synthEnvironment("staging", { tags: { CostCenter: "web", Stack: "other" } });
    expect(tagged.service.provider!["aws"]![0]!["default_tags"]).toEqual([
      {
        tags: {
          CostCenter: "web",
          Stack: "fargate-pipeline-staging",
          Project: "fargate-pipeline",
          Environment: "staging",
          ManagedBy: "opentofu",
        },
      },
    ]);
  });
});

describe("service stack", () => {
  const { service } = synthEnvironment("staging");

  it("takes the image as a validated variable, by digest", () => {
    expect(service.variable?.["image"]).toEqual({
      type: "string",
      description: "The image to run, by digest: REPOSITORY@sha256:DIGEST",
      nullable: false,
      validation: [
        {
          condition: `\${can(regex(${JSON.stringify(IMAGE_DIGEST_PATTERN)}, var.image))}`,
          error_message:
            "image must be an image reference by digest, REPOSITORY@sha256:<64 hex digits>; a tag can point elsewhere tomorrow.",
        },
      ],
    });
  });

  it("the digest pattern accepts digests and refuses tags", () => {
    const pattern = new RegExp(IMAGE_DIGEST_PATTERN);
    const digest = "a".repeat(64);
    expect(pattern.test(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/fargate-pipeline-staging@sha256:${digest}`)).toBe(
      true,
    );
    expect(pattern.test(`localhost:5000/app@sha256:${digest}`)).toBe(true);
    expect(pattern.test("registry/app:latest")).toBe(false);
    expect(pattern.test(`registry/app@sha256:${digest.slice(1)}`)).toBe(false);
  });

  it("outputs what the pipeline needs", () => {
    expect(Object.keys(service.output ?? {}).sort()).toEqual([
      "alb_dns_name",
      "cluster_name",
      "log_group_name",
      "service_name",
      "target_group_arn",
      "task_definition_arn",
      "url",
    ]);
    expect(service.output?.["url"]).toEqual({ value: "https://app.staging.example.com" });
  });
});

describe("base stack", () => {
  it("outputs the repository, the roles and the zone", () => {
    const { base } = synthEnvironment("staging");
    expect(base.output).toEqual({
      repository_url: { value: "${aws_ecr_repository.registry_repository.repository_url}" },
      deploy_role_arn: { value: "${aws_iam_role.github_deploy_role.arn}" },
      plan_role_arn: { value: "${aws_iam_role.github_plan_role.arn}" },
      hosted_zone_id: { value: "${aws_route53_zone.dns_zone.zone_id}" },
      name_servers: { value: "${aws_route53_zone.dns_zone.name_servers}" },
    });
    expect(base.variable).toBeUndefined();
  });
});

describe("resource addresses", () => {
  it("are the construct path in snake_case, without hash", () => {
    const { service } = synthEnvironment("local");
    expect(Object.keys(service.resource?.["aws_subnet"] ?? {})).toEqual([
      "network_public_subnet_0",
      "network_public_subnet_1",
    ]);
  });

  it("refuse construct ids that are not snake_case", () => {
    const stack = new ReadableIdStack(testApp(), "test");
    expect(() => new Network(stack, "Network", { name: "x", vpcCidr: "10.0.0.0/16", publicSubnets: [] })).toThrow(
      'construct id "Network" (test/Network/vpc) must be snake_case',
    );
  });

  it("refuse two paths that map to the same address", () => {
    const stack = new ReadableIdStack(testApp(), "test");
    const outer = new Network(stack, "a", { name: "x", vpcCidr: "10.0.0.0/16", publicSubnets: [] });
    new Network(outer, "internet", { name: "y", vpcCidr: "10.1.0.0/16", publicSubnets: [] });
    expect(() => new Network(stack, "a_internet", { name: "z", vpcCidr: "10.2.0.0/16", publicSubnets: [] })).toThrow(
      'constructs test/a/internet/vpc and test/a_internet/vpc both map to the address "a_internet_vpc"; rename one',
    );
  });

  it("config is resolved before any construct exists (invalid config fails at synth with its message)", () => {
    expect(() =>
      resolveEnvironment("staging", { config: SAMPLE, overrides: { service: { cpu: 256, memory: 8192 } } }),
    ).toThrow(/staging\.service\.memory/);
  });
});
