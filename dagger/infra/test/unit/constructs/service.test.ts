import { describe, expect, it } from "vitest";
import { containerHealthCheckCommand } from "../../../src/constructs/service.ts";
import { one, parseJsonAttribute, synthEnvironment } from "../support.ts";

describe("FargateService", () => {
  const { service: json, config } = synthEnvironment("staging");
  const taskDefinition = one(json, "aws_ecs_task_definition", "ecs_task_definition");
  const container = (parseJsonAttribute(taskDefinition["container_definitions"]) as Record<string, unknown>[])[0]!;

  it("creates the cluster with Container Insights as configured", () => {
    expect(one(json, "aws_ecs_cluster", "ecs_cluster")).toEqual({
      name: "fargate-pipeline-staging",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    const disabled = synthEnvironment("staging", { service: { containerInsights: "disabled" } });
    expect(one(disabled.service, "aws_ecs_cluster", "ecs_cluster")["setting"]).toEqual([
      { name: "containerInsights", value: "disabled" },
    ]);
  });

  it("keeps logs for the configured retention", () => {
    expect(one(json, "aws_cloudwatch_log_group", "ecs_log_group")).toEqual({
      name: "/ecs/fargate-pipeline-staging",
      retention_in_days: 30,
    });
    expect(
      one(synthEnvironment("production").service, "aws_cloudwatch_log_group", "ecs_log_group")["retention_in_days"],
    ).toBe(90);
  });

  it("defines a Fargate task of the configured size, with both roles", () => {
    expect(taskDefinition).toMatchObject({
      family: "fargate-pipeline-staging",
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
      execution_role_arn: "${aws_iam_role.iam_execution_role.arn}",
      task_role_arn: "${aws_iam_role.iam_task_role.arn}",
      volume: [{ name: "tmp" }],
      lifecycle: { create_before_destroy: true },
    });
  });

  it("runs the image variable, by digest", () => {
    expect(container).toMatchObject({
      name: "app",
      image: "${var.image}",
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
    });
  });

  it("runs as user 1000 on a read-only root filesystem with a writable /tmp", () => {
    expect(container).toMatchObject({
      user: "1000",
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
      linuxParameters: { initProcessEnabled: true },
      stopTimeout: 30,
    });
  });

  it("checks health with node (the image has no curl)", () => {
    expect(container["healthCheck"]).toEqual({
      command: containerHealthCheckCommand(8080, "/healthcheck"),
      interval: 10,
      timeout: 3,
      retries: 3,
      startPeriod: 10,
    });
    const [cmd, binary, flag, script] = containerHealthCheckCommand(8080, "/healthcheck");
    expect([cmd, binary, flag]).toEqual(["CMD", "node", "-e"]);
    expect(script).toContain('fetch("http://127.0.0.1:8080/healthcheck"');
    expect(script).toContain("AbortSignal.timeout(2000)");
  });

  it("logs to the group with awslogs, non-blocking", () => {
    expect(container["logConfiguration"]).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "/ecs/fargate-pipeline-staging",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "ecs",
        mode: "non-blocking",
        "max-buffer-size": "25m",
      },
    });
  });

  it("passes PORT, NODE_ENV and configured variables, sorted", () => {
    expect(container["environment"]).toEqual([
      { name: "NODE_ENV", value: "production" },
      { name: "PORT", value: "8080" },
    ]);
    const extra = synthEnvironment("staging", { service: { environment: { LOG_LEVEL: "debug" } } });
    const [c] = parseJsonAttribute(
      one(extra.service, "aws_ecs_task_definition", "ecs_task_definition")["container_definitions"],
    ) as Record<string, unknown>[];
    expect(c!["environment"]).toEqual([
      { name: "LOG_LEVEL", value: "debug" },
      { name: "NODE_ENV", value: "production" },
      { name: "PORT", value: "8080" },
    ]);
  });

  it("passes no secrets unless configured", () => {
    expect(container["secrets"]).toBeUndefined();
  });

  it("passes configured secrets by valueFrom: the parameter's ARN, the secret's, or SECRET:KEY:: for one JSON key; never a value", () => {
    const withSecrets = synthEnvironment("staging", {
      service: {
        secrets: {
          DATABASE_URL: { ssm: "/app/db-url" },
          DB_PASSWORD: { secretsManager: "prod/db", key: "password" },
          STRIPE_KEY: { secretsManager: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf" },
        },
      },
    });
    const [c] = parseJsonAttribute(
      one(withSecrets.service, "aws_ecs_task_definition", "ecs_task_definition")["container_definitions"],
    ) as Record<string, unknown>[];
    const scope = "${data.aws_partition.partition.partition}";
    const account = "${data.aws_caller_identity.caller.account_id}";
    expect(c!["secrets"]).toEqual([
      { name: "DATABASE_URL", valueFrom: `arn:${scope}:ssm:eu-west-1:${account}:parameter/app/db-url` },
      { name: "DB_PASSWORD", valueFrom: `arn:${scope}:secretsmanager:eu-west-1:${account}:secret:prod/db:password::` },
      { name: "STRIPE_KEY", valueFrom: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/stripe-AbCdEf" },
    ]);
    // The plain environment is unchanged: secrets are never environment values.
    expect(c!["environment"]).toEqual(container["environment"]);
  });

  it("rolls out with circuit breaker and rollback, never below the desired count", () => {
    expect(one(json, "aws_ecs_service", "ecs_service")).toMatchObject({
      name: "fargate-pipeline-staging",
      cluster: "${aws_ecs_cluster.ecs_cluster.arn}",
      task_definition: "${aws_ecs_task_definition.ecs_task_definition.arn}",
      launch_type: "FARGATE",
      desired_count: 2,
      deployment_controller: { type: "ECS" },
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      health_check_grace_period_seconds: 10,
    });
  });

  it("leaves following the rollout to the pipeline, with exec off and tags propagated", () => {
    expect(one(json, "aws_ecs_service", "ecs_service")).toMatchObject({
      wait_for_steady_state: false,
      enable_execute_command: false,
      propagate_tags: "SERVICE",
    });
  });

  it("registers into the target group, in the public subnets with the app security group", () => {
    expect(one(json, "aws_ecs_service", "ecs_service")).toMatchObject({
      load_balancer: [
        {
          target_group_arn: "${aws_lb_target_group.load_balancer_target_group.arn}",
          container_name: "app",
          container_port: 8080,
        },
      ],
      network_configuration: {
        subnets: ["${aws_subnet.network_public_subnet_0.id}", "${aws_subnet.network_public_subnet_1.id}"],
        security_groups: ["${aws_security_group.load_balancer_app_security_group.id}"],
        assign_public_ip: true,
      },
    });
  });

  it("is created after the listener and the execution role's policy", () => {
    expect(one(json, "aws_ecs_service", "ecs_service")["depends_on"]).toEqual([
      "aws_lb_listener.load_balancer_https_listener",
      "aws_iam_role_policy.iam_execution_policy",
    ]);
  });

  it("behind an existing ALB, after the listener rule and certificate", () => {
    const { service } = synthEnvironment("staging", {
      loadBalancer: {
        mode: "existing",
        arn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/edge/0123456789abcdef",
        httpsListenerArn:
          "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/edge/0123456789abcdef/0123456789abcdef",
        listenerRulePriority: 5,
      },
    });
    expect(one(service, "aws_ecs_service", "ecs_service")).toMatchObject({
      depends_on: [
        "aws_lb_listener_rule.load_balancer_https_rule",
        "aws_lb_listener_certificate.load_balancer_https_certificate",
        "aws_iam_role_policy.iam_execution_policy",
      ],
      network_configuration: { subnets: "${tolist(data.aws_lb.load_balancer_existing_alb.subnets)}" },
    });
  });

  it("local sets the grace period moto can hold (it drops the field and reads back 0)", () => {
    expect(config.service.healthCheckGracePeriodSeconds).toBe(10);
    expect(
      one(synthEnvironment("local").service, "aws_ecs_service", "ecs_service")["health_check_grace_period_seconds"],
    ).toBe(0);
  });
});
