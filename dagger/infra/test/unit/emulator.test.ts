import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js";
import { Aspects } from "cdktf";
import { describe, expect, it } from "vitest";
import { mergeOverrides, resolveEnvironment } from "../../src/resolve.ts";
import { type EnvironmentOverrides } from "../../src/config/types.ts";
import {
  EMULATOR_OMITTED_RESOURCES,
  EMULATOR_UNHELD_FIELDS,
  emulatorBackendConfig,
  emulatorEnvironment,
  emulatorOverrides,
} from "../../src/emulator.ts";
import { EmulatorUnheldFields } from "../../src/stacks/emulator-fields.ts";
import { all, EXISTING_EDGE, one, synthConstruct, synthEnvironment, type TfJson } from "./support.ts";
import { SAMPLE } from "./sample.ts";

/**
 * Every resource of a synthesized stack that ignores changes, as "type.name" → ignore_changes.
 * @param json The synthesized configuration.
 */
function ignoredChanges(json: TfJson): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const [type, resources] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(resources)) {
      const lifecycle = body["lifecycle"] as { ignore_changes?: unknown } | undefined;
      if (lifecycle?.ignore_changes !== undefined) found[`${type}.${name}`] = lifecycle.ignore_changes;
    }
  }
  return found;
}

/** Emulator runs of the configured environments, as the e2e tier and the local rehearsal synthesize them. */
const EMULATED: [string, string, EnvironmentOverrides | undefined][] = [
  ["local", "local", undefined],
  ["staging", "staging", emulatorOverrides("123456789012")],
  ["production", "production", emulatorOverrides("123456789012")],
  [
    "staging behind an existing edge",
    "staging",
    mergeOverrides(EXISTING_EDGE, emulatorOverrides("111111111111")) as EnvironmentOverrides,
  ],
];

/** The same environments as they are applied to AWS. */
const REAL: [string, string, EnvironmentOverrides | undefined][] = [
  ["local without the emulator flag", "local", { emulator: false }],
  ["staging", "staging", undefined],
  ["production", "production", undefined],
  ["staging behind an existing edge", "staging", EXISTING_EDGE],
];

describe("emulator settings", () => {
  it("endpoint and backend extras are init flags and environment variables, not part of the synthesized JSON", () => {
    expect(emulatorBackendConfig()).toEqual([
      "-backend-config=use_path_style=true",
      "-backend-config=skip_s3_checksum=true",
    ]);
    expect(emulatorEnvironment("http://127.0.0.1:5050")).toEqual({
      AWS_ENDPOINT_URL: "http://127.0.0.1:5050",
      AWS_EC2_METADATA_DISABLED: "true",
    });
  });

  it("overrides change exactly the account, the emulator flag and the grace period moto cannot hold", () => {
    const real = resolveEnvironment("staging", { config: SAMPLE });
    const emulated = resolveEnvironment("staging", { config: SAMPLE, overrides: emulatorOverrides("123456789012") });
    expect(real.emulator).toBe(false);
    expect(emulated.emulator).toBe(true);
    expect(emulated.accountId).toBe("123456789012");
    expect(emulated.service.healthCheckGracePeriodSeconds).toBe(0);
    // Everything else is as configured (state and names follow the account).
    const backToReal = {
      ...emulated,
      emulator: false,
      accountId: real.accountId,
      state: real.state,
      names: real.names,
    };
    expect({ ...backToReal, service: { ...emulated.service, healthCheckGracePeriodSeconds: 10 } }).toEqual(real);
  });

  it("only local is an emulator environment as configured", () => {
    expect(
      ["local", "staging", "production"].map((name) => resolveEnvironment(name, { config: SAMPLE }).emulator),
    ).toEqual([true, false, false]);
  });

  it("leave the JSON of an overridden environment free of endpoints", () => {
    const { base, service } = synthEnvironment("production", emulatorOverrides("123456789012"));
    for (const json of [base, service]) {
      expect(JSON.stringify(json)).not.toMatch(
        /"endpoints"|use_path_style|skip_s3_checksum|skip_credentials_validation|skip_requesting_account_id|:5050/,
      );
    }
  });
});

describe("fields the emulator cannot hold", () => {
  it("are the descriptions of security group rules that reference a security group, each with moto's code as the reason", () => {
    expect(EMULATOR_UNHELD_FIELDS.map((f) => [f.resourceType, f.onlyWith, f.attribute])).toEqual([
      ["aws_vpc_security_group_ingress_rule", "referenced_security_group_id", "description"],
      ["aws_vpc_security_group_egress_rule", "referenced_security_group_id", "description"],
    ]);
    for (const f of EMULATOR_UNHELD_FIELDS)
      expect(f.reason).toMatch(/moto 5\.2\.5.*moto\/ec2\/models\/security_groups\.py/s);
  });

  it.each(EMULATED)(
    "%s on the emulator: ignored on exactly the security-group-to-security-group rules, still sent",
    (_label, name, overrides) => {
      const { base, service } = synthEnvironment(name, overrides);
      expect(ignoredChanges(base)).toEqual({});
      const expected: Record<string, unknown> = {};
      for (const type of ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]) {
        for (const [rule, body] of Object.entries(all(service, type))) {
          // The description is still in the configuration: moto receives it, only its read-back is ignored.
          expect(body["description"], `${type}.${rule}`).toEqual(expect.any(String));
          if (body["referenced_security_group_id"] !== undefined) expected[`${type}.${rule}`] = ["description"];
        }
      }
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      // Where autoscaling is on, the desired count is the autoscaler's, on the emulator as on AWS.
      if (resolveEnvironment(name, { config: SAMPLE, overrides }).service.autoscaling.enabled)
        expected["aws_ecs_service.ecs_service"] = ["desired_count"];
      expect(ignoredChanges(service)).toEqual(expected);
    },
  );

  it("the rules concerned: the ALB's egress to the tasks and the tasks' ingress from the ALB (CIDR rules keep being compared)", () => {
    expect(ignoredChanges(synthEnvironment("local").service)).toEqual({
      "aws_vpc_security_group_egress_rule.load_balancer_alb_egress_app": ["description"],
      "aws_vpc_security_group_ingress_rule.load_balancer_app_ingress_from_alb": ["description"],
    });
    const edge = synthEnvironment(
      "staging",
      mergeOverrides(EXISTING_EDGE, emulatorOverrides("111111111111")) as EnvironmentOverrides,
    );
    expect(ignoredChanges(edge.service)).toEqual({
      "aws_vpc_security_group_ingress_rule.load_balancer_app_ingress_from_alb": ["description"],
    });
  });

  it.each(REAL)(
    "%s on AWS: nothing is ignored anywhere but the desired count the autoscaler owns",
    (_label, name, overrides) => {
      const { base, service, config } = synthEnvironment(name, overrides);
      expect(ignoredChanges(base)).toEqual({});
      expect(ignoredChanges(service)).toEqual(
        config.service.autoscaling.enabled ? { "aws_ecs_service.ecs_service": ["desired_count"] } : {},
      );
    },
  );

  it("the aspect adds to an existing ignore list and leaves ignore all alone", () => {
    const json = synthConstruct((stack) => {
      const rule = (id: string, ignoreChanges?: string[] | "all") =>
        new VpcSecurityGroupIngressRule(stack, id, {
          securityGroupId: "sg-1",
          referencedSecurityGroupId: "sg-2",
          ipProtocol: "tcp",
          fromPort: 8080,
          toPort: 8080,
          description: "from the ALB",
          ...(ignoreChanges ? { lifecycle: { ignoreChanges } } : {}),
        });
      rule("tags_ignored", ["tags"]);
      rule("all_ignored", "all");
      new VpcSecurityGroupIngressRule(stack, "cidr", {
        securityGroupId: "sg-1",
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "https",
      });
      Aspects.of(stack).add(new EmulatorUnheldFields());
    });
    expect(ignoredChanges(json)).toEqual({
      "aws_vpc_security_group_ingress_rule.tags_ignored": ["tags", "description"],
      "aws_vpc_security_group_ingress_rule.all_ignored": "all",
    });
  });
});

describe("resources the emulator cannot serve", () => {
  it("are the scaling target and its policies, with moto's code as the reason", () => {
    expect(EMULATOR_OMITTED_RESOURCES.map((r) => r.resourceType)).toEqual([
      "aws_appautoscaling_target",
      "aws_appautoscaling_policy",
    ]);
    for (const r of EMULATOR_OMITTED_RESOURCES)
      expect(r.reason).toMatch(/moto 5\.2\.5.*ListTagsForResource.*moto\/applicationautoscaling\/responses\.py/s);
  });

  it.each(EMULATED)(
    "%s on the emulator: left out, while the service still leaves its count to the autoscaler",
    (_label, name, overrides) => {
      const { service, config } = synthEnvironment(name, overrides);
      for (const { resourceType } of EMULATOR_OMITTED_RESOURCES)
        expect(all(service, resourceType), resourceType).toEqual({});
      if (config.service.autoscaling.enabled)
        expect(ignoredChanges(service)["aws_ecs_service.ecs_service"]).toEqual(["desired_count"]);
    },
  );

  it.each(REAL)("%s on AWS: present wherever autoscaling is on", (_label, name, overrides) => {
    const { service, config } = synthEnvironment(name, overrides);
    for (const { resourceType } of EMULATOR_OMITTED_RESOURCES) {
      expect(Object.keys(all(service, resourceType)).length > 0, resourceType).toBe(config.service.autoscaling.enabled);
    }
  });

  it("local with autoscaling on: no scaling resources, the count still ignored", () => {
    const { service } = synthEnvironment("local", { service: { autoscaling: { enabled: true } } });
    expect(all(service, "aws_appautoscaling_target")).toEqual({});
    expect(one(service, "aws_ecs_service", "ecs_service")).toMatchObject({
      desired_count: 2,
      lifecycle: { ignore_changes: ["desired_count"] },
    });
  });
});
