/**
 * actionlint (with shellcheck on every `run:` script) passes on every workflow.
 *
 * actionlint is a Go binary the test bed builds (testbed/lib/actionlint.sh;
 * `scripts/actionlint.sh --build-only` does the same without the rest of the
 * test bed). Tests never build tools. When it is missing, these tests are
 * skipped with a banner saying how to get it (a laptop's `npm test`, or
 * `dagger call check`'s Node container) — never passed without having linted;
 * in CI (CI=true, where .ci/run brings the test bed up) a missing tool fails.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONLINT_IMAGE } from "../../dagger/src/check/workflows.ts";
import { REPO_ROOT, actionSteps, loadLocalActions, loadWorkflows } from "./workflow-policy.js";

/** The pinned version: testbed/versions.env when it names one, else testbed/lib/actionlint.sh's default. */
function pinnedVersion(): string {
  const fromVersions = /^ACTIONLINT_VERSION=(\S+)$/m.exec(
    readFileSync(join(REPO_ROOT, "testbed/versions.env"), "utf8"),
  );
  const fromLib = /^ACTIONLINT_VERSION=\$\{ACTIONLINT_VERSION:-([\d.]+)\}$/m.exec(
    readFileSync(join(REPO_ROOT, "testbed/lib/actionlint.sh"), "utf8"),
  );
  const v = fromVersions?.[1] ?? fromLib?.[1];
  if (!v) throw new Error("no ACTIONLINT_VERSION in testbed/versions.env or testbed/lib/actionlint.sh");
  return v;
}

/** KEY=VALUE lines of the env file testbed/up writes (empty when the test bed never ran). */
function testbedEnv(): Record<string, string> {
  const file = join(process.env.TESTBED_STATE ?? "/var/lib/fargate-pipeline-testbed", "env");
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .map((l) => /^([A-Za-z_]\w*)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

const version = pinnedVersion();
const candidates = [
  process.env.ACTIONLINT_BIN,
  testbedEnv().ACTIONLINT_BIN,
  join(process.env.TESTBED_CACHE ?? "/var/cache/fargate-pipeline-testbed", `actionlint-${version}`, "actionlint"),
].filter((p): p is string => p !== undefined && p !== "");
const bin = candidates.find((p) => existsSync(p));
const shellcheck = spawnSync("/bin/sh", ["-c", "command -v shellcheck"], { encoding: "utf8" }).stdout.trim();

const HOW_TO_GET_IT = [
  `actionlint ${version} is not built (looked in: ${candidates.join(", ")}).`,
  "Build it (about 10 s, from the Go module proxy, cached):  scripts/actionlint.sh --build-only",
  "or bring the test bed up:                                  sudo testbed/up",
  "or use one you have:                                       ACTIONLINT_BIN=/path/to/actionlint npm test",
].join("\n");

/** Runs actionlint in DIR (a git-less copy is fine: files are named explicitly). */
function actionlint(dir: string, files: string[], extra: string[] = []) {
  if (!bin) throw new Error(HOW_TO_GET_IT);
  const r = spawnSync(
    bin,
    [
      "-no-color",
      "-config-file",
      ".github/actionlint.yaml",
      "-shellcheck",
      shellcheck,
      "-pyflakes=",
      ...extra,
      ...files,
    ],
    { cwd: dir, encoding: "utf8" },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// Without the binary or shellcheck (an empty -shellcheck turns that check off)
// nothing here can lint: outside CI the tests are skipped under a banner that
// says how to get the tools; in CI the first test fails with the same text.
const missing = bin === undefined || shellcheck === "";
const inCI = process.env.CI === "true" || process.env.CI === "1";
if (missing && !inCI) {
  const why = bin ? "shellcheck is missing (apt-get install shellcheck)" : HOW_TO_GET_IT;
  console.warn(`\n!! ACTIONLINT TESTS SKIPPED — the workflows were NOT linted\n${why.replace(/^/gm, "!! ")}\n`);
}
const withBin = it.skipIf(missing);

describe("check's workflow lint", () => {
  // `check` runs actionlint from an image in every environment (CI included); the test
  // bed mirrors an image of the same name built from the binary these tests run.
  it("runs the actionlint version the test bed pins, from the image name the test bed mirrors", () => {
    expect(ACTIONLINT_IMAGE).toBe(`rhysd/actionlint:${version}`);
    expect(readFileSync(join(REPO_ROOT, "testbed/lib/actionlint.sh"), "utf8")).toContain(
      "ACTIONLINT_IMAGE=rhysd/actionlint:$ACTIONLINT_VERSION",
    );
  });
});

describe("actionlint", () => {
  it.skipIf(missing && !inCI)("is available at the pinned version, with shellcheck", () => {
    if (!bin) throw new Error(HOW_TO_GET_IT);
    expect(
      shellcheck,
      "shellcheck is missing: actionlint runs it on every run: script (apt-get install shellcheck)",
    ).not.toBe("");
    const r = spawnSync(bin, ["-version"], { encoding: "utf8" });
    expect(r.stdout.split("\n")[0]).toBe(`v${version}`);
  });

  withBin("passes on every workflow", () => {
    const files = loadWorkflows().map((w) => w.path);
    expect(files.length).toBeGreaterThan(0);
    const r = actionlint(REPO_ROOT, files);
    expect(r.out, r.out).toBe("");
    expect(r.status).toBe(0);
  });

  // actionlint does not lint composite actions: their run: scripts get shellcheck here.
  withBin("leaves the local actions' run: scripts to shellcheck, which passes them", () => {
    const scripts = loadLocalActions().flatMap((a) =>
      actionSteps(a).flatMap((s, i) => (s.run === undefined ? [] : [{ at: `${a.path} step ${i + 1}`, run: s.run }])),
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const { at, run } of scripts) {
      const r = spawnSync(shellcheck, ["--shell=bash", "-"], { input: run, encoding: "utf8" });
      expect(r.stdout, `${at}:\n${r.stdout}`).toBe("");
      expect(r.status).toBe(0);
    }
  });

  // actionlint knows the inputs of popular actions by major version ("@v6"), not
  // by SHA: a copy with the SHAs swapped for the versions in their comments lets
  // it check that every input we pass exists.
  describe("on a copy with tags for SHAs", () => {
    let dir = "";
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "fp-actionlint-"));
      for (const f of [...loadWorkflows(), ...loadLocalActions()]) {
        mkdirSync(join(dir, f.path, ".."), { recursive: true });
        writeFileSync(join(dir, f.path), f.text.replace(/@[0-9a-f]{40}\s*#\s*(v\d+)\.\d+\.\d+/g, "@$1"));
      }
      cpSync(join(REPO_ROOT, ".github/actionlint.yaml"), join(dir, ".github/actionlint.yaml"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    withBin("finds every input of the pinned actions valid", () => {
      const r = actionlint(
        dir,
        loadWorkflows().map((w) => w.path),
      );
      expect(r.out, r.out).toBe("");
    });

    withBin("does report a misspelled input (it really checks them)", () => {
      const ci = join(dir, ".github/workflows/ci.yml");
      const good = readFileSync(ci, "utf8");
      writeFileSync(ci, good.replace("role-to-assume:", "role-to-asume:"));
      try {
        const r = actionlint(dir, [".github/workflows/ci.yml"]);
        expect(r.status).toBe(1);
        expect(r.out).toMatch(
          /input "role-to-asume" is not defined in action "aws-actions\/configure-aws-credentials@v\d+"/,
        );
      } finally {
        writeFileSync(ci, good);
      }
    });

    withBin("does report a shell mistake in a run: script (shellcheck is wired in)", () => {
      const ci = join(dir, ".github/workflows/ci.yml");
      const good = readFileSync(ci, "utf8");
      writeFileSync(ci, good.replace('--git-commit "$GITHUB_SHA"', "--git-commit $GITHUB_SHA"));
      try {
        const r = actionlint(dir, [".github/workflows/ci.yml"]);
        expect(r.status).toBe(1);
        expect(r.out).toContain("SC2086");
      } finally {
        writeFileSync(ci, good);
      }
    });

    withBin("does report an unknown repository variable (.github/actionlint.yaml lists ours)", () => {
      const ci = join(dir, ".github/workflows/ci.yml");
      const good = readFileSync(ci, "utf8");
      writeFileSync(ci, good.replace("vars.AWS_DEPLOY_ROLE_ARN", "vars.AWS_DEPLOY_ROLE"));
      try {
        const r = actionlint(dir, [".github/workflows/ci.yml"]);
        expect(r.status).toBe(1);
        expect(r.out).toContain("AWS_DEPLOY_ROLE");
      } finally {
        writeFileSync(ci, good);
      }
    });
  });
});
