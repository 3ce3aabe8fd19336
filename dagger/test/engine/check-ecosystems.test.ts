/**
 * check on ecosystems besides the examples' (pnpm, uv) and on a source it
 * knows nothing of: each tiny project in dagger/test/fixtures/ecosystems has a
 * lock file in sync, so check passes and says which steps it skipped; changing
 * the manifest alone gives the fix in the first line.
 */
import { join } from "node:path";

import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { pipeline, rejection, useEngineSession } from "./session.js";

useEngineSession();

const FIXTURES = join(import.meta.dirname, "../fixtures/ecosystems");
const fixture = (name: string) => dag.host().directory(join(FIXTURES, name));

describe("check on a pnpm project", () => {
  it("passes with the lock file in sync, running what package.json has and skipping the rest", async () => {
    const report = await pipeline(fixture("pnpm")).check();
    expect(report.split("\n")[0]).toBe("check passed");
    expect(report).toContain("found: pnpm (package.json, pnpm-lock.yaml)");
    expect(report).toContain("✔ lock file in sync with package.json (pnpm install --frozen-lockfile)");
    expect(report).toContain('– typecheck: skipped (package.json has no "typecheck" script)');
    expect(report).toMatch(/✔ unit tests \(pnpm run test:unit\): .*pass 1/);
  });

  it("names `pnpm install` when package.json gained a dependency the lock file lacks", async () => {
    const manifest = JSON.parse(await fixture("pnpm").file("package.json").contents()) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies["is-number"] = "7.0.0";
    const message = await rejection(
      pipeline(fixture("pnpm").withNewFile("package.json", JSON.stringify(manifest, null, 2))).check(),
    );
    expect(message.split("\n")[0]).toBe(
      "pnpm-lock.yaml is out of sync with package.json: run `pnpm install` and commit pnpm-lock.yaml",
    );
    expect(message).toContain("1 dependency was added: is-number@7.0.0");
  });
});

describe("check on a uv project", () => {
  it("passes with the lock file in sync and says that no tool is configured", async () => {
    const report = await pipeline(fixture("uv")).check();
    expect(report.split("\n")[0]).toBe("check passed");
    expect(report).toContain("✔ lock file in sync with pyproject.toml (uv.lock) (uv lock --check)");
    expect(report).toContain("– typecheck: skipped (no [tool.mypy] in pyproject.toml, nor mypy.ini)");
    expect(report).toContain("– lint: skipped (no [tool.ruff] in pyproject.toml, nor ruff.toml)");
    expect(report).toMatch(/– unit tests: skipped \(no \[tool\.pytest\.ini_options\]/);
  });

  it("names `uv lock` when pyproject.toml gained a dependency", async () => {
    const pyproject = (await fixture("uv").file("pyproject.toml").contents()).replace(
      "dependencies = []",
      'dependencies = ["itsdangerous>=2"]',
    );
    const message = await rejection(pipeline(fixture("uv").withNewFile("pyproject.toml", pyproject)).check());
    expect(message.split("\n")[0]).toBe("uv.lock is out of sync with pyproject.toml: run `uv lock` and commit uv.lock");
  });
});

describe("check on a source it knows nothing of", () => {
  it("does not pass in silence: it says it skipped every step and why", async () => {
    const report = await pipeline(
      dag.directory().withNewFile("Cargo.toml", '[package]\nname = "x"\n').withNewFile("requirements.txt", "flask\n"),
    ).check();
    expect(report.split("\n")[0]).toMatch(
      /^check skipped every step: the root of --source has none of package\.json .*pyproject\.toml .*go\.mod/,
    );
    expect(report).toContain("– skipped requirements.txt: pip has no lock file that check can compare");
  });
});
