/**
 * The test bed's moto: the shared one answers the AWS SDK, and a lane's own
 * (scripts/lane-emulator.mjs, as scripts/test.mjs starts one per e2e run)
 * runs apart from it, reports what it failed on, and ends when stopped.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, it } from "vitest";
import { awsTransport } from "../../../dagger/src/aws/auth.ts";
import { emulatorTroubleIn, startLaneEmulator } from "../../../scripts/lane-emulator.mjs";
import { testbedValue } from "../support/testbed-env.ts";

// moto's default account (MOTO_ACCOUNT_ID unset); any access key maps to it.
const MOTO_ACCOUNT = "123456789012";
// Static test credentials: moto accepts any; the SDK must not look for real ones.
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("host moto (the AWS emulator on loopback)", () => {
  it("answers STS GetCallerIdentity through the AWS SDK with its account", async () => {
    const sts = new STSClient({
      // The module's retries and timeouts: a silent emulator fails in seconds.
      ...awsTransport("us-east-1", testbedValue("MOTO_ENDPOINT")),
      credentials: CREDENTIALS,
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(MOTO_ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:sts::${MOTO_ACCOUNT}:user/moto`);
  });
});

describe("a lane's own emulator (scripts/lane-emulator.mjs), from the test bed's moto install", () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-lane-moto-"));
  const log = join(dir, "moto-lane.log");
  let stop: (() => void) | undefined;
  afterAll(() => {
    stop?.();
    rmSync(dir, { recursive: true, force: true });
  });
  /**
   * A request to moto as SERVICE: moto routes by the service the signature names and checks no signature.
   * @param url The endpoint and path.
   * @param service The AWS service, e.g. s3.
   * @param init Method and body.
   */
  const call = (url: string, service: string, init: { method: string; body?: string }) =>
    fetch(url, {
      ...init,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
      },
    });

  it("answers on a port of its own, holds nothing of another emulator's, names its exceptions, and ends", async () => {
    const bedEngine = new URL(testbedValue("MOTO_ENGINE_ENDPOINT"));
    const lane = await startLaneEmulator({
      server: testbedValue("MOTO_SERVER"),
      engineEndpoint: bedEngine.origin,
      log,
    });
    stop = lane.stop;
    const port = new URL(lane.env.MOTO_ENDPOINT).port;
    expect(lane.env.MOTO_ENDPOINT).toBe(`http://127.0.0.1:${port}`);
    expect(lane.env.MOTO_ENGINE_ENDPOINT).toBe(`http://${bedEngine.hostname}:${port}`);
    expect(lane.env.MOTO_ENDPOINT).not.toBe(testbedValue("MOTO_ENDPOINT"));

    // A bucket in the emulator this file's lane uses is not in the new one.
    const bucket = `fp-lane-isolation-${Date.now()}`;
    const other = testbedValue("MOTO_ENDPOINT");
    expect((await call(`${other}/${bucket}`, "s3", { method: "PUT" })).status).toBe(200);
    try {
      const own = await (await call(`${other}/`, "s3", { method: "GET" })).text();
      expect(own).toContain(`<Name>${bucket}</Name>`);
      const lanes = await (await call(`${lane.env.MOTO_ENDPOINT}/`, "s3", { method: "GET" })).text();
      expect(lanes).toContain("<ListAllMyBucketsResult");
      expect(lanes).not.toContain(bucket);
    } finally {
      await call(`${other}/${bucket}`, "s3", { method: "DELETE" });
    }

    // A request moto fails on: its 500 and its exception, read from its log.
    expect(emulatorTroubleIn(log)).toEqual([]);
    const broken = await call(`${lane.env.MOTO_ENDPOINT}/`, "ec2", {
      method: "POST",
      body: "Action=RunInstances&Version=2016-11-15&ImageId=ami-12c6146b&MinCount=abc&MaxCount=1",
    });
    expect(broken.status).toBe(500);
    // moto prints the traceback a moment after its answer: read until it is there.
    await expect
      .poll(() => emulatorTroubleIn(log), { timeout: 5_000 })
      .toEqual([
        "the AWS emulator answered 1 request(s) with 500 or above, and printed 1 kind(s) of exception:",
        "    1 × ValueError: invalid literal for int() with base 10: 'abc'",
      ]);

    lane.stop();
    await expect
      .poll(
        () =>
          fetch(`${lane.env.MOTO_ENDPOINT}/moto-api/`).then(
            () => "answers",
            () => "gone",
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe("gone");
  });
});
