import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group/index.js";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster/index.js";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service/index.js";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { containerEnvironment } from "../config/naming.ts";

/** Options of FargateService. */
export interface FargateServiceOptions {
  /** Names of the cluster, service, task family, container, log group, stream prefix. */
  names: {
    cluster: string;
    service: string;
    taskFamily: string;
    container: string;
    logGroup: string;
    logStreamPrefix: string;
  };
  /** The environment's region (for awslogs). */
  region: string;
  /** The image, by digest (a Terraform variable reference). */
  image: string;
  /** Task CPU units. */
  cpu: number;
  /** Task memory, MiB. */
  memory: number;
  /** X86_64 or ARM64: the image's architecture. */
  cpuArchitecture: string;
  /** Port the container listens on. */
  containerPort: number;
  /** The app's health path, probed by the container health check too. */
  healthCheckPath: string;
  /** Plain environment variables of the container. */
  environment: Record<string, string>;
  /**
   * Secret environment variables: name and where ECS reads the value at task start
   * (an SSM parameter ARN, a secret ARN, or `SECRET_ARN:KEY::`). The execution role must be allowed to read them.
   */
  secrets: { name: string; valueFrom: string }[];
  /** Tasks to run; with autoscaling, the count the service starts with. */
  desiredCount: number;
  /**
   * True when Application Auto Scaling owns the count: OpenTofu sets desired_count
   * on create only and ignores it afterwards, so a deploy never resets what the
   * autoscaler chose and a plan after a scaling activity stays clean.
   */
  desiredCountOwnedByAutoscaler: boolean;
  /**
   * Values that redeploy the service's tasks when they change, with nothing else
   * changed (the provider's `triggers` with `force_new_deployment`): the secrets'
   * versions, since tasks read secrets only when they start.
   */
  redeployOn?: Record<string, string>;
  /** Deployment floor, % of desired. */
  deploymentMinimumHealthyPercent: number;
  /** Deployment ceiling, % of desired. */
  deploymentMaximumPercent: number;
  /** Seconds ECS ignores failing load balancer checks after a task starts. */
  healthCheckGracePeriodSeconds: number;
  /** Seconds between SIGTERM and SIGKILL. */
  stopTimeoutSeconds: number;
  /** Allow ECS Exec. */
  enableExecuteCommand: boolean;
  /** Container Insights setting of the cluster (when the service creates it). */
  containerInsights: string;
  /** Days of log retention. */
  logRetentionDays: number;
  /** Subnets of the tasks. */
  subnetIds: string[];
  /** Security group of the tasks. */
  securityGroupId: string;
  /** Target group the tasks register into. */
  targetGroupArn: string;
  /** Execution and task role ARNs. */
  executionRoleArn: string;
  taskRoleArn: string;
  /** What must exist before the service: the listener (or rule) and the execution role's policy. */
  dependsOn: ITerraformDependable[];
  /** A cluster that exists already (a shared environment's), instead of one of the service's own. */
  cluster?: { arn: string; name: string };
}

/** Container health check timing: see containerHealthCheck(). */
const CONTAINER_HEALTH = {
  // 10 s: ECS waits for HEALTHY before counting a new task, and the ALB needs ~10 s
  // (2 × 5 s) anyway, so this adds no deploy time; a node process every 10 s is < 1 % CPU.
  interval: 10,
  // 3 s: the endpoint answers in milliseconds; the probe has its own 2 s abort.
  timeout: 3,
  // 3 failures (30 s) before ECS replaces the task; the ALB takes it out of rotation in 10 s already.
  retries: 3,
  // 10 s: failures while the app boots (< 3 s) do not count.
  startPeriod: 10,
};

/**
 * The container health check command: Node's own fetch (the runtime image has
 * node and no curl or wget), 2 s abort, exit 0 only on a 2xx answer.
 * @param port The container port.
 * @param path The health path.
 */
export function containerHealthCheckCommand(port: number, path: string): string[] {
  const url = `http://127.0.0.1:${port}${path}`;
  return [
    "CMD",
    "node",
    "-e",
    `fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ];
}

/** The scratch volume mounted at /tmp: the root filesystem is read-only. */
const TMP_VOLUME = "tmp";

/**
 * The container definitions JSON of the task definition.
 * @param o The service's options.
 */
export function containerDefinitions(o: FargateServiceOptions): object[] {
  const environment = containerEnvironment(o.containerPort, o.environment);
  return [
    {
      name: o.names.container,
      image: o.image,
      essential: true,
      portMappings: [{ containerPort: o.containerPort, protocol: "tcp" }],
      // Sorted: the order ECS returns, so plans compare equal.
      environment: Object.keys(environment)
        .sort()
        .map((name) => ({ name, value: environment[name] })),
      // Names and ARNs only (ECS reads the values when a task starts); sorted like environment.
      ...(o.secrets.length > 0
        ? { secrets: [...o.secrets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) }
        : {}),
      // Non-root (the node image's "node" user) and no writes outside /tmp.
      user: "1000",
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false }],
      // A minimal init as PID 1 forwards SIGTERM to node and reaps zombies.
      linuxParameters: { initProcessEnabled: true },
      stopTimeout: o.stopTimeoutSeconds,
      healthCheck: { command: containerHealthCheckCommand(o.containerPort, o.healthCheckPath), ...CONTAINER_HEALTH },
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": o.names.logGroup,
          "awslogs-region": o.region,
          "awslogs-stream-prefix": o.names.logStreamPrefix,
          // Non-blocking: a CloudWatch hiccup never stalls the app's stdout; 25 MiB buffer.
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      },
    },
  ];
}

/**
 * The ECS side of the service: cluster, log group, Fargate task definition
 * (image by digest, non-root, read-only root, health check) and the service
 * (rolling deploys with circuit breaker and rollback, behind the target group).
 *
 * Terraform owns the task definition: a new image is a new revision through the
 * `image` variable. It does not wait for the rollout (wait_for_steady_state =
 * false): the pipeline follows the deployment itself and reports its outcome.
 */
export class FargateService extends Construct {
  /** The cluster's name. */
  readonly clusterName: string;
  /** The service's name. */
  readonly serviceName: string;
  /** The log group's name. */
  readonly logGroupName: string;
  /** ARN of the task definition revision this apply registered. */
  readonly taskDefinitionArn: string;
  /** `service/CLUSTER/SERVICE`: the service as Application Auto Scaling names it (a reference: scaling waits for the service). */
  readonly scalingResourceId: string;

  /**
   * @param scope The service stack.
   * @param id Construct id (part of resource addresses).
   * @param o See FargateServiceOptions.
   */
  constructor(scope: Construct, id: string, o: FargateServiceOptions) {
    super(scope, id);
    const cluster =
      o.cluster ??
      new EcsCluster(this, "cluster", {
        name: o.names.cluster,
        setting: [{ name: "containerInsights", value: o.containerInsights }],
      });
    const logs = new CloudwatchLogGroup(this, "log_group", {
      name: o.names.logGroup,
      retentionInDays: o.logRetentionDays,
    });
    const taskDefinition = new EcsTaskDefinition(this, "task_definition", {
      family: o.names.taskFamily,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(o.cpu),
      memory: String(o.memory),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: o.cpuArchitecture },
      executionRoleArn: o.executionRoleArn,
      taskRoleArn: o.taskRoleArn,
      containerDefinitions: JSON.stringify(containerDefinitions(o)),
      volume: [{ name: TMP_VOLUME }],
      // The new revision exists before the service moves to it; the old one is deregistered after.
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [logs],
    });
    const service = new EcsService(this, "service", {
      name: o.names.service,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: o.desiredCount,
      launchType: "FARGATE",
      deploymentController: { type: "ECS" },
      deploymentMinimumHealthyPercent: o.deploymentMinimumHealthyPercent,
      deploymentMaximumPercent: o.deploymentMaximumPercent,
      // Stops a deploy whose tasks keep failing and rolls back to the last good one.
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: o.healthCheckGracePeriodSeconds,
      loadBalancer: [
        { targetGroupArn: o.targetGroupArn, containerName: o.names.container, containerPort: o.containerPort },
      ],
      networkConfiguration: {
        subnets: o.subnetIds,
        securityGroups: [o.securityGroupId],
        // Public subnets without NAT: tasks reach ECR and CloudWatch through their public IP.
        assignPublicIp: true,
      },
      // Tasks carry the service's tags (cost allocation, the Stack tag).
      propagateTags: "SERVICE",
      enableExecuteCommand: o.enableExecuteCommand,
      // The pipeline follows the deployment (the SDK), not the provider's waiter.
      waitForSteadyState: false,
      dependsOn: o.dependsOn,
      ...(o.desiredCountOwnedByAutoscaler ? { lifecycle: { ignoreChanges: ["desired_count"] } } : {}),
      ...(o.redeployOn ? { triggers: o.redeployOn, forceNewDeployment: true } : {}),
    });
    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.logGroupName = logs.name;
    this.taskDefinitionArn = taskDefinition.arn;
    this.scalingResourceId = `service/${cluster.name}/${service.name}`;
  }
}
