/**
 * The cost estimates' arithmetic, from the price table (prices.ts: us-east-1,
 * its date): the figures the research notes work out by hand, and the issue's
 * comparison (30 services in 3 environments: ~$2,150 a month standalone
 * against ~$72 for three shared load balancers).
 */
import { describe, expect, it } from "vitest";

import { costLine, dollars, loadBalancerMonthly, serviceCost, tasksMonthly } from "../../../src/shared/cost.js";
import { PRICES } from "../../../src/shared/prices.js";

const SMALLEST = { cpu: 256, memory: 512 };

describe("the price table", () => {
  it("says whose prices, and when", () => {
    expect(PRICES).toMatchObject({ region: "us-east-1", currency: "USD", hoursPerMonth: 730 });
    expect(PRICES.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe("what things cost a month", () => {
  it("a load balancer: $0.0225/h × 730 h = $16.43, and its two public IPv4 addresses $7.30", () => {
    expect(loadBalancerMonthly()).toBe(23.73);
  });

  it("a task of the smallest size: 0.25 × $0.04048 + 0.5 × $0.004445 a hour ≈ $9.01, with its public IPv4 $3.65", () => {
    expect(tasksMonthly(SMALLEST, 1)).toBe(12.66);
    expect(tasksMonthly(SMALLEST, 2)).toBe(25.32);
    // 0.5 vCPU / 1 GB (the sample's production): 0.5 × 0.04048 + 1 × 0.004445 = $0.024685/h.
    expect(tasksMonthly({ cpu: 512, memory: 1024 }, 2)).toBe(43.34);
  });

  it("a standalone service of two small tasks: load balancer, its addresses, the tasks and theirs", () => {
    const cost = serviceCost(SMALLEST, 2, "own");
    expect(cost.items.map((i) => i.monthly)).toEqual([23.73, 25.32]);
    expect(cost.total).toBe(49.05);
  });

  it("attached, a service pays its share of the shared load balancer; behind an existing one, none", () => {
    expect(serviceCost(SMALLEST, 2, { shares: 4 }).items[0]).toEqual({
      what: "1/4 of the shared load balancer",
      monthly: 5.93,
    });
    expect(serviceCost(SMALLEST, 2, { shares: 4 }).total).toBe(31.25);
    expect(serviceCost(SMALLEST, 2, "none").total).toBe(25.32);
  });

  it("the issue's comparison: 30 services in 3 environments, standalone load balancers against three shared ones", () => {
    const standalone = 30 * 3 * loadBalancerMonthly();
    const shared = 3 * loadBalancerMonthly();
    expect(Math.round(standalone)).toBe(2136);
    expect(Math.round(shared)).toBe(71);
  });

  it("the line plan and status print: the total, its parts, standalone beside it, and that it is an estimate", () => {
    expect(costLine(SMALLEST, 2, { shares: 2 })).toBe(
      `**Fixed monthly cost**: $37.19 (1/2 of the shared load balancer $11.87 + 2 tasks of 0.25 vCPU and 0.5 GB, each with a public IPv4 $25.32); standalone it would be $49.05 — an estimate at us-east-1 on-demand prices of ${PRICES.date} (dagger/src/shared/prices.ts), before traffic (LCUs, data transfer)`,
    );
    expect(dollars(2135.7)).toBe("$2,135.70");
  });
});
