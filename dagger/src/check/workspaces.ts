/**
 * The packages of a repository and what each reads of the others, from the
 * manifests alone: npm and yarn workspaces (package.json `workspaces`), pnpm's
 * (pnpm-workspace.yaml `packages`), npm projects of their own nested inside
 * the repository (a directory with its own package-lock.json), uv workspace
 * members (`[tool.uv.workspace]`, linked by `[tool.uv.sources] x = { workspace
 * = true }`) and Go modules (go.work `use`, go.mod `replace` with a local
 * path). Pure: the callers read the files, this decides. `check` gives each
 * package's steps only its own files and the files of the packages it reads.
 */
import { parse as parseToml } from "smol-toml";

/** How a package belongs to the repository. */
export type PackageRole =
  /** The repository's root package (its manifest at the root). */
  | "root"
  /** A workspace the root declares (npm, yarn, pnpm), a uv workspace member, a Go module of go.work. */
  | "workspace"
  /** A project with its own lock file inside the repository, which no workspace declaration links. */
  | "nested";

/** One package, by the directory that holds its manifest. */
export interface WorkspacePackage {
  /** Its directory from the repository root, "" for the root. */
  dir: string;
  /** The name its manifest gives it (package.json `name`, `[project] name`, go.mod's module path). */
  name?: string;
  role: PackageRole;
  /** The packages whose files it reads, with why: "depends on @acme/format", "encloses it". */
  reads: { dir: string; why: string }[];
}

/** The packages of one project and the edges between them. */
export interface WorkspaceGraph {
  packages: WorkspacePackage[];
}

/** The directory of a manifest path ("apps/api/package.json" → "apps/api", "package.json" → ""). */
export const dirOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");

/** A path without `.`, `..` or doubled slashes, relative to the root ("" for the root). */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

/** Whether `dir` is `parent` or inside it. */
export const isWithin = (dir: string, parent: string): boolean =>
  parent === "" || dir === parent || dir.startsWith(`${parent}/`);

/**
 * A workspace glob as a regular expression over directories: `*` is one path segment's
 * characters, `**` any number of segments (the globs npm, yarn, pnpm and uv accept).
 *
 * @param pattern e.g. "apps/*", "packages/**", "./libs/one"
 */
export function globToRegExp(pattern: string): RegExp {
  const clean = normalize(pattern.replace(/\/+$/, ""));
  let re = "";
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i] ?? "";
    if (c === "*" && clean[i + 1] === "*") {
      // "**/" matches zero or more segments; a trailing "**" any depth.
      if (clean[i + 2] === "/") {
        re += "(?:[^/]+/)*";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * The directories among `candidates` that the workspace globs select (a `!` glob removes).
 *
 * @param patterns the globs, in order
 * @param candidates directories that hold a manifest
 */
export function matchWorkspaceDirs(patterns: readonly string[], candidates: readonly string[]): string[] {
  const selected = new Set<string>();
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const re = globToRegExp(negated ? pattern.slice(1) : pattern);
    for (const dir of candidates) {
      if (dir === "" || dir.split("/").includes("node_modules") || !re.test(dir)) continue;
      if (negated) selected.delete(dir);
      else selected.add(dir);
    }
  }
  return [...selected].sort();
}

/**
 * The workspace globs of a root package.json (npm and yarn: `workspaces`, an array or `{ packages }`).
 *
 * @param manifest the root package.json's text
 */
export function npmWorkspacePatterns(manifest: string): string[] {
  const parsed = JSON.parse(manifest) as { workspaces?: unknown };
  const w = parsed.workspaces;
  const list = Array.isArray(w) ? w : (w as { packages?: unknown } | undefined)?.packages;
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === "string") : [];
}

/**
 * The workspace globs of pnpm-workspace.yaml's `packages` list (its block or flow form).
 *
 * @param yaml pnpm-workspace.yaml's text
 */
export function pnpmWorkspacePatterns(yaml: string): string[] {
  const unquote = (s: string) => s.trim().replace(/^['"]|['"]$/g, "");
  const flow = /^packages:\s*\[([^\]]*)\]/m.exec(yaml);
  if (flow?.[1] !== undefined)
    return flow[1]
      .split(",")
      .map(unquote)
      .filter((s) => s !== "");
  const lines = yaml.split("\n");
  const start = lines.findIndex((l) => /^packages:\s*(#.*)?$/.test(l));
  if (start < 0) return [];
  const patterns: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const item = /^\s+-\s+(.+?)\s*(#.*)?$/.exec(line);
    if (item?.[1]) patterns.push(unquote(item[1]));
  }
  return patterns;
}

/** What the Node graph is built from. */
export interface NodeGraphInput {
  /** The workspace globs (npmWorkspacePatterns or pnpmWorkspacePatterns). */
  patterns: readonly string[];
  /** Every package.json's text, by its directory ("" for the root). */
  manifests: Readonly<Record<string, string>>;
  /** Directories (not the root) that hold a lock file of their own: npm projects of their own. */
  lockDirs: readonly string[];
}

const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const;

/**
 * The Node packages: the root, its workspaces (a workspace that names another in its
 * dependencies reads it), and the projects with a lock file of their own nested inside,
 * which read the projects around and inside them, and are read by the root (no manifest says
 * what they use of one another).
 *
 * @param input the globs, the manifests and the nested lock files
 * @throws Error naming a package.json that is not valid JSON
 */
export function nodeGraph(input: NodeGraphInput): WorkspaceGraph {
  const parsed: Record<string, { name?: unknown } & Partial<Record<string, unknown>>> = {};
  for (const [dir, text] of Object.entries(input.manifests)) {
    try {
      parsed[dir] = JSON.parse(text) as (typeof parsed)[string];
    } catch (err) {
      throw new Error(`${dir === "" ? "" : `${dir}/`}package.json is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const workspaces = matchWorkspaceDirs(input.patterns, Object.keys(input.manifests));
  const nested = input.lockDirs.filter((d) => d !== "" && !workspaces.includes(d) && d in input.manifests).sort();
  const byName = new Map<string, string>();
  for (const dir of ["", ...workspaces]) {
    const name = parsed[dir]?.name;
    if (typeof name === "string") byName.set(name, dir);
  }
  const declared = (dir: string) => {
    const reads: { dir: string; why: string }[] = [];
    for (const field of DEPENDENCY_FIELDS) {
      const deps = parsed[dir]?.[field];
      if (typeof deps !== "object" || deps === null) continue;
      for (const dep of Object.keys(deps)) {
        const target = byName.get(dep);
        if (target !== undefined && target !== dir && !reads.some((r) => r.dir === target))
          reads.push({ dir: target, why: `depends on ${dep}` });
      }
    }
    return reads;
  };
  const named = (dir: string) => {
    const name = parsed[dir]?.name;
    return typeof name === "string" ? { name } : {};
  };
  const packages: WorkspacePackage[] = [
    { dir: "", ...named(""), role: "root", reads: declared("") },
    ...workspaces.map((dir): WorkspacePackage => ({ dir, ...named(dir), role: "workspace", reads: declared(dir) })),
    ...nested.map((dir): WorkspacePackage => ({ dir, ...named(dir), role: "nested", reads: enclosing(dir, nested) })),
  ];
  // The root reads the projects nested in it as they read it (its scripts and tests may use them).
  const root = packages[0];
  if (root) for (const dir of nested) root.reads.push({ dir, why: `holds ${dir}, a project of its own` });
  return { packages };
}

/**
 * What a project nested without a workspace declaration reads: the projects it sits in (the
 * root, another nested project) and those that sit in it; the root reads it back. Nothing
 * declares what they use of one another (this repository's module reads the root's scripts and
 * its infrastructure code, and the root's tests import the module), so check gives them one
 * another's files rather than assume they read none. Workspaces declare their links: only those.
 */
function enclosing(dir: string, nested: readonly string[]): { dir: string; why: string }[] {
  return [
    { dir: "", why: "sits inside the root package" },
    ...nested.filter((n) => n !== dir && isWithin(dir, n)).map((n) => ({ dir: n, why: `sits inside ${n}` })),
    ...nested.filter((n) => n !== dir && isWithin(n, dir)).map((n) => ({ dir: n, why: `holds ${n}` })),
  ];
}

/** A distribution name as PEP 503 compares them: lower case, runs of `-_.` as one `-`. */
export const pep503 = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");

/** The distribution name a PEP 508 requirement names ("greeting>=1 ; python_version>'3'" → "greeting"). */
const requirementName = (req: string): string | undefined => /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req)?.[1];

/** A TOML table by dotted path, or undefined. */
function tomlTable(doc: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
  let node: unknown = doc;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === "object" && node !== null && !Array.isArray(node)
    ? (node as Record<string, unknown>)
    : undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

/** What the uv graph is built from. */
export interface UvGraphInput {
  /** Every pyproject.toml's text, by its directory ("" for the workspace root). */
  pyprojects: Readonly<Record<string, string>>;
}

/**
 * The packages of a uv workspace: the root (when it is a project) and the members its
 * `[tool.uv.workspace] members` globs select (less `exclude`); a member reads another when it
 * depends on it and uv takes it from the workspace (`[tool.uv.sources] name = { workspace = true }`,
 * in its own pyproject.toml or the root's, which applies to every member).
 *
 * @param input the pyproject.toml files
 * @throws Error naming a pyproject.toml that is not valid TOML
 */
export function uvGraph(input: UvGraphInput): WorkspaceGraph {
  const docs: Record<string, Record<string, unknown>> = {};
  for (const [dir, text] of Object.entries(input.pyprojects)) {
    try {
      docs[dir] = parseToml(text);
    } catch (err) {
      throw new Error(
        `${dir === "" ? "" : `${dir}/`}pyproject.toml is not valid TOML: ${(err as Error).message.split("\n")[0] ?? ""}`,
        { cause: err },
      );
    }
  }
  const root = docs[""] ?? {};
  const ws = tomlTable(root, "tool.uv.workspace");
  const members = matchWorkspaceDirs(
    [...strings(ws?.members), ...strings(ws?.exclude).map((e) => `!${e}`)],
    Object.keys(docs),
  );
  const nameOf = (dir: string) => {
    const n = tomlTable(docs[dir] ?? {}, "project")?.name;
    return typeof n === "string" ? n : undefined;
  };
  const byName = new Map<string, string>();
  for (const dir of ["", ...members]) {
    const n = nameOf(dir);
    if (n) byName.set(pep503(n), dir);
  }
  const workspaceSources = (dir: string) => {
    const sources = { ...tomlTable(root, "tool.uv.sources"), ...tomlTable(docs[dir] ?? {}, "tool.uv.sources") };
    return new Set(
      Object.entries(sources)
        .filter(([, v]) => typeof v === "object" && v !== null && (v as { workspace?: unknown }).workspace === true)
        .map(([k]) => pep503(k)),
    );
  };
  const reads = (dir: string) => {
    const doc = docs[dir] ?? {};
    const project = tomlTable(doc, "project");
    const requirements = [
      ...strings(project?.dependencies),
      ...Object.values(tomlTable(doc, "project.optional-dependencies") ?? {}).flatMap(strings),
      ...Object.values(tomlTable(doc, "dependency-groups") ?? {}).flatMap(strings),
    ];
    const fromWorkspace = workspaceSources(dir);
    const out: { dir: string; why: string }[] = [];
    for (const req of requirements) {
      const name = requirementName(req);
      const target = name ? byName.get(pep503(name)) : undefined;
      if (name && target !== undefined && target !== dir && fromWorkspace.has(pep503(name)))
        if (!out.some((r) => r.dir === target)) out.push({ dir: target, why: `depends on ${name} (workspace = true)` });
    }
    return out;
  };
  const pkg = (dir: string, role: PackageRole): WorkspacePackage => {
    const n = nameOf(dir);
    return { dir, ...(n ? { name: n } : {}), role, reads: reads(dir) };
  };
  return { packages: [pkg("", "root"), ...members.map((d) => pkg(d, "workspace"))] };
}

/** What the Go graph is built from. */
export interface GoGraphInput {
  /** go.work's text, when there is one at the root. */
  goWork?: string;
  /** Every go.mod's text, by its directory ("" for the root). */
  goMods: Readonly<Record<string, string>>;
}

/** The directories a go.work `use`s, from the root. */
export function goWorkUses(goWork: string): string[] {
  const text = goWork.replace(/\/\/.*$/gm, "");
  const uses: string[] = [];
  for (const block of text.matchAll(/^use\s*\(([^)]*)\)/gm))
    for (const line of (block[1] ?? "").split("\n")) if (line.trim() !== "") uses.push(line.trim());
  for (const single of text.matchAll(/^use\s+([^\s(][^\s]*)\s*$/gm)) if (single[1]) uses.push(single[1]);
  return uses.map((u) => normalize(u.replace(/^"|"$/g, "")));
}

/** A go.mod's module path, its required module paths and its replacements by a local directory. */
export function parseGoMod(goMod: string): { module?: string; requires: string[]; localReplaces: string[] } {
  const text = goMod.replace(/\/\/.*$/gm, "");
  const module = /^module\s+"?([^\s"]+)"?/m.exec(text)?.[1];
  const directive = (name: string) => {
    const lines: string[] = [];
    for (const block of text.matchAll(new RegExp(`^${name}\\s*\\(([^)]*)\\)`, "gm")))
      lines.push(...(block[1] ?? "").split("\n"));
    for (const single of text.matchAll(new RegExp(`^${name}\\s+([^(\\s].*)$`, "gm"))) lines.push(single[1] ?? "");
    return lines.map((l) => l.trim()).filter((l) => l !== "");
  };
  const requires = directive("require").map((l) => l.split(/\s+/)[0] ?? "");
  // replace example.com/lib => ../lib   (a local path starts with ./ or ../)
  const localReplaces = directive("replace")
    .map((l) => /=>\s*(\.\.?\/\S*|\.\.?)(\s|$)/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
  return { ...(module ? { module } : {}), requires, localReplaces };
}

/**
 * The Go modules of a repository: those go.work uses when there is one (a module requiring
 * another's path builds against its directory), else every go.mod; a `replace` by a local
 * directory reads that directory's module either way.
 *
 * @param input go.work and the go.mod files
 */
export function goGraph(input: GoGraphInput): WorkspaceGraph {
  const all = Object.keys(input.goMods).sort();
  const used = input.goWork !== undefined ? goWorkUses(input.goWork).filter((d) => d in input.goMods) : all;
  const mods = Object.fromEntries(all.map((d) => [d, parseGoMod(input.goMods[d] ?? "")]));
  const byPath = new Map<string, string>();
  for (const dir of used) {
    const m = mods[dir]?.module;
    if (m) byPath.set(m, dir);
  }
  const modules = input.goWork !== undefined ? used : all;
  const packages = modules.map((dir): WorkspacePackage => {
    const mod = mods[dir] ?? { requires: [], localReplaces: [] };
    const reads: { dir: string; why: string }[] = [];
    for (const rel of mod.localReplaces) {
      const target = normalize(`${dir}/${rel}`);
      if (target !== dir && target in input.goMods && !reads.some((r) => r.dir === target))
        reads.push({ dir: target, why: `replaces ${mods[target]?.module ?? target} with ${rel}` });
    }
    if (input.goWork !== undefined)
      for (const req of mod.requires) {
        const target = byPath.get(req);
        if (target !== undefined && target !== dir && !reads.some((r) => r.dir === target))
          reads.push({ dir: target, why: `requires ${req} (go.work uses it)` });
      }
    return {
      dir,
      ...(mod.module ? { name: mod.module } : {}),
      role: dir === "" ? "root" : "workspace",
      reads,
    };
  });
  return { packages };
}

/**
 * The packages a package reads, transitively (itself first).
 *
 * @param graph the graph
 * @param dir the package's directory
 */
export function readsOf(graph: WorkspaceGraph, dir: string): string[] {
  const byDir = new Map(graph.packages.map((p) => [p.dir, p]));
  const seen: string[] = [];
  const visit = (d: string) => {
    if (seen.includes(d)) return;
    seen.push(d);
    for (const r of byDir.get(d)?.reads ?? []) visit(r.dir);
  };
  visit(dir);
  return seen;
}

/**
 * The packages whose steps read a package's files (itself included): what a change to it re-checks.
 *
 * @param graph the graph
 * @param dir the changed package's directory
 */
export function dependentsOf(graph: WorkspaceGraph, dir: string): string[] {
  return graph.packages.filter((p) => readsOf(graph, p.dir).includes(dir)).map((p) => p.dir);
}

/** A package as the report names it: "root", "app", "packages/format (@acme/format)". */
export function packageLabel(pkg: Pick<WorkspacePackage, "dir">): string {
  return pkg.dir === "" ? "root" : pkg.dir;
}
