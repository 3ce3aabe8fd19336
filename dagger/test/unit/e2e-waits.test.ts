/**
 * The e2e tests' waits (dagger/test/e2e/waits.ts) against fake runs: the
 * reproduction of issue #15 — the first deploy of the staging concurrency test
 * fails at `check`, before it takes any lock — must end the wait for its lock
 * at once, with the check failure in the message, instead of the test sitting
 * out its 15-minute wait and 30-minute timeout.
 */
import { spawn } from "node:child_process";

import { describe, expect, it } from "vitest";

import { ownWaits } from "../../../scripts/e2e-waiting.js";
import { DeployError } from "../../src/common/errors.js";
import { pollWhileRunning, processRun } from "../e2e/waits.js";

// The staging test's lock wait (dagger/test/e2e/staging.test.ts).
const LOCK = "fargate-pipeline-staging/terraform.tfstate.tflock";
const LOCK_WAIT = { timeoutMs: 15 * 60_000 };

// What deploy throws when `check` fails on a stray file with a lint error (runChecks' report, then deploy's state line).
const CHECK_FAILURE = [
  "check failed: lint",
  "✔ lock file in sync with the manifests of root, app, infra, dagger (npm ci)",
  "✔ typecheck (npm run typecheck)",
  "✘ lint (npm run lint)",
  "✔ unit tests (npm run test:unit): Tests  412 passed (412)",
  "",
  "✘ lint in workspace app:",
  "    /src/app/src/stray.ts",
  "      1:7  error  'unused' is assigned a value but never used  @typescript-eslint/no-unused-vars",
  "  to reproduce and fix: npm run lint",
  "",
  "State: nothing was applied to the environment. Fix the cause above and run again.",
].join("\n");

/** A deploy that fails at check after `ms`, as the staging test's first deploy would. */
function deployFailingCheck(ms: number): Promise<string> {
  const run = new Promise<string>((_, fail) => setTimeout(() => fail(new DeployError(CHECK_FAILURE)), ms));
  run.catch(() => {}); // the test's own guard (`a.catch(() => {})`)
  return run;
}

/** S3 GetObject of the lock key: no lock object yet (a round trip of a few ms). */
const noLock = () => new Promise<string | undefined>((r) => setTimeout(() => r(undefined), 5));
/** A request to an emulator that never answers. */
const silentEmulator = () => new Promise<string | undefined>(() => {});

describe("a wait for a run's state lock", () => {
  it("fails in seconds, with the check failure, when the deploy fails at check before taking the lock", async () => {
    const started = Date.now();
    const wait = pollWhileRunning(
      `a run to take the state lock ${LOCK}`,
      noLock,
      { name: "the first deploy", done: deployFailingCheck(1_000) },
      LOCK_WAIT,
    );
    const err = await wait.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const seconds = (Date.now() - started) / 1000;
    expect(err).toBeInstanceOf(Error);
    expect(seconds).toBeLessThan(60); // the bound; in practice ~1 s: the deploy's own failure time
    expect(seconds).toBeLessThan(3);
    expect(err!.message).toMatch(
      new RegExp(
        `^a run to take the state lock ${LOCK}: the first deploy failed after 1\\.\\d s, before that happened:\\ncheck failed: lint\\n`,
      ),
    );
    expect(err!.message).toContain("1:7  error  'unused' is assigned a value but never used");
    expect(err!.message).toContain("to reproduce and fix: npm run lint");
    expect((err!.cause as Error).name).toBe("DeployError");
    expect(ownWaits()).toEqual([]);
  });

  it("is not held by a probe that hangs (a silent emulator): the run's failure still ends it", async () => {
    const started = Date.now();
    await expect(
      pollWhileRunning(
        "the lock",
        silentEmulator,
        { name: "the first deploy", done: deployFailingCheck(200) },
        LOCK_WAIT,
      ),
    ).rejects.toThrow(/the first deploy failed after 0\.\d s, before that happened:\ncheck failed: lint/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("returns the lock ID as soon as the lock appears, while the run goes on", async () => {
    let looks = 0;
    const run = new Promise<string>(() => {}); // still deploying
    const probe = async () => (++looks >= 3 ? "6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b" : undefined);
    expect(
      await pollWhileRunning(
        "the lock",
        probe,
        { name: "the first deploy", done: run },
        { timeoutMs: 10_000, intervalMs: 10 },
      ),
    ).toBe("6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b");
    expect(looks).toBe(3);
    expect(ownWaits()).toEqual([]);
  });

  it("fails when the run succeeds without the lock ever being seen", async () => {
    await expect(
      pollWhileRunning(
        "the lock",
        noLock,
        { name: "the first deploy", done: Promise.resolve("### Deployed") },
        LOCK_WAIT,
      ),
    ).rejects.toThrow(/^the lock: the first deploy ended \(it succeeded\) after 0\.\d s without that happening$/);
  });

  it("gives up at its timeout while the run is still going, saying so", async () => {
    const started = Date.now();
    await expect(
      pollWhileRunning(
        "the lock",
        silentEmulator,
        { name: "the first deploy", done: new Promise(() => {}) },
        { timeoutMs: 300 },
      ),
    ).rejects.toThrow("the lock: not within 0.3 s, and the first deploy is still running");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("passes on a probe's own error (not a missing lock: an S3 failure)", async () => {
    const probe = () => Promise.reject(new Error("S3: AccessDenied"));
    await expect(
      pollWhileRunning("the lock", probe, { name: "the first deploy", done: new Promise(() => {}) }, LOCK_WAIT),
    ).rejects.toThrow("S3: AccessDenied");
  });

  it("watches a driver process: its exit ends the wait, with what it printed", async () => {
    const child = spawn(
      process.execPath,
      [
        "-e",
        "console.error('deploy: STS GetCallerIdentity failed: could not reach the AWS endpoint'); process.exit(1)",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const run = processRun(child, "the deploy to kill", () => out);
    await expect(pollWhileRunning("the lock", noLock, run, LOCK_WAIT)).rejects.toThrow(
      /the deploy to kill failed after \d+\.\d s, before that happened:\nthe deploy to kill exited \(code 1\):\ndeploy: STS GetCallerIdentity failed: could not reach the AWS endpoint/,
    );
  });
});
