/**
 * check split by what each package reads, on a two-workspace app of the corpus
 * (examples/node-npm-workspaces: apps/api depends on the library
 * packages/format). Whether a step ran or was replayed is what the engine
 * says (each step prints its clock; a replay keeps the time it first ran), so
 * the assertions hold only if the split really gives each step its own inputs:
 * a change to apps/api re-runs apps/api's steps alone; a change to the library
 * re-runs its steps and those of apps/api, which depends on it; a change to a
 * manifest re-runs every step and the report says they all read it; a failing
 * test in the changed workspace fails check, naming the workspace and the test,
 * and is never replayed: checked again, it runs again.
 * Each variant is a copy on the host, loaded as `dagger call` loads --source
 * (keyed by its contents), never a chain of edits made in the engine.
 */
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dag, type Directory } from "@dagger.io/dagger";
import { afterAll, describe, expect, it } from "vitest";

import { REPO_ROOT } from "../../scripts/introspect.mjs";
import { EXAMPLE_IGNORE, pipeline, rejection, useEngineSession } from "./session.js";

useEngineSession();

// A value no earlier run saw: the first check of this file runs every step.
const NONCE = randomUUID();
const copies: string[] = [];
afterAll(() => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The example with the nonce and the given files changed, as a host directory. */
function variant(files: Record<string, string> = {}): Directory {
  const dir = mkdtempSync(join(tmpdir(), "fp-check-workspaces-"));
  copies.push(dir);
  cpSync(join(REPO_ROOT, "examples/node-npm-workspaces"), dir, {
    recursive: true,
    filter: (src) => !src.includes("node_modules"),
  });
  const all = {
    "apps/api/src/nonce.js": `export const nonce = "${NONCE}";\n`,
    "packages/format/nonce.js": `export const nonce = "${NONCE}";\n`,
    ...files,
  };
  for (const [path, contents] of Object.entries(all)) writeFileSync(join(dir, path), contents);
  return dag.host().directory(dir, { exclude: EXAMPLE_IGNORE });
}
const base = () => variant();

/** The report's line for a step, e.g. "apps/api: unit tests". */
const line = (report: string, step: string) => report.split("\n").find((l) => l.slice(2).startsWith(`${step} `)) ?? "";

describe("check on a two-workspace app, split by workspace", () => {
  it("finds the packages and runs each workspace's tests in its own step", async () => {
    const report = await pipeline(base()).check();
    expect(report.split("\n")[0]).toBe("check passed");
    expect(report).toContain("found: npm (package.json, package-lock.json; packages: root, apps/api, packages/format)");
    expect(line(report, "apps/api: unit tests")).toMatch(/^✔ apps\/api: unit tests \(npm run test\): .* · ran \(/);
    expect(line(report, "packages/format: unit tests")).toMatch(/ · ran \(/);
    // The root's test script runs the workspaces' own: not run a second time.
    expect(report).toContain(
      '– root: unit tests: skipped (its "test" script runs the packages\' own (npm test --workspaces)',
    );
  });

  it("replays every step when nothing changed", async () => {
    const report = await pipeline(base()).check();
    expect(line(report, "apps/api: unit tests")).toMatch(/ · replayed$/);
    expect(line(report, "packages/format: unit tests")).toMatch(/ · replayed$/);
    expect(report).toMatch(/– engine cache: 0 of 3 steps ran, 3 replayed/);
  });

  it("re-runs only apps/api's steps after a change to apps/api, and says why", async () => {
    const report = await pipeline(variant({ "apps/api/src/extra.js": "export const extra = 1;\n" })).check();
    expect(line(report, "apps/api: unit tests")).toMatch(/ · ran \(/);
    expect(line(report, "packages/format: unit tests")).toMatch(/ · replayed$/);
    expect(line(report, "lock file in sync with the manifests of root, apps/api, packages/format")).toMatch(
      / · replayed$/,
    );
    expect(report).toContain("– engine cache: 1 of 3 steps ran, 2 replayed");
    expect(report).toContain("– ran because apps/api's files changed: apps/api: unit tests");
  });

  it("re-runs the library's steps and those of apps/api, which depends on it, after a change to the library", async () => {
    const report = await pipeline(variant({ "packages/format/extra.js": "export const extra = 2;\n" })).check();
    expect(line(report, "packages/format: unit tests")).toMatch(/ · ran \(/);
    expect(line(report, "apps/api: unit tests")).toMatch(/ · ran \(/);
    expect(report).toContain("– engine cache: 2 of 3 steps ran, 1 replayed");
    expect(report).toContain(
      "– ran because packages/format's files changed: apps/api: unit tests, packages/format: unit tests",
    );
  });

  it("re-runs every step after a manifest change, saying they all read it", async () => {
    const manifest = JSON.parse(await base().file("package.json").contents()) as Record<string, unknown>;
    manifest.description = `${String(manifest.description)} (${NONCE})`;
    const report = await pipeline(variant({ "package.json": `${JSON.stringify(manifest, null, 2)}\n` })).check();
    expect(report).toContain("– engine cache: 3 of 3 steps ran, 0 replayed");
    expect(report).toContain(
      "– every step ran: they all read package-lock.json or a package.json, which changed (new to the engine's cache)",
    );
  });

  it("fails on a failing test in the changed workspace, naming the workspace and the test", async () => {
    const failing = [
      'import { test } from "node:test";',
      'import assert from "node:assert/strict";',
      'test("answers in French", () => assert.equal("hello", "bonjour"));',
      "",
    ].join("\n");
    const message = await rejection(pipeline(variant({ "apps/api/test/fr.test.js": failing })).check());
    expect(message.split("\n")[0]).toBe("check failed: apps/api: unit tests");
    expect(message).toMatch(/✘ apps\/api: unit tests \(npm run test\) · ran \(/);
    expect(message).toMatch(/failing: .*answers in French/);
    expect(line(message, "packages/format: unit tests")).toMatch(/ · replayed$/);
    // A failure is never replayed: the same source checked again runs the failing step again.
    const again = await rejection(pipeline(variant({ "apps/api/test/fr.test.js": failing })).check());
    expect(again).toMatch(/✘ apps\/api: unit tests \(npm run test\) · ran \(/);
    expect(line(again, "packages/format: unit tests")).toMatch(/ · replayed$/);
  });
});
