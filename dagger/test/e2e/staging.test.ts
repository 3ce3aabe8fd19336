/**
 * The real-AWS code path, end to end against the test bed's AWS emulator on the
 * host (moto), with the `staging` configuration in an emulator account of its
 * own: STS preflight (and its refusal of another account), bootstrap (state
 * bucket, base stack), ECR authentication (moto's ECR hands out credentials;
 * the images go to a registry service that checks exactly those, since moto
 * has no registry), tofu with the S3 backend's lock shared by concurrent runs,
 * rollout tracking against the emulator's ECS, plan, status, logs, destroy —
 * and no credential in any output.
 *
 * - two deploys at once: the second meets the lock the first's apply holds and
 *   fails with a message naming it (a zero lock timeout makes that deterministic);
 * - a deploy killed while it holds the lock (its process SIGKILLed mid-plan or
 *   mid-apply) leaves its lock, which a rerun names and `--force-unlock` removes.
 *
 * Every wait is bounded by the run it waits on (waits.ts): a deploy that fails
 * before taking the lock fails the test at once with that deploy's message.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { DescribeClustersCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { dag, type Directory, type Secret, type Service } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { REPO_ROOT } from "../../scripts/introspect.mjs";
import { awsTransport } from "../../src/aws/auth.js";
import { pipeline, rejection, repoSource, testbed, useEngineSession } from "../engine/session.js";
import type { DriverCall } from "./driver.js";
import { whileWaitingOn } from "../../../scripts/e2e-waiting.js";
import { authRegistry, statusImage, summaryImage, Transcript } from "./fixtures.js";
import { pollWhileRunning, processRun, type WatchedRun } from "./waits.js";

const hostEndpoint = testbed.MOTO_ENDPOINT;
const engineEndpoint = testbed.MOTO_ENGINE_ENDPOINT;

describe("staging on the host's AWS emulator: the real-AWS path", () => {
  useEngineSession();

  const transcript = new Transcript();
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const overrides = JSON.stringify({ accountId: account });
  const region = "eu-west-1";
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  let secrets: { keyId: Secret; secretKey: Secret; token: Secret };
  let registry: Service;
  let repo: Directory;
  let s3: S3Client;
  const stateBucket = `fargate-pipeline-tfstate-${account}-${region}`;
  const serviceLock = "fargate-pipeline-staging/terraform.tfstate.tflock";

  beforeAll(async () => {
    if (!hostEndpoint || !engineEndpoint)
      throw new Error("MOTO_ENDPOINT / MOTO_ENGINE_ENDPOINT are not in the test bed's env file: run testbed/up");
    // An emulator account of our own: moto lets AssumeRole switch to any account id.
    const sts = new STSClient({
      ...awsTransport(region, hostEndpoint),
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/e2e-deploy`, RoleSessionName: "dagger-e2e" }),
    );
    sts.destroy();
    creds = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    const tag = randomUUID().slice(0, 8);
    secrets = {
      keyId: dag.setSecret(`e2e-key-${tag}`, creds.accessKeyId),
      secretKey: dag.setSecret(`e2e-secret-${tag}`, creds.secretAccessKey),
      token: dag.setSecret(`e2e-token-${tag}`, creds.sessionToken),
    };
    // moto's ECR has no registry: a registry service that accepts exactly the credentials moto's ECR hands out.
    const htpasswd = execFileSync("htpasswd", ["-Bbn", "AWS", `${account}-auth-token`], { encoding: "utf8" });
    registry = authRegistry(htpasswd, `fargate-pipeline-e2e-registry-${account}`);
    repo = await repoSource();
    s3 = new S3Client({ ...awsTransport(region, hostEndpoint), forcePathStyle: true, credentials: creds });
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      transcript.log(args.map(String).join(" "));
      process.stderr.write(`${args.map(String).join(" ")}\n`);
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
    s3?.destroy();
  });

  /** staging, with the emulator account's keys, on the emulator (explicitly), as a person chains it. */
  const staging = (source: Directory, opts: { overrides?: string; keys?: [Secret, Secret, Secret] } = {}) =>
    pipeline(source)
      .environment("staging")
      .withAwsCredentials(...(opts.keys ?? [secrets.keyId, secrets.secretKey, secrets.token]))
      .withEmulator(engineEndpoint!, registry, opts.overrides ?? overrides);
  const deploy = (source: Directory, opts: { lockTimeout?: number; forceUnlock?: string; overrides?: string } = {}) =>
    staging(source, opts).deploy("1.0.0-e2e", undefined, opts.lockTimeout ?? 300, opts.forceUnlock);

  /** The service state's lock object (its ID and tofu's operation, e.g. "OperationTypeApply"), if a run holds it. */
  async function lock(): Promise<{ ID?: string; Operation?: string } | undefined> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: stateBucket, Key: serviceLock }));
      return JSON.parse(await out.Body!.transformToString()) as { ID?: string; Operation?: string };
    } catch {
      return undefined;
    }
  }
  /** The ID of the service state's lock, if a run holds it. */
  const lockHolder = async () => (await lock())?.ID;

  // 15 min: a cold deploy's check, test, build and publish come before its apply takes the lock.
  const LOCK_WAIT = { timeoutMs: 15 * 60_000 };

  /** The ID of the lock `run` takes, as soon as it holds it; fails at once with the run's message if the run ends first. */
  const waitForLock = (run: WatchedRun) =>
    pollWhileRunning(`${run.name} to take the state lock ${serviceLock}`, lockHolder, run, LOCK_WAIT);
  /**
   * The ID of the lock `run`'s apply takes. A plan holds the lock only for its
   * few seconds, and a deploy plans, releases it and takes it again for the
   * apply: a second run started on a plan's lock can reach its own plan in that
   * gap, and it then deploys (CI saw it once). An apply that creates the
   * service stack holds it for over a minute.
   */
  const waitForApplyLock = (run: WatchedRun) =>
    pollWhileRunning(
      `${run.name}'s apply to take the state lock ${serviceLock}`,
      async () => {
        const held = await lock();
        return held?.Operation === "OperationTypeApply" ? held.ID : undefined;
      },
      run,
      LOCK_WAIT,
    );

  it("refuses credentials of an account other than the environment's, naming both", async () => {
    const other = String(Number(account) + 1);
    const message = transcript.add(await rejection(deploy(repo, { overrides: JSON.stringify({ accountId: other }) })));
    expect(message).toContain(`the credentials belong to AWS account ${account}`);
    expect(message).toContain(`configured for account ${other} (accountId in fargate-pipeline.yaml)`);
  });

  it("bootstrap creates the state bucket (versioned, encrypted, private) and the base stack, and prints the next steps", async () => {
    const out = transcript.add(await staging(repo).bootstrap());
    expect(out).toMatch(new RegExp(`^### Bootstrapped staging \\(account ${account}, ${region}\\)`));
    expect(out).toMatch(/`AWS_DEPLOY_ROLE_ARN` = `arn:aws:iam::\d{12}:role\/fargate-pipeline-staging-deploy`/);
    expect(out).toMatch(/`AWS_PLAN_ROLE_ARN` = `arn:aws:iam::\d{12}:role\/fargate-pipeline-staging-plan`/);
    expect(out).toMatch(/staging\.example\.com\. NS \S+\./);
    // Both ways to deploy: GitHub Actions (whose OIDC tokens alone the deploy role trusts) and a laptop's keys;
    // the deploy role is not offered to other token issuers (that is `ci: {provider: oidc}`).
    expect(out).toMatch(/^4\. Deploy: push to main \(the workflow assumes the deploy role above/m);
    expect(out).toMatch(
      /^ {3}`dagger call environment --name staging with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID /m,
    );
    expect(out).not.toContain("<the deploy role>");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: stateBucket }))).Status).toBe("Enabled");
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: stateBucket }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      "AES256",
    );
    expect(
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket: stateBucket }))).PublicAccessBlockConfiguration,
    ).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    // Idempotent: a second run changes nothing and still succeeds.
    expect(transcript.add(await staging(repo).bootstrap())).toContain("already there");
  });

  let first: string;

  it("two deploys at once: the second meets the first's state lock and fails naming it; the first succeeds", async () => {
    const a = deploy(repo).then((s) => transcript.add(s));
    a.catch(() => {});
    const held = await waitForApplyLock({ name: "the first deploy", done: a });
    const b = transcript.add(
      await whileWaitingOn("the second deploy to meet the lock", () => rejection(deploy(repo, { lockTimeout: 0 }))),
    );
    expect(b).toContain(
      "The state of fargate-pipeline-staging is locked by another run (waited 0 s for it): nothing was changed by this one.",
    );
    expect(b).toContain(`lock ID:   ${held}`);
    expect(b).toContain(`--force-unlock ${held}`);
    const summary = await whileWaitingOn("the first deploy to finish", () => a);
    expect(summary).toMatch(/^### Deployed fargate-pipeline-staging to staging ✔/);
    first = summaryImage(summary);
    expect(first).toMatch(/^localhost:\d+\/fargate-pipeline-staging@sha256:[0-9a-f]{64}$/);
    // Rollout tracked against the emulator's ECS; the smoke test ran the image pulled back from the registry.
    expect(summary).toMatch(
      /\| rollout \| SUCCESSFUL — emulator: the service runs fargate-pipeline-staging:\d+, [^|]*; the emulator runs no tasks \(the stand-in serves the image\) \|/,
    );
    expect(summary).toMatch(/answered 200 reporting commit `source-[0-9a-f]{12}` \(JSON field "commit"\)/);
    expect(summary).toContain(`| account | ${account} (arn:aws:sts::${account}:assumed-role/e2e-deploy/dagger-e2e) |`);
    expect(await lockHolder()).toBeUndefined();
  });

  it("a deploy killed while it holds the state lock leaves it: a rerun names it, and --force-unlock removes it and deploys", async () => {
    const appPath = "app/src/app.ts";
    const changed = `${readFileSync(join(REPO_ROOT, appPath), "utf8")}\n// e2e killed deploy ${account}\n`;
    const source = repo.withNewFile(appPath, changed);
    const call: DriverCall = {
      env: { name: "staging" },
      keys: { accessKeyId: "E2E_KEY", secretAccessKey: "E2E_SECRET", sessionToken: "E2E_TOKEN" },
      emulator: {
        endpoint: engineEndpoint!,
        configOverrides: overrides,
        // A Service cannot cross sessions: the driver starts the same registry (same storage volume) in its own.
        registry: {
          htpasswd: execFileSync("htpasswd", ["-Bbn", "AWS", `${account}-auth-token`], { encoding: "utf8" }),
          volume: `fargate-pipeline-e2e-registry-${account}`,
        },
      },
      fn: "deploy",
      args: ["1.0.0-e2e"],
      sourceFiles: { [appPath]: changed },
    };
    const child = spawnDriver(call);
    let childOut = "";
    child.stdout?.on("data", (d: Buffer) => (childOut += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (childOut += d.toString()));
    const driver = processRun(child, "the deploy to be killed", () => childOut);
    const held = await waitForLock(driver);
    // While it holds the lock (its plan's or its apply's, whichever was seen: a dead run
    // leaves either): killed the hard way, as a lost runner or an OOM kill would.
    process.kill(-child.pid!, "SIGKILL");
    await driver.done.catch(() => {});
    transcript.add(childOut);
    // The engine cancels a dead client's execs with SIGKILL (engineutil's procKiller),
    // so tofu cannot release the lock: it stays, whatever the apply had done. Were
    // tofu left running, it would release the lock within its apply (seconds here).
    await whileWaitingOn("the killed run's lock to stay (10 s)", () => new Promise((r) => setTimeout(r, 10_000)));
    expect(
      await lockHolder(),
      `the killed run's lock ${held} is gone: the engine let its tofu finish (or release it)`,
    ).toBe(held);

    // The dead run's lock, named with the way out.
    const rerun = transcript.add(
      await whileWaitingOn("a rerun to meet the dead run's lock", () => rejection(deploy(source, { lockTimeout: 0 }))),
    );
    expect(rerun).toContain(
      "The state of fargate-pipeline-staging is locked by another run (waited 0 s for it): nothing was changed by this one.",
    );
    expect(rerun).toContain(`lock ID:   ${held}`);
    expect(rerun).toContain(`--force-unlock ${held}`);
    const summary = transcript.add(
      await whileWaitingOn("the deploy with --force-unlock", () => deploy(source, { forceUnlock: held })),
    );
    expect(transcript.parts.join("\n")).toContain(`removed the state lock ${held} (--force-unlock)`);
    expect(summary).toMatch(/^### Deployed fargate-pipeline-staging to staging ✔/);
    expect(summaryImage(summary)).not.toBe(first);
    expect(await lockHolder()).toBeUndefined();
  });

  it("plan after the deploys: both stacks unchanged, said plainly", async () => {
    const md = transcript.add(await staging(repo).plan());
    expect(md).toMatch(/^### Plan for staging/);
    expect(md).toContain("**fargate-pipeline-staging-base**: no changes.");
    expect(md).toContain("**fargate-pipeline-staging**: no changes.");
  });

  it("status reports the image running now, task counts and the deployment history", async () => {
    const report = transcript.add(await staging(repo).status());
    const running = statusImage(report);
    expect(running).toMatch(/^localhost:\d+\/fargate-pipeline-staging@sha256:/);
    expect(report).toMatch(/\*\*Tasks\*\*: \d+ running, \d+ pending, 2 desired/);
    expect(report).toMatch(/\| deploy \| `sha256:[0-9a-f]{12}…` \| `source-[0-9a-f]{12}` \| SUCCESSFUL \|/);
  });

  it("logs reads the service's log group: the newest lines, with time and task, as the tasks wrote them", async () => {
    // The emulator runs no tasks: lines are written as the awslogs driver would,
    // to a stream ecs/app/<task id> of the stack's log group, each carrying a nonce.
    const group = "/ecs/fargate-pipeline-staging";
    const task = randomUUID().replace(/-/g, "");
    const nonce = randomUUID();
    const written = [
      `{"level":30,"msg":"server listening","port":8080,"nonce":"${nonce}"}`,
      `{"level":30,"msg":"request completed","url":"/healthcheck","statusCode":200,"nonce":"${nonce}"}`,
    ];
    const at = Date.now() - 60_000;
    const cw = new CloudWatchLogsClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    try {
      await cw.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: `ecs/app/${task}` }));
      await cw.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: `ecs/app/${task}`,
          logEvents: written.map((message, i) => ({ timestamp: at + i * 1000, message })),
        }),
      );
    } finally {
      cw.destroy();
    }
    const expected = written.map(
      (message, i) => `${new Date(at + i * 1000).toISOString()} ${task.slice(0, 8)} ${message}`,
    );
    const all = transcript.add(await staging(repo).logs(30, 50));
    expect(all.trimEnd().split("\n")).toEqual([
      `${group}, last 30 min (2 of 2 lines; streams ecs/app/<task id>):`,
      ...expected,
    ]);
    // --limit keeps the newest.
    const newest = transcript.add(await staging(repo).logs(30, 1));
    expect(newest.trimEnd().split("\n")).toEqual([
      `${group}, last 30 min (1 of 2 lines; streams ecs/app/<task id>):`,
      expected[1],
    ]);
  });

  it("destroy refuses without confirmation, then removes both stacks", async () => {
    const refused = transcript.add(await rejection(staging(repo).destroy("", true)));
    expect(refused).toContain(
      "dagger call environment --name staging with-aws-credentials … destroy --confirm staging --include-base",
    );
    const done = transcript.add(await staging(repo).destroy("staging", true));
    expect(done).toContain(
      `Destroyed fargate-pipeline-staging and fargate-pipeline-staging-base in account ${account}.`,
    );
    const c = { ...awsTransport(region, hostEndpoint), credentials: creds };
    const ecs = new ECSClient(c);
    const ecr = new ECRClient(c);
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ["fargate-pipeline-staging"] }));
    expect((clusters.clusters ?? []).filter((x) => x.status === "ACTIVE")).toEqual([]);
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).toEqual([]);
    ecs.destroy();
    ecr.destroy();
  });

  it("no credential value appears in any output, progress line or error of the runs above", () => {
    expect(transcript.parts.length).toBeGreaterThan(10);
    expect(
      transcript.leaked([creds.accessKeyId, creds.secretAccessKey, creds.sessionToken, `${account}-auth-token`]),
    ).toEqual([]);
  });

  /** Runs the driver in a process group of its own (so the whole group can be killed). */
  function spawnDriver(call: DriverCall): ChildProcess {
    return spawn(
      join(REPO_ROOT, "node_modules/.bin/tsx"),
      [
        "--tsconfig",
        join(REPO_ROOT, "dagger/tsconfig.json"),
        join(REPO_ROOT, "dagger/test/e2e/driver.ts"),
        JSON.stringify(call),
      ],
      {
        cwd: REPO_ROOT,
        detached: true,
        env: {
          ...process.env,
          E2E_KEY: creds.accessKeyId,
          E2E_SECRET: creds.secretAccessKey,
          E2E_TOKEN: creds.sessionToken,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  }
});
