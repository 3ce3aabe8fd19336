/**
 * The load balancer's quotas as the preflight checks them: at each limit a
 * deploy passes, one over it is refused with the limit and what to do
 * (AWS's limits are inclusive: "Rules per Application Load Balancer: 100").
 * The emulator enforces none of the rule quota, so this check is all there is
 * before AWS would fail an apply halfway.
 */
import type { Rule } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";

import { ALB_QUOTAS, quotaIssues, type QuotaUsage, ruleHost, usageAfter } from "../../../src/shared/quotas.js";

/** Usage well within every quota. */
const LOW: QuotaUsage = { rules: 3, targetGroups: 3, certificates: 0, conditionValues: 1 };

describe("the quota preflight", () => {
  it("knows AWS's defaults: 100 rules and 100 target groups per ALB, 25 certificates, 5 condition values per rule", () => {
    expect(Object.fromEntries(Object.entries(ALB_QUOTAS).map(([k, q]) => [k, [q.limit, q.adjustable]]))).toEqual({
      rules: [100, true],
      targetGroups: [100, false],
      certificates: [25, true],
      conditionValues: [5, false],
    });
  });

  it.each([
    ["rules", 100],
    ["targetGroups", 100],
    ["certificates", 25],
    ["conditionValues", 5],
  ] as const)("%s: at the limit (%i) passes, one over fails naming the limit and what to do", (name, limit) => {
    expect(quotaIssues({ ...LOW, [name]: limit }, "load balancer shared-staging")).toEqual([]);
    const [issue, ...more] = quotaIssues({ ...LOW, [name]: limit + 1 }, "load balancer shared-staging");
    expect(more).toEqual([]);
    expect(issue).toContain(
      `load balancer shared-staging: ${limit + 1} ${ALB_QUOTAS[name].counts}, over AWS's limit of ${limit}`,
    );
    expect(issue).toContain(ALB_QUOTAS[name].fix);
    expect(issue?.includes("adjustable")).toBe(ALB_QUOTAS[name].adjustable);
  });

  it("names every quota exceeded at once", () => {
    expect(quotaIssues({ rules: 101, targetGroups: 101, certificates: 26, conditionValues: 6 }, "lb")).toHaveLength(4);
  });
});

/** A rule of a host, as DescribeRules returns it (AWS's ElasticLoadBalancingV2 API Reference, Rule). */
function rule(host: string, priority: string): Rule {
  return {
    RuleArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener-rule/app/shared-staging/50dc6c495c0c9188/f2f7dc8efc522ab2/${priority}`,
    Priority: priority,
    Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: [host] }, Values: [host] }],
    Actions: [
      {
        Type: "forward",
        TargetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/x/${priority}`,
      },
    ],
    IsDefault: false,
  };
}

describe("what the load balancer would hold after a service's apply", () => {
  const holdings = {
    rules: [rule("a.apps.example.com", "1"), rule("b.apps.example.com", "2")],
    targetGroups: ["tg-a", "tg-b"],
    certificates: 0,
  };

  it("a new host adds a rule and a target group; the host and each path count as condition values", () => {
    expect(usageAfter(holdings, { host: "c.apps.example.com", conditionValues: 3 })).toEqual({
      rules: 3,
      targetGroups: 3,
      certificates: 0,
      conditionValues: 3,
    });
  });

  it("a host whose rule exists (the service's next deploy) adds nothing", () => {
    expect(usageAfter(holdings, { host: "a.apps.example.com", conditionValues: 1 })).toEqual({
      rules: 2,
      targetGroups: 2,
      certificates: 0,
      conditionValues: 1,
    });
  });

  it("the 100th rule passes, the 101st is refused: moto does not refuse it, the preflight does", () => {
    const full = (n: number) => ({
      rules: Array.from({ length: n }, (_, i) => rule(`s${i}.apps.example.com`, String(i + 1))),
      targetGroups: Array.from({ length: n }, (_, i) => `tg-${i}`),
      certificates: 0,
    });
    expect(quotaIssues(usageAfter(full(99), { host: "new.apps.example.com", conditionValues: 1 }), "lb")).toEqual([]);
    expect(quotaIssues(usageAfter(full(100), { host: "new.apps.example.com", conditionValues: 1 }), "lb")).toHaveLength(
      2,
    );
  });

  it("reads a rule's host from its host-header condition", () => {
    expect(ruleHost(rule("x.apps.example.com", "9"))).toBe("x.apps.example.com");
    expect(ruleHost({ Priority: "3", Conditions: [{ Field: "path-pattern", Values: ["/x"] }] })).toBeUndefined();
  });
});
