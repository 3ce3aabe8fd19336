/**
 * Which toolchain a project asks for, and the official image of that version
 * that `check` runs its tools in: Python from `.python-version`, else
 * `requires-python` (or poetry's `python` dependency); Node from `.nvmrc`, else
 * `engines.node`; Go from go.mod's `toolchain`, else its `go` line. Pure: the
 * callers read the files, this decides and says why.
 */
import * as pep440 from "@renovatebot/pep440";
import semver from "semver";

/** A toolchain version, its image, and where the version came from (for the report). */
export interface Toolchain {
  /** "Python", "Node" or "Go". */
  language: string;
  /** The version as the image's tag names it: "3.13", "24", "24.21.0", "1.26.8". */
  version: string;
  /** The official image of that version. */
  image: string;
  /** Why this version: "from .python-version", "the oldest maintained line that requires-python >=3.12 admits". */
  why: string;
}

// CPython release lines with security support in 2026-12 (3.10 ended 2026-10), oldest first.
// A range picks the oldest it admits: the floor the project promises to support.
export const PYTHON_LINES = ["3.11", "3.12", "3.13", "3.14", "3.15"] as const;
// Without any declaration: 3.13, the line both the official images and Debian's current
// release ship as their default python3.
export const DEFAULT_PYTHON = "3.13";

// Node.js LTS lines maintained in 2026-12 (20 ended 2026-04), oldest first.
export const NODE_LINES = ["22", "24", "26"] as const;
// Without .nvmrc or engines.node: 24, the LTS line this module's own Node image runs.
export const DEFAULT_NODE = "24";

// A go.mod with no go line (older than Go 1.12): the Go release this module's images run.
export const DEFAULT_GO = "1.26";

/** The official Python image of a version ("3.13" → python:3.13-slim). */
export const pythonImage = (version: string) => `python:${version}-slim`;
/** The official Node image of a version ("24" → node:24-slim). */
export const nodeImage = (version: string) => `node:${version}-slim`;
/** The official Go image of a version ("1.26.8" → golang:1.26.8). */
export const goImage = (version: string) => `golang:${version}`;

/** What the Python version is read from. */
export interface PythonVersionInputs {
  /** `.python-version`'s text, when the file is there. */
  pythonVersionFile?: string;
  /** pyproject.toml's `[project] requires-python`. */
  requiresPython?: string;
  /** pyproject.toml's `[tool.poetry.dependencies] python` (poetry's own syntax: ^3.11, ~3.12, >=3.11,<4). */
  poetryPython?: string;
}

/**
 * The Python a project asks for: `.python-version` (its first version line), else the oldest
 * maintained line that requires-python (or poetry's python constraint) admits, else the default.
 *
 * @param inputs what the project declares
 * @throws Error when the declaration admits no maintained line, or .python-version names no CPython version
 */
export function pythonToolchain(inputs: PythonVersionInputs): Toolchain {
  const make = (version: string, why: string): Toolchain => ({
    language: "Python",
    version,
    image: pythonImage(version),
    why,
  });
  if (inputs.pythonVersionFile !== undefined) {
    const line = inputs.pythonVersionFile
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .find((l) => l !== "");
    // pyenv and uv write "3.13", "3.13.1" or "cpython@3.13" / "cpython-3.13"; anything else (pypy3.10, system) is not CPython.
    const m = line ? /^(?:cpython[@-])?(\d+\.\d+(?:\.\d+)?)$/i.exec(line) : null;
    if (!m?.[1])
      throw new Error(
        `.python-version says "${line ?? ""}", which names no CPython version: write a version such as 3.13 (check runs the official python image of it)`,
      );
    return make(m[1], "from .python-version");
  }
  const declared = inputs.requiresPython ?? poetryToPep440(inputs.poetryPython);
  const field = inputs.requiresPython !== undefined ? "requires-python" : "[tool.poetry.dependencies] python";
  if (declared === undefined) return make(DEFAULT_PYTHON, "the default: no .python-version and no requires-python");
  if (pep440.validRange(declared) === false)
    throw new Error(`pyproject.toml's ${field} "${declared}" is not a valid version specifier (PEP 440)`);
  const line = PYTHON_LINES.find((l) => pep440.satisfies(`${l}.99`, declared));
  if (!line)
    throw new Error(
      `pyproject.toml's ${field} "${declared}" admits none of the maintained Python lines (${PYTHON_LINES.join(", ")}): ` +
        "name the version in .python-version to have check run it",
    );
  return make(line, `the oldest maintained line that ${field} ${declared} admits`);
}

/**
 * poetry's own constraint syntax as a PEP 440 specifier: ^3.11 → >=3.11,<4; ~3.12 → >=3.12,<3.13;
 * "3.11.*" and PEP 440 forms pass through.
 *
 * @param constraint the constraint, or undefined
 */
export function poetryToPep440(constraint: string | undefined): string | undefined {
  if (constraint === undefined || constraint.trim() === "*") return undefined;
  return constraint
    .split(",")
    .map((part) => {
      const p = part.trim();
      const caret = /^\^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(p);
      if (caret) return `>=${p.slice(1)},<${Number(caret[1]) + 1}`;
      const tilde = /^~(\d+)\.(\d+)(?:\.(\d+))?$/.exec(p);
      if (tilde) return `>=${p.slice(1)},<${tilde[1]}.${Number(tilde[2]) + 1}`;
      if (/^\d/.test(p)) return `==${p}`;
      return p;
    })
    .join(",");
}

/** What the Node version is read from. */
export interface NodeVersionInputs {
  /** `.nvmrc`'s text (or `.node-version`'s), when there is one. */
  nvmrc?: string;
  /** Which of the two files it was. */
  nvmrcFile?: ".nvmrc" | ".node-version";
  /** package.json's `engines.node`. */
  enginesNode?: string;
}

/**
 * The Node a project asks for: `.nvmrc` / `.node-version` (an exact version, a major line, or
 * lts/*), else the oldest maintained LTS line that engines.node admits (an exact engines
 * version is taken as it is), else the default.
 *
 * @param inputs what the project declares
 * @throws Error when the declaration admits no maintained line or cannot be read
 */
export function nodeToolchain(inputs: NodeVersionInputs): Toolchain {
  const make = (version: string, why: string): Toolchain => ({
    language: "Node",
    version,
    image: nodeImage(version),
    why,
  });
  if (inputs.nvmrc !== undefined) {
    const file = inputs.nvmrcFile ?? ".nvmrc";
    const text = inputs.nvmrc.replace(/#.*/g, "").trim();
    if (/^lts\/\*$|^lts$|^node$|^stable$|^latest$/i.test(text)) {
      const newest = NODE_LINES.at(-1) ?? DEFAULT_NODE;
      return make(newest, `${file} says ${text}: the newest LTS line`);
    }
    const exact = /^v?(\d+\.\d+\.\d+)$/.exec(text);
    if (exact?.[1]) return make(exact[1], `from ${file}`);
    const major = /^v?(\d+)(?:\.x)?$/.exec(text);
    if (major?.[1]) return make(major[1], `from ${file}`);
    throw new Error(
      `${file} says "${text}", which check cannot map to an official node image: write a version (24, 24.11.0) or lts/*`,
    );
  }
  const range = inputs.enginesNode?.trim();
  if (range === undefined || range === "")
    return make(DEFAULT_NODE, "the default: no .nvmrc and no engines.node in package.json");
  const exact = semver.valid(semver.clean(range) ?? "");
  if (exact) return make(exact, `package.json's engines.node ${range}`);
  if (semver.validRange(range) === null)
    throw new Error(`package.json's engines.node "${range}" is not a valid semver range`);
  const line = NODE_LINES.find((l) => semver.intersects(range, `^${l}`));
  if (!line)
    throw new Error(
      `package.json's engines.node "${range}" admits none of the maintained Node LTS lines (${NODE_LINES.join(", ")}): ` +
        "name the version in .nvmrc to have check run it",
    );
  return make(line, `the oldest maintained LTS line that engines.node ${range} admits`);
}

/**
 * The Go a module asks for: go.mod's `toolchain` line (an exact release), else its `go` line
 * (the minimum release: "1.26" is the newest 1.26.x image, "1.26.3" that release), else the default.
 *
 * @param goMod go.mod's text
 */
export function goToolchain(goMod: string): Toolchain {
  const make = (version: string, why: string): Toolchain => ({
    language: "Go",
    version,
    image: goImage(version),
    why,
  });
  const toolchain = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?(?:rc\d+)?)\s*$/m.exec(goMod)?.[1];
  if (toolchain) return make(toolchain, "go.mod's toolchain line");
  const go = /^go\s+(\d+\.\d+(?:\.\d+)?(?:rc\d+)?)\s*$/m.exec(goMod)?.[1];
  if (go) return make(go, "go.mod's go line");
  return make(DEFAULT_GO, "the default: go.mod has no go line");
}

/** The report's line for a toolchain: "Python 3.13 (python:3.13-slim), from .python-version". */
export function toolchainNote(t: Toolchain): string {
  return `${t.language} ${t.version} (${t.image}), ${t.why}`;
}
