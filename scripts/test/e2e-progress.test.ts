/**
 * The e2e progress reporter (scripts/e2e-progress.ts) in a real vitest run of
 * its own (scripts/test/fixtures/progress, quiet limit cut to 3 s): every test
 * named at its start and end with its time, and a quiet test reported with
 * what it waits on, read from the worker through scripts/e2e-waiting.ts.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import { duration, ERROR_LINES } from "../e2e-progress.ts";
import { ERROR_PREFIX, failureExcerpts, formatExcerpts } from "../failure-excerpts.mjs";
import { ownWaits, readWaits, waitingOn, whileWaitingOn } from "../e2e-waiting.ts";
import { REPO_ROOT } from "./workflow-policy.ts";

describe("the e2e progress reporter, in a vitest run of its own", () => {
  let status: number | null = null;
  let out = "";
  let lines: string[] = [];
  beforeAll(() => {
    // FP_E2E_WAITING_DIR emptied: the inner run's reporter names a directory of its own.
    // stdout and stderr into one file, in the order they were written (as a CI log has them).
    const dir = mkdtempSync(join(tmpdir(), "fp-progress-"));
    const log = join(dir, "out.log");
    const fd = openSync(log, "w");
    try {
      const run = spawnSync(
        join(REPO_ROOT, "node_modules/.bin/vitest"),
        ["run", "--config", "scripts/test/fixtures/progress/vitest.config.ts"],
        {
          cwd: REPO_ROOT,
          stdio: ["ignore", fd, fd],
          env: { ...process.env, NO_COLOR: "1", FP_E2E_WAITING_DIR: "" },
          timeout: 60_000,
        },
      );
      status = run.status;
      out = readFileSync(log, "utf8");
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
    lines = out.split("\n");
  }, 60_000);
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));

  it("names each test when it starts and when it ends, with its outcome and time", () => {
    expect(status, out).toBe(1); // the fixture has a failing test
    const start = at(/^\[\d\d:\d\d:\d\d\] ▶ quiet\.fixture\.ts › a suite > waits quietly on a lock$/);
    const end = at(/^\[\d\d:\d\d:\d\d\] ✔ quiet\.fixture\.ts › a suite > waits quietly on a lock \(4\.\d s\)$/);
    expect(start, out).toBeGreaterThanOrEqual(0);
    expect(end, out).toBeGreaterThan(start);
    expect(out).toMatch(
      /^\[[\d:]+\] ✘ quiet\.fixture\.ts › a suite > fails \(\d+\.\d s\): one is not two: expected 1 to be 2/m,
    );
    expect(out).toMatch(/^\[[\d:]+\] ↓ quiet\.fixture\.ts › a suite > is skipped \(skipped\)$/m);
    expect(out).toMatch(/^\[[\d:]+\] ▶ beforeAll of quiet\.fixture\.ts › a suite$/m);
  });

  it("after the quiet limit, says which test runs and what it waits on (published by the worker)", () => {
    const quiet = at(/^\[[\d:]+\] … nothing printed for 3\.\d s; running:$/);
    expect(quiet, out).toBeGreaterThan(at(/▶ quiet\.fixture\.ts › a suite > waits quietly on a lock$/));
    expect(quiet).toBeLessThan(at(/✔ quiet\.fixture\.ts › a suite > waits quietly on a lock/));
    expect(lines[quiet + 1]).toMatch(/^ {4}quiet\.fixture\.ts › a suite > waits quietly on a lock \(for 3\.\d s\)$/);
    expect(lines[quiet + 2]).toMatch(
      /^ {4}waiting on: the state lock of fargate-pipeline-fixture, while deploy A runs \(for 3\.\d s\)$/,
    );
    // Once per quiet stretch, not on every check.
    expect(lines.filter((l) => l.includes("nothing printed for")).length).toBe(1);
  });

  it("prints a failed test's error under its mark: the first line beside it, the rest marked, at most 40", () => {
    const mark = at(
      /^\[[\d:]+\] ✘ quiet\.fixture\.ts › a suite > fails with a command's long error \(\d+\.\d s\): tofu apply/,
    );
    expect(mark, out).toBeGreaterThanOrEqual(0);
    expect(lines.slice(mark + 1, mark + 42)).toEqual([
      ...Array.from({ length: ERROR_LINES }, (_, i) => `${ERROR_PREFIX}tofu line ${i + 1}`),
      `${ERROR_PREFIX}(… 5 more lines: vitest's report of the failure has them)`,
    ]);
    expect(lines[mark + 42]).not.toContain(ERROR_PREFIX);
    // A one-line error: nothing under the mark.
    expect(lines[at(/✘ quiet\.fixture\.ts › a suite > fails \(/) + 1]).not.toContain(ERROR_PREFIX);
  });

  it("lets scripts/test.mjs cut out what a failed test printed, and only that test's lines", () => {
    const excerpts = failureExcerpts(lines);
    expect(
      excerpts.map((e) => e.label),
      out,
    ).toEqual(["quiet.fixture.ts › a suite > fails", "quiet.fixture.ts › a suite > fails with a command's long error"]);
    const [failed, long] = excerpts;
    expect(failed!.why).toBe("one is not two: expected 1 to be 2 // Object.is equality");
    expect(failed!.error).toEqual([]);
    expect(failed!.lines).toContain("▶ apply service stack");
    expect(failed!.lines).toContain("local: AWS emulator (tunnel) and registry started in the engine");
    // Not the quiet test's notice before it, nor vitest's "stderr | file > test" headers.
    expect(failed!.lines.join("\n")).not.toMatch(/nothing printed for|^stderr \|/m);
    expect(long!.why).toBe("tofu apply -input=false first.tfplan exited 1:");
    expect(long!.error).toHaveLength(ERROR_LINES + 1);
    expect(long!.error[0]).toBe("tofu line 1");
    expect(long!.lines).toEqual([]);
    expect(formatExcerpts(excerpts)).toEqual([
      "",
      "== what the failed tests printed last (their own lines, from the log above)",
      `✘ quiet.fixture.ts › a suite > fails: ${failed!.why}`,
      ...failed!.lines.map((l) => `    ${l}`),
      `✘ quiet.fixture.ts › a suite > fails with a command's long error: ${long!.why}`,
      ...long!.error.map((l) => `${ERROR_PREFIX}${l}`),
      "    (it printed nothing)",
    ]);
  });
});

describe("the waiting-on registry", () => {
  it("publishes this worker's waits to the reporter's directory and removes them when they end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fp-waits-"));
    const before = process.env.FP_E2E_WAITING_DIR;
    process.env.FP_E2E_WAITING_DIR = dir;
    try {
      const end = waitingOn("the lock");
      const inner = whileWaitingOn("deploy B", async () => readWaits(dir).map((w) => w.what));
      expect(await inner).toEqual(["the lock", "deploy B"]);
      expect(readWaits(dir).map((w) => w.what)).toEqual(["the lock"]);
      end();
      end(); // idempotent
      expect(readWaits(dir)).toEqual([]);
      expect(ownWaits()).toEqual([]);
      writeFileSync(join(dir, "1.json"), "{half a write");
      expect(readWaits(dir)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.FP_E2E_WAITING_DIR;
      else process.env.FP_E2E_WAITING_DIR = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows times as seconds, then minutes and seconds", () => {
    expect(duration(4_512)).toBe("4.5 s");
    expect(duration(125_000)).toBe("2 min 5 s");
  });
});
