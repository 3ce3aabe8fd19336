/**
 * A step's inputs as the engine keys its cache: by their contents, so that a
 * change elsewhere in the repository does not re-run it. Dagger keys an
 * operation by the call that made each input: a file (`Directory.file`) and a
 * subdirectory of a content-addressed directory (`Directory.directory` of the
 * source as `dagger call` loads it) are keyed by their contents, but a
 * directory derived from the whole source (filtered, or a subdirectory of a
 * filtered copy) changes key whenever any file of the source does. So a
 * package's files are assembled from the source's own subdirectories and
 * files, with the build context's exclusions re-rooted into each.
 */
import { dag, type Directory } from "@dagger.io/dagger";

import { isWithin } from "./workspaces.js";

/**
 * A directory holding the given files of the build context, keyed by their contents.
 *
 * @param context the build context
 * @param paths the files, from its root
 */
export function filesOf(context: Directory, paths: readonly string[]): Directory {
  let dir = dag.directory();
  for (const p of [...new Set(paths)].sort()) dir = dir.withFile(p, context.file(p));
  return dir;
}

/**
 * The files of the build context that include patterns select (e.g. the manifests an install reads).
 *
 * @param context the build context
 * @param patterns globs from its root ("package.json", "**\/package.json", "patches/**")
 */
export async function globFiles(context: Directory, patterns: readonly string[]): Promise<string[]> {
  const found = await Promise.all(patterns.map((p) => context.glob(p)));
  return [...new Set(found.flat())].filter((p) => !p.endsWith("/") && !p.split("/").includes("node_modules")).sort();
}

/**
 * The build context's exclusion patterns as they apply inside one of its subdirectories:
 * `**\/x` still applies at any depth, `dir/x` becomes `x`, a pattern whose first segments
 * match the directory's by glob is cut the same way, and the others do not apply.
 *
 * @param patterns the .dockerignore patterns, as context.ts cleaned them
 * @param dir the subdirectory, from the root
 */
export function rerootPatterns(patterns: readonly string[], dir: string): string[] {
  const segments = dir.split("/");
  const segmentMatches = (glob: string, name: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]")}$`,
    ).test(name);
  const out: string[] = [];
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    const parts = pattern.split("/");
    if (parts[0] === "**") {
      out.push(raw);
      continue;
    }
    if (parts.length <= segments.length) continue; // names the directory itself or a sibling: decided above it
    if (segments.every((s, i) => segmentMatches(parts[i] ?? "", s)))
      out.push(`${negated ? "!" : ""}${parts.slice(segments.length).join("/")}`);
  }
  return out;
}

/** What ownFiles needs. */
export interface OwnFilesOptions {
  /** The source as given (content-addressed when `dagger call` loads it). */
  source: Directory;
  /** The build context (the source less .dockerignore's patterns): what exists. */
  context: Directory;
  /** .dockerignore's patterns. */
  patterns: readonly string[];
  /** The directories of the other packages, whose files are not this one's. */
  packages: readonly string[];
}

/**
 * The files a package owns, keyed by their contents: its directory in the build context, less
 * node_modules and the packages inside it. Built from the source's own subdirectories and
 * files, so a change outside them leaves its key as it was.
 *
 * @param dir the package's directory ("" for the root)
 * @param options the source, the context, its patterns and the other packages
 */
export async function ownFiles(dir: string, options: OwnFilesOptions): Promise<Directory> {
  const inside = options.packages.filter((p) => p !== dir && isWithin(p, dir));
  let out = dag.directory();
  const walk = async (path: string): Promise<void> => {
    // What the build context holds at this level: what .dockerignore leaves in.
    const entries = path === "" ? await options.context.entries() : await options.context.directory(path).entries();
    for (const entry of entries) {
      const isDir = entry.endsWith("/");
      const name = entry.replace(/\/$/, "");
      if (name === "node_modules") continue;
      const full = path === "" ? name : `${path}/${name}`;
      const rel = dir === "" ? full : full.slice(dir.length + 1);
      if (inside.includes(full)) continue;
      if (!isDir) {
        out = out.withFile(rel, options.source.file(full));
        continue;
      }
      if (inside.some((p) => isWithin(p, full))) {
        await walk(full);
        continue;
      }
      out = out.withDirectory(rel, options.source.directory(full), {
        exclude: ["**/node_modules", ...rerootPatterns(options.patterns, full)],
      });
    }
  };
  await walk(dir);
  return out;
}
