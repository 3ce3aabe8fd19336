import { describe, expect, it } from "vitest";
import { Certificate } from "../../../src/constructs/certificate.ts";
import { all, EXISTING_EDGE, one, synthConstruct, synthEnvironment } from "../support.ts";

describe("Certificate", () => {
  const json = synthConstruct((stack) => {
    new Certificate(stack, "certificate", { domain: "app.example.com", zoneId: "Z123", validationTimeout: "15m" });
  });

  it("requests a DNS-validated certificate for the domain, replaced before destroyed", () => {
    expect(one(json, "aws_acm_certificate", "certificate_certificate")).toMatchObject({
      domain_name: "app.example.com",
      validation_method: "DNS",
      lifecycle: { create_before_destroy: true },
    });
  });

  it("writes one validation record per validation option into the zone", () => {
    expect(one(json, "aws_route53_record", "certificate_validation_record")).toMatchObject({
      for_each:
        "${{ for key, val in tolist(aws_acm_certificate.certificate_certificate.domain_validation_options): val.domain_name => val }}",
      zone_id: "Z123",
      name: "${each.value.resource_record_name}",
      type: "${each.value.resource_record_type}",
      records: ["${each.value.resource_record_value}"],
      ttl: 60,
      allow_overwrite: true,
    });
  });

  it("waits for issuance at most the configured time", () => {
    expect(one(json, "aws_acm_certificate_validation", "certificate_validation")).toEqual({
      certificate_arn: "${aws_acm_certificate.certificate_certificate.arn}",
      validation_record_fqdns: "${[ for key, val in aws_route53_record.certificate_validation_record: val.fqdn]}",
      timeouts: { create: "15m" },
    });
  });

  it("is not requested when an existing certificate is configured", () => {
    const { service } = synthEnvironment("staging", EXISTING_EDGE);
    expect(all(service, "aws_acm_certificate")).toEqual({});
    expect(all(service, "aws_acm_certificate_validation")).toEqual({});
    expect(one(service, "aws_lb_listener_certificate", "load_balancer_https_certificate")["certificate_arn"]).toBe(
      EXISTING_EDGE.certificate.arn,
    );
  });

  it("uses the environment's validation timeout", () => {
    const { service } = synthEnvironment("staging", { certificate: { mode: "create", validationTimeout: "40m" } });
    expect(one(service, "aws_acm_certificate_validation", "certificate_validation")["timeouts"]).toEqual({
      create: "40m",
    });
  });
});
