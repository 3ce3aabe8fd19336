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
 * - two deploys at once: the second meets the lock the first holds and fails
 *   with a message naming it (a zero lock timeout makes that deterministic);
 * - a deploy killed mid-apply (its process SIGKILLed while it holds the lock)
 *   can be rerun to success (removing the dead run's lock by its ID if it left one).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

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
import { awsTransport } from "../../src/aws.js";
import { pipeline, rejection, repoSource, testbed, useEngineSession } from "../engine/session.js";
import { authRegistry, statusImage, summaryImage, Transcript } from "./fixtures.js";

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
    if (!hostEndpoint || !engineEndpoint) throw new Error("MOTO_ENDPOINT / MOTO_ENGINE_ENDPOINT are not in the test bed's env file: run testbed/up");
    // An emulator account of our own: moto lets AssumeRole switch to any account id.
    const sts = new STSClient({ ...awsTransport(region, hostEndpoint), credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/e2e-deploy`, RoleSessionName: "dagger-e2e" }));
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

  const deploy = (source: Directory, opts: { lockTimeout?: number; forceUnlock?: string; overrides?: string } = {}) =>
    pipeline(source).deploy(
      "staging",
      secrets.keyId,
      secrets.secretKey,
      secrets.token,
      region,
      "1.0.0-e2e",
      "unknown",
      opts.lockTimeout ?? 300,
      opts.forceUnlock,
      "default",
      engineEndpoint,
      registry,
      opts.overrides ?? overrides,
    );

  /** The service state's lock object, if a run holds it. */
  async function lockHolder(): Promise<string | undefined> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: stateBucket, Key: serviceLock }));
      return (JSON.parse(await out.Body!.transformToString()) as { ID?: string }).ID;
    } catch {
      return undefined;
    }
  }

  async function waitForLock(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const id = await lockHolder();
      if (id) return id;
      if (Date.now() > deadline) throw new Error(`no run took the lock ${serviceLock} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("refuses credentials of an account other than the environment's, naming both", async () => {
    const other = String(Number(account) + 1);
    const message = transcript.add(await rejection(deploy(repo, { overrides: JSON.stringify({ accountId: other }) })));
    expect(message).toContain(`the credentials belong to AWS account ${account}`);
    expect(message).toContain(`configured for account ${other} (accountId in infra/src/config/environments.ts)`);
  });

  it("bootstrap creates the state bucket (versioned, encrypted, private) and the base stack, and prints the next steps", async () => {
    const { keyId, secretKey, token } = secrets;
    const out = transcript.add(await pipeline(repo).bootstrap("staging", keyId, secretKey, token, region, 300, engineEndpoint, overrides));
    expect(out).toMatch(new RegExp(`^### Bootstrapped staging \\(account ${account}, ${region}\\)`));
    expect(out).toMatch(/`AWS_DEPLOY_ROLE_ARN` = `arn:aws:iam::\d{12}:role\/fargate-pipeline-staging-deploy`/);
    expect(out).toMatch(/`AWS_PLAN_ROLE_ARN` = `arn:aws:iam::\d{12}:role\/fargate-pipeline-staging-plan`/);
    expect(out).toMatch(/staging\.example\.com\. NS \S+\./);
    // Every way to deploy: CI, a laptop's keys, a web-identity token.
    expect(out).toMatch(/^4\. Deploy: push to main \(the workflow assumes the deploy role above/m);
    expect(out).toMatch(/^ {3}`dagger call deploy --env staging --aws-access-key-id env:AWS_ACCESS_KEY_ID /m);
    expect(out).toMatch(/^ {3}\(or `--aws-web-identity-token` with `--aws-role-arn` in place of the keys/m);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: stateBucket }))).Status).toBe("Enabled");
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: stateBucket }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: stateBucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    // Idempotent: a second run changes nothing and still succeeds.
    expect(transcript.add(await pipeline(repo).bootstrap("staging", keyId, secretKey, token, region, 300, engineEndpoint, overrides))).toContain("already there");
  });

  let first: string;

  it("two deploys at once: the second meets the first's state lock and fails naming it; the first succeeds", async () => {
    const a = deploy(repo).then((s) => transcript.add(s));
    a.catch(() => {});
    const held = await waitForLock(15 * 60_000);
    const b = transcript.add(await rejection(deploy(repo, { lockTimeout: 0 })));
    expect(b).toContain("The state of fargate-pipeline-staging is locked by another run (waited 0 s for it): nothing was changed by this one.");
    expect(b).toContain(`lock ID:   ${held}`);
    expect(b).toContain(`--force-unlock ${held}`);
    const summary = await a;
    expect(summary).toMatch(/^### Deployed fargate-pipeline-staging to staging ✔/);
    first = summaryImage(summary);
    expect(first).toMatch(/^localhost:\d+\/fargate-pipeline-staging@sha256:[0-9a-f]{64}$/);
    // Rollout tracked against the emulator's ECS; the smoke test ran the image pulled back from the registry.
    expect(summary).toMatch(/\| rollout \| SUCCESSFUL — The service runs fargate-pipeline-staging:\d+/);
    expect(summary).toMatch(/answered 200 with commit `source-[0-9a-f]{12}`/);
    expect(summary).toContain(`| account | ${account} (arn:aws:sts::${account}:assumed-role/e2e-deploy/dagger-e2e) |`);
    expect(await lockHolder()).toBeUndefined();
  });

  it("a deploy killed mid-apply can be rerun to success", async () => {
    const appPath = "app/src/app.ts";
    const changed = `${readFileSync(join(REPO_ROOT, appPath), "utf8")}\n// e2e killed deploy ${account}\n`;
    const source = repo.withNewFile(appPath, changed);
    const call = {
      fn: "deploy",
      args: ["staging", null, null, null, region, "1.0.0-e2e", "unknown", 300, null, "default", engineEndpoint, null, overrides],
      secrets: { "1": "E2E_KEY", "2": "E2E_SECRET", "3": "E2E_TOKEN" },
      sourceFiles: { [appPath]: changed },
      // A Service cannot cross sessions: the driver starts the same registry (same storage volume) in its own.
      emulatorRegistry: { index: 11, htpasswd: execFileSync("htpasswd", ["-Bbn", "AWS", `${account}-auth-token`], { encoding: "utf8" }), volume: `fargate-pipeline-e2e-registry-${account}` },
    };
    const child = spawnDriver(call);
    let childOut = "";
    child.stdout?.on("data", (d: Buffer) => (childOut += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (childOut += d.toString()));
    const held = await waitForLock(15 * 60_000);
    // Mid-apply: killed the hard way, as a lost runner or an OOM kill would.
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.once("exit", r));
    transcript.add(childOut);

    const rerun = await deploy(source, { lockTimeout: 0 }).then(
      (s) => ({ ok: true as const, text: transcript.add(s) }),
      (err: unknown) => ({ ok: false as const, text: transcript.add((err as Error).message) }),
    );
    let summary: string;
    if (rerun.ok) summary = rerun.text;
    else {
      // The dead run left its lock: the message names it and the way out.
      expect(rerun.text).toContain(`lock ID:   ${held}`);
      expect(rerun.text).toContain(`--force-unlock ${held}`);
      summary = transcript.add(await deploy(source, { forceUnlock: held }));
      expect(transcript.parts.join("\n")).toContain(`removed the state lock ${held} (--force-unlock)`);
    }
    expect(summary).toMatch(/^### Deployed fargate-pipeline-staging to staging ✔/);
    expect(summaryImage(summary)).not.toBe(first);
  });

  it("plan after the deploys: both stacks unchanged, said plainly", async () => {
    const { keyId, secretKey, token } = secrets;
    const md = transcript.add(await pipeline(repo).plan("staging", keyId, secretKey, token, region, 300, "default", engineEndpoint, overrides));
    expect(md).toMatch(/^### Plan for staging/);
    expect(md).toContain("**fargate-pipeline-staging-base**: no changes.");
    expect(md).toContain("**fargate-pipeline-staging**: no changes.");
  });

  it("status reports the image running now, task counts and the deployment history; logs read the log group", async () => {
    const { keyId, secretKey, token } = secrets;
    const report = transcript.add(await pipeline(repo).status("staging", keyId, secretKey, token, region, "default", engineEndpoint, overrides));
    const running = statusImage(report);
    expect(running).toMatch(/^localhost:\d+\/fargate-pipeline-staging@sha256:/);
    expect(report).toMatch(/\*\*Tasks\*\*: \d+ running, \d+ pending, 2 desired/);
    expect(report).toMatch(/\| deploy \| `sha256:[0-9a-f]{12}…` \| `source-[0-9a-f]{12}` \| SUCCESSFUL \|/);
    const lines = transcript.add(await pipeline(repo).logs("staging", keyId, secretKey, token, region, 30, 50, "default", engineEndpoint, overrides));
    expect(lines).toMatch(/No log lines in \/ecs\/fargate-pipeline-staging in the last 30 minutes\.|^\/ecs\/fargate-pipeline-staging, last 30 min/);
  });

  it("destroy refuses without confirmation, then removes both stacks", async () => {
    const { keyId, secretKey, token } = secrets;
    const refused = transcript.add(await rejection(pipeline(repo).destroy("staging", "", true, keyId, secretKey, token, region, 300, "default", engineEndpoint, overrides)));
    expect(refused).toContain("dagger call destroy --env staging --confirm staging --include-base");
    const done = transcript.add(await pipeline(repo).destroy("staging", "staging", true, keyId, secretKey, token, region, 300, "default", engineEndpoint, overrides));
    expect(done).toContain(`Destroyed fargate-pipeline-staging and fargate-pipeline-staging-base in account ${account}.`);
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
    expect(transcript.leaked([creds.accessKeyId, creds.secretAccessKey, creds.sessionToken, `${account}-auth-token`])).toEqual([]);
  });

  /** Runs the driver in a process group of its own (so the whole group can be killed). */
  function spawnDriver(call: object): ChildProcess {
    return spawn(join(REPO_ROOT, "node_modules/.bin/tsx"), ["--tsconfig", join(REPO_ROOT, "dagger/tsconfig.json"), join(REPO_ROOT, "dagger/test/e2e/driver.ts"), JSON.stringify(call)], {
      cwd: REPO_ROOT,
      detached: true,
      env: { ...process.env, E2E_KEY: creds.accessKeyId, E2E_SECRET: creds.secretAccessKey, E2E_TOKEN: creds.sessionToken },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
});
