import { describe, expect, it } from "vitest";
import { all, EXISTING_EDGE, one, synthEnvironment } from "../support.ts";

describe("ServiceAutoscaling", () => {
  const { service: json } = synthEnvironment("production");

  it("registers the service's desired count between the minimum and the maximum", () => {
    expect(one(json, "aws_appautoscaling_target", "autoscaling_target")).toMatchObject({
      service_namespace: "ecs",
      scalable_dimension: "ecs:service:DesiredCount",
      // References: the target is registered after the service exists.
      resource_id: "service/${aws_ecs_cluster.ecs_cluster.name}/${aws_ecs_service.ecs_service.name}",
      min_capacity: 2,
      max_capacity: 10,
    });
  });

  it("tracks average CPU with the configured target and cooldowns", () => {
    expect(one(json, "aws_appautoscaling_policy", "autoscaling_cpu")).toMatchObject({
      name: "fargate-pipeline-production-cpu",
      policy_type: "TargetTrackingScaling",
      service_namespace: "${aws_appautoscaling_target.autoscaling_target.service_namespace}",
      scalable_dimension: "${aws_appautoscaling_target.autoscaling_target.scalable_dimension}",
      resource_id: "${aws_appautoscaling_target.autoscaling_target.resource_id}",
      target_tracking_scaling_policy_configuration: {
        target_value: 70,
        scale_out_cooldown: 60,
        scale_in_cooldown: 300,
        predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
      },
    });
  });

  it("tracks ALB requests per target, labelled with the ALB's and the target group's ARN suffixes", () => {
    const requests = one(json, "aws_appautoscaling_policy", "autoscaling_requests");
    expect(requests).toMatchObject({
      name: "fargate-pipeline-production-requests",
      target_tracking_scaling_policy_configuration: {
        target_value: 1000,
        predefined_metric_specification: {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label:
            "${aws_lb.load_balancer_alb.arn_suffix}/${aws_lb_target_group.load_balancer_target_group.arn_suffix}",
        },
      },
      // The label is valid only once the target group is attached to the ALB.
      depends_on: ["aws_lb_listener.load_balancer_https_listener"],
    });
  });

  it("behind an existing ALB, the label takes that ALB's suffix (read by the data source) and waits for the rule", () => {
    const edge = synthEnvironment("production", {
      ...EXISTING_EDGE,
      loadBalancer: {
        ...EXISTING_EDGE.loadBalancer,
        arn: EXISTING_EDGE.loadBalancer.arn.replace("111111111111", "222222222222"),
        httpsListenerArn: EXISTING_EDGE.loadBalancer.httpsListenerArn.replace("111111111111", "222222222222"),
      },
      certificate: { mode: "existing", arn: EXISTING_EDGE.certificate.arn.replace("111111111111", "222222222222") },
    });
    expect(one(edge.service, "aws_appautoscaling_policy", "autoscaling_requests")).toMatchObject({
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          resource_label:
            "${data.aws_lb.load_balancer_existing_alb.arn_suffix}/${aws_lb_target_group.load_balancer_target_group.arn_suffix}",
        },
      },
      depends_on: [
        "aws_lb_listener_rule.load_balancer_https_rule",
        "aws_lb_listener_certificate.load_balancer_https_certificate",
      ],
    });
  });

  it("follows the configured bounds, target values and cooldowns", () => {
    const tuned = synthEnvironment("production", {
      service: {
        autoscaling: {
          minCount: 3,
          maxCount: 30,
          cpuTargetPercent: 55,
          requestsPerTarget: 4000,
          scaleOutCooldownSeconds: 30,
          scaleInCooldownSeconds: 600,
        },
      },
    }).service;
    expect(one(tuned, "aws_appautoscaling_target", "autoscaling_target")).toMatchObject({
      min_capacity: 3,
      max_capacity: 30,
    });
    expect(
      one(tuned, "aws_appautoscaling_policy", "autoscaling_cpu")["target_tracking_scaling_policy_configuration"],
    ).toMatchObject({
      target_value: 55,
      scale_out_cooldown: 30,
      scale_in_cooldown: 600,
    });
    expect(
      one(tuned, "aws_appautoscaling_policy", "autoscaling_requests")["target_tracking_scaling_policy_configuration"],
    ).toMatchObject({ target_value: 4000 });
    expect(one(tuned, "aws_ecs_service", "ecs_service")["desired_count"]).toBe(3);
  });

  it("is absent when autoscaling is off", () => {
    const { service } = synthEnvironment("staging");
    expect(all(service, "aws_appautoscaling_target")).toEqual({});
    expect(all(service, "aws_appautoscaling_policy")).toEqual({});
  });
});

describe("who owns the desired count", () => {
  it("with autoscaling on, the autoscaler: the service starts at the minimum and OpenTofu ignores the count afterwards", () => {
    const ecs = one(
      synthEnvironment("production", { service: { desiredCount: 7 } }).service,
      "aws_ecs_service",
      "ecs_service",
    );
    expect(ecs["desired_count"]).toBe(2);
    expect(ecs["lifecycle"]).toEqual({ ignore_changes: ["desired_count"] });
  });

  it("with autoscaling off, the configuration: the count is set and compared on every plan", () => {
    const ecs = one(
      synthEnvironment("production", { service: { desiredCount: 7, autoscaling: { enabled: false } } }).service,
      "aws_ecs_service",
      "ecs_service",
    );
    expect(ecs["desired_count"]).toBe(7);
    expect(ecs["lifecycle"]).toBeUndefined();
  });
});
