/**
 * scripts/e2e-lanes.mjs: every e2e test file runs in exactly one lane, so the
 * tier run side by side is the whole tier: a file in no lane would never run,
 * one in two would run twice at once.
 */
import { globSync } from "node:fs";

import { describe, expect, it } from "vitest";

import config from "../../vitest.config.ts";
import { E2E_LANES, lanesOf } from "../e2e-lanes.mjs";
import { REPO_ROOT } from "./workflow-policy.ts";

/** The e2e project's include patterns, read from the vitest config the tier runs with. */
function e2eIncludes(): string[] {
  const projects = (config.test?.projects ?? []) as { test?: { name?: string; include?: string[] } }[];
  const e2e = projects.find((p) => p.test?.name === "e2e");
  if (!e2e?.test?.include) throw new Error("vitest.config.ts has no e2e project with an include list");
  return e2e.test.include;
}

/** Brace patterns ({a,b}) expanded: node's glob has no brace expansion. */
function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  return m[1]!.split(",").flatMap((alt) => expandBraces(pattern.replace(m[0], alt)));
}

describe("the e2e lanes", () => {
  const files = e2eIncludes()
    .flatMap(expandBraces)
    .flatMap((p) => globSync(p, { cwd: REPO_ROOT, exclude: (f) => f.includes("node_modules") }))
    .sort();

  it("find the e2e files the config names", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(files).toContain("dagger/test/e2e/local.test.ts");
    expect(files).toContain("dagger/infra/test/e2e/stacks.test.ts");
  });

  it("put every e2e file in exactly one lane", () => {
    const misplaced = files
      .map((f) => ({ file: f, lanes: lanesOf(f).map((l) => l.name) }))
      .filter((x) => x.lanes.length !== 1);
    expect(misplaced, "add the file's directory to one lane in scripts/e2e-lanes.mjs").toEqual([]);
  });

  it("have no lane that selects nothing (vitest fails a run that finds no file)", () => {
    for (const lane of E2E_LANES)
      expect(
        files.filter((f) => lanesOf(f).includes(lane)),
        lane.name,
      ).not.toEqual([]);
  });

  it("run the engine's deploys in one lane, beside the host's OpenTofu", () => {
    expect(lanesOf("dagger/test/e2e/staging.test.ts").map((l) => l.name)).toEqual(["module"]);
    expect(lanesOf("dagger/test/e2e/local.test.ts").map((l) => l.name)).toEqual(["module"]);
    expect(lanesOf("dagger/infra/test/e2e/stacks.test.ts").map((l) => l.name)).toEqual(["infra"]);
  });

  it("run the shared environments' module file in its own lane, not in the module lane too", () => {
    expect(lanesOf("dagger/test/e2e/shared.test.ts").map((l) => l.name)).toEqual(["shared"]);
  });
});
