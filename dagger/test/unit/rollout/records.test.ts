/**
 * ECS's service-deployment records in the rollout tracker: how records.ts reads
 * them and when it gives up (never stopping the tracking), and what assess.ts
 * decides on them — beside DescribeServices, which still fails fast and decides
 * where the records are not decisive or not readable. Also the general rules the
 * corpus cases exercise one example of: a successor deployment of the same task
 * definition is followed, a stopping task counts as stopped, the failure
 * threshold follows the service's configuration.
 */
import type { DescribeServiceDeploymentsResponse, ListServiceDeploymentsResponse } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";

import { assess, circuitBreakerThreshold, failureThreshold } from "../../../src/rollout/assess.js";
import type { EcsApi } from "../../../src/rollout/clients.js";
import {
  newTrackerState,
  type Observation,
  type ServiceDeploymentRecord,
  type TrackedRollout,
} from "../../../src/rollout/model.js";
import { newRecordReader, readRecords, RECORD_FAILURES_BEFORE_FALLBACK } from "../../../src/rollout/records.js";
import { isStopped } from "../../../src/rollout/stops.js";
import {
  at,
  DEPLOYMENT_NEW,
  DEPLOYMENT_OLD,
  deployment,
  NAME,
  service,
  T0,
  TD_NEW,
  TD_OLD,
  tdArn,
} from "../../fixtures/aws/ecs-shapes.js";
import { ecsAccessDenied, ecsThrottling, motoNotImplemented } from "../../fixtures/aws/fake-aws.js";

const target: TrackedRollout = { taskDefinitionArn: TD_NEW, applyStartedAt: T0, trackingStartedAt: T0 + 20_000 };
const SD = `arn:aws:ecs:eu-west-1:123456789012:service-deployment/${NAME}/${NAME}`;
const REV = `arn:aws:ecs:eu-west-1:123456789012:service-revision/${NAME}/${NAME}`;

/** An EcsApi whose three record calls answer as given (the others are not called by readRecords). */
function recordsApi(answers: {
  list: () => Promise<ListServiceDeploymentsResponse>;
  describe?: DescribeServiceDeploymentsResponse;
}): EcsApi & { calls: string[] } {
  const calls: string[] = [];
  const unused = () => Promise.reject(new Error("not called by readRecords"));
  return {
    calls,
    describeServices: unused,
    listTasks: unused,
    describeTasks: unused,
    describeTaskDefinition: unused,
    listServiceDeployments: () => (calls.push("list"), answers.list()),
    describeServiceDeployments: async () => (calls.push("describe"), answers.describe ?? { serviceDeployments: [] }),
    describeServiceRevisions: async (input) => {
      calls.push("revisions");
      return {
        serviceRevisions: (input.serviceRevisionArns ?? []).map((arn) => ({
          serviceRevisionArn: arn,
          taskDefinition: arn.endsWith("/42") ? TD_NEW : TD_OLD,
        })),
      };
    },
  };
}

const options = (ecs: EcsApi, reader = newRecordReader()) => ({
  ecs,
  cluster: NAME,
  service: NAME,
  since: new Date(T0 - 60_000),
  reader,
});

describe("reading ECS's service-deployment records", () => {
  it("lists the deployments since the apply, describes them and names each one's task definition (revisions described once)", async () => {
    // The aws-cli describe-service-deployments example's fields, for this service.
    const api = recordsApi({
      list: async () => ({ serviceDeployments: [{ serviceDeploymentArn: `${SD}/ejGvqq2ilnbKT9qj0vLJe` }] }),
      describe: {
        serviceDeployments: [
          {
            serviceDeploymentArn: `${SD}/ejGvqq2ilnbKT9qj0vLJe`,
            createdAt: at(14),
            status: "ROLLBACK_IN_PROGRESS",
            targetServiceRevision: {
              arn: `${REV}/42`,
              requestedTaskCount: 2,
              runningTaskCount: 0,
              pendingTaskCount: 0,
            },
            rollback: { serviceRevisionArn: `${REV}/41` },
            deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
          },
        ],
      },
    });
    const reader = newRecordReader();
    const first = await readRecords(options(api, reader));
    expect(first).toEqual({
      readable: true,
      records: [
        {
          arn: `${SD}/ejGvqq2ilnbKT9qj0vLJe`,
          id: "ejGvqq2ilnbKT9qj0vLJe",
          status: "ROLLBACK_IN_PROGRESS",
          createdAt: at(14),
          taskDefinition: TD_NEW,
          rollback: { taskDefinition: TD_OLD },
          circuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
          tasks: { requested: 2, running: 0 },
        },
      ],
    });
    await readRecords(options(api, reader));
    expect(api.calls).toEqual(["list", "describe", "revisions", "list", "describe"]);
  });

  it("skips a throttled read without counting it; gives up after RECORD_FAILURES_BEFORE_FALLBACK server errors in a row (moto's 500)", async () => {
    const reader = newRecordReader();
    const throttled = recordsApi({ list: () => Promise.reject(ecsThrottling()) });
    for (let i = 0; i < 5; i++) expect((await readRecords(options(throttled, reader))).readable).toBe(false);
    expect(reader.unavailable).toBeUndefined();
    const moto = recordsApi({ list: () => Promise.reject(motoNotImplemented()) });
    for (let i = 1; i < RECORD_FAILURES_BEFORE_FALLBACK; i++) await readRecords(options(moto, reader));
    expect(reader.unavailable).toBeUndefined();
    const last = await readRecords(options(moto, reader));
    expect(last).toEqual({ readable: false, why: "ECS ListServiceDeployments answered HTTP 500" });
    // Given up: no more calls.
    await readRecords(options(moto, reader));
    expect(moto.calls).toHaveLength(RECORD_FAILURES_BEFORE_FALLBACK);
  });

  it("gives up at once on access denied, saying which permissions to grant; an answer in between resets the count", async () => {
    const denied = await readRecords(
      options(recordsApi({ list: () => Promise.reject(ecsAccessDenied("ecs:ListServiceDeployments")) })),
    );
    expect(denied.readable === false && denied.why).toMatch(
      /^ECS ListServiceDeployments answered HTTP 400 \(AccessDeniedException: User: .* is not authorized to perform: ecs:ListServiceDeployments.*\); the deploy identity needs ecs:ListServiceDeployments, ecs:DescribeServiceDeployments and ecs:DescribeServiceRevisions$/,
    );
    const reader = newRecordReader();
    let fail = true;
    const flaky = recordsApi({
      list: () => (fail ? Promise.reject(motoNotImplemented()) : Promise.resolve({ serviceDeployments: [] })),
    });
    for (let i = 0; i < 10; i++) {
      fail = i % 2 === 0;
      await readRecords(options(flaky, reader));
    }
    expect(reader.unavailable).toBeUndefined();
  });
});

/** One poll with the given records, on a service whose new deployment is in progress. */
function observation(records: ServiceDeploymentRecord[] | string, deployments = [inProgress()]): Observation {
  return {
    at: T0 + 30_000,
    service: service({ deployments }),
    tasks: [],
    targetHealth: [],
    records: typeof records === "string" ? { readable: false, why: records } : { readable: true, records },
  };
}
function inProgress() {
  return deployment({
    id: DEPLOYMENT_NEW,
    status: "PRIMARY",
    taskDefinition: TD_NEW,
    running: 0,
    createdAt: at(14),
    rolloutState: "IN_PROGRESS",
  });
}
function record(
  id: string,
  status: string,
  taskDefinition: string,
  createdS: number,
  more: Partial<ServiceDeploymentRecord> = {},
): ServiceDeploymentRecord {
  return { arn: `${SD}/${id}`, id, status, taskDefinition, createdAt: at(createdS), ...more };
}

describe("deciding on ECS's service-deployment records", () => {
  it.each([
    ["SUCCESSFUL", "SUCCESSFUL", "none"],
    ["ROLLBACK_REQUESTED", "ROLLED_BACK", "circuit-breaker"],
    ["ROLLBACK_IN_PROGRESS", "ROLLED_BACK", "circuit-breaker"],
    ["ROLLBACK_SUCCESSFUL", "ROLLED_BACK", "circuit-breaker"],
    ["ROLLBACK_FAILED", "FAILED", "circuit-breaker"],
    ["STOPPED", "FAILED", "stopped"],
  ] as const)("%s → %s (%s), whatever DescribeServices still shows", (status, verdict, cause) => {
    const a = assess(observation([record("sd1", status, TD_NEW, 14)]), target, newTrackerState());
    expect(a.terminal && [a.verdict, a.cause]).toEqual([verdict, cause]);
    expect(a.terminal && a.reason).toContain(`service deployment sd1 (${status}`);
  });

  it("PENDING, IN_PROGRESS and STOP_REQUESTED leave it to DescribeServices", () => {
    for (const status of ["PENDING", "IN_PROGRESS", "STOP_REQUESTED"])
      expect(assess(observation([record("sd1", status, TD_NEW, 14)]), target, newTrackerState()).terminal).toBe(false);
  });

  it("STOPPED with a newer deployment of another task definition is superseded; of the same one, that one is followed", () => {
    const other = assess(
      observation([record("sd2", "IN_PROGRESS", tdArn(43), 40), record("sd1", "STOPPED", TD_NEW, 14)]),
      target,
      newTrackerState(),
    );
    expect(other.terminal && [other.verdict, other.cause]).toEqual(["FAILED", "superseded"]);
    expect(other.terminal && other.reason).toContain(`service deployment sd2 of ${NAME}:43`);
    const same = assess(
      observation([record("sd2", "IN_PROGRESS", TD_NEW, 40), record("sd1", "STOPPED", TD_NEW, 14)]),
      target,
      newTrackerState(),
    );
    expect(same.terminal).toBe(false);
  });

  it("a record created before the apply is not this rollout's", () => {
    const a = assess(observation([record("old", "ROLLBACK_SUCCESSFUL", TD_NEW, -600)]), target, newTrackerState());
    expect(a.terminal).toBe(false);
  });

  it("unreadable records: DescribeServices decides, and the verdict says why the records were not used", () => {
    const failed = deployment({
      id: DEPLOYMENT_NEW,
      status: "PRIMARY",
      taskDefinition: TD_NEW,
      running: 0,
      createdAt: at(14),
      rolloutState: "FAILED",
      rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
    });
    const a = assess(observation("ECS ListServiceDeployments answered HTTP 500", [failed]), target, newTrackerState());
    expect(a.terminal && a.verdict).toBe("ROLLED_BACK");
    expect(a.terminal && a.notes.join(" ")).toContain(
      "ECS's service-deployment records could not be read: ECS ListServiceDeployments answered HTTP 500.",
    );
  });
});

describe("rules the corpus shows one example of", () => {
  it("a newer PRIMARY deployment of the same task definition replaces the tracked one: followed, not superseded", () => {
    const state = newTrackerState();
    const first = deployment({
      id: DEPLOYMENT_NEW,
      status: "PRIMARY",
      taskDefinition: TD_NEW,
      running: 0,
      createdAt: at(14),
      rolloutState: "IN_PROGRESS",
    });
    expect(assess(observation("n/a", [first]), target, state).terminal).toBe(false);
    const second = deployment({
      id: "ecs-svc/1111111111111111111",
      status: "PRIMARY",
      taskDefinition: TD_NEW,
      running: 2,
      createdAt: at(24),
      rolloutState: "COMPLETED",
    });
    const a = assess(observation("n/a", [second]), target, state);
    expect(a.terminal && [a.verdict, a.reason]).toEqual([
      "SUCCESSFUL",
      expect.stringContaining("Deployment ecs-svc/1111111111111111111"),
    ]);
    expect(a.terminal && a.notes.join(" ")).toContain(
      `ECS replaced deployment ${DEPLOYMENT_NEW} by ecs-svc/1111111111111111111`,
    );
  });

  it("a task counts as stopped once it has a stopped reason, whatever its lastStatus", () => {
    expect(isStopped({ lastStatus: "DEPROVISIONING", stoppedReason: "Essential container in task exited" })).toBe(true);
    expect(
      isStopped({ lastStatus: "STOPPING", stoppedReason: "Task failed ELB health checks in (target-group …)" }),
    ).toBe(true);
    expect(isStopped({ lastStatus: "STOPPED" })).toBe(true);
    expect(isStopped({ lastStatus: "RUNNING" })).toBe(false);
    expect(isStopped({ lastStatus: "DEPROVISIONING" })).toBe(false);
  });

  it("the failure threshold: the record's, else the service's thresholdConfiguration on the service's desired count, else AWS's default", () => {
    const d = inProgress();
    const s = (
      thresholdConfiguration?: { type: "BOUNDED_PERCENT" | "COUNT" | "UNBOUNDED_PERCENT"; value: number },
      desired = 10,
    ) => {
      const svc = service({ deployments: [d], desired });
      svc.deploymentConfiguration!.deploymentCircuitBreaker = {
        enable: true,
        rollback: true,
        ...(thresholdConfiguration ? { thresholdConfiguration } : {}),
      };
      return svc;
    };
    // A deployment just created has desiredCount 0: the service's count is what ECS multiplies.
    expect(failureThreshold(s(undefined, 10), { ...d, desiredCount: 0 })).toBe(circuitBreakerThreshold(10));
    expect(failureThreshold(s({ type: "COUNT", value: 7 }), d)).toBe(7);
    expect(failureThreshold(s({ type: "BOUNDED_PERCENT", value: 20 }, 100), d)).toBe(20);
    expect(failureThreshold(s({ type: "BOUNDED_PERCENT", value: 20 }, 4), d)).toBe(3);
    expect(failureThreshold(s({ type: "UNBOUNDED_PERCENT", value: 50 }, 1000), d)).toBe(500);
    expect(
      failureThreshold(
        s({ type: "COUNT", value: 7 }),
        d,
        record("sd1", "IN_PROGRESS", TD_NEW, 14, { circuitBreaker: { threshold: 4 } }),
      ),
    ).toBe(4);
  });

  it("a new PRIMARY deployment at desiredCount 0 is starting tasks toward the service's count", () => {
    const fresh = { ...inProgress(), desiredCount: 0 };
    const old = deployment({
      id: DEPLOYMENT_OLD,
      status: "ACTIVE",
      taskDefinition: TD_OLD,
      running: 2,
      createdAt: at(-86_400),
      rolloutState: "COMPLETED",
    });
    const a = assess({ ...observation("n/a", [fresh, old]), targetHealth: [] }, target, newTrackerState());
    expect(!a.terminal && [a.phase, a.evidence.counts.desired, a.evidence.counts.oldRunning]).toEqual([
      "starting tasks",
      2,
      2,
    ]);
  });
});
