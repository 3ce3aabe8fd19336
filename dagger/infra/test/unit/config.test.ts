import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { EnvironmentSchema, SharedEnvironmentSchema } from "../../src/config/schema.ts";
import { ConfigError, mergeOverrides, resolveEnvironment } from "../../src/resolve.ts";
import { type EnvironmentOverrides } from "../../src/config/types.ts";
import { EXISTING_EDGE } from "./support.ts";
import { SAMPLE } from "./sample.ts";

/**
 * The issues resolveEnvironment reports for an environment with overrides;
 * fails the test when it does not throw a ConfigError.
 * @param name Environment name.
 * @param overrides Fields to change (may be invalid on purpose).
 */
function issuesOf(name: string, overrides: unknown): { path: string; message: string }[] {
  try {
    resolveEnvironment(name, { config: SAMPLE, overrides: overrides as EnvironmentOverrides });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("configured environments", () => {
  it.each(Object.keys(SAMPLE.environments))("%s is valid and resolves its derived values", (name) => {
    const config = resolveEnvironment(name, { config: SAMPLE });
    expect(config.name).toBe(name);
    expect(config.ci).toMatchObject({ provider: "github", environment: name });
    expect(config.names.stacks).toEqual({ base: `fargate-pipeline-${name}-base`, service: `fargate-pipeline-${name}` });
    expect(config.state.keys.service).toBe(`fargate-pipeline-${name}/terraform.tfstate`);
  });

  it("defines local, staging, review and production", () => {
    expect(Object.keys(SAMPLE.environments)).toEqual(["local", "staging", "review", "production"]);
  });

  it("fills the fast-deploy defaults", () => {
    const s = resolveEnvironment("staging", { config: SAMPLE }).service;
    expect(s).toMatchObject({
      deregistrationDelaySeconds: 15,
      targetHealthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 2 },
      stopTimeoutSeconds: 30,
      healthCheckGracePeriodSeconds: 10,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      healthCheckPath: "/healthcheck",
      containerPort: 8080,
      enableExecuteCommand: false,
    });
  });

  it("derives the state bucket from account and region, or from the name for local without account", () => {
    expect(resolveEnvironment("staging", { config: SAMPLE }).state).toMatchObject({
      bucket: "fargate-pipeline-tfstate-111111111111-eu-west-1",
      region: "eu-west-1",
    });
    expect(resolveEnvironment("local", { config: SAMPLE }).state.bucket).toBe(
      "fargate-pipeline-tfstate-local-us-east-1",
    );
    expect(
      resolveEnvironment("local", { config: SAMPLE, overrides: { state: { bucket: "my-state" } } }).state.bucket,
    ).toBe("my-state");
  });

  it("lets local leave the account out, and nobody else", () => {
    expect(resolveEnvironment("local", { config: SAMPLE }).accountId).toBeUndefined();
    const withoutAccount = { ...SAMPLE.environments["staging"]!, accountId: undefined };
    expect(() =>
      resolveEnvironment("staging", { config: { ...SAMPLE, environments: { staging: withoutAccount } } }),
    ).toThrow(
      /environments\.staging\.accountId \(line \d+\): is required for "staging" \(only "local" may leave it out\)/,
    );
  });
});

describe("invalid configurations fail at synth, naming the field and what is allowed", () => {
  it("an unknown environment lists the defined ones", () => {
    expect(() => resolveEnvironment("prod", { config: SAMPLE })).toThrow(
      /environment "prod".*unknown environment; fargate-pipeline.yaml defines: local, staging, review, production/s,
    );
  });

  it.each([
    ["App.Example.com", "uppercase"],
    ["app_example.com", "underscore"],
    ["localhost", "one label"],
    ["app.example.com.", "trailing dot"],
    ["-app.example.com", "leading hyphen"],
    ["*.example.com", "wildcard"],
    [`${"a".repeat(64)}.example.com`, "label over 63 characters"],
  ])("a bad domain (%s: %s)", (domain) => {
    expect(issuesOf("staging", { domain })).toContainEqual({
      path: "domain",
      message: "must be a lower-case DNS name like app.example.com (letters, digits, hyphens; no trailing dot)",
    });
  });

  it("a domain outside the created zone", () => {
    expect(issuesOf("staging", { domain: "app.other.example.com" })).toContainEqual({
      path: "domain",
      message:
        "app.other.example.com is not in the hosted zone staging.example.com; use a name ending in .staging.example.com",
    });
  });

  it.each([
    ["/hostedzone/Z0123456789ABCDEFGHIJ", "API path prefix"],
    ["example.com", "a zone name"],
    ["z0123456789abcdefghij", "lower case"],
    [`Z${"0".repeat(32)}`, "over 32 characters"],
    ["", "empty"],
  ])("a bad hosted zone id (%s: %s)", (zoneId) => {
    expect(issuesOf("production", { hostedZone: { mode: "existing", zoneId } })).toContainEqual({
      path: "hostedZone.zoneId",
      message:
        "must be a Route 53 hosted zone id: up to 32 upper-case letters and digits like Z0123456789ABCDEFGHIJ, without the /hostedzone/ prefix",
    });
  });

  it.each([
    ["Z0123456789ABCDEFGHIJ", "AWS, current shape"],
    ["Z1D633PJN98FT9", "AWS, older shape"],
    ["4HT2NBQXJ8LQ0KQYDBZVMT", "the emulator's shape: Z is a convention, not in Route 53's contract"],
  ])("a hosted zone id that Route 53 can hand out (%s: %s)", (zoneId) => {
    expect(
      resolveEnvironment("production", { config: SAMPLE, overrides: { hostedZone: { mode: "existing", zoneId } } })
        .hostedZone,
    ).toEqual({ mode: "existing", zoneId });
  });

  it("overlapping subnets", () => {
    expect(issuesOf("staging", { network: { publicSubnetCidrs: ["10.16.0.0/23", "10.16.1.0/24"] } })).toContainEqual({
      path: "network.publicSubnetCidrs",
      message: "10.16.0.0/23 and 10.16.1.0/24 overlap; the two subnets need disjoint blocks",
    });
  });

  it("a subnet outside the VPC", () => {
    expect(issuesOf("staging", { network: { publicSubnetCidrs: ["10.16.0.0/24", "10.17.0.0/24"] } })).toContainEqual({
      path: "network.publicSubnetCidrs.1",
      message: "10.17.0.0/24 is outside the VPC 10.16.0.0/16; use a block inside it",
    });
  });

  it("malformed, misaligned and oversized CIDR blocks", () => {
    const issues = issuesOf("staging", {
      network: { vpcCidr: "10.16.0.0/8", publicSubnetCidrs: ["10.16.0.1/24", "10.16.300.0/24"] },
    });
    expect(issues).toEqual([
      { path: "network.vpcCidr", message: '"10.16.0.0/8" is a /8; AWS allows /16 to /28' },
      {
        path: "network.publicSubnetCidrs.0",
        message: '"10.16.0.1/24" has host bits set; the block starting there is 10.16.0.0/24',
      },
      {
        path: "network.publicSubnetCidrs.1",
        message: '"10.16.300.0/24" is not an IPv4 CIDR block; write it like 10.16.0.0/16',
      },
    ]);
  });

  it("one subnet instead of two", () => {
    expect(issuesOf("staging", { network: { publicSubnetCidrs: ["10.16.0.0/24"] } })).toContainEqual({
      path: "network.publicSubnetCidrs",
      message: "must be a list of exactly two CIDR blocks",
    });
  });

  it.each([0, -1, 1.5])("desired count %s", (desiredCount) => {
    const issues = issuesOf("staging", { service: { desiredCount } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("service.desiredCount");
    expect(issues[0]!.message).toMatch(/at least 1/);
  });

  it("a CPU/memory pair Fargate does not accept names the allowed memory", () => {
    expect(issuesOf("staging", { service: { cpu: 256, memory: 4096 } })).toEqual([
      {
        path: "service.memory",
        message: "memory 4096 MiB is not allowed with cpu 256; with cpu 256 use memory 512, 1024 or 2048",
      },
    ]);
    expect(issuesOf("staging", { service: { cpu: 1024, memory: 1024 } })).toEqual([
      {
        path: "service.memory",
        message: "memory 1024 MiB is not allowed with cpu 1024; with cpu 1024 use memory 2048 to 8192 in steps of 1024",
      },
    ]);
  });

  it("a CPU size Fargate does not offer names the sizes", () => {
    expect(issuesOf("staging", { service: { cpu: 300 } })).toEqual([
      {
        path: "service.memory",
        message: "cpu 300 is not a Fargate size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384",
      },
    ]);
  });

  it("an unknown field, with the allowed ones (a typo must not fall back to a default)", () => {
    expect(issuesOf("staging", { service: { desiredCont: 3 } })).toEqual([
      {
        path: "service.desiredCont",
        message: expect.stringMatching(/^unknown field; allowed fields: desiredCount, cpu, memory, /),
      },
    ]);
  });

  it("a wrong mode names the allowed ones", () => {
    expect(issuesOf("staging", { loadBalancer: { mode: "import" } })).toEqual([
      { path: "loadBalancer.mode", message: 'mode must be "create" or "existing"' },
    ]);
  });

  it("an availability zone of another region, or the same zone twice", () => {
    expect(issuesOf("staging", { availabilityZones: ["eu-west-1a", "us-east-1b"] })).toContainEqual({
      path: "availabilityZones.1",
      message: '"us-east-1b" is not a zone of eu-west-1; use eu-west-1a, eu-west-1b, …',
    });
    expect(issuesOf("staging", { availabilityZones: ["eu-west-1a", "eu-west-1a"] })).toContainEqual({
      path: "availabilityZones",
      message: "the two subnets need two different availability zones",
    });
  });

  it("a health check timeout that is not below the interval", () => {
    expect(issuesOf("staging", { service: { targetHealthCheck: { timeoutSeconds: 5 } } })).toEqual([
      {
        path: "service.targetHealthCheck.timeoutSeconds",
        message: "5 s must be below intervalSeconds (5 s): the ALB requires timeout < interval",
      },
    ]);
  });

  it("deployment percentages that leave ECS no room to replace a task", () => {
    expect(issuesOf("staging", { service: { desiredCount: 1, deploymentMaximumPercent: 150 } })).toEqual([
      {
        path: "service.deploymentMaximumPercent",
        message:
          "with 1 task(s), maximum 150 % and minimum 100 % leave ECS no room to replace a task; raise the maximum (200 starts a full new set) or lower the minimum",
      },
    ]);
    // Stopping first is a valid (slower) choice.
    expect(() =>
      resolveEnvironment("staging", {
        config: SAMPLE,
        overrides: { service: { deploymentMaximumPercent: 100, deploymentMinimumHealthyPercent: 50 } },
      }),
    ).not.toThrow();
  });

  it("an invalid log retention lists CloudWatch's periods", () => {
    const [issue] = issuesOf("staging", { service: { logRetentionDays: 10 } });
    expect(issue).toEqual({
      path: "service.logRetentionDays",
      message: expect.stringMatching(
        /^must be one of 1, 3, 5, 7, 14, 30, .*3653 \(the periods CloudWatch Logs accepts\)$/,
      ),
    });
  });

  it("a container port below 1024 (the container runs as user 1000)", () => {
    expect(issuesOf("staging", { service: { containerPort: 80 } })).toEqual([
      { path: "service.containerPort", message: "must be a whole number from 1024 to 65535" },
    ]);
  });

  it("a TLS policy without TLS 1.3", () => {
    expect(issuesOf("staging", { loadBalancer: { mode: "create", tlsPolicy: "ELBSecurityPolicy-2016-08" } })).toEqual([
      { path: "loadBalancer.tlsPolicy", message: "must be a TLS 1.3 ALB security policy (ELBSecurityPolicy-TLS13-…)" },
    ]);
  });

  it("names too long for an ALB", () => {
    const integration = {
      ...SAMPLE.environments["staging"]!,
      name: "integration1",
      serviceName: "a-very-long-app-name",
    };
    expect(() =>
      resolveEnvironment("integration1", { config: { ...SAMPLE, environments: { integration1: integration } } }),
    ).toThrow(
      'serviceName (line 10): "a-very-long-app-name-integration1" has 33 characters; serviceName + "-" + name must fit the 32 of an ALB or target group name',
    );
  });

  it("every problem at once, not just the first", () => {
    const issues = issuesOf("staging", {
      service: { cpu: 256, memory: 3072 },
      network: { publicSubnetCidrs: ["10.16.0.0/24", "10.16.0.0/24"] },
    });
    expect(issues.map((i) => i.path)).toEqual(["network.publicSubnetCidrs", "service.memory"]);
  });

  it("the error message lists each problem under the environment's name", () => {
    expect(() =>
      resolveEnvironment("staging", { config: SAMPLE, overrides: { service: { desiredCount: 0 } } }),
    ).toThrow(
      'invalid configuration for environment "staging" in fargate-pipeline.yaml with overrides:\n  environments.staging.service.desiredCount: must be at least 1 (use destroy to remove the service)',
    );
  });
});

describe("existing load balancer and certificate", () => {
  it("resolve when they are in the environment's region and account", () => {
    const config = resolveEnvironment("staging", { config: SAMPLE, overrides: EXISTING_EDGE });
    expect(config.loadBalancer).toEqual({ ...EXISTING_EDGE.loadBalancer, attachCertificate: true });
    expect(config.certificate).toEqual(EXISTING_EDGE.certificate);
  });

  it("a listener of another load balancer", () => {
    const httpsListenerArn =
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/other/0123456789abcdef/fedcba9876543210";
    expect(
      issuesOf("staging", { ...EXISTING_EDGE, loadBalancer: { ...EXISTING_EDGE.loadBalancer, httpsListenerArn } }),
    ).toEqual([
      {
        path: "loadBalancer.httpsListenerArn",
        message:
          "the listener belongs to load balancer other/0123456789abcdef, not to shared-edge/0123456789abcdef; use a listener of loadBalancer.arn",
      },
    ]);
  });

  it("a certificate in another region or account", () => {
    expect(
      issuesOf("staging", {
        certificate: {
          mode: "existing",
          arn: "arn:aws:acm:us-east-1:222222222222:certificate/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
      }),
    ).toEqual([
      {
        path: "certificate.arn",
        message: "the certificate is in us-east-1, the environment in eu-west-1; use one in eu-west-1",
      },
      {
        path: "certificate.arn",
        message: "the certificate belongs to account 222222222222, the environment to 111111111111",
      },
    ]);
  });

  it("a malformed ARN", () => {
    expect(issuesOf("staging", { loadBalancer: { ...EXISTING_EDGE.loadBalancer, arn: "shared-edge" } })).toEqual([
      { path: "loadBalancer.arn", message: "must be an application load balancer ARN (…:loadbalancer/app/NAME/ID)" },
    ]);
  });
});

describe("overrides", () => {
  it("merge field by field and replace arrays", () => {
    const merged = mergeOverrides({ a: 1, b: { c: 2, d: [1, 2] } }, { b: { d: [3] } });
    expect(merged).toEqual({ a: 1, b: { c: 2, d: [3] } });
  });

  it("replace a whole object when its mode changes", () => {
    const merged = mergeOverrides({ lb: { mode: "create", tlsPolicy: "x" } }, { lb: { mode: "existing", arn: "y" } });
    expect(merged).toEqual({ lb: { mode: "existing", arn: "y" } });
  });

  it("leave the configured environments untouched", () => {
    const before = JSON.stringify(SAMPLE.environments);
    resolveEnvironment("staging", { config: SAMPLE, overrides: { service: { desiredCount: 5 } } });
    expect(JSON.stringify(SAMPLE.environments)).toBe(before);
  });

  it("are validated like the file", () => {
    expect(issuesOf("local", { accountId: "12345" })).toEqual([
      { path: "accountId", message: "must be a 12-digit AWS account id" },
    ]);
  });
});

describe("service.autoscaling", () => {
  it("is off by default and on in production, with the stated defaults", () => {
    expect(resolveEnvironment("staging", { config: SAMPLE }).service.autoscaling.enabled).toBe(false);
    expect(resolveEnvironment("local", { config: SAMPLE }).service.autoscaling.enabled).toBe(false);
    expect(resolveEnvironment("production", { config: SAMPLE }).service.autoscaling).toEqual({
      enabled: true,
      minCount: 2,
      maxCount: 10,
      cpuTargetPercent: 70,
      requestsPerTarget: 1000,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
    });
  });

  it("a minimum above the maximum", () => {
    expect(issuesOf("production", { service: { autoscaling: { minCount: 5, maxCount: 4 } } })).toEqual([
      {
        path: "service.autoscaling.minCount",
        message: "5 is above maxCount (4); the autoscaler keeps the count between the two, so minCount ≤ maxCount",
      },
    ]);
  });

  it.each([0, 101, 150, -5])("a CPU target of %s %%", (cpuTargetPercent) => {
    expect(issuesOf("production", { service: { autoscaling: { cpuTargetPercent } } })).toEqual([
      { path: "service.autoscaling.cpuTargetPercent", message: "must be a percentage from 1 to 100" },
    ]);
  });

  it("accepts CPU targets at both ends and in between", () => {
    for (const cpuTargetPercent of [1, 55.5, 100]) {
      expect(
        resolveEnvironment("production", {
          config: SAMPLE,
          overrides: { service: { autoscaling: { cpuTargetPercent } } },
        }).service.autoscaling.cpuTargetPercent,
      ).toBe(cpuTargetPercent);
    }
  });

  it("a minimum of 0 (a service behind the ALB needs a task), a request target of 0, an unknown field", () => {
    expect(
      issuesOf("production", { service: { autoscaling: { minCount: 0, requestsPerTarget: 0, cpuTarget: 50 } } }),
    ).toEqual([
      { path: "service.autoscaling.minCount", message: "must be a whole number from 1 to 1000" },
      { path: "service.autoscaling.requestsPerTarget", message: "must be a whole number from 1 to 1000000" },
      {
        path: "service.autoscaling.cpuTarget",
        message: expect.stringMatching(
          /^unknown field; allowed fields: enabled, minCount, maxCount, cpuTargetPercent, /,
        ),
      },
    ]);
  });

  it("when on, deployment room is checked at the minimum, not at desiredCount", () => {
    expect(
      issuesOf("production", {
        service: { desiredCount: 4, deploymentMaximumPercent: 150, autoscaling: { minCount: 1 } },
      }),
    ).toEqual([
      {
        path: "service.deploymentMaximumPercent",
        message:
          "with 1 task(s), maximum 150 % and minimum 100 % leave ECS no room to replace a task; raise the maximum (200 starts a full new set) or lower the minimum",
      },
    ]);
  });
});

describe("required fields", () => {
  /**
   * Every field without a default, in every form of every object of the schema, by its dotted path.
   * @param schema A schema node.
   * @param path Its path.
   */
  function requiredFields(schema: v.GenericSchema, path = ""): { path: string; schema: v.GenericSchema }[] {
    const node = schema as v.GenericSchema & {
      entries?: Record<string, v.GenericSchema>;
      options?: v.GenericSchema[];
      pipe?: v.GenericSchema[];
      wrapped?: v.GenericSchema;
    };
    if (node.pipe) return requiredFields(node.pipe[0]!, path);
    if (node.options) return node.options.flatMap((o) => requiredFields(o, path));
    if (node.wrapped) return requiredFields(node.wrapped, path);
    if (!node.entries) return [];
    return Object.entries(node.entries).flatMap(([key, entry]) => {
      const at = path ? `${path}.${key}` : key;
      const own = entry.type === "optional" || entry.type === "literal" ? [] : [{ path: at, schema: entry }];
      return [...own, ...requiredFields(entry, at)];
    });
  }

  it("each says what it is, for the message that names it when it is left out", () => {
    const fields = requiredFields(EnvironmentSchema);
    expect(fields.map((f) => f.path)).toEqual(
      expect.arrayContaining(["region", "ci.project", "ci.issuer", "shared.environment", "preview.pullRequest"]),
    );
    expect(fields.filter((f) => !v.getDescription(f.schema)).map((f) => f.path)).toEqual([]);
    // A shared environment's too (domain is its: an attached service has none of its own).
    const shared = requiredFields(SharedEnvironmentSchema);
    expect(shared.map((f) => f.path)).toEqual(expect.arrayContaining(["name", "region", "domain", "hostedZone"]));
    expect(shared.filter((f) => !v.getDescription(f.schema)).map((f) => f.path)).toEqual([]);
  });
});
