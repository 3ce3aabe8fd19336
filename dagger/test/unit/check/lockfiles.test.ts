/**
 * A lock file out of sync, said the same way for every ecosystem, from what
 * the tools print (recorded from poetry 2.5.1, uv 0.13.8, pnpm 12.4.2,
 * yarn 1.22.22 and 4.18.1, go 1.26): the first line names the fix.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { explainAnyLockDrift, explainLockDrift, lockMessage } from "../../../src/check/lockfiles.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures/lock", name), "utf8");
const first = (s: string | undefined) => s?.split("\n")[0];

describe("explainLockDrift", () => {
  it("poetry: pyproject.toml changed, or no poetry.lock", () => {
    const msg = explainLockDrift("poetry", fixture("poetry-check-lock-drift.txt"), "`poetry check --lock` in check");
    expect(first(msg)).toBe("poetry.lock is out of sync with pyproject.toml: run `poetry lock` and commit poetry.lock");
    expect(msg).toContain("(found by `poetry check --lock` in check)");
    expect(msg).toContain("pyproject.toml changed significantly since poetry.lock was last generated");
    expect(first(explainLockDrift("poetry", fixture("poetry-check-lock-missing.txt"), "check"))).toBe(
      "there is no poetry.lock: run `poetry lock` and commit poetry.lock",
    );
  });

  it("uv: the lock needs updating, or there is none", () => {
    expect(first(explainLockDrift("uv", fixture("uv-lock-check-drift.txt"), "check"))).toBe(
      "uv.lock is out of sync with pyproject.toml: run `uv lock` and commit uv.lock",
    );
    expect(first(explainLockDrift("uv", fixture("uv-lock-check-missing.txt"), "check"))).toBe(
      "there is no uv.lock: run `uv lock` and commit uv.lock",
    );
  });

  it("pnpm and yarn (1 and 4)", () => {
    const pnpm = explainLockDrift("pnpm", fixture("pnpm-frozen-drift.txt"), "check");
    expect(first(pnpm)).toBe(
      "pnpm-lock.yaml is out of sync with package.json: run `pnpm install` and commit pnpm-lock.yaml",
    );
    expect(pnpm).toContain("1 dependency was added: is-number@7.0.0");
    for (const f of ["yarn1-frozen-drift.txt", "yarn4-immutable-drift.txt"]) {
      expect(first(explainLockDrift("yarn", fixture(f), "check"))).toBe(
        "yarn.lock is out of sync with package.json: run `yarn install` and commit yarn.lock",
      );
    }
  });

  it("go: an import that go.mod does not cover", () => {
    const msg = explainLockDrift("go", fixture("go-build-untidy.txt"), "the Dockerfile step `go build`");
    expect(first(msg)).toBe(
      "go.mod and go.sum are out of sync with the code's imports: run `go mod tidy` and commit go.mod and go.sum",
    );
    expect(msg).toContain("no required module provides package golang.org/x/text/language");
  });

  it("leaves other output alone", () => {
    for (const e of ["poetry", "uv", "pnpm", "yarn", "go"] as const) {
      expect(
        explainLockDrift(e, "FAILED tests/test_app.py::test_x - assert 1 == 2\nexit status 1", "check"),
      ).toBeUndefined();
    }
  });
});

describe("lockMessage and explainAnyLockDrift", () => {
  it("keeps the first lines of a diff, and says how many more there are", () => {
    const diff = fixture("go-mod-tidy-diff.txt")
      .split("\n")
      .filter((l) => /^[-+]/.test(l));
    const msg = lockMessage("go", "out of sync", "`go mod tidy -diff` in check", [...diff, ...diff]);
    expect(first(msg)).toMatch(/^go\.mod and go\.sum are out of sync .*run `go mod tidy`/);
    expect(msg).toContain("+require golang.org/x/text v0.44.0");
    expect(msg).toMatch(/… and \d+ more lines$/);
  });

  it("finds the ecosystem from the output of any step: npm's wrapper, poetry, go", () => {
    expect(
      first(
        explainAnyLockDrift(
          "package-lock.json is out of sync with package.json: run `npm install` and commit the lock file",
          "x",
        ),
      ),
    ).toMatch(/^package-lock\.json is out of sync/);
    expect(first(explainAnyLockDrift(fixture("poetry-check-lock-drift.txt"), "x"))).toMatch(
      /^poetry\.lock is out of sync/,
    );
    expect(first(explainAnyLockDrift(fixture("go-build-untidy.txt"), "x"))).toMatch(
      /^go\.mod and go\.sum are out of sync/,
    );
    expect(explainAnyLockDrift("error TS2322: nope", "x")).toBeUndefined();
  });
});
