/**
 * The local environment end to end, through the module's own functions in one
 * engine session (as `dagger call` runs them, one after the other):
 *
 * - deploy from a clean state: a --local-state name of its own, so the registry
 *   storage and the deployment ledger start empty and the emulator is fresh
 *   (the engine's build cache may be warm: "clean" is about deployment state);
 * - a changed app deploys as a new digest that the smoke test sees;
 * - an image that fails its health check fails the deploy with the cause, and
 *   the previous image is put back: status shows it;
 * - rollback brings back the digest before it; status reports it;
 * - destroy refuses without confirmation, then removes the local state.
 */
import { randomUUID } from "node:crypto";

import type { Directory } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

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
    expect(summary).toMatch(/\| rollout \| SUCCESSFUL — emulator: the service runs fargate-pipeline-local:\d+, [^|]*; the emulator runs no tasks \(the stand-in serves the image\) \|/);
    expect(summary).not.toContain("tasks running");
    expect(summary).toMatch(/answered 200 reporting commit `source-[0-9a-f]{12}` \(JSON field "commit"\)/);
    for (const step of ["check", "test", "build", "publish", "apply base stack", "apply service stack", "rollout", "smoke test"]) expect(summary).toContain(`| ${step} |`);
    digests.push(image);
    expect(statusImage(transcript.add(await status()))).toBe(image);
  });

  it("a changed app deploys as a new digest, and the smoke test sees its commit", async () => {
    const changed = await changedApp(repo, state);
    const summary = transcript.add(await deploy(changed));
    const image = summaryImage(summary);
    expect(image).not.toBe(digests[0]);
    const commit = /answered 200 reporting commit `(source-[0-9a-f]{12})`/.exec(summary)?.[1];
    expect(commit).toBeDefined();
    expect(summary).toContain(`| commit | \`${commit}\``);
    digests.push(image);
  });

  it("an image that fails its health check fails the deploy with the cause; the previous image is put back and status shows it", async () => {
    const message = transcript.add(await rejection(deploy(await unhealthyApp(repo))));
    expect(message).toMatch(/^deploy of localhost:5000\/fargate-pipeline-local@sha256:[0-9a-f]{64} to local FAILED: smoke test failed: the image's HEALTHCHECK \(node dist\/healthcheck\.js\) failed \(exit code 1\): the app runs but is not healthy: .*answered 503/);
    expect(message).toContain(BROKEN_BODY);
    expect(message).toContain(`The previous image ${digests[1]}`);
    expect(message).toContain("was put back and passed its rollout and smoke test");
    const report = transcript.add(await status());
    expect(statusImage(report)).toBe(digests[1]);
    expect(report).toMatch(/\| deploy \| `sha256:[0-9a-f]{12}…` \| `source-[0-9a-f]{12}` \| FAILED \| smoke test failed: the image's HEALTHCHECK/);
  });

  it("rollback brings back the digest before the current one, and status reports it", async () => {
    const summary = transcript.add(await local(repo).rollback());
    expect(summary).toMatch(/^### Rolled back fargate-pipeline-local to local ✔/);
    expect(summaryImage(summary)).toBe(digests[0]);
    expect(statusImage(transcript.add(await status()))).toBe(digests[0]);
  });

  it("destroy refuses without the confirmation, then removes the local state", async () => {
    const refused = transcript.add(await rejection(local(repo).destroy()));
    expect(refused).toContain(`dagger call environment destroy --confirm local`);
    const done = transcript.add(await local(repo).destroy("local"));
    expect(done).toContain(`Destroyed local environment "${state}"`);
    const report = transcript.add(await status());
    expect(statusImage(report)).toBeUndefined();
    expect(report).toContain("No deployments recorded yet.");
  });
});
