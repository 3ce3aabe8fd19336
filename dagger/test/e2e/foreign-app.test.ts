/**
 * Apps the module has never seen, each from its own directory: the Python
 * example (Flask, poetry, pytest, gunicorn) deploys to `local` through the
 * same functions as the sample — its Dockerfile, its fargate-pipeline.yaml
 * (serviceName flask-demo, port 8000, /healthz), the module's infrastructure —
 * then status, destroy. Then the Go app (cmd/ + internal/, vendored) and a
 * Node app that is not the sample (an npm workspaces monorepo) deploy side by
 * side, each to its own local state, and are destroyed: their deploys gate on
 * their own check (which runs no tests: the test stage does) and test stage.
 * Only examples/… is the source: nothing of this repository's app, Dockerfile
 * or configuration is in it.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";

import { dag, type Directory } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { REPO_ROOT } from "../../scripts/introspect.mjs";
import { exampleSource, pipeline, rejection, useEngineSession } from "../engine/session.js";
import { statusImage, summaryImage, Transcript } from "./fixtures.js";

describe("a foreign app (examples/python-poetry) deploys to local from its own repository", () => {
  useEngineSession();

  const state = `e2e-py-${randomUUID().slice(0, 8)}`;
  const transcript = new Transcript();
  let app: Directory;

  beforeAll(() => {
    app = dag.host().directory(join(REPO_ROOT, "examples/python-poetry"), {
      exclude: ["**/__pycache__", "**/.venv", ".pytest_cache"],
    });
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      transcript.log(args.map(String).join(" "));
      process.stderr.write(`${args.map(String).join(" ")}\n`);
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  const local = () => pipeline(app).environment("local", state);

  it("deploys: its checks and tests gate the deploy, its names and port come from its configuration, the smoke test sees its commit on /healthz", async () => {
    const summary = transcript.add(await local().deploy("1.0.0-e2e", "py-e2e-commit"));
    expect(summary).toMatch(/^### Deployed flask-demo-local to local ✔/);
    expect(summaryImage(summary)).toMatch(/^localhost:5000\/flask-demo-local@sha256:[0-9a-f]{64}$/);
    expect(summary).toMatch(/\| rollout \| SUCCESSFUL/);
    expect(summary).toMatch(
      /\/healthz of the stand-in for \S+ answered 200 reporting commit `py-e2e-commit` \(JSON field "commit"\)/,
    );
    for (const step of [
      "check",
      "test",
      "build",
      "publish",
      "apply base stack",
      "apply service stack",
      "rollout",
      "smoke test",
    ])
      expect(summary).toContain(`| ${step} |`);
    // The check the deploy gated on is the Python ecosystem's (replayed from the engine's cache here).
    expect(transcript.add(await pipeline(app).check())).toMatch(/poetry check --lock/);
    expect(statusImage(transcript.add(await local().status()))).toBe(summaryImage(summary));
  });

  it("destroy removes its local state", async () => {
    expect(transcript.add(await rejection(local().destroy()))).toContain(
      "dagger call environment destroy --confirm local",
    );
    expect(transcript.add(await local().destroy("local"))).toContain(`Destroyed local environment "${state}"`);
    expect(statusImage(transcript.add(await local().status()))).toBeUndefined();
  });
});

describe("the Go app and a Node app that is not the sample deploy to local side by side", () => {
  useEngineSession();

  const transcript = new Transcript();
  // Each its own local state (its own emulator and registry), so the two deploys run at once.
  const apps = [
    { name: "go" as const, service: "go-demo", state: `e2e-go-${randomUUID().slice(0, 8)}` },
    { name: "node-npm-workspaces" as const, service: "acme-api", state: `e2e-npm-${randomUUID().slice(0, 8)}` },
  ];
  const local = (app: (typeof apps)[number]) => pipeline(exampleSource(app.name)).environment("local", app.state);

  it("each deploys: gated on its own check and test stage, its smoke test sees its commit on /healthz", async () => {
    const summaries = await Promise.all(
      apps.map(async (app) => transcript.add(await local(app).deploy("1.0.0-e2e", `${app.name}-e2e-commit`))),
    );
    apps.forEach((app, i) => {
      const summary = summaries[i] ?? "";
      expect(summary).toMatch(new RegExp(`^### Deployed ${app.service}-local to local ✔`));
      expect(summary).toMatch(/\| rollout \| SUCCESSFUL/);
      expect(summary).toMatch(
        new RegExp(`/healthz of the stand-in for \\S+ answered 200 reporting commit \`${app.name}-e2e-commit\``),
      );
      for (const step of ["check", "test", "build", "publish", "smoke test"]) expect(summary).toContain(`| ${step} |`);
    });
  });

  it("each is destroyed", async () => {
    const destroyed = await Promise.all(apps.map(async (app) => transcript.add(await local(app).destroy("local"))));
    apps.forEach((app, i) => expect(destroyed[i]).toContain(`Destroyed local environment "${app.state}"`));
  });
});
