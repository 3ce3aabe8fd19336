/**
 * scripts/test.mjs and scripts/testbed-env.mjs: a tier that could not run is
 * on the grand total's last line (never counted as passed, never silent),
 * after the counts, and the engine tier is ready only
 * when the AWS emulator its publish-ecr tests use answers.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { testbedReadiness } from "../testbed-env.mjs";
import { REPO_ROOT } from "./workflow-policy.ts";

describe("the grand total (.ci/run's last line)", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fp-totals-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `node scripts/test.mjs --totals FILE` over the given per-run records; its output lines. */
  const totals = (runs: object[]) => {
    const file = join(dir, `totals-${runs.length}.jsonl`);
    writeFileSync(file, runs.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const r = spawnSync(process.execPath, ["scripts/test.mjs", "--totals", file], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trimEnd().split("\n");
  };
  const unitAndEngine = {
    passed: 500,
    failed: 0,
    skipped: 2,
    summary: ["unit: 460 passed, 0 failed, 2 skipped", "engine: 40 passed, 0 failed, 0 skipped"],
    notRun: [],
  };
  const e2eNotRun = {
    passed: 0,
    failed: 0,
    skipped: 0,
    summary: ["e2e: NOT RUN (the AWS provider is not built yet (its cold build takes about an hour))"],
    notRun: [{ tier: "e2e", reason: "the AWS provider is not built yet (its cold build takes about an hour)" }],
  };

  it("names the tier that did not run, with why, on the last line after the total", () => {
    const lines = totals([unitAndEngine, e2eNotRun]);
    expect(lines.at(-1)).toBe(
      "tests: 500 passed, 0 failed, 2 skipped; NOT RUN: e2e (the AWS provider is not built yet (its cold build takes about an hour))",
    );
    expect(lines).toContain("  e2e: NOT RUN (the AWS provider is not built yet (its cold build takes about an hour))");
  });

  it("names every tier that did not run on that line", () => {
    const engineNotRun = { ...e2eNotRun, summary: ["engine: NOT RUN (x)"], notRun: [{ tier: "engine", reason: "x" }] };
    expect(totals([engineNotRun, e2eNotRun]).at(-1)).toMatch(/; NOT RUN: engine \(x\); e2e \(the AWS provider/);
  });

  it("starts the last line with the counts: 'N passed, N failed, N skipped' after one word and a colon", () => {
    const last = totals([unitAndEngine, e2eNotRun]).at(-1)!;
    expect(last).toMatch(/^\w+: \d+ passed, \d+ failed, \d+ skipped(; NOT RUN: .+)?$/);
  });

  it("prints what the failed tests printed last before the totals, so a log's tail names the cause", () => {
    const module = {
      passed: 30,
      failed: 1,
      skipped: 0,
      summary: ["e2e [module]: 30 passed, 1 failed, 0 skipped (lane module: 3058 s)"],
      notRun: [],
      failures: [
        {
          label: "dagger/test/e2e/local.test.ts › local environment > a damaged saved state is not used",
          why: "Test timed out in 1800000ms.",
          error: [],
          lines: ["▶ apply service stack", "… nothing printed for 5 min 0 s; running:"],
          omitted: 12,
        },
      ],
    };
    const lines = totals([unitAndEngine, module]);
    const heading = lines.indexOf("== what the failed tests printed last (their own lines, from the log above)");
    expect(heading).toBeGreaterThan(-1);
    expect(lines.slice(heading + 1, heading + 5)).toEqual([
      "✘ dagger/test/e2e/local.test.ts › local environment > a damaged saved state is not used: Test timed out in 1800000ms.",
      "    (… 12 earlier lines of this test are in the log above)",
      "    ▶ apply service stack",
      "    … nothing printed for 5 min 0 s; running:",
    ]);
    expect(lines.indexOf("== all test tiers")).toBeGreaterThan(heading);
    expect(lines.at(-1)).toBe("tests: 530 passed, 1 failed, 2 skipped");
  });

  it("prints a failed command's error under its test, and what went wrong inside a failed lane's emulator", () => {
    const infra = {
      passed: 28,
      failed: 1,
      skipped: 2,
      summary: ["e2e [infra]: 28 passed, 1 failed, 2 skipped (lane infra: 850 s)"],
      notRun: [],
      failures: [
        {
          label: "dagger/infra/test/e2e/stacks.test.ts › production: the stacks on the emulator > plan and apply",
          why: "tofu apply -input=false first.tfplan in /tmp/x exited 1:",
          error: ["Error: creating IAM Role (x): …"],
          lines: [],
          omitted: 0,
        },
      ],
      emulatorNotes: [
        "[infra] the AWS emulator answered 1 request(s) with 500 or above, and printed 1 kind(s) of exception:",
      ],
    };
    const lines = totals([unitAndEngine, infra]);
    const failed = lines.findIndex((l) => l.startsWith("✘ dagger/infra/test/e2e/stacks.test.ts"));
    expect(lines.slice(failed + 1, failed + 3)).toEqual([
      "    │ Error: creating IAM Role (x): …",
      "    (it printed nothing)",
    ]);
    const emulator = lines.indexOf("== the AWS emulator of each failed lane (its log is in the run's folder)");
    expect(emulator).toBeGreaterThan(failed);
    expect(lines[emulator + 1]).toBe(infra.emulatorNotes[0]);
    expect(lines.indexOf("== all test tiers")).toBeGreaterThan(emulator);
  });

  it("has no NOT RUN line when every tier ran (records of earlier runs without the field still add up)", () => {
    const old = {
      passed: unitAndEngine.passed,
      failed: unitAndEngine.failed,
      skipped: unitAndEngine.skipped,
      summary: unitAndEngine.summary,
    };
    const lines = totals([
      old,
      { passed: 7, failed: 1, skipped: 0, summary: ["e2e: 7 passed, 1 failed, 0 skipped"], notRun: [] },
    ]);
    expect(lines.some((l) => l.startsWith("NOT RUN"))).toBe(false);
    expect(lines.at(-1)).toBe("tests: 507 passed, 1 failed, 2 skipped");
  });
});

describe("the engine tier's readiness", () => {
  let moto: ChildProcess;
  let url = "";
  beforeAll(async () => {
    // Stands in for moto (readiness only asks whether the endpoint answers HTTP), in a
    // process of its own: readiness asks with a synchronous curl, which would block a server in this one.
    moto = spawn(
      process.execPath,
      [
        "-e",
        'const s = require("node:http").createServer((q, r) => r.end("ok")).listen(0, "127.0.0.1", () => console.log(s.address().port))',
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const port = await new Promise<string>((r) => moto.stdout!.once("data", (d: Buffer) => r(d.toString().trim())));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    moto.kill();
  });

  const bed = (extra: Record<string, string>) => ({
    _EXPERIMENTAL_DAGGER_RUNNER_HOST: "docker-container://fp-test",
    _EXPERIMENTAL_DAGGER_CLI_BIN: process.execPath,
    ...extra,
  });

  it("is not ready without the AWS emulator, and says so", () => {
    const { engine, e2e } = testbedReadiness(bed({}));
    expect(engine).toMatchObject({
      ok: false,
      reason: "the AWS emulator (moto) is not answering at (MOTO_ENDPOINT unset)",
    });
    expect(e2e.ok).toBe(false);
  });

  it("is not ready when the emulator does not answer", () => {
    const { engine } = testbedReadiness(bed({ MOTO_ENDPOINT: "http://127.0.0.1:9" }));
    expect(engine).toMatchObject({
      ok: false,
      reason: "the AWS emulator (moto) is not answering at http://127.0.0.1:9",
    });
  });

  it("is ready when the engine, the CLI and the emulator are there", () => {
    const { engine } = testbedReadiness(bed({ MOTO_ENDPOINT: url }));
    expect(engine.ok).toBe(true);
  });

  it("readies the e2e tier only with the moto program its lanes start emulators from", () => {
    // Any existing file stands in for OpenTofu and the CLI config: readiness checks that they exist.
    const built = { MOTO_ENDPOINT: url, TOFU_BIN: process.execPath, TF_CLI_CONFIG_FILE: process.execPath };
    expect(testbedReadiness(bed(built)).e2e).toMatchObject({
      ok: false,
      reason: "the test bed's moto program (MOTO_SERVER unset) is missing",
    });
    expect(testbedReadiness(bed({ ...built, MOTO_SERVER: process.execPath })).e2e.ok).toBe(true);
  });
});

describe("one lane of the e2e tier (--lane, as .ci/run runs infra beside the engine tier)", () => {
  /** `node scripts/test.mjs ARGS` with no test bed (an empty state directory); its status, output and totals. */
  const run = (args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "fp-lane-"));
    try {
      const totalsFile = join(dir, "totals.jsonl");
      const r = spawnSync(process.execPath, ["scripts/test.mjs", ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        env: { ...process.env, TESTBED_STATE: dir, FP_TEST_TOTALS_FILE: totalsFile, MOTO_ENDPOINT: "" },
      });
      const record = spawnSync("cat", [totalsFile], { encoding: "utf8" }).stdout;
      return { status: r.status, out: r.stdout + r.stderr, record };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("refuses a lane that does not exist, naming the lanes there are", () => {
    const r = run(["--tier", "e2e", "--lane", "nope"]);
    expect(r.status).toBe(2);
    expect(r.out).toContain('unknown e2e lane "nope": use module, shared, infra');
  });

  it("reports the lane it could not run by its name, never as passed", () => {
    const r = run(["--tier", "e2e", "--if-ready", "--lane", "infra"]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/e2e \[infra\]: NOT RUN \(/);
    expect(JSON.parse(r.record)).toMatchObject({ passed: 0, notRun: [{ tier: "e2e [infra]" }] });
  });
});
