import { describe, expect, it } from "vitest";
import { slowestResources } from "../e2e/timings.ts";

describe("the e2e timing table's slowest resources", () => {
  it("are read from tofu's completion lines, slowest first, three at most", () => {
    const output = [
      "aws_vpc.network_vpc: Creating...",
      "aws_vpc.network_vpc: Creation complete after 2s [id=vpc-1]",
      "aws_acm_certificate_validation.certificate_validation: Still creating... [10s elapsed]",
      "aws_acm_certificate_validation.certificate_validation: Creation complete after 1m5s [id=2024]",
      "aws_lb.load_balancer_alb: Creation complete after 21s [id=arn:aws:elasticloadbalancing:…]",
      "aws_route53_zone.dns_zone: Destruction complete after 30s",
      "aws_ecs_service.ecs_service: Modifications complete after 1s [id=arn]",
    ].join("\n");
    expect(slowestResources(output)).toEqual([
      "aws_acm_certificate_validation.certificate_validation 1m5s",
      "aws_route53_zone.dns_zone 30s",
      "aws_lb.load_balancer_alb 21s",
    ]);
    expect(slowestResources("No changes.")).toEqual([]);
  });
});
