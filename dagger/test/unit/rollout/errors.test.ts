/**
 * The tracker's AWS errors on their own (rollout/errors.ts): the log reads'
 * short retry, the call tag that names the failing call in messages, and the
 * message of each error that stops the tracking — on errors shaped as the SDK
 * raises them.
 */
import { ECSServiceException } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";

import { ROLLOUT_IAM_ACTIONS } from "../../../src/rollout/clients.js";
import { tagged, explainError, isRetryable, RolloutError, withRetry } from "../../../src/rollout/errors.js";
import { ecsAccessDenied, ecsThrottling, FakeClock } from "../../fixtures/aws/fake-aws.js";

const WHERE = { cluster: "web-production", service: "web-production" };

describe("withRetry (the log reads)", () => {
  it("retries throttling with backoff and returns the answer", async () => {
    const clock = new FakeClock(0);
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw ecsThrottling();
        return "lines";
      },
      clock,
      () => 0,
    );
    expect(out).toBe("lines");
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it("gives up after three attempts, and at once on an answer that is not throttling", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => ((calls += 1), Promise.reject(ecsThrottling())),
        new FakeClock(0),
        () => 0,
      ),
    ).rejects.toMatchObject({ name: "ThrottlingException" });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(
        async () => ((calls += 1), Promise.reject(ecsAccessDenied("logs:GetLogEvents"))),
        new FakeClock(0),
        () => 0,
      ),
    ).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(calls).toBe(1);
  });
});

describe("explainError (what stops the tracking)", () => {
  it("a denied call names the call and every read-only action the deploy identity needs", async () => {
    const err = await tagged("ECS DescribeServices", () =>
      Promise.reject(ecsAccessDenied("ecs:DescribeServices")),
    ).catch((e: unknown) => e);
    expect(isRetryable(err)).toBe(false);
    const msg = explainError(err, WHERE);
    expect(msg).toContain("Rollout tracking: ECS DescribeServices was denied (AccessDeniedException:");
    for (const action of ROLLOUT_IAM_ACTIONS) expect(msg).toContain(action);
    expect(msg).toContain("The deployment itself continues");
  });

  it("a missing cluster or service names what was tracked", () => {
    const cluster = new ECSServiceException({
      name: "ClusterNotFoundException",
      $fault: "client",
      message: "Cluster not found.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(explainError(cluster, WHERE)).toBe(
      "Rollout tracking: the cluster web-production does not exist (ClusterNotFoundException: Cluster not found.): check the cluster name the apply output and the region.",
    );
    const inactive = new ECSServiceException({
      name: "ServiceNotActiveException",
      $fault: "client",
      message: "Service was not ACTIVE.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(explainError(inactive, WHERE)).toContain("the service web-production is not in cluster web-production");
  });

  it("any other error says which call failed with its HTTP status; a RolloutError keeps its own message", () => {
    const other = {
      name: "InvalidParameterException",
      message: "Invalid revision",
      $metadata: { httpStatusCode: 400 },
      rolloutCall: "ECS ListTasks",
    };
    expect(explainError(other, WHERE)).toBe(
      "Rollout tracking: ECS ListTasks failed (InvalidParameterException: Invalid revision, HTTP 400). The deployment itself continues: check it with `status`.",
    );
    expect(explainError(new RolloutError("the service is gone"), WHERE)).toBe("the service is gone");
  });
});
