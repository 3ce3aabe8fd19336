/**
 * The workspace graph check splits its steps by: this repository and the corpus
 * apps in examples/ as they are (npm workspaces, pnpm, a uv workspace, nested
 * npm projects), and the other managers' declarations (yarn's `workspace:`
 * protocol, go.work and go.mod's local replace) in the forms their docs give.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import {
  dependentsOf,
  globToRegExp,
  goGraph,
  goWorkUses,
  matchWorkspaceDirs,
  nodeGraph,
  npmWorkspacePatterns,
  parseGoMod,
  pnpmWorkspacePatterns,
  readsOf,
  uvGraph,
} from "../../../src/check/workspaces.js";

const REPO = join(import.meta.dirname, "../../../..");
// examples/ is not in this repository's build context (.dockerignore: apps of their own), so
// `check` runs this file without the corpus: the cases that read it are skipped there (and
// counted as skipped), and run in the unit tier of a clone (`npm run test:unit`, `.ci/run`).
const itOnCorpus = it.skipIf(!existsSync(join(REPO, "examples")));
const SKIP = new Set(["node_modules", ".git", "examples", ".venv", "dist", "cdktf.out"]);

/** Every file named `name` under `root`, by its directory ("" for the root), as check reads them. */
function filesNamed(root: string, name: string, dir = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(root, dir))) {
    const rel = dir === "" ? entry : `${dir}/${entry}`;
    if (statSync(join(root, rel)).isDirectory()) {
      if (!SKIP.has(entry)) Object.assign(out, filesNamed(root, name, rel));
    } else if (entry === name) out[dir] = readFileSync(join(root, rel), "utf8");
  }
  return out;
}

describe("workspace globs", () => {
  it("matches one segment with *, any depth with **, and removes with !", () => {
    expect(globToRegExp("apps/*").test("apps/api")).toBe(true);
    expect(globToRegExp("apps/*").test("apps/api/sub")).toBe(false);
    expect(globToRegExp("packages/**").test("packages/a/b")).toBe(true);
    expect(globToRegExp("./libs/one/").test("libs/one")).toBe(true);
    expect(matchWorkspaceDirs(["packages/*", "!packages/legacy"], ["", "packages/a", "packages/legacy", "x"])).toEqual([
      "packages/a",
    ]);
  });

  it("reads pnpm-workspace.yaml's packages in block and flow form", () => {
    expect(pnpmWorkspacePatterns("# c\npackages:\n  - 'apps/*'\n  - \"libs/**\" # libs\n  - '!**/test/**'\n")).toEqual([
      "apps/*",
      "libs/**",
      "!**/test/**",
    ]);
    expect(pnpmWorkspacePatterns("packages: [apps/*, 'libs/*']\n")).toEqual(["apps/*", "libs/*"]);
    expect(pnpmWorkspacePatterns("onlyBuiltDependencies:\n  - esbuild\n")).toEqual([]);
  });
});

describe("nodeGraph", () => {
  it("splits this repository: the root, its workspace app/, and dagger/ and dagger/infra/ with their own lock files", () => {
    const manifests = filesNamed(REPO, "package.json");
    const lockDirs = Object.keys(filesNamed(REPO, "package-lock.json"));
    const graph = nodeGraph({ patterns: npmWorkspacePatterns(manifests[""] ?? ""), manifests, lockDirs });
    expect(graph.packages.map((p) => [p.dir, p.role])).toEqual([
      ["", "root"],
      ["app", "workspace"],
      ["dagger", "nested"],
      ["dagger/infra", "nested"],
    ]);
    // app reads no other package: a change elsewhere does not re-check it, and a change to it re-checks only it.
    expect(readsOf(graph, "app")).toEqual(["app"]);
    expect(dependentsOf(graph, "app")).toEqual(["app"]);
    // The root, the module and its infrastructure read one another (nothing declares what): one another's inputs.
    expect(readsOf(graph, "").sort()).toEqual(["", "dagger", "dagger/infra"]);
    expect(graph.packages.find((p) => p.dir === "dagger")?.reads).toEqual([
      { dir: "", why: "sits inside the root package" },
      { dir: "dagger/infra", why: "holds dagger/infra" },
    ]);
    expect(dependentsOf(graph, "dagger/infra").sort()).toEqual(["", "dagger", "dagger/infra"]);
  });

  itOnCorpus("links examples/node-npm-workspaces' app to the library it names in its dependencies", () => {
    const dir = join(REPO, "examples/node-npm-workspaces");
    const manifests = filesNamed(dir, "package.json");
    const graph = nodeGraph({ patterns: npmWorkspacePatterns(manifests[""] ?? ""), manifests, lockDirs: [""] });
    expect(graph.packages).toEqual([
      { dir: "", name: "acme-monorepo", role: "root", reads: [] },
      {
        dir: "apps/api",
        name: "@acme/api",
        role: "workspace",
        reads: [{ dir: "packages/format", why: "depends on @acme/format" }],
      },
      { dir: "packages/format", name: "@acme/format", role: "workspace", reads: [] },
    ]);
    expect(dependentsOf(graph, "packages/format")).toEqual(["apps/api", "packages/format"]);
    expect(dependentsOf(graph, "apps/api")).toEqual(["apps/api"]);
  });

  itOnCorpus("reads examples/node-pnpm's pnpm-workspace.yaml: the root app reads packages/slug (workspace:*)", () => {
    const dir = join(REPO, "examples/node-pnpm");
    const manifests = filesNamed(dir, "package.json");
    const patterns = pnpmWorkspacePatterns(readFileSync(join(dir, "pnpm-workspace.yaml"), "utf8"));
    const graph = nodeGraph({ patterns, manifests, lockDirs: [""] });
    expect(graph.packages.map((p) => [p.dir, p.reads])).toEqual([
      ["", [{ dir: "packages/slug", why: "depends on @links/slug" }]],
      ["packages/slug", []],
    ]);
  });

  it("follows yarn's workspace: protocol through a chain, and an object-form workspaces field", () => {
    const manifests = {
      "": JSON.stringify({ private: true, workspaces: { packages: ["packages/*"] } }),
      "packages/web": JSON.stringify({ name: "web", dependencies: { ui: "workspace:^" } }),
      "packages/ui": JSON.stringify({ name: "ui", devDependencies: { tokens: "workspace:*" } }),
      "packages/tokens": JSON.stringify({ name: "tokens" }),
      "packages/docs": JSON.stringify({ name: "docs", dependencies: { react: "19.0.0" } }),
    };
    const graph = nodeGraph({ patterns: npmWorkspacePatterns(manifests[""]), manifests, lockDirs: [] });
    expect(readsOf(graph, "packages/web")).toEqual(["packages/web", "packages/ui", "packages/tokens"]);
    expect(dependentsOf(graph, "packages/tokens").sort()).toEqual(["packages/tokens", "packages/ui", "packages/web"]);
    expect(dependentsOf(graph, "packages/docs")).toEqual(["packages/docs"]);
  });

  it("names the package.json that is not valid JSON", () => {
    expect(() => nodeGraph({ patterns: ["a"], manifests: { "": "{}", a: "{" }, lockDirs: [] })).toThrow(
      /^a\/package\.json is not valid JSON/,
    );
  });
});

describe("uvGraph", () => {
  itOnCorpus(
    "reads examples/python-uv: the app at the root reads its member packages/greeting (workspace = true)",
    () => {
      const dir = join(REPO, "examples/python-uv");
      const graph = uvGraph({ pyprojects: filesNamed(dir, "pyproject.toml") });
      expect(graph.packages).toEqual([
        {
          dir: "",
          name: "hello-api",
          role: "root",
          reads: [{ dir: "packages/greeting", why: "depends on greeting (workspace = true)" }],
        },
        { dir: "packages/greeting", name: "greeting", role: "workspace", reads: [] },
      ]);
    },
  );

  it("links members only through workspace sources, with PEP 503 names, honouring exclude", () => {
    const pyprojects = {
      "": '[tool.uv.workspace]\nmembers = ["libs/*"]\nexclude = ["libs/old"]\n[tool.uv.sources]\nCore_Lib = { workspace = true }\n',
      "libs/api": '[project]\nname = "api"\ndependencies = ["core-lib>=1", "requests"]\n',
      "libs/core": '[project]\nname = "core.lib"\n',
      "libs/cli":
        '[project]\nname = "cli"\n[dependency-groups]\ndev = ["api"]\n[tool.uv.sources]\napi = { workspace = true }\n',
      "libs/old": '[project]\nname = "old"\n',
    };
    const graph = uvGraph({ pyprojects });
    expect(graph.packages.map((p) => p.dir)).toEqual(["", "libs/api", "libs/cli", "libs/core"]);
    expect(readsOf(graph, "libs/cli")).toEqual(["libs/cli", "libs/api", "libs/core"]);
    expect(dependentsOf(graph, "libs/core").sort()).toEqual(["libs/api", "libs/cli", "libs/core"]);
  });
});

describe("goGraph", () => {
  it("reads go.work's use directives and links a module requiring another's path", () => {
    const goWork = "go 1.26\n\nuse (\n\t./services/api\n\t./lib // shared\n)\nuse ./tools\n";
    expect(goWorkUses(goWork)).toEqual(["services/api", "lib", "tools"]);
    const graph = goGraph({
      goWork,
      goMods: {
        "services/api":
          "module example.com/api\n\ngo 1.26\n\nrequire (\n\texample.com/lib v0.0.0\n\tgolang.org/x/sync v0.25.0\n)\n",
        lib: "module example.com/lib\n\ngo 1.26\n",
        tools: "module example.com/tools\n",
        "unused/x": "module example.com/x\n",
      },
    });
    expect(graph.packages.map((p) => [p.dir, p.reads.map((r) => r.dir)])).toEqual([
      ["services/api", ["lib"]],
      ["lib", []],
      ["tools", []],
    ]);
  });

  it("without go.work, checks every module and links a replace by a local directory", () => {
    expect(parseGoMod("module a\nreplace example.com/lib => ../lib\nreplace (\n\tx => y v1.0.0\n)\n")).toEqual({
      module: "a",
      requires: [],
      localReplaces: ["../lib"],
    });
    const graph = goGraph({
      goMods: {
        "": "module example.com/root\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n",
        lib: "module example.com/lib\n",
      },
    });
    expect(graph.packages.map((p) => [p.dir, p.role, p.reads])).toEqual([
      ["", "root", [{ dir: "lib", why: "replaces example.com/lib with ./lib" }]],
      ["lib", "workspace", []],
    ]);
  });

  itOnCorpus("checks examples/go, one module, as one package", () => {
    const graph = goGraph({ goMods: filesNamed(join(REPO, "examples/go"), "go.mod") });
    expect(graph.packages).toEqual([{ dir: "", name: "example.com/go-demo", role: "root", reads: [] }]);
  });
});
