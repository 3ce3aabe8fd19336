/**
 * Shared environments: the stack a platform team applies once (network,
 * cluster, load balancer with a 404 default, wildcard certificate, published
 * outputs) and the stacks of a service attached to it (its rule, target group,
 * security group, task definition, service, log group and alias record, and
 * nothing of the shared edge), synthesized from the sample's configuration
 * (sharedEnvironments.staging, environments.review).
 */
import { describe, expect, it } from "vitest";
import { parseConfigFile } from "../../src/config/file.ts";
import { ConfigError, resolveEnvironment } from "../../src/resolve.ts";
import type { EnvironmentOverrides } from "../../src/config/types.ts";
import { all, one, synthEnvironment, synthShared } from "./support.ts";
import { SAMPLE } from "./sample.ts";

const PATH = "/fargate-pipeline/shared/staging";

describe("a shared environment's stack", () => {
  const { config, shared } = synthShared("staging");

  it("has its own network: a VPC and two public subnets in the configured zones", () => {
    expect(one(shared, "aws_vpc", "network_vpc")["cidr_block"]).toBe("10.32.0.0/16");
    expect(Object.values(all(shared, "aws_subnet")).map((s) => [s["cidr_block"], s["availability_zone"]])).toEqual([
      ["10.32.0.0/20", "eu-west-1a"],
      ["10.32.16.0/20", "eu-west-1b"],
    ]);
  });

  it("has the cluster every attached service runs in", () => {
    expect(one(shared, "aws_ecs_cluster", "cluster")).toMatchObject({
      name: "shared-staging",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
  });

  it("has an internet-facing ALB whose HTTPS listener (TLS 1.3) answers 404 unless a service's rule takes the request", () => {
    expect(one(shared, "aws_lb", "edge_alb")).toMatchObject({
      name: "shared-staging",
      internal: false,
      load_balancer_type: "application",
      drop_invalid_header_fields: true,
    });
    const https = one(shared, "aws_lb_listener", "edge_https_listener");
    expect(https).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate_arn: "${aws_acm_certificate_validation.certificate_validation.certificate_arn}",
    });
    expect(https["default_action"]).toEqual([
      {
        type: "fixed-response",
        fixed_response: {
          status_code: "404",
          content_type: "text/plain",
          message_body: "No service answers on this host.",
        },
      },
    ]);
    expect(one(shared, "aws_lb_listener", "edge_http_listener")["default_action"]).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
  });

  it("its ALB's security group: 80 and 443 from the internet, out only to task ports inside the VPC", () => {
    expect(
      Object.values(all(shared, "aws_vpc_security_group_ingress_rule"))
        .map((r) => [r["from_port"], r["cidr_ipv4"]])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [80, "0.0.0.0/0"],
      [443, "0.0.0.0/0"],
    ]);
    expect(Object.values(all(shared, "aws_vpc_security_group_egress_rule"))).toEqual([
      expect.objectContaining({ from_port: 1024, to_port: 65535, ip_protocol: "tcp", cidr_ipv4: "10.32.0.0/16" }),
    ]);
  });

  it("one DNS-validated wildcard certificate covers every service's host", () => {
    expect(one(shared, "aws_acm_certificate", "certificate_certificate")).toMatchObject({
      domain_name: "*.apps.staging.example.com",
      validation_method: "DNS",
    });
    expect(one(shared, "aws_route53_record", "certificate_validation_record")["zone_id"]).toBe(
      "${aws_route53_zone.dns_zone.zone_id}",
    );
    expect(one(shared, "aws_route53_zone", "dns_zone")["name"]).toBe("apps.staging.example.com");
  });

  it("reads an existing zone instead of creating one", () => {
    const existing = synthShared("staging", { hostedZone: { mode: "existing", zoneId: "Z0123456789EXAMPLE" } }).shared;
    expect(all(existing, "aws_route53_zone")).toEqual({});
    expect(one(existing, "aws_route53_zone", "dns_zone", "data")["zone_id"]).toBe("Z0123456789EXAMPLE");
  });

  it("publishes what services attach with as SSM parameters under its path, the subnets as a StringList", () => {
    const parameters = Object.values(all(shared, "aws_ssm_parameter"));
    expect(parameters.map((p) => p["name"]).sort()).toEqual(
      [
        "certificate-arn",
        "cluster-arn",
        "cluster-name",
        "domain",
        "hosted-zone-id",
        "https-listener-arn",
        "load-balancer-arn",
        "load-balancer-security-group-id",
        "subnet-ids",
        "vpc-id",
      ].map((k) => `${PATH}/${k}`),
    );
    expect(one(shared, "aws_ssm_parameter", "published_subnet_ids")).toMatchObject({
      type: "StringList",
      value: '${join(",", [aws_subnet.network_public_subnet_0.id, aws_subnet.network_public_subnet_1.id])}',
    });
    expect(one(shared, "aws_ssm_parameter", "published_https_listener_arn")).toMatchObject({
      type: "String",
      value: "${aws_lb_listener.edge_https_listener.arn}",
    });
    expect(config.names.parameterPath).toBe(PATH);
  });

  it("has no access-log bucket unless asked, and then one that only ELB's log delivery writes", () => {
    expect(all(shared, "aws_s3_bucket")).toEqual({});
    const logged = synthShared("staging", { loadBalancer: { accessLogs: { retentionDays: 30 } } }).shared;
    const bucket = one(logged, "aws_s3_bucket", "access_logs_bucket")["bucket"] as string;
    expect(bucket).toBe("shared-staging-alb-logs-111111111111-eu-west-1");
    expect(one(logged, "aws_lb", "edge_alb")["access_logs"]).toEqual({
      bucket: "${aws_s3_bucket.access_logs_bucket.bucket}",
      enabled: true,
    });
    const policy = JSON.parse(one(logged, "aws_s3_bucket_policy", "access_logs_policy")["policy"] as string) as {
      Statement: { Principal: unknown; Action: string; Resource: string }[];
    };
    // eu-west-1 opened before August 2022: ELB delivers as the region's account.
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { AWS: "${data.aws_elb_service_account.access_logs_elb_account.arn}" },
        Action: "s3:PutObject",
        Resource: `arn:\${data.aws_partition.partition.partition}:s3:::${bucket}/AWSLogs/\${data.aws_caller_identity.caller.account_id}/*`,
      }),
    ]);
    const newer = synthShared("staging", {
      region: "ap-southeast-5",
      availabilityZones: ["ap-southeast-5a", "ap-southeast-5b"],
      loadBalancer: { accessLogs: {} },
    }).shared;
    const newerPolicy = JSON.parse(one(newer, "aws_s3_bucket_policy", "access_logs_policy")["policy"] as string) as {
      Statement: { Principal: unknown }[];
    };
    expect(newerPolicy.Statement[0]!.Principal).toEqual({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
    expect(one(logged, "aws_s3_bucket_lifecycle_configuration", "access_logs_retention")["rule"]).toEqual([
      expect.objectContaining({ status: "Enabled", expiration: [{ days: 30 }] }),
    ]);
  });

  it("keeps its state in the platform's bucket, under its own key", () => {
    expect(shared.terraform?.["backend"]).toEqual({
      s3: {
        bucket: "fargate-pipeline-shared-111111111111-eu-west-1",
        key: "shared-staging/terraform.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });
});

describe("a service attached to the shared environment (review)", () => {
  const { config, base, service } = synthEnvironment("review");

  it("creates no network, load balancer, listener, certificate, cluster or zone of its own", () => {
    for (const type of [
      "aws_vpc",
      "aws_subnet",
      "aws_lb",
      "aws_lb_listener",
      "aws_lb_listener_certificate",
      "aws_acm_certificate",
      "aws_ecs_cluster",
      "aws_route53_zone",
    ]) {
      expect(all(service, type), type).toEqual({});
      expect(all(base, type), type).toEqual({});
    }
  });

  it("reads what the shared environment published (SSM), by its path", () => {
    const read = Object.values(all(service, "aws_ssm_parameter", "data")).map((d) => d["name"]);
    expect(read.sort()).toEqual(
      ["cluster-arn", "cluster-name", "domain", "hosted-zone-id", "https-listener-arn", "load-balancer-arn"].map(
        (k) => `${PATH}/${k}`,
      ),
    );
    expect(one(service, "aws_lb", "load_balancer_existing_alb", "data")["arn"]).toBe(
      "${data.aws_ssm_parameter.shared_load_balancer_arn.insecure_value}",
    );
  });

  it("adds one rule to the shared listener: its host, at the priority the preflight claimed, to its own target group", () => {
    expect(one(service, "aws_lb_listener_rule", "load_balancer_https_rule")).toMatchObject({
      listener_arn: "${data.aws_ssm_parameter.shared_https_listener_arn.insecure_value}",
      priority: "${var.listener_rule_priority}",
      condition: [
        { host_header: { values: ["fargate-pipeline.${data.aws_ssm_parameter.shared_domain.insecure_value}"] } },
      ],
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.load_balancer_target_group.arn}" }],
    });
    expect(service.variable?.["listener_rule_priority"]).toMatchObject({ type: "number", nullable: false });
    expect(one(service, "aws_lb_target_group", "load_balancer_target_group")).toMatchObject({
      target_type: "ip",
      vpc_id: "${data.aws_lb.load_balancer_existing_alb.vpc_id}",
    });
  });

  it("a path narrows the rule, and a host label replaces the service's name", () => {
    const narrowed = synthEnvironment("review", {
      shared: { environment: "staging", host: "api", paths: ["/v1/*", "/healthcheck"] },
    }).service;
    expect(one(narrowed, "aws_lb_listener_rule", "load_balancer_https_rule")["condition"]).toEqual([
      { host_header: { values: ["api.${data.aws_ssm_parameter.shared_domain.insecure_value}"] } },
      { path_pattern: { values: ["/v1/*", "/healthcheck"] } },
    ]);
  });

  it("its tasks' security group admits only the shared ALB's group, on the container port", () => {
    const ingress = all(service, "aws_vpc_security_group_ingress_rule");
    expect(Object.values(ingress)).toEqual([
      expect.objectContaining({
        for_each: "${toset(tolist(data.aws_lb.load_balancer_existing_alb.security_groups))}",
        referenced_security_group_id: "${each.value}",
        security_group_id: "${aws_security_group.load_balancer_app_security_group.id}",
        from_port: 8080,
        to_port: 8080,
      }),
    ]);
    expect(Object.values(ingress)[0]).not.toHaveProperty("cidr_ipv4");
    expect(one(service, "aws_security_group", "load_balancer_app_security_group")["name"]).toBe(
      "fargate-pipeline-review-app",
    );
  });

  it("runs its service in the shared cluster and adds its alias record to the shared zone", () => {
    expect(one(service, "aws_ecs_service", "ecs_service")).toMatchObject({
      name: "fargate-pipeline-review",
      cluster: "${data.aws_ssm_parameter.shared_cluster_arn.insecure_value}",
    });
    expect(one(service, "aws_route53_record", "alias_record")).toMatchObject({
      zone_id: "${data.aws_ssm_parameter.shared_hosted_zone_id.insecure_value}",
      name: "fargate-pipeline.${data.aws_ssm_parameter.shared_domain.insecure_value}",
    });
    expect(service.output?.["url"]?.value).toBe(
      "https://fargate-pipeline.${data.aws_ssm_parameter.shared_domain.insecure_value}",
    );
    expect(config.names.cluster).toBe("shared-staging");
  });

  it("its base stack keeps the registry and CI roles, with the shared zone instead of one of its own", () => {
    expect(one(base, "aws_ecr_repository", "registry_repository")["name"]).toBe("fargate-pipeline-review");
    expect(base.output?.["hosted_zone_id"]?.value).toBe(
      "${data.aws_ssm_parameter.shared_hosted_zone_id.insecure_value}",
    );
  });
});

describe("the previews' role's trust, for each CI (policies/trust.ts ciTrust)", () => {
  /**
   * The previews' role's trust conditions in review's base stack, with this CI.
   * @param ci The `ci` block to set (undefined: review's own).
   */
  function previewTrust(ci?: EnvironmentOverrides["ci"]): unknown[] | undefined {
    const { base } = synthEnvironment("review", ci ? { ci } : {});
    const role = all(base, "aws_iam_role")["preview_role"];
    if (!role) return undefined;
    const doc = JSON.parse(role["assume_role_policy"] as string) as { Statement: { Condition: unknown }[] };
    return doc.Statement.map((st) => st.Condition);
  }

  it("GitHub: the jobs of the GitHub environment `preview` only (the workflow and the janitor declare it)", () => {
    expect(previewTrust()).toEqual([
      {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": ["repo:example-org/fargate-pipeline:environment:preview"],
        },
      },
    ]);
  });

  it("GitLab: the pipelines of the project's branches (merge requests run on theirs), pinned to the project", () => {
    expect(previewTrust({ provider: "gitlab", project: "acme/shop" })).toEqual([
      {
        StringEquals: { "gitlab.com:aud": "sts.amazonaws.com" },
        StringLike: { "gitlab.com:sub": ["project_path:acme/shop:ref_type:branch:ref:*"] },
      },
    ]);
  });

  it("another issuer: its plan subjects (the jobs of changes under review)", () => {
    expect(
      previewTrust({
        provider: "oidc",
        issuer: "https://agent.buildkite.com",
        deploySubjects: ["organization:acme:pipeline:shop:ref:refs/heads/main:commit:*:step:deploy"],
        planSubjects: ["organization:acme:pipeline:shop:ref:refs/pull/*"],
      }),
    ).toEqual([
      {
        StringEquals: { "agent.buildkite.com:aud": "sts.amazonaws.com" },
        StringLike: { "agent.buildkite.com:sub": ["organization:acme:pipeline:shop:ref:refs/pull/*"] },
      },
    ]);
  });

  it("no CI: no previews' role (previews deploy with the caller's credentials), and no output for it", () => {
    expect(previewTrust({ provider: "none" })).toBeUndefined();
    const { base } = synthEnvironment("review", { ci: { provider: "none" } });
    expect(base.output?.["preview_role_arn"]).toBeUndefined();
  });
});

describe("a pull request's preview", () => {
  const { config, service } = synthEnvironment("review", { preview: { pullRequest: 12 } });

  it("is the service again under names of its own, its state under a key of its own", () => {
    expect(config.names).toMatchObject({
      service: "fargate-pipeline-review-pr-12",
      taskFamily: "fargate-pipeline-review-pr-12",
      logGroup: "/ecs/fargate-pipeline-review-pr-12",
      repository: "fargate-pipeline-review",
      taskBoundaryPolicy: "fargate-pipeline-review-task-boundary",
      stacks: { base: "fargate-pipeline-review-base", service: "fargate-pipeline-review-pr-12" },
      state: {
        keys: {
          base: "fargate-pipeline-review-base/terraform.tfstate",
          service: "fargate-pipeline-review-pr-12/terraform.tfstate",
        },
        ledger: "fargate-pipeline-review-pr-12/deployments.jsonl",
      },
    });
    expect(service.terraform?.["backend"]).toMatchObject({
      s3: { key: "fargate-pipeline-review-pr-12/terraform.tfstate" },
    });
  });

  it("runs one task of the smallest size, without autoscaling, on host pr-N-<service>", () => {
    expect(one(service, "aws_ecs_task_definition", "ecs_task_definition")).toMatchObject({ cpu: "256", memory: "512" });
    expect(one(service, "aws_ecs_service", "ecs_service")["desired_count"]).toBe(1);
    expect(all(service, "aws_appautoscaling_target")).toEqual({});
    expect(one(service, "aws_lb_listener_rule", "load_balancer_https_rule")["condition"]).toEqual([
      { host_header: { values: ["pr-12-fargate-pipeline.${data.aws_ssm_parameter.shared_domain.insecure_value}"] } },
    ]);
    expect(one(service, "aws_lb_target_group", "load_balancer_target_group")["name_prefix"]).toBe("pr-");
  });

  it("carries its own Stack tag, which the previews' role is scoped by", () => {
    expect(service.provider?.["aws"]?.[0]?.["default_tags"]).toEqual([
      expect.objectContaining({ tags: expect.objectContaining({ Stack: "fargate-pipeline-review-pr-12" }) }),
    ]);
  });
});

describe("an attachment's configuration", () => {
  /**
   * The problems of resolving review with overrides.
   * @param overrides Fields to change.
   */
  function problems(overrides: object): string[] {
    try {
      resolveEnvironment("review", { config: SAMPLE, overrides });
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.issues.map((i) => `${i.path}: ${i.message}`);
    }
  }

  it("refuses the shared environment's own fields, naming it", () => {
    expect(problems({ domain: "app.example.com", network: { vpcCidr: "10.1.0.0/16" } })).toEqual([
      'domain: is the shared environment\'s ("staging"): remove it here (the service answers on <host>.<its domain>, behind its load balancer)',
      'network: is the shared environment\'s ("staging"): remove it here (the service answers on <host>.<its domain>, behind its load balancer)',
    ]);
  });

  it("a standalone environment still needs its domain, zone and zones; a preview needs a shared environment", () => {
    const file = parseConfigFile(
      [
        "environments:",
        "  alone:",
        '    accountId: "111111111111"',
        "    region: eu-west-1",
        "    github: { repository: example-org/app }",
        "    preview: { pullRequest: 3 }",
      ].join("\n"),
      "app.yaml",
    );
    let issues: string[] = [];
    try {
      resolveEnvironment("alone", { config: file });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues = error.issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toEqual([
      "availabilityZones: required: the two availability zones of the public subnets, in the region. An environment of its own needs it; or attach the service to a shared environment with `shared: NAME` instead.",
      "domain: required: the name the service answers on (HTTPS), e.g. app.example.com. An environment of its own needs it; or attach the service to a shared environment with `shared: NAME` instead.",
      "hostedZone: required: the Route 53 zone of the domain: { mode: create, name: ZONE } or { mode: existing, zoneId: ID }. An environment of its own needs it; or attach the service to a shared environment with `shared: NAME` instead.",
      "preview: previews run on a shared environment: attach this one first (`shared`)",
    ]);
  });

  it("a host label must be one DNS label, and not a preview's", () => {
    expect(problems({ shared: { environment: "staging", host: "pr-4-app" } })).toEqual([
      expect.stringContaining("labels pr-N-… are the previews' hosts; choose another"),
    ]);
    expect(problems({ shared: { environment: "staging", host: "api.v2" } })).toEqual([
      expect.stringContaining("must be one DNS label"),
    ]);
  });
});
