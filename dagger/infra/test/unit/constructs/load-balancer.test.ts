import { describe, expect, it } from "vitest";
import { LoadBalancer, type LoadBalancerOptions } from "../../../src/constructs/load-balancer.ts";
import { all, EXISTING_EDGE, one, synthConstruct, synthEnvironment } from "../support.ts";

const common: Omit<LoadBalancerOptions, "placement"> = {
  name: "app-test",
  targetGroupNamePrefix: "test-",
  domain: "app.example.com",
  certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
  containerPort: 8080,
  deregistrationDelaySeconds: 15,
  healthCheck: {
    path: "/healthcheck",
    intervalSeconds: 5,
    timeoutSeconds: 4,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  },
};

describe("LoadBalancer, creating the ALB", () => {
  const json = synthConstruct((stack) => {
    new LoadBalancer(stack, "lb", {
      ...common,
      placement: {
        mode: "create",
        vpcId: "vpc-1",
        subnetIds: ["subnet-a", "subnet-b"],
        tlsPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        deletionProtection: true,
      },
    });
  });

  it("opens the ALB's security group to the internet on 80 and 443 only", () => {
    const ingress = Object.values(all(json, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r["security_group_id"] === "${aws_security_group.lb_alb_security_group.id}",
    );
    expect(
      ingress
        .map((r) => [r["from_port"], r["to_port"], r["cidr_ipv4"], r["ip_protocol"]])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [80, 80, "0.0.0.0/0", "tcp"],
      [443, 443, "0.0.0.0/0", "tcp"],
    ]);
  });

  it("opens the app's security group only to the ALB's, on the container port", () => {
    const appIngress = Object.values(all(json, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r["security_group_id"] === "${aws_security_group.lb_app_security_group.id}",
    );
    expect(appIngress).toEqual([
      expect.objectContaining({
        from_port: 8080,
        to_port: 8080,
        referenced_security_group_id: "${aws_security_group.lb_alb_security_group.id}",
      }),
    ]);
    expect(appIngress[0]).not.toHaveProperty("cidr_ipv4");
    expect(one(json, "aws_vpc_security_group_egress_rule", "lb_alb_egress_app")).toMatchObject({
      from_port: 8080,
      referenced_security_group_id: "${aws_security_group.lb_app_security_group.id}",
    });
    expect(one(json, "aws_vpc_security_group_egress_rule", "lb_app_egress_https")).toMatchObject({
      from_port: 443,
      to_port: 443,
      cidr_ipv4: "0.0.0.0/0",
    });
  });

  it("has a target group that can be replaced without manual steps", () => {
    const tg = one(json, "aws_lb_target_group", "lb_target_group");
    expect(tg).toMatchObject({
      name_prefix: "test-",
      target_type: "ip",
      port: 8080,
      protocol: "HTTP",
      deregistration_delay: "15",
      lifecycle: { create_before_destroy: true },
      health_check: {
        path: "/healthcheck",
        interval: 5,
        timeout: 4,
        healthy_threshold: 2,
        unhealthy_threshold: 2,
        matcher: "200",
      },
    });
    expect(tg).not.toHaveProperty("name");
  });

  it("serves HTTPS with the TLS 1.3 policy and the certificate, and redirects HTTP", () => {
    expect(one(json, "aws_lb_listener", "lb_https_listener")).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate_arn: common.certificateArn,
      default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.lb_target_group.arn}" }],
    });
    expect(one(json, "aws_lb_listener", "lb_http_listener")).toMatchObject({
      port: 80,
      protocol: "HTTP",
      default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }],
    });
  });

  it("creates an internet-facing ALB that drops invalid headers", () => {
    expect(one(json, "aws_lb", "lb_alb")).toMatchObject({
      name: "app-test",
      internal: false,
      load_balancer_type: "application",
      drop_invalid_header_fields: true,
      enable_deletion_protection: true,
      subnets: ["subnet-a", "subnet-b"],
    });
  });
});

describe("LoadBalancer, behind an existing ALB", () => {
  /**
   * @param attachCertificate Whether to attach the certificate to the listener.
   */
  function existing(attachCertificate: boolean) {
    return synthConstruct((stack) => {
      new LoadBalancer(stack, "lb", {
        ...common,
        placement: {
          mode: "existing",
          arn: EXISTING_EDGE.loadBalancer.arn,
          httpsListenerArn: EXISTING_EDGE.loadBalancer.httpsListenerArn,
          listenerRulePriority: 120,
          attachCertificate,
        },
      });
    });
  }
  const json = existing(true);

  it("creates no ALB, listener or ALB security group", () => {
    expect(all(json, "aws_lb")).toEqual({});
    expect(all(json, "aws_lb_listener")).toEqual({});
    expect(Object.keys(all(json, "aws_security_group"))).toEqual(["lb_app_security_group"]);
  });

  it("reads the ALB and places the tasks in its VPC", () => {
    expect(one(json, "aws_lb", "lb_existing_alb", "data")["arn"]).toBe(EXISTING_EDGE.loadBalancer.arn);
    expect(one(json, "aws_security_group", "lb_app_security_group")["vpc_id"]).toBe(
      "${data.aws_lb.lb_existing_alb.vpc_id}",
    );
    expect(one(json, "aws_lb_target_group", "lb_target_group")["vpc_id"]).toBe("${data.aws_lb.lb_existing_alb.vpc_id}");
  });

  it("forwards the domain with a host-header rule on the shared HTTPS listener", () => {
    expect(one(json, "aws_lb_listener_rule", "lb_https_rule")).toMatchObject({
      listener_arn: EXISTING_EDGE.loadBalancer.httpsListenerArn,
      priority: 120,
      condition: [{ host_header: { values: ["app.example.com"] } }],
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.lb_target_group.arn}" }],
    });
  });

  it("admits traffic from each of the ALB's security groups", () => {
    expect(one(json, "aws_vpc_security_group_ingress_rule", "lb_app_ingress_from_alb")).toMatchObject({
      for_each: "${toset(tolist(data.aws_lb.lb_existing_alb.security_groups))}",
      referenced_security_group_id: "${each.value}",
      from_port: 8080,
    });
  });

  it("attaches the certificate as SNI unless told it is the listener's default", () => {
    expect(one(json, "aws_lb_listener_certificate", "lb_https_certificate")).toEqual({
      listener_arn: EXISTING_EDGE.loadBalancer.httpsListenerArn,
      certificate_arn: common.certificateArn,
    });
    expect(all(existing(false), "aws_lb_listener_certificate")).toEqual({});
  });
});

describe("LoadBalancer in the service stack", () => {
  it("uses the validated certificate, so the listener waits for issuance", () => {
    const { service } = synthEnvironment("staging");
    expect(one(service, "aws_lb_listener", "load_balancer_https_listener")["certificate_arn"]).toBe(
      "${aws_acm_certificate_validation.certificate_validation.certificate_arn}",
    );
  });

  it("names the target group prefix after the environment unless configured", () => {
    expect(
      one(synthEnvironment("production").service, "aws_lb_target_group", "load_balancer_target_group")["name_prefix"],
    ).toBe("produ-");
    const custom = synthEnvironment("production", { service: { targetGroupNamePrefix: "web-" } });
    expect(one(custom.service, "aws_lb_target_group", "load_balancer_target_group")["name_prefix"]).toBe("web-");
  });

  it("turns deletion protection on in production only", () => {
    expect(
      one(synthEnvironment("production").service, "aws_lb", "load_balancer_alb")["enable_deletion_protection"],
    ).toBe(true);
    expect(one(synthEnvironment("staging").service, "aws_lb", "load_balancer_alb")["enable_deletion_protection"]).toBe(
      false,
    );
  });
});
