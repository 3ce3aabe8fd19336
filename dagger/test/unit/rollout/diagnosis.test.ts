/**
 * The pure decisions of the rollout tracker: what a stopped task means, which
 * deployment and tasks are "ours", when a failing target ends the deploy, and the
 * retry rules for AWS errors.
 */
import { ECSServiceException } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";

import { backoffMs, isRetryable, RolloutError } from "../../../src/rollout/errors.js";
import { assess, circuitBreakerThreshold } from "../../../src/rollout/assess.js";
import { belongsTo, CLOCK_SKEW_MS, findDeployment, taskIps } from "../../../src/rollout/membership.js";
import { newTrackerState, type TrackedRollout } from "../../../src/rollout/model.js";
import { classifyStoppedTask } from "../../../src/rollout/stops.js";
import {
  at,
  DEPLOYMENT_NEW,
  DEPLOYMENT_OLD,
  deployment,
  REPOSITORY,
  service,
  T0,
  target,
  task,
  TD_NEW,
  TD_OLD,
  TG_ARN,
} from "../../fixtures/aws/ecs-shapes.js";
import { ecsThrottling } from "../../fixtures/aws/fake-aws.js";

const ID = "3f9c2b7e1d4a4c8b9e0f6a5d2c7b1e83";
function stopped(
  stoppedReason: string,
  o: {
    stopCode?: "TaskFailedToStart" | "EssentialContainerExited" | "ServiceSchedulerInitiated" | "UserInitiated";
    exitCode?: number;
    reason?: string;
  } = {},
) {
  return task({
    id: ID,
    deploymentId: DEPLOYMENT_NEW,
    taskDefinition: TD_NEW,
    ip: "10.16.1.201",
    lastStatus: "STOPPED",
    createdAt: at(15),
    stoppedAt: at(30),
    stoppedReason,
    stopCode: o.stopCode ?? "TaskFailedToStart",
    container: {
      ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    },
  });
}

describe("classifyStoppedTask", () => {
  it.each([
    [
      `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${REPOSITORY}:v1: ${REPOSITORY}:v1: not found`,
      "image-pull",
      1,
      /not in the registry/,
    ],
    [
      `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${REPOSITORY}:v1: pulling from host 123456789012.dkr.ecr.eu-west-1.amazonaws.com failed with status code [manifests v1]: 403 Forbidden`,
      "image-pull",
      1,
      /ecr:BatchGetImage/,
    ],
    [
      "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref: dial tcp 52.94.220.97:443: i/o timeout",
      "image-pull",
      1,
      /public IP/,
    ],
    [
      "CannotPullContainerError: image Manifest does not contain descriptor matching platform 'linux/amd64'",
      "image-pull",
      1,
      /CPU architecture/,
    ],
    [
      "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1",
      "resource-init",
      1,
      /log group/,
    ],
    [
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.eu-west-1.amazonaws.com/": dial tcp 52.94.220.97:443: i/o timeout',
      "resource-init",
      1,
      /public IP/,
    ],
    [
      'CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "node": executable file not found in $PATH: unknown',
      "container-start",
      1,
      /entrypoint/,
    ],
    [
      'CannotStartContainerError: Error response from daemon: failed to create shim task: OCI runtime create failed: unable to start container process: error during container init: error mounting "/tmp": read-only file system: unknown',
      "container-start",
      1,
      /entrypoint/,
    ],
    [
      "Timeout waiting for network interface provisioning to complete.",
      "infrastructure",
      undefined,
      /retries on its own/,
    ],
  ] as const)("%s → %s", (reason, kind, fatalAfter, hint) => {
    const s = classifyStoppedTask(stopped(reason));
    expect(s.kind).toBe(kind);
    expect(s.fatalAfter).toBe(fatalAfter);
    expect(s.hint).toMatch(hint);
    expect(s.taskId).toBe(ID);
  });

  it("reads OutOfMemoryError from the container even though the task says 'Essential container in task exited'", () => {
    const s = classifyStoppedTask(
      stopped("Essential container in task exited", {
        stopCode: "EssentialContainerExited",
        exitCode: 137,
        reason: "OutOfMemoryError: Container killed due to memory usage",
      }),
    );
    expect(s.kind).toBe("out-of-memory");
    expect(s.containers).toEqual([
      {
        name: "app",
        exitCode: 137,
        reason: "OutOfMemoryError: Container killed due to memory usage",
        healthStatus: "UNKNOWN",
      },
    ]);
  });

  it("an essential container exit needs 2 tasks (a crash loop), a health-check stop needs 1", () => {
    expect(
      classifyStoppedTask(
        stopped("Essential container in task exited", { stopCode: "EssentialContainerExited", exitCode: 1 }),
      ).fatalAfter,
    ).toBe(2);
    expect(
      classifyStoppedTask(
        stopped(`Task failed ELB health checks in (target-group ${TG_ARN})`, { stopCode: "ServiceSchedulerInitiated" }),
      ).kind,
    ).toBe("elb-health-check");
    expect(
      classifyStoppedTask(stopped("Task failed container health checks", { stopCode: "ServiceSchedulerInitiated" }))
        .kind,
    ).toBe("container-health-check");
  });

  it("scheduler and user stops are not failures by themselves", () => {
    const scaled = classifyStoppedTask(
      stopped(`Scaling activity initiated by (deployment ${DEPLOYMENT_NEW})`, {
        stopCode: "ServiceSchedulerInitiated",
        exitCode: 0,
      }),
    );
    expect(scaled.kind).toBe("scheduler");
    expect(scaled.fatalAfter).toBeUndefined();
    const user = classifyStoppedTask(stopped("Task stopped by user", { stopCode: "UserInitiated" }));
    expect(user.kind).toBe("user");
    expect(user.fatalAfter).toBeUndefined();
  });
});

describe("what the hint names, on ECS's other recorded wordings", () => {
  // Texts as public records show them (the corpus holds one per case; these are the other wordings of the same causes).
  it.each([
    [
      // docker-archive/compose-cli#853 (Fargate 1.4, 2020: the ref quoted)
      'CannotPullContainerError: failed to resolve ref "docker.io/library/chatalicious_braid:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      "image-pull",
      "Docker Hub denied the pull of docker.io/library/chatalicious_braid:latest",
    ],
    [
      // aws/amazon-ecs-agent#2343 (EC2, Docker daemon)
      "CannotPullContainerError: Error response from daemon: pull access denied for elasticsearch/elasticsearch, repository does not exist or may require 'docker login'",
      "image-pull",
      "Docker Hub denied the pull of elasticsearch/elasticsearch",
    ],
    [
      // aws/aws-cdk#29876 (Fargate, quoted by a maintainer)
      "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref 123456789123.dkr.ecr.us-east-1.amazonaws.com/a2-ecr-app-repo:latest: pulling from host 123456789123.dkr.ecr.us-east-1.amazonaws.com failed with status code [manifests latest]: 403 Forbidden",
      "image-pull",
      "The registry denied the pull of the image 123456789123.dkr.ecr.us-east-1.amazonaws.com/a2-ecr-app-repo:latest",
    ],
    [
      // awsdocs/amazon-ecs-developer-guide task_cannot_pull_image.md (Docker-era wording)
      "CannotPullContainerError: API error (404): repository 111122223333.dkr.ecr.us-east-1.amazonaws.com/<repo>/<image> not found",
      "image-pull",
      "The image 111122223333.dkr.ecr.us-east-1.amazonaws.com/<repo>/<image> is not in the registry",
    ],
    [
      // aws/aws-cdk#3529 (2019, placeholders by the reporter)
      "Fetching secret data from SSM Parameter Store in {REGION}: AccessDeniedException: User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/{...}/9e05ad12-2574-47a3-b48f-3a2244770318 is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter/{PARAMETER_NAME} status code: 400, request id: 787934d9-56ba-4a43-9e60-4f05a950a90e",
      "secret-fetch",
      "may not read SSM parameter arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter/{PARAMETER_NAME} (ssm:GetParameters, denied to {...})",
    ],
    [
      // hashicorp/terraform-provider-aws#33044 (SSM, no name in the text)
      "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 5 time(s): RequestCanceled: request context canceled caused by: context deadline exceeded. Please check your task network configuration.",
      "secret-fetch",
      "The task cannot reach the store to fetch an SSM parameter of the task definition",
    ],
  ] as const)("%s → %s", (reason, kind, hint) => {
    const s = classifyStoppedTask(stopped(reason));
    expect(s.kind).toBe(kind);
    expect(s.hint).toContain(hint);
  });
});

describe("which deployment and which tasks", () => {
  const t: TrackedRollout = { taskDefinitionArn: TD_NEW, applyStartedAt: T0, trackingStartedAt: T0 + 20_000 };
  const old = deployment({
    id: DEPLOYMENT_OLD,
    status: "ACTIVE",
    taskDefinition: TD_OLD,
    running: 2,
    createdAt: at(-86_400),
    rolloutState: "COMPLETED",
  });

  it("takes the newest deployment of the task definition, fresh when created after the apply started (minus clock skew)", () => {
    const older = deployment({
      id: "ecs-svc/1111111111111111111",
      status: "ACTIVE",
      taskDefinition: TD_NEW,
      running: 0,
      createdAt: at(-600),
      rolloutState: "COMPLETED",
    });
    const skewed = deployment({
      id: DEPLOYMENT_NEW,
      status: "PRIMARY",
      taskDefinition: TD_NEW,
      running: 0,
      createdAt: new Date(T0 - CLOCK_SKEW_MS + 1_000),
      rolloutState: "IN_PROGRESS",
    });
    const r = findDeployment(service({ deployments: [older, skewed, old] }), t, newTrackerState());
    expect(r.deployment?.id).toBe(DEPLOYMENT_NEW);
    expect(r.fresh).toBe(true);
    expect(findDeployment(service({ deployments: [older, old] }), t, newTrackerState()).fresh).toBe(false);
    expect(findDeployment(service({ deployments: [old] }), t, newTrackerState()).deployment).toBeUndefined();
  });

  it("once seen, follows the deployment by id, even if the old one is stable", () => {
    const state = newTrackerState();
    state.deploymentId = DEPLOYMENT_NEW;
    expect(
      findDeployment(
        service({
          deployments: [
            deployment({
              ...{
                id: DEPLOYMENT_OLD,
                status: "PRIMARY",
                taskDefinition: TD_NEW,
                running: 2,
                createdAt: at(16),
                rolloutState: "COMPLETED",
              },
            }),
          ],
        }),
        t,
        state,
      ).deployment,
    ).toBeUndefined();
  });

  it("a task belongs to the deployment that started it (startedBy), not to the one with the same task definition", () => {
    const d = deployment({
      id: DEPLOYMENT_NEW,
      status: "PRIMARY",
      taskDefinition: TD_NEW,
      running: 0,
      createdAt: at(14),
      rolloutState: "IN_PROGRESS",
    });
    const mine = task({
      id: ID,
      deploymentId: DEPLOYMENT_NEW,
      taskDefinition: TD_NEW,
      ip: "10.16.1.201",
      lastStatus: "RUNNING",
      createdAt: at(15),
    });
    const other = task({
      id: ID,
      deploymentId: "ecs-svc/2222222222222222222",
      taskDefinition: TD_NEW,
      ip: "10.16.1.202",
      lastStatus: "RUNNING",
      createdAt: at(15),
    });
    expect(belongsTo(mine, d, "web-production")).toBe(true);
    expect(belongsTo(other, d, "web-production")).toBe(false);
    expect(taskIps(mine)).toEqual(["10.16.1.201"]);
  });

  it("the circuit breaker threshold is ½ × desired, at least 3, at most 200", () => {
    expect([1, 2, 6, 10, 1000].map(circuitBreakerThreshold)).toEqual([3, 3, 3, 5, 200]);
  });
});

describe("target health window", () => {
  const t: TrackedRollout = { taskDefinitionArn: TD_NEW, applyStartedAt: T0, trackingStartedAt: T0 + 20_000 };
  const d = deployment({
    id: DEPLOYMENT_NEW,
    status: "PRIMARY",
    taskDefinition: TD_NEW,
    running: 1,
    desired: 1,
    createdAt: at(14),
    rolloutState: "IN_PROGRESS",
  });
  const running = task({
    id: ID,
    deploymentId: DEPLOYMENT_NEW,
    taskDefinition: TD_NEW,
    ip: "10.16.1.201",
    lastStatus: "RUNNING",
    createdAt: at(15),
    startedAt: at(20),
  });
  const obs = (
    s: number,
    grace: number,
    reason: "Target.ResponseCodeMismatch" | "Target.NotInUse" = "Target.ResponseCodeMismatch",
  ) => ({
    at: T0 + s * 1000,
    service: service({ deployments: [d], desired: 1, gracePeriodSeconds: grace }),
    tasks: [running],
    targetHealth: [
      {
        targetGroupArn: TG_ARN,
        descriptions: [target("10.16.1.201", "unhealthy", reason, "Health checks failed with these codes: [404]")],
      },
    ],
  });

  it("fails after 30 s of continuous failure past the grace period", () => {
    const state = newTrackerState();
    expect(assess(obs(30, 10), t, state).terminal).toBe(false);
    expect(assess(obs(55, 10), t, state).terminal).toBe(false);
    const a = assess(obs(60, 10), t, state);
    expect(a.terminal && a.cause).toBe("target-health");
  });

  it("waits while the task is inside the service's health-check grace period", () => {
    const state = newTrackerState();
    assess(obs(30, 120), t, state);
    // 40 s unhealthy, but the task started 50 s ago and the grace period is 120 s.
    expect(assess(obs(70, 120), t, state).terminal).toBe(false);
    expect(assess(obs(140, 120), t, state).terminal).toBe(true);
  });

  it("ignores unhealthy states whose reason is not a failed check", () => {
    const state = newTrackerState();
    assess(obs(30, 0, "Target.NotInUse"), t, state);
    expect(assess(obs(90, 0, "Target.NotInUse"), t, state).terminal).toBe(false);
  });
});

describe("retry rules", () => {
  it("retries throttling, 429, 5xx and connection resets; not access denied, validation or its own errors", () => {
    expect(isRetryable(ecsThrottling())).toBe(true);
    expect(isRetryable({ name: "Throttling", $metadata: { httpStatusCode: 400 } })).toBe(true);
    expect(isRetryable({ name: "TooManyRequestsException", $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isRetryable({ name: "ServerException", $metadata: { httpStatusCode: 500 } })).toBe(true);
    expect(isRetryable({ name: "Error", code: "ECONNRESET" })).toBe(true);
    expect(
      isRetryable(
        new ECSServiceException({
          name: "AccessDeniedException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        }),
      ),
    ).toBe(false);
    expect(isRetryable({ name: "InvalidParameterException", $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryable(new RolloutError("x"))).toBe(false);
  });

  it("backs off exponentially with equal jitter, capped at 20 s", () => {
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(0, () => 0.999)).toBeLessThan(1000);
    expect(backoffMs(3, () => 0)).toBe(4000);
    expect(backoffMs(30, () => 0.999)).toBeLessThan(20_000);
    expect(backoffMs(30, () => 0)).toBe(10_000);
  });
});
