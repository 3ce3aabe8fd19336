/**
 * The contract an app's Dockerfile meets (a `test` stage, the runtime stage
 * last), and the message a failed `test` stage produces.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { dockerfileStages, stageRuns } from "../../../src/build/dockerfile.js";
import { explainTestStageFailure, failureSection } from "../../../src/build/test-stage.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures", name), "utf8");

/** An error shaped like the SDK's ExecError. */
function execError(cmd: string, stdout: string, stderr: string, exitCode = 1) {
  return Object.assign(new Error(`process "${cmd}" did not complete successfully: exit code: ${exitCode}`), {
    cmd: ["/bin/sh", "-c", cmd],
    exitCode,
    stdout,
    stderr,
  });
}

describe("dockerfileStages", () => {
  it("lists the stages of this repository's Dockerfile, runtime last, test among them", () => {
    const stages = dockerfileStages(readFileSync(join(import.meta.dirname, "../../../../Dockerfile"), "utf8"));
    expect(stages).toContain("test");
    expect(stages.at(-1)).not.toBe("test");
  });

  it("reads AS names in any case, with --platform and unnamed stages", () => {
    expect(
      dockerfileStages("FROM --platform=$BUILDPLATFORM node:24 as Build\nRUN x\nfrom build AS test\nFROM scratch\n"),
    ).toEqual(["build", "test", "2"]);
  });
});

describe("stageRuns", () => {
  it("lists the RUN steps of this repository's test stage, each without network", () => {
    const runs = stageRuns(readFileSync(join(import.meta.dirname, "../../../../Dockerfile"), "utf8"), "test");
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => !r.noNetwork)).toEqual([]);
  });

  it("reads flags, continuation lines and only the named stage", () => {
    const df =
      "FROM a AS build\nRUN make\nFROM build AS test\nRUN --mount=type=cache,target=/c --network=none npm \\\n  test\nRUN echo done\nFROM a\nRUN x\n";
    expect(stageRuns(df, "test")).toEqual([
      { command: "npm test", noNetwork: true },
      { command: "echo done", noNetwork: false },
    ]);
  });
});

describe("explainTestStageFailure", () => {
  it("names the failing tests and keeps the last lines of output", () => {
    const msg = explainTestStageFailure(
      execError("npm test -w app", fixture("vitest-failed-color.txt"), ""),
      "Dockerfile",
    );
    expect(msg).toMatch(/^tests failed \(2 failing tests, in the "test" stage of Dockerfile, run with no network\):/);
    expect(msg).toContain("✘ test/unit/math.test.ts > math > subtracts wrongly");
    expect(msg).toContain("✘ test/unit/net.test.ts > reaches the registry");
    expect(msg).toContain("Tests  2 failed | 1 passed (3)");
    expect(msg).toContain("AssertionError: expected 2 to be 1");
  });

  it("shows vitest's account of the failures without npm's lifecycle lines", () => {
    const out = `${fixture("vitest-failed-plain.txt")}\nnpm error Lifecycle script \`test\` failed with error:\nnpm error code 1`;
    const section = failureSection(out);
    expect(section[0]).toBe(" FAIL  |unit| test/unit/math.test.ts > math > subtracts wrongly");
    expect(section.join("\n")).toContain("Caused by: Error: getaddrinfo ENOTFOUND nonexistent.invalid");
    expect(section.join("\n")).not.toContain("npm error");
  });

  it("says the lock file is out of sync when the install step fails on it", () => {
    const stderr =
      "npm error Missing: is-odd@3.0.1 from lock file\npackage-lock.json is out of sync with package.json: run `npm install` and commit the lock file";
    for (const cmd of [
      "npm ci -w app --no-audit --no-fund",
      "sh app/scripts/npm-ci.sh -w app --no-audit --no-fund",
      "./install-deps",
    ]) {
      const msg = explainTestStageFailure(execError(cmd, "", stderr), "Dockerfile");
      expect(msg).toMatch(
        /^package-lock\.json is out of sync with package\.json: run `npm install` and commit the lock file\n/,
      );
      expect(msg).toContain("Missing: is-odd@3.0.1 from lock file");
    }
  });

  it("does not take a test's network error for an install failure", () => {
    const msg = explainTestStageFailure(
      execError("npm test -w app", fixture("vitest-failed-plain.txt"), ""),
      "Dockerfile",
    );
    expect(msg).toMatch(/^tests failed/);
  });

  it("names the step and shows its last lines when no test result is in the output", () => {
    const msg = explainTestStageFailure(
      execError(
        "npm run typecheck -w app",
        "src/a.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.",
        "",
        2,
      ),
      "Dockerfile",
    );
    expect(msg).toMatch(/failed at `npm run typecheck -w app` \(exit code 2\)/);
    expect(msg).toContain("error TS2322");
  });

  it("names failing tests from the JUnit XML a failing step printed (pytest), with the runner's text as details", () => {
    const text =
      "============ test session starts ============\ntests/test_zz.py F.s\nFAILED tests/test_zz.py::test_one_plus_one_is_three - assert (1 + 1) == 3\n";
    const cmd = "pytest --junitxml=/test-report.xml 2>&1 | tee /test-report.txt || { cat /test-report.xml; exit 1; }";
    const msg = explainTestStageFailure(
      execError(cmd, `${text}${fixture("pytest-junit-failed.xml")}`, ""),
      "Dockerfile",
    );
    expect(msg).toMatch(/^tests failed \(2 failing tests, in the "test" stage of Dockerfile, run with no network\):/);
    expect(msg).toContain("✘ tests.test_zz > test_one_plus_one_is_three — assert (1 + 1) == 3");
    expect(msg).toContain(
      "✘ tests.test_zz > test_network — urllib.error.URLError: <urlopen error [Errno 111] Connection refused>",
    );
    expect(msg).toContain("7 tests: 4 passed, 2 failed, 1 skipped (JUnit XML)");
    expect(msg).toContain("FAILED tests/test_zz.py::test_one_plus_one_is_three");
    expect(msg).not.toContain("<testcase");
  });

  it("names failing tests from go test -json events, with go's -v text as details", () => {
    const msg = explainTestStageFailure(
      execError("go test -count=1 -json ./... | tee /test-report.json", fixture("go-test-failed.json"), ""),
      "Dockerfile",
    );
    expect(msg).toContain("✘ example.com/go-demo > TestOnePlusOneIsThree — zz_test.go:7: 1+1 = 2, want 3");
    expect(msg).toContain("--- FAIL: TestSub/inner");
    expect(msg).not.toContain('"Action"');
  });

  it("says which lock file to fix when poetry or go refuses it in any step", () => {
    const poetry = explainTestStageFailure(
      execError("poetry install --only main", "", fixture("lock/poetry-check-lock-drift.txt")),
      "Dockerfile",
    );
    expect(poetry.split("\n")[0]).toBe(
      "poetry.lock is out of sync with pyproject.toml: run `poetry lock` and commit poetry.lock",
    );
    const go = explainTestStageFailure(
      execError('go build -trimpath -ldflags="-s -w" -o /out/server .', "", fixture("lock/go-build-untidy.txt")),
      "Dockerfile",
    );
    expect(go.split("\n")[0]).toBe(
      "go.mod and go.sum are out of sync with the code's imports: run `go mod tidy` and commit go.mod and go.sum",
    );
  });
});
