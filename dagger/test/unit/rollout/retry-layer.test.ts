/**
 * One retry layer for the rollout tracker: its SDK clients (createRolloutClients)
 * send one request per call, and the tracker's own backoff is what retries. The
 * real SDK clients talk to a loopback server that answers every request with
 * HTTP 503, which the SDK's standard retry mode retries by itself (the control
 * below shows it does, with the module's usual client settings): were both
 * layers on again, each tracker attempt would be several requests.
 */
import { ECS } from "@aws-sdk/client-ecs";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

import { awsClientConfig, type AwsAuth } from "../../../src/aws/auth.js";
import { trackRollout } from "../../../src/rollout/track.js";
import { createRolloutClients, ROLLOUT_SDK_MAX_ATTEMPTS } from "../../../src/rollout/clients.js";
import { isRetryable, RolloutError } from "../../../src/rollout/errors.js";
import { FakeClock } from "../../fixtures/aws/fake-aws.js";
import { useLoopbackAws } from "../../fixtures/aws/loopback-aws.js";

const SERVICE_UNAVAILABLE_XML =
  "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Service is unavailable</Message></Error><RequestId>1</RequestId></ErrorResponse>";

/** Every request answered 503; recorded as its operation (X-Amz-Target for JSON protocols, Action= for ELBv2's query protocol). */
const aws = useLoopbackAws(
  (req) =>
    typeof req.headers["x-amz-target"] === "string"
      ? {
          status: 503,
          contentType: "application/x-amz-json-1.1",
          body: JSON.stringify({ __type: "ServiceUnavailableException", message: "Service is unavailable" }),
        }
      : { status: 503, contentType: "text/xml", body: SERVICE_UNAVAILABLE_XML },
  (req, body) => {
    const target = req.headers["x-amz-target"];
    return typeof target === "string" ? (target.split(".").pop() ?? target) : (/Action=(\w+)/.exec(body)?.[1] ?? "?");
  },
);
const requests = aws.requests;
let auth: AwsAuth;

beforeAll(() => {
  auth = {
    region: "eu-west-1",
    endpoint: aws.endpoint,
    credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" },
  };
});

beforeEach(() => {
  requests.length = 0;
});

describe("the rollout tracker's SDK clients", () => {
  it("control: a client with the module's usual settings retries a 503 by itself", async () => {
    const ecs = new ECS(awsClientConfig(auth));
    try {
      await expect(ecs.describeServices({ cluster: "c", services: ["s"] })).rejects.toThrow();
    } finally {
      ecs.destroy();
    }
    expect(requests).toEqual(["DescribeServices", "DescribeServices", "DescribeServices"]);
  });

  it("send one request per call, whatever maxAttempts the settings they get say", async () => {
    expect(ROLLOUT_SDK_MAX_ATTEMPTS).toBe(1);
    const clients = await createRolloutClients(awsClientConfig(auth));
    try {
      const errors = await Promise.all([
        clients.ecs.describeServices({ cluster: "c", services: ["s"] }).catch((e: unknown) => e),
        clients.elbv2.describeTargetHealth({ TargetGroupArn: "arn:aws:elasticloadbalancing:tg" }).catch((e) => e),
        clients.logs.getLogEvents({ logGroupName: "g", logStreamName: "s" }).catch((e: unknown) => e),
      ]);
      // Each is what the tracker's own layer retries.
      expect(errors.map((e) => isRetryable(e))).toEqual([true, true, true]);
    } finally {
      clients.destroy();
    }
    expect(requests.sort()).toEqual(["DescribeServices", "DescribeTargetHealth", "GetLogEvents"]);
  });

  it("each retry of the tracker is one request, until it gives up on an AWS that never answers", async () => {
    const clients = await createRolloutClients(awsClientConfig(auth));
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    try {
      await expect(
        trackRollout({
          clients,
          cluster: "c",
          service: "s",
          taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
          applyStartedAt: new Date(clock.now()),
          expectedSeconds: 60,
          clock,
          random: () => 0,
        }),
      ).rejects.toThrow(RolloutError);
    } finally {
      clients.destroy();
    }
    // One DescribeServices per poll attempt: the first, then one after each of the tracker's backoffs.
    expect(clock.sleeps.length).toBeGreaterThan(5);
    expect(requests).toEqual(Array.from({ length: clock.sleeps.length + 1 }, () => "DescribeServices"));
  });
});
