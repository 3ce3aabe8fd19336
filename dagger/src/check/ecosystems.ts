/**
 * What the source is: which ecosystems' manifests sit at the root of its build
 * context, which package manager and toolchain version each asks for, and which
 * tools its configuration asks for. `check` runs what fits from this; what it
 * does not find, it reports as skipped.
 */
import type { Directory } from "@dagger.io/dagger";
import { parse as parseToml } from "smol-toml";

import { goToolchain, nodeToolchain, pythonToolchain, type Toolchain } from "./toolchains.js";

/** A toolchain, or why the project's declaration of it cannot be used (a failed step says so). */
export type ToolchainChoice = Toolchain | { error: string };

/** The conventional tools whose configuration sits at a Node project's root. */
export interface NodeConfigs {
  /** tsconfig.json: `tsc --noEmit` typechecks when there is no typecheck script. */
  tsconfig: boolean;
  /** biome.json(c): `biome ci` lints (and checks the formatting) when there is no lint script. */
  biome?: string;
  /** An ESLint configuration file: `eslint .` lints when there is no lint script and no Biome. */
  eslint?: string;
  /** A Prettier configuration: `prettier --check .` when there is no format:check script and no Biome. */
  prettier?: string;
}

/** A Node project and its package manager. */
export interface NodeProject {
  kind: "node";
  /** npm, pnpm or yarn: from package.json's packageManager field, else from the lock file present. */
  manager: "npm" | "pnpm" | "yarn";
  /** The manager's version from packageManager ("pnpm@9.12.0"), if pinned there. */
  version?: string;
  /** yarn 2 or later (a yarn.lock with __metadata, or packageManager yarn@2+). */
  yarnBerry?: boolean;
  /** Pinned in package.json's packageManager field: corepack runs exactly that release. */
  pinned?: boolean;
  /** The Node version it asks for. */
  toolchain?: ToolchainChoice;
  /** The conventional tools' configuration files at its root. */
  configs?: NodeConfigs;
}

/** A Python project managed by poetry or uv. */
export interface PythonProject {
  kind: "python";
  manager: "poetry" | "uv";
  /** False when the project is an application whose root is not installed (poetry package-mode = false, or no build system). */
  installRoot: boolean;
  /** The tools its configuration asks for, with the files that configure them. */
  tools: { ruff: boolean; mypy: boolean; pytest: boolean };
  /** mypy's configuration names the files to check (else `mypy .`). */
  mypyFiles: boolean;
  /** The Python version it asks for. */
  toolchain?: ToolchainChoice;
}

/** A Go module. */
export interface GoProject {
  kind: "go";
  /** The Go version go.mod asks for. */
  toolchain?: ToolchainChoice;
  /** A vendor/ directory with modules.txt: the go command builds from it. */
  vendor?: boolean;
}

/** One project `check` knows how to check. */
export type Project = NodeProject | PythonProject | GoProject;

/** What detection found: the projects, and what it saw but cannot check (said in the report). */
export interface Detection {
  projects: Project[];
  /** Lines for the report: manifests found that no checker covers, and why. */
  unsupported: string[];
}

/** The root of the source as detection reads it. */
export interface SourceFacts {
  /** Names of the entries at the root ("package.json", "go.mod", "src/", …). */
  entries: readonly string[];
  /** package.json's text, when there is one. */
  packageJson?: string;
  /** pyproject.toml's text, when there is one. */
  pyproject?: string;
  /** The first lines of yarn.lock, when there is one (enough to tell yarn 1 from yarn 2+). */
  yarnLockHead?: string;
  /** .python-version's text. */
  pythonVersion?: string;
  /** .nvmrc's (else .node-version's) text. */
  nvmrc?: string;
  /** go.mod's text. */
  goMod?: string;
  /** vendor/modules.txt is there. */
  goVendor?: boolean;
}

/** The root files whose text detection reads. */
const READ = {
  packageJson: "package.json",
  pyproject: "pyproject.toml",
  yarnLock: "yarn.lock",
  pythonVersion: ".python-version",
  nvmrc: ".nvmrc",
  nodeVersion: ".node-version",
  goMod: "go.mod",
} as const;

// Configuration files of the conventional Node tools, by the names their docs give.
const BIOME_CONFIGS = ["biome.json", "biome.jsonc"];
const ESLINT_CONFIGS = [
  "eslint.config.js",
  "eslint.config.mjs",
  "eslint.config.cjs",
  "eslint.config.ts",
  "eslint.config.mts",
  "eslint.config.cts",
  ".eslintrc",
  ".eslintrc.js",
  ".eslintrc.cjs",
  ".eslintrc.json",
  ".eslintrc.yml",
  ".eslintrc.yaml",
];
const PRETTIER_CONFIGS = [
  ".prettierrc",
  ".prettierrc.json",
  ".prettierrc.json5",
  ".prettierrc.yml",
  ".prettierrc.yaml",
  ".prettierrc.toml",
  ".prettierrc.js",
  ".prettierrc.cjs",
  ".prettierrc.mjs",
  "prettier.config.js",
  "prettier.config.cjs",
  "prettier.config.mjs",
  "prettier.config.ts",
];

// 2 KB: yarn 2+ writes __metadata within the first lines; yarn 1's header is a comment.
const YARN_LOCK_HEAD_BYTES = 2048;

/**
 * Reads what detection needs from the source's root.
 *
 * @param source the app's directory
 */
export async function readSourceFacts(source: Directory): Promise<SourceFacts> {
  const entries = await source.entries();
  const has = (name: string) => entries.includes(name);
  const read = async (name: string) => (has(name) ? await source.file(name).contents() : undefined);
  const [packageJson, pyproject, yarnLock, pythonVersion, nvmrc, nodeVersion, goMod, goVendor] = await Promise.all([
    read(READ.packageJson),
    read(READ.pyproject),
    read(READ.yarnLock),
    read(READ.pythonVersion),
    read(READ.nvmrc),
    read(READ.nodeVersion),
    read(READ.goMod),
    has("go.mod") && (has("vendor/") || has("vendor")) ? source.exists("vendor/modules.txt") : false,
  ]);
  const node = nvmrc ?? nodeVersion;
  return {
    entries,
    ...(packageJson !== undefined ? { packageJson } : {}),
    ...(pyproject !== undefined ? { pyproject } : {}),
    ...(yarnLock !== undefined ? { yarnLockHead: yarnLock.slice(0, YARN_LOCK_HEAD_BYTES) } : {}),
    ...(pythonVersion !== undefined ? { pythonVersion } : {}),
    ...(node !== undefined ? { nvmrc: node } : {}),
    ...(goMod !== undefined ? { goMod } : {}),
    ...(goVendor ? { goVendor } : {}),
  };
}

/** The toolchain a declaration asks for, or the reason it cannot be used. */
function choose(decide: () => Toolchain): ToolchainChoice {
  try {
    return decide();
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * The projects at the source's root, from its manifests and lock files.
 *
 * @param facts what {@link readSourceFacts} read
 * @throws Error when package.json or pyproject.toml cannot be parsed (naming the file)
 */
export function detectProjects(facts: SourceFacts): Detection {
  const has = (name: string) => facts.entries.includes(name) || facts.entries.includes(`${name}/`);
  const projects: Project[] = [];
  const unsupported: string[] = [];
  if (facts.packageJson !== undefined) projects.push(nodeProject(facts, has));
  if (facts.pyproject !== undefined) {
    const python = pythonProject(facts.pyproject, has, facts.pythonVersion);
    if (python) projects.push(python);
    else
      unsupported.push(
        "pyproject.toml: neither poetry nor uv manages it (no poetry.lock, uv.lock, [tool.poetry] or [tool.uv]), so there is no lock file to check",
      );
  } else if (has("requirements.txt")) {
    unsupported.push(
      "requirements.txt: not checked. It is both the manifest and the pins, so there is no lock file to compare it with, " +
        "and pip declares no lint or test command; the Dockerfile's test stage is the only gate. " +
        "Manage the project with poetry or uv (a pyproject.toml and its lock file) to have check verify it",
    );
  }
  if (has("go.mod"))
    projects.push({
      kind: "go",
      toolchain: choose(() => goToolchain(facts.goMod ?? "")),
      ...(facts.goVendor ? { vendor: true } : {}),
    });
  return { projects, unsupported };
}

/** The Node project of a root package.json. */
function nodeProject(facts: SourceFacts, has: (name: string) => boolean): NodeProject {
  let manifest: { packageManager?: unknown; engines?: { node?: unknown }; prettier?: unknown };
  try {
    manifest = JSON.parse(facts.packageJson ?? "{}") as typeof manifest;
  } catch (err) {
    throw new Error(`package.json is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const enginesNode = typeof manifest.engines?.node === "string" ? manifest.engines.node : undefined;
  const nvmrcFile = has(".nvmrc") ? ".nvmrc" : ".node-version";
  const first = (names: readonly string[]) => names.find((n) => has(n));
  const biome = first(BIOME_CONFIGS);
  const eslint = first(ESLINT_CONFIGS);
  const prettier = first(PRETTIER_CONFIGS) ?? (manifest.prettier !== undefined ? 'package.json "prettier"' : undefined);
  const common = {
    toolchain: choose(() =>
      nodeToolchain({
        ...(facts.nvmrc !== undefined ? { nvmrc: facts.nvmrc, nvmrcFile } : {}),
        ...(enginesNode !== undefined ? { enginesNode } : {}),
      }),
    ),
    configs: {
      tsconfig: has("tsconfig.json"),
      ...(biome ? { biome } : {}),
      ...(eslint ? { eslint } : {}),
      ...(prettier ? { prettier } : {}),
    },
  };
  // packageManager: "pnpm@9.12.0" or "yarn@4.5.0+sha512.…" (corepack's field).
  const pinned =
    typeof manifest.packageManager === "string" ? /^(npm|pnpm|yarn)@(\d[^+\s]*)/.exec(manifest.packageManager) : null;
  if (pinned?.[1]) {
    const manager = pinned[1] as NodeProject["manager"];
    const version = pinned[2] ?? "";
    return {
      kind: "node",
      manager,
      version,
      ...(manager === "yarn" ? { yarnBerry: !version.startsWith("1.") } : {}),
      pinned: true,
      ...common,
    };
  }
  if (has("pnpm-lock.yaml")) return { kind: "node", manager: "pnpm", ...common };
  if (has("yarn.lock"))
    return { kind: "node", manager: "yarn", yarnBerry: /^__metadata:/m.test(facts.yarnLockHead ?? ""), ...common };
  return { kind: "node", manager: "npm", ...common };
}

/** Tables of a parsed TOML document, by dotted path. */
function table(doc: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
  let node: unknown = doc;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === "object" && node !== null && !Array.isArray(node)
    ? (node as Record<string, unknown>)
    : undefined;
}

/** The Python project of a pyproject.toml, or undefined when neither poetry nor uv manages it. */
function pythonProject(
  text: string,
  has: (name: string) => boolean,
  pythonVersionFile?: string,
): PythonProject | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch (err) {
    throw new Error(`pyproject.toml is not valid TOML: ${(err as Error).message.split("\n")[0] ?? ""}`, { cause: err });
  }
  const poetry = table(doc, "tool.poetry");
  const backend = table(doc, "build-system")?.["build-backend"];
  const usesPoetry =
    has("poetry.lock") || poetry !== undefined || (typeof backend === "string" && backend.startsWith("poetry"));
  const usesUv = has("uv.lock") || table(doc, "tool.uv") !== undefined;
  // Both present: the lock file decides; poetry when it is there.
  const manager = usesPoetry && (has("poetry.lock") || !has("uv.lock")) ? "poetry" : usesUv ? "uv" : undefined;
  if (!manager) return undefined;
  const mypy = table(doc, "tool.mypy");
  const installRoot =
    manager === "poetry" ? poetry?.["package-mode"] !== false : table(doc, "build-system") !== undefined;
  const requiresPython = table(doc, "project")?.["requires-python"];
  const poetryPython = table(doc, "tool.poetry.dependencies")?.python;
  const toolchain = choose(() =>
    pythonToolchain({
      ...(pythonVersionFile !== undefined ? { pythonVersionFile } : {}),
      ...(typeof requiresPython === "string" ? { requiresPython } : {}),
      ...(typeof poetryPython === "string" ? { poetryPython } : {}),
    }),
  );
  return {
    kind: "python",
    manager,
    toolchain,
    installRoot,
    tools: {
      ruff: table(doc, "tool.ruff") !== undefined || has("ruff.toml") || has(".ruff.toml"),
      mypy: mypy !== undefined || has("mypy.ini") || has(".mypy.ini"),
      pytest:
        table(doc, "tool.pytest.ini_options") !== undefined ||
        table(doc, "tool.pytest") !== undefined ||
        has("pytest.ini") ||
        has("tests") ||
        has("test"),
    },
    mypyFiles: mypy?.files !== undefined,
  };
}
