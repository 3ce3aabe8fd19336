/**
 * What check finds at the root of a build context: this repository and the
 * corpus apps in examples/ as they are, and the package managers' tells
 * (packageManager, lock files, pyproject.toml tables), the toolchain each asks
 * for and the conventional tools' configuration files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { detectProjects, type SourceFacts } from "../../../src/check/ecosystems.js";

const REPO = join(import.meta.dirname, "../../../..");
// examples/ is not in this repository's build context (.dockerignore: apps of their own), so
// `check` runs this file without the corpus: the cases that read it are skipped there (and
// counted as skipped), and run in the unit tier of a clone (`npm run test:unit`, `.ci/run`).
const itOnCorpus = it.skipIf(!existsSync(join(REPO, "examples")));

/** The facts of a real directory, as readSourceFacts reads them through the engine. */
function factsOf(dir: string): SourceFacts {
  const entries = readdirSync(dir).map((e) => (statSync(join(dir, e)).isDirectory() ? `${e}/` : e));
  const read = (f: string) => (entries.includes(f) ? readFileSync(join(dir, f), "utf8") : undefined);
  const fields = {
    packageJson: read("package.json"),
    pyproject: read("pyproject.toml"),
    pythonVersion: read(".python-version"),
    nvmrc: read(".nvmrc") ?? read(".node-version"),
    goMod: read("go.mod"),
    goVendor: entries.includes("vendor/") || undefined,
  };
  return { entries, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}

const example = (name: string) => detectProjects(factsOf(join(REPO, "examples", name))).projects;

describe("detectProjects", () => {
  it("finds this repository's npm workspace root on Node 24.21.0 (.nvmrc), with ESLint and Prettier configured", () => {
    expect(detectProjects(factsOf(REPO))).toEqual({
      projects: [
        {
          kind: "node",
          manager: "npm",
          toolchain: { language: "Node", version: "24.21.0", image: "node:24.21.0-slim", why: "from .nvmrc" },
          configs: { tsconfig: true, eslint: "eslint.config.js", prettier: ".prettierrc.json" },
        },
      ],
      unsupported: [],
    });
  });

  itOnCorpus(
    "finds the poetry example: a src/ package on the oldest Python requires-python admits, mypy, ruff and pytest configured",
    () => {
      expect(example("python-poetry")).toEqual([
        {
          kind: "python",
          manager: "poetry",
          installRoot: true,
          toolchain: expect.objectContaining({ version: "3.11", image: "python:3.11-slim" }),
          tools: { ruff: true, mypy: true, pytest: true },
          mypyFiles: true,
        },
      ]);
    },
  );

  itOnCorpus("finds the uv example on the Python .python-version names (3.13), above its requires-python floor", () => {
    expect(example("python-uv")).toEqual([
      expect.objectContaining({
        manager: "uv",
        installRoot: false,
        toolchain: { language: "Python", version: "3.13", image: "python:3.13-slim", why: "from .python-version" },
      }),
    ]);
  });

  itOnCorpus("finds the Node corpus: npm workspaces, pnpm pinned with Biome and tsc configured, yarn berry", () => {
    expect(example("node-npm-workspaces")).toEqual([
      expect.objectContaining({ manager: "npm", toolchain: expect.objectContaining({ image: "node:24-slim" }) }),
    ]);
    expect(example("node-pnpm")).toEqual([
      expect.objectContaining({
        manager: "pnpm",
        version: "12.4.2",
        pinned: true,
        toolchain: expect.objectContaining({ version: "24", why: expect.stringMatching(/engines\.node >=24/) }),
        configs: { tsconfig: true, biome: "biome.json" },
      }),
    ]);
    expect(example("node-yarn")).toEqual([
      expect.objectContaining({
        manager: "yarn",
        yarnBerry: true,
        pinned: true,
        toolchain: expect.objectContaining({ why: "from .node-version" }),
      }),
    ]);
  });

  itOnCorpus("finds the Go example: the toolchain line's release, and its vendor/ directory", () => {
    expect(example("go")).toEqual([
      {
        kind: "go",
        toolchain: { language: "Go", version: "1.26.8", image: "golang:1.26.8", why: "go.mod's toolchain line" },
        vendor: true,
      },
    ]);
  });

  itOnCorpus("says the requirements.txt example is not checked, and why", () => {
    expect(detectProjects(factsOf(join(REPO, "examples/python-requirements")))).toEqual({
      projects: [],
      unsupported: [
        expect.stringMatching(/^requirements\.txt: not checked\. .*no lock file .*Dockerfile's test stage/),
      ],
    });
  });

  it("reports a toolchain declaration it cannot use as the project's toolchain error, not a crash", () => {
    const [py] = detectProjects({
      entries: ["pyproject.toml", "uv.lock", ".python-version"],
      pyproject: '[project]\nname = "x"\n',
      pythonVersion: "pypy3.10\n",
    }).projects;
    expect(py).toMatchObject({ toolchain: { error: expect.stringMatching(/^\.python-version says "pypy3\.10"/) } });
  });

  it("takes the package manager from packageManager first, then from the lock file", () => {
    const pkg = (extra: object) => JSON.stringify({ name: "x", ...extra });
    const node = (f: SourceFacts) => detectProjects(f).projects[0];
    expect(
      node({
        entries: ["package.json", "package-lock.json"],
        packageJson: pkg({ packageManager: "pnpm@9.12.0+sha512.abc" }),
      }),
    ).toMatchObject({ kind: "node", manager: "pnpm", version: "9.12.0", pinned: true });
    expect(node({ entries: ["package.json"], packageJson: pkg({ packageManager: "yarn@4.5.0" }) })).toMatchObject({
      kind: "node",
      manager: "yarn",
      version: "4.5.0",
      yarnBerry: true,
    });
    expect(node({ entries: ["package.json"], packageJson: pkg({ packageManager: "yarn@1.22.22" }) })).toMatchObject({
      manager: "yarn",
      yarnBerry: false,
    });
    expect(node({ entries: ["package.json", "pnpm-lock.yaml"], packageJson: pkg({}) })).toMatchObject({
      kind: "node",
      manager: "pnpm",
    });
    const berryHead =
      '# This file is generated by running "yarn install" inside your project.\n# Manual changes might be lost - proceed with caution!\n\n__metadata:\n  version: 10\n';
    expect(
      node({ entries: ["package.json", "yarn.lock"], packageJson: pkg({}), yarnLockHead: berryHead }),
    ).toMatchObject({
      kind: "node",
      manager: "yarn",
      yarnBerry: true,
    });
    expect(
      node({
        entries: ["package.json", "yarn.lock"],
        packageJson: pkg({}),
        yarnLockHead: "# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n",
      }),
    ).toMatchObject({ yarnBerry: false });
  });

  it("tells uv from poetry, and an installable package from an application", () => {
    const uv = detectProjects({
      entries: ["pyproject.toml", "uv.lock", "src/"],
      pyproject:
        '[project]\nname = "x"\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n[tool.mypy]\nstrict = true\n',
    });
    expect(uv.projects).toMatchObject([
      {
        kind: "python",
        manager: "uv",
        installRoot: true,
        tools: { ruff: false, mypy: true, pytest: false },
        mypyFiles: false,
      },
    ]);
    const poetryPackage = detectProjects({
      entries: ["pyproject.toml", "poetry.lock", "ruff.toml", "tests/"],
      pyproject: '[tool.poetry]\nname = "x"\n',
    });
    expect(poetryPackage.projects[0]).toMatchObject({
      manager: "poetry",
      installRoot: true,
      tools: { ruff: true, mypy: false, pytest: true },
    });
  });

  it("says what it saw but cannot check, and finds several projects side by side", () => {
    const plain = detectProjects({ entries: ["pyproject.toml"], pyproject: '[project]\nname = "x"\n' });
    expect(plain.projects).toEqual([]);
    expect(plain.unsupported[0]).toMatch(/^pyproject\.toml: neither poetry nor uv manages it/);
    expect(detectProjects({ entries: ["requirements.txt", "app.py"] }).unsupported[0]).toMatch(
      /^requirements\.txt: not checked/,
    );
    expect(detectProjects({ entries: ["Cargo.toml"] })).toEqual({ projects: [], unsupported: [] });
    const both = detectProjects({ entries: ["package.json", "go.mod"], packageJson: "{}" });
    expect(both.projects.map((p) => p.kind)).toEqual(["node", "go"]);
  });

  it("names the file it cannot parse", () => {
    expect(() => detectProjects({ entries: ["pyproject.toml"], pyproject: "[tool.poetry\n" })).toThrow(
      /^pyproject\.toml is not valid TOML: /,
    );
    expect(() => detectProjects({ entries: ["package.json"], packageJson: "{" })).toThrow(
      /^package\.json is not valid JSON: /,
    );
  });
});
