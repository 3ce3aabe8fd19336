/**
 * check on tiny projects (dagger/test/fixtures/ecosystems: pnpm, uv) and on a
 * source it knows nothing of: each has a lock file in sync, so check passes and
 * says which steps it skipped; changing the manifest alone gives the fix in the
 * first line. A failure that is not the lock file is said as what it is: an
 * interpreter the project's requires-python does not admit, a file pyproject.toml
 * names that .dockerignore leaves out of the build context.
 */
import { join } from "node:path";

import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { exampleSource, pipeline, rejection, useEngineSession } from "./session.js";

useEngineSession();

const FIXTURES = join(import.meta.dirname, "../fixtures/ecosystems");
const fixture = (name: string) => dag.host().directory(join(FIXTURES, name));

describe("check on a pnpm project", () => {
  it("passes with the lock file in sync, running what package.json has and skipping the rest", async () => {
    const report = await pipeline(fixture("pnpm")).check();
    expect(report.split("\n")[0]).toBe("check passed");
    expect(report).toContain("found: pnpm (package.json, pnpm-lock.yaml)");
    expect(report).toContain("✔ lock file in sync with package.json (pnpm install --frozen-lockfile)");
    expect(report).toContain(
      "✔ toolchain: Node 24 (node:24-slim), the default: no .nvmrc and no engines.node in package.json",
    );
    expect(report).toContain(
      '– typecheck: skipped (package.json has no "typecheck" script, and no configuration of a conventional tool)',
    );
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
    expect(report).toContain(
      "✔ toolchain: Python 3.11 (python:3.11-slim), the oldest maintained line that requires-python >=3.11 admits",
    );
    expect(report).toMatch(
      /– unit tests: skipped \(Python declares no standard test command .* the Dockerfile's test stage runs the tests/,
    );
  });

  it("says an interpreter requires-python does not admit, not a lock problem", async () => {
    const pyproject = (await fixture("uv").file("pyproject.toml").contents()).replace(
      'requires-python = ">=3.11"',
      'requires-python = ">=3.12"',
    );
    const message = await rejection(
      pipeline(fixture("uv").withNewFile("pyproject.toml", pyproject).withNewFile(".python-version", "3.11\n")).check(),
    );
    expect(message.split("\n")[0]).toBe(
      "the project's Python requirement does not admit Python 3.11 (python:3.11-slim), from .python-version: make .python-version and requires-python agree",
    );
    expect(message).toContain("this is not a lock file problem");
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

describe("check on the build context", () => {
  it("names a file pyproject.toml names that .dockerignore leaves out, not lock drift", async () => {
    const source = exampleSource("python-poetry");
    const ignore = `${await source.file(".dockerignore").contents()}README.md\n`;
    const message = await rejection(pipeline(source.withNewFile(".dockerignore", ignore)).check());
    expect(message.split("\n")[0]).toBe(
      "pyproject.toml names README.md, which the build context does not have: README.md is in the source, but .dockerignore leaves it out of the build context, which is what the Dockerfile and check see: stop ignoring it there",
    );
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
    expect(report).toContain("– skipped requirements.txt: not checked. It is both the manifest and the pins");
  });
});
