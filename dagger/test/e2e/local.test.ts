/**
 * The local environment end to end, through the module's own functions in one
 * engine session (as `dagger call` runs them, one after the other):
 *
 * - deploy from a clean state: a --local-state name of its own, so the registry
 *   storage, the deployment ledger and the emulator's saved state start empty
 *   (the engine's build cache may be warm: "clean" is about deployment state);
 * - the same source deployed again starts the emulator from the state that
 *   deploy saved: both stacks plan no change (OpenTofu's state matches the
 *   emulator), nothing is applied, no rollout is followed, the smoke test
 *   confirms the running digest, and the ledger records it as "unchanged";
 * - a changed app deploys as a new digest that the smoke test sees (the base
 *   stack plans no change and is not applied);
 * - an image that fails its health check fails the deploy with the cause, and
 *   the previous image is put back: status shows it;
 * - rollback brings back the digest before it; status reports it;
 * - a damaged saved state is not used: the deploy says why, creates both
 *   stacks again and still deploys;
 * - destroy refuses without confirmation, then removes the local state: the
 *   emulator starts empty again.
 */
import { randomUUID } from "node:crypto";

import { dag, type Directory } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { digestOf } from "../../src/env/ledger.js";
import { EMULATOR_IMAGE } from "../../src/local/services.js";
import { emulatorStateVolume, startLocalEmulator } from "../../src/local/state.js";
import { pipeline, rejection, repoSource, useEngineSession } from "../engine/session.js";
import { BROKEN_BODY, changedApp, statusImage, summaryImage, Transcript, unhealthyApp } from "./fixtures.js";

describe("local environment: deploy, redeploy, failed deploy, rollback, status, destroy", () => {
  useEngineSession();

  const state = `e2e-${randomUUID().slice(0, 8)}`;
  const transcript = new Transcript();
  let repo: Directory;
  const digests: string[] = [];

  beforeAll(async () => {
    repo = await repoSource();
    // The module's progress lines (stderr in `dagger call`) are kept for the checks and shown.
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      transcript.log(args.map(String).join(" "));
      process.stderr.write(`${args.map(String).join(" ")}\n`);
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  const local = (source: Directory) => pipeline(source).environment("local", state);
  const deploy = (source: Directory) => local(source).deploy("0.0.0-e2e");
  const status = () => local(repo).status();

  it("deploys from a clean state: published by digest, applied, rollout tracked, smoke test passed", async () => {
    const summary = transcript.add(await deploy(repo));
    expect(summary).toMatch(/^### Deployed fargate-pipeline-local to local ✔/);
    const image = summaryImage(summary);
    expect(image).toMatch(/^localhost:5000\/fargate-pipeline-local@sha256:[0-9a-f]{64}$/);
    // The row itself says the emulator runs no tasks, rather than a bare "0/2 tasks running".
    expect(summary).toMatch(
      /\| rollout \| SUCCESSFUL — emulator: the service runs fargate-pipeline-local:\d+, [^|]*; the emulator runs no tasks \(the stand-in serves the image\) \|/,
    );
    expect(summary).not.toContain("tasks running");
    expect(summary).toMatch(/answered 200 reporting commit `source-[0-9a-f]{12}` \(JSON field "commit"\)/);
    // Each ran (a time, not "skipped"): from an empty emulator both stacks have everything to create.
    for (const step of [
      "check",
      "test",
      "build",
      "publish",
      "plan base stack",
      "apply base stack",
      "plan service stack",
      "apply service stack",
      "rollout",
      "smoke test",
      "save local state",
    ])
      expect(summary).toMatch(new RegExp(`^\\| ${step} \\| [\\d.]+ s \\|`, "m"));
    expect(transcript.parts).toContainEqual(
      expect.stringContaining(
        `AWS emulator (moto ${EMULATOR_IMAGE.split(":")[1]}) started empty: no state saved for "${state}" yet`,
      ),
    );
    digests.push(image);
    expect(statusImage(transcript.add(await status()))).toBe(image);
  });

  it("the same source again: from the saved state both stacks plan no change, nothing is applied, the running digest passes the smoke test, and the ledger says unchanged", async () => {
    const before = transcript.parts.length;
    const summary = transcript.add(await deploy(repo));
    expect(transcript.parts.slice(before)).toContainEqual(
      expect.stringMatching(new RegExp(`started from the state saved \\S+ for "${state}" \\(.*ec2.*elbv2.*s3`)),
    );
    expect(summaryImage(summary)).toBe(digests[0]);
    expect(summary).toContain(
      `| change | unchanged: the running digest ${digestOf(digests[0]!)} answered the smoke test; nothing applied (fargate-pipeline-local-base and fargate-pipeline-local planned no change) |`,
    );
    for (const stack of ["base stack", "service stack"]) {
      expect(summary).toMatch(new RegExp(`^\\| plan ${stack} \\| [\\d.]+ s \\| no changes \\|$`, "m"));
      expect(summary).toContain(`| apply ${stack} | – | skipped: its plan has no changes |`);
    }
    expect(summary).toContain(
      `| rollout | – | skipped: nothing was applied: the service runs ${digestOf(digests[0]!)} already |`,
    );
    expect(summary).toContain("| rollout | not followed: nothing was applied, so no deployment started |");
    expect(summary).toMatch(/^\| smoke test \| [\d.]+ s \| .*→ 200 commit source-[0-9a-f]{12} \|$/m);
    expect(summary).toMatch(/^\| save local state \| – \| skipped: nothing was applied/m);
    const report = transcript.add(await status());
    expect(statusImage(report)).toBe(digests[0]);
    expect(report).toMatch(
      new RegExp(
        `\\| unchanged \\| \`${digestOf(digests[0]!).slice(0, 19)}…\` \\| \`source-[0-9a-f]{12}\` \\| SUCCESSFUL \\|`,
      ),
    );
  });

  it("a changed app deploys as a new digest, and the smoke test sees its commit", async () => {
    const changed = await changedApp(repo, state);
    const summary = transcript.add(await deploy(changed));
    const image = summaryImage(summary);
    expect(image).not.toBe(digests[0]);
    const commit = /answered 200 reporting commit `(source-[0-9a-f]{12})`/.exec(summary)?.[1];
    expect(commit).toBeDefined();
    expect(summary).toContain(`| commit | \`${commit}\``);
    // Only the service stack changes with the image: the base stack's apply is skipped.
    expect(summary).toContain("| apply base stack | – | skipped: its plan has no changes |");
    expect(summary).toMatch(/^\| apply service stack \| [\d.]+ s \|/m);
    digests.push(image);
  });

  it("an image that fails its health check fails the deploy with the cause; the previous image is put back and status shows it", async () => {
    const message = transcript.add(await rejection(deploy(await unhealthyApp(repo))));
    expect(message).toMatch(
      /^deploy of localhost:5000\/fargate-pipeline-local@sha256:[0-9a-f]{64} to local FAILED: smoke test failed: the image's HEALTHCHECK \(node dist\/healthcheck\.js\) failed \(exit code 1\): the app runs but is not healthy: .*answered 503/,
    );
    expect(message).toContain(BROKEN_BODY);
    expect(message).toContain(`The previous image ${digests[1]}`);
    expect(message).toContain("was put back and passed its rollout and smoke test");
    const report = transcript.add(await status());
    expect(statusImage(report)).toBe(digests[1]);
    expect(report).toMatch(
      /\| deploy \| `sha256:[0-9a-f]{12}…` \| `source-[0-9a-f]{12}` \| FAILED \| smoke test failed: the image's HEALTHCHECK/,
    );
  });

  it("rollback brings back the digest before the current one, and status reports it", async () => {
    const summary = transcript.add(await local(repo).rollback());
    expect(summary).toMatch(/^### Rolled back fargate-pipeline-local to local ✔/);
    expect(summaryImage(summary)).toBe(digests[0]);
    expect(statusImage(transcript.add(await status()))).toBe(digests[0]);
  });

  it("a damaged saved state is not used: the deploy says why, creates both stacks again and still deploys", async () => {
    await dag
      .container()
      .from(EMULATOR_IMAGE)
      .withMountedCache("/state", emulatorStateVolume(state))
      .withEnvVariable("FP_AT", randomUUID())
      .withExec([
        "sh",
        "-c",
        "test -s /state/moto-state.pickle && printf 'damaged' | dd of=/state/moto-state.pickle bs=1 seek=100 conv=notrunc",
      ])
      .sync();
    const before = transcript.parts.length;
    const summary = transcript.add(await deploy(repo));
    expect(transcript.parts.slice(before)).toContainEqual(
      expect.stringContaining(
        `the AWS emulator's saved state for "${state}" cannot be used (the saved state does not match its checksum`,
      ),
    );
    expect(summary).toMatch(/^### Deployed fargate-pipeline-local to local ✔/);
    expect(summary).toMatch(/answered 200 reporting commit `source-[0-9a-f]{12}` \(JSON field "commit"\)/);
  });

  it("destroy refuses without the confirmation, then removes the local state", async () => {
    const refused = transcript.add(await rejection(local(repo).destroy()));
    expect(refused).toContain(`dagger call environment destroy --confirm local`);
    const done = transcript.add(await local(repo).destroy("local"));
    expect(done).toContain(`Destroyed local environment "${state}"`);
    const report = transcript.add(await status());
    expect(statusImage(report)).toBeUndefined();
    expect(report).toContain("No deployments recorded yet.");
    const emulator = await startLocalEmulator(state, transcript.log);
    await emulator.close();
    expect(emulator.start.outcome).toBe("empty");
  });
});
