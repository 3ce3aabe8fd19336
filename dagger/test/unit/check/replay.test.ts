/**
 * How check tells a step that ran from one the engine replayed (the clock a
 * step's command prints, against the check's start), how the report says it
 * and why, which root scripts it does not run a second time because they run
 * the packages' own, and how the build context's exclusions apply inside a
 * package's directory.
 */
import { execFileSync } from "node:child_process";

import { describe, expect, it } from "vitest";

import { rerootPatterns } from "../../../src/check/inputs.js";
import { fanOut } from "../../../src/check/node.js";
import { clockMs, parseStamps, stamped, verdict } from "../../../src/check/replay.js";
import { replayLines, stepLine } from "../../../src/check/run-checks.js";
import type { EcosystemOutcome } from "../../../src/check/step.js";

describe("the engine's clock", () => {
  it("reads date +%s%N, and a date without %N as whole seconds", () => {
    expect(clockMs("1796307711724723421\n")).toBe(1796307711724);
    expect(clockMs("1796307711N")).toBe(1796307711000);
    expect(clockMs("1796307711")).toBe(1796307711000);
    expect(clockMs("Thu Dec  3")).toBeUndefined();
  });

  it("stamps a command's start and end on its stderr, keeps its output and its exit code", () => {
    const run = (script: string) => {
      try {
        return { out: execFileSync("sh", ["-c", stamped(script)], { encoding: "utf8", stdio: "pipe" }), code: 0 };
      } catch (err) {
        const e = err as { stdout: string; stderr: string; status: number };
        return { out: e.stdout, code: e.status, stderr: e.stderr };
      }
    };
    const failed = run("echo out; echo err >&2; exit 3");
    expect(failed.code).toBe(3);
    expect(failed.out).toBe("out\nerr\n");
    const at = parseStamps(failed.stderr ?? "");
    expect(at).toBeDefined();
    expect(at!.end).toBeGreaterThanOrEqual(at!.start);
    expect(Math.abs(at!.start - Date.now())).toBeLessThan(60_000);
  });

  it("calls a step replayed when it started before the check did", () => {
    expect(verdict({ start: 1000, end: 2000 }, 1500)).toBe("replayed");
    expect(verdict({ start: 1500, end: 2000 }, 1500)).toBe("ran");
  });
});

describe("the report", () => {
  const clock = 10_000;
  const step = (name: string, pkg: string, start: number, inputs: string[]) => ({
    name,
    status: "passed" as const,
    command: `npm run ${name}`,
    package: pkg,
    ranAt: { start, end: start + 2500 },
    inputs,
  });
  const lock = "package-lock.json or a package.json";

  it("ends each step's line with ran (and how long) or replayed", () => {
    expect(stepLine(step("lint", "app", 12_000, []), undefined, clock)).toBe(
      "✔ app: lint (npm run lint) · ran (2.5 s)",
    );
    expect(stepLine(step("lint", "dagger", 1_000, []), undefined, clock)).toBe(
      "✔ dagger: lint (npm run lint) · replayed",
    );
  });

  it("names the changed input of the steps that ran", () => {
    const outcome: EcosystemOutcome = {
      label: "npm",
      found: "package.json",
      clock,
      probes: [
        { label: "app's files", replay: "ran" },
        { label: "dagger's files", replay: "replayed" },
        { label: lock, replay: "replayed" },
      ],
      steps: [
        step("typecheck", "app", 12_000, ["app's files", lock]),
        step("lint", "app", 12_000, ["app's files", lock]),
        step("typecheck", "dagger", 1_000, ["dagger's files", lock]),
      ],
    };
    expect(replayLines(outcome)).toEqual([
      "– engine cache: 2 of 3 steps ran, 1 replayed (their inputs are unchanged)",
      "– ran because app's files changed: app: typecheck, app: lint",
    ]);
  });

  it("says so when every step ran because of an input they all read", () => {
    const outcome: EcosystemOutcome = {
      label: "npm",
      found: "package.json",
      clock,
      probes: [
        { label: "app's files", replay: "replayed" },
        { label: "tsconfig.base.json", replay: "ran" },
      ],
      steps: [
        step("typecheck", "app", 12_000, ["app's files", "tsconfig.base.json"]),
        step("typecheck", "web", 12_000, ["web's files", "tsconfig.base.json"]),
      ],
    };
    expect(replayLines(outcome)).toEqual([
      "– engine cache: 2 of 2 steps ran, 0 replayed (their inputs are unchanged)",
      "– every step ran: they all read tsconfig.base.json, which changed (new to the engine's cache)",
    ]);
  });
});

describe("root scripts that run the packages' own", () => {
  it("are recognised by the package managers' and task runners' own flags", () => {
    expect(fanOut("npm test --workspaces --if-present")).toBe("npm test --workspaces");
    expect(fanOut("npm run typecheck:root && npm run typecheck --prefix dagger")).toBe("npm run typecheck --prefix");
    expect(fanOut("pnpm -r run lint")).toBe("pnpm -r");
    expect(fanOut("yarn workspaces foreach -A run test")).toBe("yarn workspaces foreach");
    expect(fanOut("turbo run typecheck")).toBe("turbo run");
  });

  it("are not confused with a root script that checks files", () => {
    expect(fanOut("eslint . && npm run lint:imports")).toBeUndefined();
    expect(fanOut("vitest run --project unit")).toBeUndefined();
    expect(fanOut("tsc -p tsconfig.json && tsc -p bench")).toBeUndefined();
  });
});

describe("the build context's exclusions inside a package", () => {
  it("keep **/ patterns, cut the package's own prefix, and drop the others", () => {
    expect(
      rerootPatterns(["**/node_modules", "bench/results", "app/coverage", "*/dist", "!app/keep", ".git"], "app"),
    ).toEqual(["**/node_modules", "coverage", "dist", "!keep"]);
  });
});
