/**
 * The rollout tracker on recorded-shape sequences of ECS / ELBv2 / CloudWatch
 * Logs responses (test/fixtures/aws): the verdict, the exit status, a message
 * naming the cause, and when the verdict came (polls and fake time — the clock is
 * fake, nothing waits).
 */
import { CloudWatchLogs } from "@aws-sdk/client-cloudwatch-logs";
import { ECS } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";

import { EMULATOR_ACCEPTANCE } from "../../../src/rollout/acceptance.js";
import { trackRollout, type TrackRolloutOptions } from "../../../src/rollout/track.js";
import { createRolloutClients, type RolloutClients } from "../../../src/rollout/clients.js";
import { RolloutError } from "../../../src/rollout/errors.js";
import { EXIT_CODES, exitCodeFor, type RolloutProgress } from "../../../src/rollout/model.js";
import { formatProgress } from "../../../src/rollout/summary.js";
import {
  DEPLOYMENT_NEW,
  DEPLOYMENT_ROLLBACK,
  DIGEST_NEW,
  NAME,
  REPOSITORY,
  T0,
  TD_NEW,
  tdArn,
} from "../../fixtures/aws/ecs-shapes.js";
import { ecsAccessDenied, ecsThrottling, FakeAws, FakeClock, type Scenario } from "../../fixtures/aws/fake-aws.js";
import { motoRunning0, motoRunning2 } from "../../fixtures/aws/moto.js";
import * as scenarios from "../../fixtures/aws/scenarios.js";
import type { TimedScenario } from "../../fixtures/aws/scenarios.js";

const POLL_S = 5;

/** Runs the tracker on a scenario with a fake clock; returns the result and what happened on the way. */
async function run(s: TimedScenario, o: Partial<TrackRolloutOptions> = {}) {
  const aws = new FakeAws(s);
  const start = T0 + s.startS * 1000;
  const clock = new FakeClock(start);
  const progress: RolloutProgress[] = [];
  const result = await trackRollout({
    clients: aws.clients(),
    cluster: NAME,
    service: NAME,
    taskDefinitionArn: TD_NEW,
    applyStartedAt: new Date(T0),
    expectedSeconds: 90,
    clock,
    random: () => 0.5,
    onProgress: (p) => progress.push(p),
    ...o,
  });
  return { result, aws, clock, progress, elapsedS: (clock.now() - start) / 1000 };
}

describe("trackRollout: success", () => {
  it("follows the new deployment through every phase to SUCCESSFUL when ECS marks it COMPLETED", async () => {
    const { result, progress, elapsedS, aws } = await run(scenarios.success());
    expect(result.verdict).toBe("SUCCESSFUL");
    expect(result.exitCode).toBe(0);
    expect(result.deploymentId).toBe(DEPLOYMENT_NEW);
    expect(result.timings.polls).toBe(8);
    expect(elapsedS).toBe(7 * POLL_S);
    expect(progress.map((p) => p.phase)).toEqual([
      "starting tasks",
      "starting tasks",
      "waiting for targets to pass health checks",
      "waiting for targets to pass health checks",
      "draining old tasks",
      "draining old tasks",
      "waiting for ECS to mark the deployment complete",
    ]);
    expect(progress[2]?.counts).toMatchObject({ running: 2, desired: 2, healthyTargets: 0, oldRunning: 2 });
    expect(result.reason).toContain("2/2 tasks running, 2/2 targets healthy, old tasks drained");
    // The old tasks' scheduler stops belong to the old deployment: not this one's evidence.
    expect(result.details.stoppedTasks).toEqual([]);
    expect(aws.calls.GetLogEvents ?? 0).toBe(0);
    expect(result.summary.split("\n")[0]).toMatch(
      /^Rollout of web-production:42 \(deployment ecs-svc\/\d{19}\): SUCCESSFUL after 35 s/,
    );
  });

  it("without rolloutState, succeeds on the second steady poll (running = desired, targets healthy, old tasks gone)", async () => {
    const { result } = await run(scenarios.successWithoutRolloutState());
    expect(result.verdict).toBe("SUCCESSFUL");
    // Frame 7 is the first steady picture; frame 8 confirms it.
    expect(result.timings.polls).toBe(8);
    expect(result.details.notes.join(" ")).toContain("no rolloutState");
  });

  it("reports 'no rollout' when the service already ran this task definition before the apply", async () => {
    const { result } = await run(scenarios.noRollout());
    expect(result.verdict).toBe("SUCCESSFUL");
    expect(result.timings.polls).toBe(1);
    expect(result.reason).toMatch(/^No rollout: the service already runs web-production:42/);
  });
});

describe("trackRollout: fails fast on causes that repeat", () => {
  it("image pull failure: FAILED on the first poll that shows the stopped task, naming the reason", async () => {
    const { result, elapsedS, aws } = await run(scenarios.imagePullFailure());
    expect(result.verdict).toBe("FAILED");
    expect(result.exitCode).not.toBe(0);
    expect(result.cause).toBe("image-pull");
    expect(result.timings.polls).toBe(3);
    expect(elapsedS).toBe(2 * POLL_S);
    expect(result.reason).toContain("CannotPullContainerError");
    expect(result.reason).toContain(": not found");
    expect(result.hint).toContain("not in the registry");
    expect(result.details.notes.join(" ")).toContain("after 3 failed tasks");
    // Nothing ran, so there are no logs to read.
    expect(aws.calls.GetLogEvents ?? 0).toBe(0);
    // The headline quotes the stopped reason once; the advice follows.
    expect(result.summary.match(/CannotPullContainerError/g)).toHaveLength(1);
    // The advice names the image it could not pull.
    expect(result.summary).toContain(`What to do: The image ${REPOSITORY}@${DIGEST_NEW} is not in the registry`);
  });

  it.each([
    [
      "secret",
      "secret-fetch",
      /execution role may not read Secrets Manager secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:\S+\/database-Xy7Qz1 \(secretsmanager:GetSecretValue/,
    ],
    ["ssm-missing", "secret-fetch", /SSM parameter \/app\/db-url does not exist.*set-secret --name VAR/],
    ["log-group", "resource-init", /log group does not exist/],
  ] as const)(
    "ResourceInitializationError (%s): FAILED on poll 2 as %s, with the matching advice",
    async (which, cause, hint) => {
      const { result } = await run(scenarios.resourceInitFailure(which));
      expect(result.verdict).toBe("FAILED");
      expect(result.cause).toBe(cause);
      expect(result.timings.polls).toBe(2);
      expect(result.reason).toContain("ResourceInitializationError");
      expect(result.hint).toMatch(hint);
    },
  );

  it("crash loop: one exit is not enough, the second task exiting 1 fails it; the last log lines are in the summary", async () => {
    const { result, progress } = await run(scenarios.crashLoop());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("essential-container-exit");
    expect(result.timings.polls).toBe(4);
    // Poll 3 saw the first crash and kept waiting.
    expect(progress).toHaveLength(3);
    expect(progress[2]?.counts.failedTasks).toBe(1);
    expect(result.reason).toContain("2 tasks of the new deployment exited");
    expect(result.reason).toContain("exit codes: app=1, app=1");
    expect(result.details.logLines.map((l) => l.taskId)).toEqual([scenarios.NEW2.id, scenarios.NEW1.id]);
    expect(result.details.logLines[0]?.logStream).toBe(`ecs/app/${scenarios.NEW2.id}`);
    expect(result.details.logLines[0]?.lines).toContain("Error: invalid configuration: DATABASE_URL is required");
    expect(result.summary).toContain("| Error: invalid configuration: DATABASE_URL is required");
    expect(result.summary).toContain(
      `Task ${scenarios.NEW1.id} logged the same last lines as task ${scenarios.NEW2.id}.`,
    );
  });

  it("out of memory: one task killed with exit 137 is enough", async () => {
    const { result } = await run(scenarios.outOfMemory());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("out-of-memory");
    expect(result.timings.polls).toBe(3);
    expect(result.reason).toContain("OutOfMemoryError: Container killed due to memory usage");
    expect(result.reason).toContain("app=137");
  });

  it("target health failing: FAILED once a target stays unhealthy for the 30 s window, with the ALB's reason code and codes", async () => {
    const { result, progress, elapsedS } = await run(scenarios.targetHealthFailing());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("target-health");
    // Unhealthy first seen on poll 3 (T0+30 s); 30 s later is poll 9.
    expect(result.timings.polls).toBe(9);
    expect(elapsedS).toBe(8 * POLL_S);
    expect(progress.slice(1).every((p) => p.phase === "waiting for targets to pass health checks")).toBe(true);
    expect(result.reason).toContain("Target.ResponseCodeMismatch");
    expect(result.reason).toContain("Health checks failed with these codes: [502]");
    expect(result.details.targetHealth.map((t) => t.reason)).toEqual([
      "Target.ResponseCodeMismatch",
      "Target.ResponseCodeMismatch",
    ]);
    expect(result.details.logLines[0]?.lines.join("\n")).toContain("ECONNREFUSED");
  });

  it("a task stopped for failing ELB health checks fails it at once, before the target window", async () => {
    const { result } = await run(scenarios.elbHealthCheckStop());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("elb-health-check");
    expect(result.timings.polls).toBe(4);
    expect(result.reason).toContain("Task failed ELB health checks");
    expect(result.summary).toContain("Target.Timeout: Request timed out");
  });
});

describe("trackRollout: rollbacks are failures", () => {
  it("circuit breaker rolled back: ROLLED_BACK (exit 2, never SUCCESSFUL), with ECS's reason, the cause and the logs", async () => {
    const { result } = await run(scenarios.circuitBreakerRollback());
    expect(result.verdict).not.toBe("SUCCESSFUL");
    expect(result.verdict).toBe("ROLLED_BACK");
    expect(result.exitCode).toBe(2);
    expect(result.timings.polls).toBe(1);
    expect(result.reason).toContain("ECS deployment circuit breaker: tasks failed to start.");
    expect(result.reason).toContain(`rolling the service back to web-production:41 (deployment ${DEPLOYMENT_ROLLBACK}`);
    expect(result.reason).toContain("exit codes: app=1");
    expect(result.details.logLines).toHaveLength(2);
    expect(result.summary).toContain("ROLLED BACK");
  });

  it("rolled back before the first poll: the service events tell, and it is still a failure", async () => {
    const { result } = await run(scenarios.rollbackBeforeFirstPoll());
    expect(result.verdict).toBe("ROLLED_BACK");
    expect(result.timings.polls).toBe(1);
    expect(result.reason).toContain("deployment failed: tasks failed to start.");
    expect(result.reason).toContain("runs web-production:41");
  });

  it("the tracked deployment vanishing while a rollback deployment runs is ROLLED_BACK", async () => {
    const { result } = await run(scenarios.deploymentVanishesInRollback());
    expect(result.verdict).toBe("ROLLED_BACK");
    expect(result.timings.polls).toBe(2);
    expect(result.reason).toContain(`Deployment ${DEPLOYMENT_NEW} of web-production:42 is gone`);
    // Its stopped tasks are still read after ECS dropped it: the cause is named.
    expect(result.reason).toContain("Cause: 3 tasks of the new deployment exited");
  });

  it("a deployment replaced by another deploy is FAILED (superseded), not success", async () => {
    const { result } = await run(scenarios.superseded());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("superseded");
    expect(result.reason).toContain("web-production:43");
  });

  it("circuit breaker without rollback: FAILED, and it says the service stays on the failed deployment", async () => {
    const { result } = await run(scenarios.failedWithoutRollback());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("circuit-breaker");
    expect(result.details.notes.join(" ")).toContain("Without rollback");
  });
});

describe("trackRollout: timeouts and missing deployments", () => {
  it("never declares success because the service is stable on the old deployment", async () => {
    const { result, elapsedS } = await run(scenarios.noNewDeployment());
    expect(result.verdict).toBe("FAILED");
    expect(result.cause).toBe("no-deployment");
    // The grace for the deployment to appear is 30 s.
    expect(elapsedS).toBe(30);
    expect(result.timings.polls).toBe(7);
    expect(result.reason).toContain("No deployment of web-production:42 appeared");
    expect(result.reason).toContain("runs web-production:41");
  });

  it("TIMED_OUT at the budget (3 × expected, at least 120 s), on a fresh observation, naming the phase and the events", async () => {
    const { result, elapsedS, progress } = await run(scenarios.stuckStarting(), { expectedSeconds: 40 });
    expect(result.verdict).toBe("TIMED_OUT");
    expect(result.exitCode).toBe(3);
    expect(elapsedS).toBe(120);
    expect(result.timings.polls).toBe(25);
    expect(progress.at(-1)?.elapsedMs).toBe(115_000);
    expect(result.reason).toContain(
      "was still starting tasks after 120 s (budget 120 s = 3 × the expected 40 s, at least 120 s)",
    );
    expect(result.reason).toContain("0/2 tasks running");
    expect(result.summary).toContain("Capacity is unavailable at this time");
  });

  it("an explicit budget replaces the computed one", async () => {
    const { result, elapsedS } = await run(scenarios.stuckStarting(), { budgetSeconds: 60 });
    expect(result.verdict).toBe("TIMED_OUT");
    expect(elapsedS).toBe(60);
  });
});

describe("trackRollout: throttling and AWS errors never become a verdict", () => {
  it("retries throttled calls with jittered backoff and still reaches the right verdict", async () => {
    const { result, aws, clock, progress } = await run(scenarios.successThrottled());
    expect(result.verdict).toBe("SUCCESSFUL");
    expect(aws.throttled).toEqual({ DescribeServices: 3, DescribeTargetHealth: 1 });
    // A throttled DescribeTargetHealth repeats the whole poll (one consistent picture per poll):
    // its DescribeServices then answers with the next frame, so 7 of the 8 frames are assessed.
    expect(result.timings.polls).toBe(7);
    // Equal jitter with random() = 0.5: 0.75 × 1 s, 2 s, 4 s; the counter resets after an answer.
    expect(clock.sleeps.filter((ms) => ms !== POLL_S * 1000)).toEqual([750, 1500, 3000, 750]);
    const retries = progress.filter((p) => p.retrying);
    expect(retries).toHaveLength(4);
    expect(retries[0]?.retrying).toContain("ThrottlingException: Rate exceeded");
    expect(retries[3]?.retrying).toContain("Throttling: Rate exceeded");
  });

  it("persistent throttling ends in an error that says the state is unknown, after 2 minutes, not in a verdict", async () => {
    const aws = new FakeAws(scenarios.success());
    aws.describeServicesError = ecsThrottling;
    const clock = new FakeClock(T0 + 20_000);
    await expect(
      trackRollout({
        clients: aws.clients(),
        cluster: NAME,
        service: NAME,
        taskDefinitionArn: TD_NEW,
        applyStartedAt: new Date(T0),
        expectedSeconds: 90,
        clock,
        random: () => 0.5,
      }),
    ).rejects.toThrow(/Its state is unknown, not failed/);
    expect(clock.now() - (T0 + 20_000)).toBeGreaterThanOrEqual(120_000);
    expect(aws.calls.DescribeServices).toBeGreaterThan(5);
  });

  it("access denied: a clear error listing the permissions, without retrying", async () => {
    const aws = new FakeAws(scenarios.success());
    aws.describeServicesError = () => ecsAccessDenied("ecs:DescribeServices");
    const err = await trackRollout({
      clients: aws.clients(),
      cluster: NAME,
      service: NAME,
      taskDefinitionArn: TD_NEW,
      applyStartedAt: new Date(T0),
      expectedSeconds: 90,
      clock: new FakeClock(T0),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolloutError);
    expect((err as Error).message).toContain("ECS DescribeServices was denied");
    expect((err as Error).message).toContain(
      "ecs:DescribeServices, ecs:ListTasks, ecs:DescribeTasks, ecs:DescribeTaskDefinition, elasticloadbalancing:DescribeTargetHealth",
    );
    expect(aws.calls.DescribeServices).toBe(1);
  });

  it("a missing service is an error naming cluster and service", async () => {
    const aws = new FakeAws({ frames: [{}] });
    await expect(
      trackRollout({
        clients: aws.clients(),
        cluster: NAME,
        service: "nope",
        taskDefinitionArn: TD_NEW,
        applyStartedAt: new Date(T0),
        expectedSeconds: 90,
        clock: new FakeClock(T0),
      }),
    ).rejects.toThrow(/The service nope was not found in cluster web-production \(MISSING\)/);
  });
});

describe("trackRollout on the emulator's shapes (moto 5.2.5, recorded)", () => {
  const createdAt = motoRunning2.afterCreate.services[0]!.deployments[0]!.createdAt.getTime();
  const tg = motoRunning2.afterCreate.services[0]!.loadBalancers[0]!.targetGroupArn;
  const moto = (svc: Scenario["frames"][number]["service"]): TimedScenario => ({
    startS: 0,
    taskDefinitions: {
      [motoRunning2.describeTaskDefinition.taskDefinition.taskDefinitionArn]:
        motoRunning2.describeTaskDefinition.taskDefinition,
    },
    frames: [
      {
        ...(svc ? { service: svc } : {}),
        tasks: [],
        targets: { [tg]: motoRunning2.targetHealth.TargetHealthDescriptions },
      },
    ],
  });
  const motoRun = (s: TimedScenario, td: string, emulator: boolean, expectedSeconds = 40) => {
    const aws = new FakeAws(s);
    const clock = new FakeClock(createdAt + 5_000);
    return trackRollout({
      clients: aws.clients(),
      cluster: "web",
      service: "web",
      taskDefinitionArn: td,
      applyStartedAt: new Date(createdAt - 10_000),
      expectedSeconds,
      clock,
      ...(emulator ? { acceptance: EMULATOR_ACCEPTANCE } : {}),
    });
  };
  const web1 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";
  const web2 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2";

  it("create with MOTO_ECS_SERVICE_RUNNING = desired: COMPLETED, SUCCESSFUL on the first poll even without emulator mode", async () => {
    const r = await motoRun(moto(motoRunning2.afterCreate.services[0]), web1, false);
    expect(r.verdict).toBe("SUCCESSFUL");
    expect(r.timings.polls).toBe(1);
  });

  it("update to a new task definition: moto keeps the old deployment, so without emulator mode it is 'no deployment' with a hint", async () => {
    const r = await motoRun(moto(motoRunning2.afterUpdate.services[0]), web2, false);
    expect(r.verdict).toBe("FAILED");
    expect(r.cause).toBe("no-deployment");
    expect(r.reason).toContain("although the service names web:2");
    expect(r.hint).toContain("emulator=true");
  });

  it.each([
    ["update", motoRunning2.afterUpdate.services[0], web2],
    ["forceNewDeployment", motoRunning2.afterForceNewDeployment.services[0], web2],
    ["create, 0 running (rolloutState frozen IN_PROGRESS)", motoRunning0.afterCreate.services[0], web1],
    ["update, 0 running", motoRunning0.afterUpdate.services[0], web2],
  ] as const)(
    "emulator mode, %s: SUCCESSFUL on the first poll, with a note on what could not be checked",
    async (_name, svc, td) => {
      const r = await motoRun(moto(svc), td, true);
      expect(r.verdict).toBe("SUCCESSFUL");
      expect(r.timings.polls).toBe(1);
      expect(r.details.notes.join(" ")).toContain("Emulator: it keeps one static deployment per service");
    },
  );

  it("create with 0 running and no emulator mode: the frozen IN_PROGRESS times out instead of passing", async () => {
    const r = await motoRun(moto(motoRunning0.afterCreate.services[0]), web1, false);
    expect(r.verdict).toBe("TIMED_OUT");
    expect(r.reason).toContain("starting tasks");
  });
});

describe("exit status and helpers", () => {
  it("maps only SUCCESSFUL to 0; every other verdict to a distinct non-zero status", () => {
    expect(exitCodeFor("SUCCESSFUL")).toBe(0);
    const others = (["FAILED", "ROLLED_BACK", "TIMED_OUT"] as const).map(exitCodeFor);
    expect(others.every((c) => c !== 0)).toBe(true);
    expect(new Set(others).size).toBe(3);
    expect(Object.keys(EXIT_CODES).sort()).toEqual(["FAILED", "ROLLED_BACK", "SUCCESSFUL", "TIMED_OUT"]);
  });

  it("formats a progress line with elapsed vs expected, counts and the deployment", () => {
    const line = formatProgress({
      phase: "waiting for targets to pass health checks",
      deploymentId: DEPLOYMENT_NEW,
      counts: { running: 2, desired: 2, pending: 0, failedTasks: 0, healthyTargets: 1, oldRunning: 2 },
      elapsedMs: 35_000,
      expectedMs: 90_000,
      budgetMs: 270_000,
      polls: 4,
    });
    expect(line).toBe(
      `[ 35 s / ~90 s] waiting for targets to pass health checks: 2/2 tasks running, 1/2 targets healthy, 2 old still running (deployment ${DEPLOYMENT_NEW})`,
    );
  });

  it("the SDK's own clients satisfy the tracker's client interfaces", async () => {
    const config = { region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" } };
    const direct: RolloutClients = {
      ecs: new ECS(config),
      elbv2: new ElasticLoadBalancingV2(config),
      logs: new CloudWatchLogs(config),
    };
    expect(typeof direct.ecs.describeServices).toBe("function");
    const made = await createRolloutClients(config);
    expect(typeof made.ecs.listTasks).toBe("function");
    expect(typeof made.elbv2.describeTargetHealth).toBe("function");
    expect(typeof made.logs.getLogEvents).toBe("function");
    made.destroy();
  });

  it("tdArn builds ARNs the scenarios compare against", () => {
    expect(tdArn(42)).toBe(TD_NEW);
  });
});
