/**
 * What counts as success is a strategy the assessment is given, not a branch
 * inside it: ECS_ACCEPTANCE (AWS: ECS's word only) and EMULATOR_ACCEPTANCE
 * (moto's static deployments, no tasks), on the emulator's recorded answers and
 * on realistic AWS shapes. The failure rules hold whichever rule is passed.
 */
import type { Service } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";

import {
  type AcceptanceRule,
  type AcceptanceView,
  ECS_ACCEPTANCE,
  EMULATOR_ACCEPTANCE,
} from "../../../src/rollout/acceptance.js";
import { assess, NEW_DEPLOYMENT_GRACE_MS } from "../../../src/rollout/assess.js";
import { type Assessment, newTrackerState, type Observation, type TrackedRollout } from "../../../src/rollout/model.js";
import { at, DEPLOYMENT_NEW, deployment, service, T0, task, TD_NEW } from "../../fixtures/aws/ecs-shapes.js";
import { motoRunning0, motoRunning2 } from "../../fixtures/aws/moto.js";

const WEB1 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";
const WEB2 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2";

/** One poll of a moto service, `afterS` seconds after its deployment was created (moto runs no task). */
function motoPoll(svc: Service, afterS = 5): Observation {
  const created = svc.deployments?.[0]?.createdAt?.getTime() ?? 0;
  return {
    at: created + afterS * 1000,
    service: svc,
    tasks: [],
    targetHealth: [{ targetGroupArn: svc.loadBalancers?.[0]?.targetGroupArn ?? "?", descriptions: [] }],
  };
}

/** What is tracked for a moto poll: the apply started 10 s before the deployment, tracking 5 s after it. */
function motoTarget(svc: Service, taskDefinitionArn: string): TrackedRollout {
  const created = svc.deployments?.[0]?.createdAt?.getTime() ?? 0;
  return { taskDefinitionArn, applyStartedAt: created - 10_000, trackingStartedAt: created + 5_000 };
}

function terminal(a: Assessment): Extract<Assessment, { terminal: true }> {
  if (!a.terminal) throw new Error(`expected a verdict, got the phase "${a.phase}"`);
  return a;
}

describe("the emulator's acceptance rule, on moto's recorded answers", () => {
  const frozen = motoRunning0.afterCreate.services[0]!;
  const updated = motoRunning2.afterUpdate.services[0]!;

  it("a frozen IN_PROGRESS deployment with 0 running: ECS's rule keeps waiting, the emulator's accepts and says in the reason that the emulator runs no tasks", () => {
    const real = assess(motoPoll(frozen), motoTarget(frozen, WEB1), newTrackerState(), ECS_ACCEPTANCE);
    expect(real.terminal).toBe(false);

    const a = terminal(assess(motoPoll(frozen), motoTarget(frozen, WEB1), newTrackerState(), EMULATOR_ACCEPTANCE));
    expect(a.verdict).toBe("SUCCESSFUL");
    expect(a.reason).toBe(
      `emulator: the service runs web:1, deployment ${frozen.deployments[0]!.id} IN_PROGRESS; the emulator runs no tasks`,
    );
    expect(a.reason).not.toContain("tasks running");
    expect(a.notes.join(" ")).toContain("Emulator: it keeps one static deployment per service");
  });

  it("an update (the deployment record still names web:1): the emulator's rule accepts and names the stale record; ECS's rule fails with no deployment after the grace period", () => {
    const a = terminal(assess(motoPoll(updated), motoTarget(updated, WEB2), newTrackerState(), EMULATOR_ACCEPTANCE));
    expect(a.verdict).toBe("SUCCESSFUL");
    expect(a.reason).toContain("emulator: the service runs web:2");
    expect(a.reason).toContain("(still naming web:1)");

    const late = motoPoll(updated, 5 + NEW_DEPLOYMENT_GRACE_MS / 1000 + 1);
    const real = terminal(assess(late, motoTarget(updated, WEB2), newTrackerState(), ECS_ACCEPTANCE));
    expect(real.verdict).toBe("FAILED");
    expect(real.cause).toBe("no-deployment");
  });

  it("a deployment ECS (moto) marks COMPLETED: ECS's rule quotes the counts, the emulator's says it runs no tasks instead", () => {
    const completed = motoRunning2.afterCreate.services[0]!;
    const real = terminal(assess(motoPoll(completed), motoTarget(completed, WEB1), newTrackerState(), ECS_ACCEPTANCE));
    expect(real.reason).toBe(
      `Deployment ${completed.deployments[0]!.id} of web:1 completed: 2/2 tasks running, old tasks drained.`,
    );
    expect(real.notes).toEqual([]);

    const emu = terminal(
      assess(motoPoll(completed), motoTarget(completed, WEB1), newTrackerState(), EMULATOR_ACCEPTANCE),
    );
    expect(emu.verdict).toBe("SUCCESSFUL");
    expect(emu.reason).toBe(
      `emulator: the service runs web:1, deployment ${completed.deployments[0]!.id} COMPLETED; the emulator runs no tasks`,
    );
    expect(emu.notes.join(" ")).toContain("runs no task");
  });

  it("the service not naming the task definition is not accepted, even by the emulator's rule", () => {
    const a = assess(
      motoPoll(updated),
      motoTarget(updated, "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"),
      newTrackerState(),
      EMULATOR_ACCEPTANCE,
    );
    expect(a.terminal).toBe(false);
  });
});

describe("the failure rules hold whichever acceptance rule is passed", () => {
  const t: TrackedRollout = { taskDefinitionArn: TD_NEW, applyStartedAt: T0, trackingStartedAt: T0 + 20_000 };
  const d = deployment({
    id: DEPLOYMENT_NEW,
    status: "PRIMARY",
    taskDefinition: TD_NEW,
    running: 0,
    createdAt: at(14),
    rolloutState: "IN_PROGRESS",
  });
  const pullFailed = task({
    id: "5d2e8f1a3b6c4d7e9f0a1b2c3d4e5f60",
    deploymentId: DEPLOYMENT_NEW,
    taskDefinition: TD_NEW,
    ip: "10.16.1.201",
    lastStatus: "STOPPED",
    createdAt: at(15),
    stoppedAt: at(30),
    stopCode: "TaskFailedToStart",
    stoppedReason:
      "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-production@sha256:9b8a: not found",
  });
  const obs: Observation = {
    at: T0 + 35_000,
    service: service({ deployments: [d] }),
    tasks: [pullFailed],
    targetHealth: [],
  };

  it.each([
    ["ECS_ACCEPTANCE", ECS_ACCEPTANCE],
    ["EMULATOR_ACCEPTANCE", EMULATOR_ACCEPTANCE],
  ] as const)("%s: a task that cannot pull the image fails the deploy on the first poll", (_name, rule) => {
    const a = terminal(assess(obs, t, newTrackerState(), rule));
    expect(a.verdict).toBe("FAILED");
    expect(a.cause).toBe("image-pull");
  });

  it("the rule is asked only where nothing failed, and its answer is the verdict", () => {
    const asked: AcceptanceView[] = [];
    const acceptAll: AcceptanceRule = {
      acceptUndecided: (view) => {
        asked.push(view);
        return { reason: "accepted by the test's rule", notes: ["a note"] };
      },
      confirmCompleted: (_view, ecs) => ecs,
    };
    expect(terminal(assess(obs, t, newTrackerState(), acceptAll)).cause).toBe("image-pull");
    expect(asked).toHaveLength(0);

    const quiet: Observation = { ...obs, tasks: [] };
    const a = terminal(assess(quiet, t, newTrackerState(), acceptAll));
    expect(a).toMatchObject({ verdict: "SUCCESSFUL", reason: "accepted by the test's rule", notes: ["a note"] });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.deployment?.id).toBe(DEPLOYMENT_NEW);
    expect(assess(quiet, t, newTrackerState()).terminal).toBe(false);
  });
});
