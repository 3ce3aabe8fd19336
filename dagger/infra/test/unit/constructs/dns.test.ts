import { describe, expect, it } from "vitest";
import { all, EXISTING_EDGE, one, synthEnvironment } from "../support.ts";

describe("DNS", () => {
  it("the base stack creates the zone when configured so, and outputs its name servers", () => {
    const { base, service } = synthEnvironment("staging");
    expect(one(base, "aws_route53_zone", "dns_zone")).toMatchObject({
      name: "staging.example.com",
      force_destroy: false,
    });
    expect(base.output?.["name_servers"]).toEqual({ value: "${aws_route53_zone.dns_zone.name_servers}" });
    // The service stack finds it by name (public zones only).
    expect(one(service, "aws_route53_zone", "zone", "data")).toEqual({
      name: "staging.example.com",
      private_zone: false,
    });
  });

  it("an existing zone is read by id and never created", () => {
    const { base, service } = synthEnvironment("production");
    expect(all(base, "aws_route53_zone")).toEqual({});
    expect(one(base, "aws_route53_zone", "dns_zone", "data")).toEqual({ zone_id: "Z0123456789EXAMPLE" });
    expect(all(service, "aws_route53_zone", "data")).toEqual({});
    expect(one(service, "aws_route53_record", "alias_record")["zone_id"]).toBe("Z0123456789EXAMPLE");
  });

  it("the domain is an A alias of the ALB with target health", () => {
    const { service } = synthEnvironment("staging");
    expect(one(service, "aws_route53_record", "alias_record")).toEqual({
      zone_id: "${data.aws_route53_zone.zone.zone_id}",
      name: "app.staging.example.com",
      type: "A",
      alias: {
        name: "${aws_lb.load_balancer_alb.dns_name}",
        zone_id: "${aws_lb.load_balancer_alb.zone_id}",
        evaluate_target_health: true,
      },
    });
  });

  it("behind an existing ALB the alias points at it", () => {
    const { service } = synthEnvironment("staging", EXISTING_EDGE);
    expect(one(service, "aws_route53_record", "alias_record")["alias"]).toEqual({
      name: "${data.aws_lb.load_balancer_existing_alb.dns_name}",
      zone_id: "${data.aws_lb.load_balancer_existing_alb.zone_id}",
      evaluate_target_health: true,
    });
  });
});
