/**
 * Reading the stacks' outputs: `tofu output -json` parsed as the module reads
 * it, and a missing output a MissingOutputError that names the output, the
 * stack and what to do (never an empty string a rollout then follows).
 */
import { describe, expect, it } from "vitest";

import {
  MissingOutputError,
  parseOutputs,
  requireListOutput,
  requireOutput,
  serviceOutputs,
  type ServiceOutputNames,
} from "../../../src/stacks/outputs.js";

// What `tofu output -json` prints for an applied service stack (OpenTofu 1.x shape: value, type, sensitive).
const SERVICE_JSON = JSON.stringify({
  alb_dns_name: { sensitive: false, type: "string", value: "web-staging-1234567890.eu-west-1.elb.amazonaws.com" },
  cluster_name: { sensitive: false, type: "string", value: "web-staging" },
  log_group_name: { sensitive: false, type: "string", value: "/ecs/web-staging" },
  service_name: { sensitive: false, type: "string", value: "web-staging" },
  target_group_arn: {
    sensitive: false,
    type: "string",
    value: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-st-abc/0123456789abcdef",
  },
  task_definition_arn: {
    sensitive: false,
    type: "string",
    value: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web-staging:7",
  },
  url: { sensitive: false, type: "string", value: "https://web.staging.example.com" },
});

// The base stack's: name_servers is a list.
const BASE_JSON = JSON.stringify({
  deploy_role_arn: { sensitive: false, type: "string", value: "arn:aws:iam::123456789012:role/web-staging-deploy" },
  hosted_zone_id: { sensitive: false, type: "string", value: "Z0123456789ABCDEFGHIJ" },
  name_servers: { sensitive: false, type: ["list", "string"], value: ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"] },
  plan_role_arn: { sensitive: false, type: "string", value: "arn:aws:iam::123456789012:role/web-staging-plan" },
  repository_url: {
    sensitive: false,
    type: "string",
    value: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-staging",
  },
});

// infra's SERVICE_OUTPUTS as the Target carries them.
const NAMES: ServiceOutputNames = {
  url: "url",
  clusterName: "cluster_name",
  serviceName: "service_name",
  taskDefinitionArn: "task_definition_arn",
  logGroupName: "log_group_name",
  albDnsName: "alb_dns_name",
  targetGroupArn: "target_group_arn",
};

const SERVICE = {
  role: "service",
  stack: "web-staging-service",
  next: "the apply did not finish writing its state; run deploy again",
} as const;
const BASE = { role: "base", stack: "web-staging-base", next: "run bootstrap again" } as const;

describe("parseOutputs", () => {
  it("keeps strings as strings and lists as lists", () => {
    const base = parseOutputs(BASE_JSON);
    expect(base.hosted_zone_id).toBe("Z0123456789ABCDEFGHIJ");
    expect(base.name_servers).toEqual(["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"]);
  });

  it("an empty state (`{}`, or nothing printed) has no outputs", () => {
    expect(parseOutputs("{}\n")).toEqual({});
    expect(parseOutputs("")).toEqual({});
  });

  it('leaves out an output whose value is null (not the string "null")', () => {
    const out = parseOutputs(JSON.stringify({ hosted_zone_id: { sensitive: false, type: "string", value: null } }));
    expect(out).toEqual({});
    expect(() => requireOutput(out, "hosted_zone_id", BASE)).toThrow(MissingOutputError);
  });
});

describe("serviceOutputs", () => {
  it("reads each output by the name infra gives it", () => {
    expect(serviceOutputs(parseOutputs(SERVICE_JSON), NAMES, SERVICE)).toEqual({
      url: "https://web.staging.example.com",
      clusterName: "web-staging",
      serviceName: "web-staging",
      taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web-staging:7",
      albDnsName: "web-staging-1234567890.eu-west-1.elb.amazonaws.com",
    });
  });

  it("reads by the Target's names, not by literals: a renamed output is read under its new name", () => {
    const renamed = parseOutputs(SERVICE_JSON.replace('"task_definition_arn"', '"task_definition"'));
    expect(
      serviceOutputs(renamed, { ...NAMES, taskDefinitionArn: "task_definition" }, SERVICE).taskDefinitionArn,
    ).toMatch(/:task-definition\/web-staging:7$/);
  });

  it("a missing output is an error naming the output, the stack and what to do", () => {
    const out = parseOutputs(SERVICE_JSON);
    delete out.task_definition_arn;
    expect(() => serviceOutputs(out, NAMES, SERVICE)).toThrow(
      "the service stack's state (web-staging-service) has no output task_definition_arn: the apply did not finish writing its state; run deploy again",
    );
    try {
      serviceOutputs(out, NAMES, SERVICE);
    } catch (err) {
      expect(err).toBeInstanceOf(MissingOutputError);
      expect((err as MissingOutputError).output).toBe("task_definition_arn");
      expect((err as MissingOutputError).source.stack).toBe("web-staging-service");
    }
  });

  it("an empty string is missing too (a rollout would follow no task definition)", () => {
    const out = { ...parseOutputs(SERVICE_JSON), cluster_name: "" };
    expect(() => serviceOutputs(out, NAMES, SERVICE)).toThrow(/has no output cluster_name:/);
  });
});

describe("requireOutput and requireListOutput", () => {
  it("a list where a string is required is an error, not its first item", () => {
    expect(() => requireOutput(parseOutputs(BASE_JSON), "name_servers", BASE)).toThrow(
      "the base stack's state (web-staging-base) has no output name_servers: run bootstrap again",
    );
  });

  it("a list output as a list; a comma-joined string split; an empty list is a value", () => {
    expect(requireListOutput(parseOutputs(BASE_JSON), "name_servers", BASE)).toHaveLength(2);
    expect(requireListOutput({ name_servers: "ns-1.example,ns-2.example" }, "name_servers", BASE)).toEqual([
      "ns-1.example",
      "ns-2.example",
    ]);
    expect(requireListOutput({ name_servers: [] }, "name_servers", BASE)).toEqual([]);
    expect(() => requireListOutput({}, "name_servers", BASE)).toThrow(
      /base stack's state \(web-staging-base\) has no output name_servers/,
    );
  });
});
