/**
 * An AWS endpoint that never answers fails the module's SDK requests instead of
 * hanging them: the real SDK clients, with the module's settings
 * (awsClientConfig, AWS_HTTP_TIMEOUTS), against a loopback TCP server that
 * accepts connections and never writes a byte (as the emulator's tunnel did
 * once, holding a local deploy's rollout for 30 minutes). The request timeout
 * is cut to 300 ms here so the test takes a second; the setting that makes the
 * SDK throw rather than warn is the module's own.
 */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

import { ECS } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AWS_HTTP_TIMEOUTS, awsClientConfig, type AwsAuth } from "../../../src/aws/auth.js";
import { createRolloutClients } from "../../../src/rollout/clients.js";
import { isRetryable } from "../../../src/rollout/errors.js";

// Well under the tier's 30 s test timeout, and long enough for a loopback connection.
const CUT_REQUEST_TIMEOUT_MS = 300;

let server: Server;
let auth: AwsAuth;
let connections = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  auth = {
    region: "eu-west-1",
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" },
  };
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** The module's client settings with the request timeout cut (everything else as the module sets it). */
function silentEndpointConfig() {
  const config = awsClientConfig(auth);
  return { ...config, requestHandler: { ...config.requestHandler, requestTimeout: CUT_REQUEST_TIMEOUT_MS } };
}

describe("an AWS endpoint that accepts and never answers", () => {
  it("the module's settings make the SDK throw on the request timeout (it only warns by default)", () => {
    expect(AWS_HTTP_TIMEOUTS).toMatchObject({ requestTimeout: 30_000, throwOnRequestTimeout: true });
    expect(awsClientConfig(auth).requestHandler).toEqual(AWS_HTTP_TIMEOUTS);
  });

  it("fails a call with TimeoutError after the SDK's attempts, each bounded by the request timeout", async () => {
    const ecs = new ECS(silentEndpointConfig());
    const before = connections;
    const started = Date.now();
    try {
      const err = await ecs.describeServices({ cluster: "c", services: ["s"] }).catch((e: unknown) => e);
      expect((err as Error).name).toBe("TimeoutError");
    } finally {
      ecs.destroy();
    }
    // Three attempts (the SDK's standard retries, a timeout counted as transient), then the error.
    expect(connections - before).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fails a rollout poll with an error the tracker retries (its clients send one request per call)", async () => {
    const clients = await createRolloutClients(silentEndpointConfig());
    try {
      const err = await clients.ecs.describeServices({ cluster: "c", services: ["s"] }).catch((e: unknown) => e);
      expect((err as Error).name).toBe("TimeoutError");
      expect(isRetryable(err)).toBe(true);
    } finally {
      clients.destroy();
    }
  });
});
