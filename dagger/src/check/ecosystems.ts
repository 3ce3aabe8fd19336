/**
 * What the source is: which ecosystems' manifests sit at its root, which
 * package manager each uses, and which tools its configuration asks for.
 * `check` runs what fits from this; what it does not find, it reports as skipped.
 */
import type { Directory } from "@dagger.io/dagger";
import { parse as parseToml } from "smol-toml";

/** A Node project and its package manager. */
export interface NodeProject {
  kind: "node";
  /** npm, pnpm or yarn: from package.json's packageManager field, else from the lock file present. */
  manager: "npm" | "pnpm" | "yarn";
  /** The manager's version from packageManager ("pnpm@9.12.0"), if pinned there. */
  version?: string;
  /** yarn 2 or later (a yarn.lock with __metadata, or packageManager yarn@2+). */
  yarnBerry?: boolean;
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
}

/** A Go module. */
export interface GoProject {
  kind: "go";
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
}

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
  const [packageJson, pyproject, yarnLock] = await Promise.all([
    has("package.json") ? source.file("package.json").contents() : undefined,
    has("pyproject.toml") ? source.file("pyproject.toml").contents() : undefined,
    has("yarn.lock") ? source.file("yarn.lock").contents() : undefined,
  ]);
  return {
    entries,
    ...(packageJson !== undefined ? { packageJson } : {}),
    ...(pyproject !== undefined ? { pyproject } : {}),
    ...(yarnLock !== undefined ? { yarnLockHead: yarnLock.slice(0, YARN_LOCK_HEAD_BYTES) } : {}),
  };
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
    const python = pythonProject(facts.pyproject, has);
    if (python) projects.push(python);
    else
      unsupported.push(
        "pyproject.toml: neither poetry nor uv manages it (no poetry.lock, uv.lock, [tool.poetry] or [tool.uv]), so there is no lock file to check",
      );
  } else if (has("requirements.txt")) {
    unsupported.push(
      "requirements.txt: pip has no lock file that check can compare; manage the project with poetry or uv to have it checked",
    );
  }
  if (has("go.mod")) projects.push({ kind: "go" });
  return { projects, unsupported };
}

/** The Node project of a root package.json. */
function nodeProject(facts: SourceFacts, has: (name: string) => boolean): NodeProject {
  let manifest: { packageManager?: unknown };
  try {
    manifest = JSON.parse(facts.packageJson ?? "{}") as { packageManager?: unknown };
  } catch (err) {
    throw new Error(`package.json is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  // packageManager: "pnpm@9.12.0" or "yarn@4.5.0+sha512.…" (corepack's field).
  const pinned =
    typeof manifest.packageManager === "string" ? /^(npm|pnpm|yarn)@(\d[^+\s]*)/.exec(manifest.packageManager) : null;
  if (pinned?.[1]) {
    const manager = pinned[1] as NodeProject["manager"];
    const version = pinned[2] ?? "";
    return { kind: "node", manager, version, ...(manager === "yarn" ? { yarnBerry: !version.startsWith("1.") } : {}) };
  }
  if (has("pnpm-lock.yaml")) return { kind: "node", manager: "pnpm" };
  if (has("yarn.lock"))
    return { kind: "node", manager: "yarn", yarnBerry: /^__metadata:/m.test(facts.yarnLockHead ?? "") };
  return { kind: "node", manager: "npm" };
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
function pythonProject(text: string, has: (name: string) => boolean): PythonProject | undefined {
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
  return {
    kind: "python",
    manager,
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
