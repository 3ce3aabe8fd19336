/**
 * The local environment's emulator state between calls (dagger/src/local/state.ts):
 *
 * - on moto alone, the test bed's moto on loopback, no engine: resources
 *   created, saved, the emulator stopped and started again from the saved
 *   state: the same VPC id, target group ARN and S3 object; a damaged snapshot
 *   or one from another moto is not loaded, and the emulator says why;
 * - in the engine, through the functions env/open.ts calls: started from
 *   empty, saved, started again from the state, and after clearLocalState()
 *   empty again.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EMULATOR_CREDENTIALS, EMULATOR_IMAGE } from "../../src/local/services.js";
import { awsTransport } from "../../src/aws/auth.js";
import { LAUNCHER_SOURCE } from "../../src/local/launcher.js";
import { clearLocalState, type EmulatorStart, type SavedState, startLocalEmulator } from "../../src/local/state.js";
import { moduleSource, testbed, useEngineSession } from "./session.js";
import { useModuleSource } from "../../src/common/module-files.js";
import { MODULE_DIR } from "../../scripts/introspect.mjs";

const REGION = "eu-west-1";
const REPO_ROOT = join(import.meta.dirname, "../../..");
const MOTO_VERSION = /^MOTO_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, "testbed/versions.env"), "utf8"))?.[1];
/** The test bed's moto, installed on the host (testbed/lib/moto.sh). */
const MOTO_PYTHON = join(
  testbed.TESTBED_CACHE ?? "/var/cache/fargate-pipeline-testbed",
  `moto-${MOTO_VERSION}`,
  "bin/python",
);
const STATE_BODY = `{"version":4,"serial":7,"lineage":"${randomUUID()}"}`;

/** AWS SDK clients for an emulator at `url`. */
function clients(url: string) {
  const config = { ...awsTransport(REGION, url), credentials: { ...EMULATOR_CREDENTIALS } };
  return {
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

/** What the tests create: a VPC, a target group in it, and a bucket with an object (as OpenTofu's state is kept). */
async function createResources(url: string): Promise<{ vpcId: string; targetGroupArn: string }> {
  const { ec2, elbv2, s3 } = clients(url);
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.16.0.0/16" }))).Vpc!.VpcId!;
  const targetGroupArn = (
    await elbv2.send(
      new CreateTargetGroupCommand({ Name: "app", Protocol: "HTTP", Port: 80, VpcId: vpcId, TargetType: "ip" }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  await s3.send(
    new CreateBucketCommand({ Bucket: "state", CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  await s3.send(new PutObjectCommand({ Bucket: "state", Key: "local/terraform.tfstate", Body: STATE_BODY }));
  return { vpcId, targetGroupArn };
}

/** What the emulator at `url` holds of them. */
async function readResources(url: string): Promise<{ vpcIds: string[]; targetGroupArns: string[]; object?: string }> {
  const { ec2, elbv2, s3 } = clients(url);
  const vpcIds = (
    (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "cidr", Values: ["10.16.0.0/16"] }] }))).Vpcs ?? []
  ).map((v) => v.VpcId!);
  const targetGroupArns = ((await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map(
    (t) => t.TargetGroupArn!,
  );
  const object = await s3
    .send(new GetObjectCommand({ Bucket: "state", Key: "local/terraform.tfstate" }))
    .then((o) => o.Body!.transformToString())
    .catch(() => undefined);
  return { vpcIds, targetGroupArns, ...(object === undefined ? {} : { object }) };
}

/** A free port of the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

describe("on moto alone: the launcher keeps moto's state in a directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-local-state-"));
  const launcher = join(dir, "local-emulator.py");
  const running: ChildProcess[] = [];

  beforeAll(() => {
    if (!existsSync(MOTO_PYTHON))
      throw new Error(
        `the test bed's moto ${MOTO_VERSION} is not installed at ${MOTO_PYTHON}: bring the test bed up (sudo testbed/up)`,
      );
    copyFileSync(join(MODULE_DIR, LAUNCHER_SOURCE), launcher);
  });
  afterAll(() => {
    for (const p of running) p.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the launcher on loopback with a state directory; resolves once its state route answers. */
  async function start(stateDir: string): Promise<{ url: string; start: EmulatorStart; stop(): Promise<void> }> {
    const port = await freePort();
    const child = spawn(MOTO_PYTHON, [launcher], {
      env: {
        ...process.env,
        FP_BIND: "127.0.0.1",
        MOTO_PORT: String(port),
        FP_STATE_DIR: stateDir,
        MOTO_ACM_VALIDATION_WAIT: "0",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    running.push(child);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const res = await fetch(`${url}/_fargate-pipeline/state`).catch(() => undefined);
      if (res?.ok) {
        const stop = () =>
          new Promise<void>((done) => {
            child.once("exit", () => done());
            child.kill("SIGTERM");
          });
        return { url, start: (await res.json()) as EmulatorStart, stop };
      }
      if (child.exitCode !== null || i > 300)
        throw new Error(`the launcher did not answer on ${url} (exit ${child.exitCode}):\n${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const save = async (url: string) => {
    const res = await fetch(`${url}/_fargate-pipeline/state/save`, { method: "POST" });
    expect(res.status).toBe(200);
    return (await res.json()) as SavedState;
  };

  it("restores the same ids and objects after a restart; a fresh moto has none of them", async () => {
    const stateDir = join(dir, "kept");
    const first = await start(stateDir);
    expect(first.start.outcome).toBe("empty");
    const made = await createResources(first.url);
    const saved = await save(first.url);
    expect(saved.services).toEqual(expect.arrayContaining(["ec2", "elbv2", "s3"]));
    await first.stop();

    const second = await start(stateDir);
    expect(second.start).toMatchObject({ outcome: "restored", savedAt: saved.savedAt, bytes: saved.bytes });
    expect(await readResources(second.url)).toEqual({
      vpcIds: [made.vpcId],
      targetGroupArns: [made.targetGroupArn],
      object: STATE_BODY,
    });
    // S3's one namespace of bucket names is restored too: creating the bucket again (as every
    // local call does for OpenTofu's state bucket) is refused, and never replaces it with an empty one.
    const again = await clients(second.url)
      .s3.send(new CreateBucketCommand({ Bucket: "state", CreateBucketConfiguration: { LocationConstraint: REGION } }))
      .catch((e: Error) => e);
    expect((again as Error).name).toBe("BucketAlreadyOwnedByYou");
    expect((await readResources(second.url)).object).toBe(STATE_BODY);
    // What is created after the restore is new, not a clash with what was restored.
    const other = (await clients(second.url).ec2.send(new CreateVpcCommand({ CidrBlock: "10.17.0.0/16" }))).Vpc!.VpcId!;
    expect(other).not.toBe(made.vpcId);
    await second.stop();

    const fresh = await start(join(dir, "other"));
    expect(fresh.start.outcome).toBe("empty");
    expect(await readResources(fresh.url)).toEqual({ vpcIds: [], targetGroupArns: [] });
    await fresh.stop();
  });

  it("a damaged snapshot is not loaded: the emulator starts empty and says why", async () => {
    const stateDir = join(dir, "damaged");
    const first = await start(stateDir);
    await createResources(first.url);
    await save(first.url);
    await first.stop();
    const file = join(stateDir, "moto-state.pickle");
    const bytes = readFileSync(file);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);

    const second = await start(stateDir);
    expect(second.start.outcome).toBe("rebuilt");
    expect(second.start.reason).toMatch(/does not match its checksum/);
    expect(await readResources(second.url)).toEqual({ vpcIds: [], targetGroupArns: [] });
    await second.stop();
  });

  it("a snapshot written by another moto is not loaded, and the reason names both versions", async () => {
    const stateDir = join(dir, "other-moto");
    const first = await start(stateDir);
    await createResources(first.url);
    await save(first.url);
    await first.stop();
    const metaFile = join(stateDir, "moto-state.json");
    writeFileSync(metaFile, JSON.stringify({ ...JSON.parse(readFileSync(metaFile, "utf8")), moto: "5.0.0" }));

    const second = await start(stateDir);
    expect(second.start.outcome).toBe("rebuilt");
    expect(second.start.reason).toContain(`moto 5.0.0 (now ${MOTO_VERSION})`);
    expect(await readResources(second.url)).toEqual({ vpcIds: [], targetGroupArns: [] });
    await second.stop();
  });

  it("runs the moto version the module's emulator image names", () => {
    expect(EMULATOR_IMAGE).toBe(`motoserver/moto:${MOTO_VERSION}`);
  });
});

describe("in the engine: startLocalEmulator, save, clearLocalState", () => {
  useEngineSession();
  const localState = `engine-${randomUUID().slice(0, 8)}`;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  it("starts empty, starts again from what was saved, and after clearLocalState empty again", async () => {
    // The launcher is a file of the module's source: name it, as `dagger call` has a current module.
    useModuleSource(moduleSource());
    const first = await startLocalEmulator(localState, log);
    expect(first.start.outcome).toBe("empty");
    const made = await createResources(first.reach.url);
    await first.save();
    await first.close();

    const second = await startLocalEmulator(localState, log);
    expect(second.start.outcome).toBe("restored");
    expect(await readResources(second.reach.url)).toEqual({
      vpcIds: [made.vpcId],
      targetGroupArns: [made.targetGroupArn],
      object: STATE_BODY,
    });
    await second.close();

    await clearLocalState(localState);
    const third = await startLocalEmulator(localState, log);
    expect(third.start.outcome).toBe("empty");
    expect(await readResources(third.reach.url)).toEqual({ vpcIds: [], targetGroupArns: [] });
    await third.close();
    expect(lines[0]).toMatch(new RegExp(`started empty: no state saved for "${localState}" yet`));
    expect(lines[1]).toMatch(
      new RegExp(`started from the state saved .* for "${localState}" \\(.*ec2.*; [\\d.]+ MB loaded in [\\d.]+ s\\)`),
    );
  });
});
