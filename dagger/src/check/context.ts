/**
 * The project as the Dockerfile's build context sees it: the source minus what
 * `.dockerignore` (or the Dockerfile's own `<Dockerfile>.dockerignore`) leaves
 * out, read with the same rules the engine's Dockerfile build applies. `check`
 * runs every tool on this, so a file the build cannot see is one check cannot
 * see either, and a file the build sees is never missing from a check.
 */
import { dag, type Directory } from "@dagger.io/dagger";

/** The build context and the ignore file that shaped it. */
export interface BuildContext {
  /** The source minus what the ignore file excludes. */
  dir: Directory;
  /** The ignore file read (".dockerignore", "Dockerfile.dockerignore"), if any. */
  ignoreFile?: string;
  /** Its patterns, as the engine applies them. */
  patterns: string[];
}

/**
 * The patterns of a .dockerignore, as Docker reads them: one per line, `#` lines are
 * comments, surrounding blanks trimmed, a leading `/` dropped (patterns are relative to the
 * context's root), `!` re-includes; paths cleaned (`./a/../b` → `b`).
 *
 * @param text the file's contents
 */
export function dockerignorePatterns(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (raw.startsWith("#")) continue;
    let line = raw.trim();
    if (line === "") continue;
    const negated = line.startsWith("!");
    if (negated) line = line.slice(1).trim();
    line = cleanPath(line).replace(/^\/+/, "");
    if (line === "" || line === ".") continue;
    patterns.push(negated ? `!${line}` : line);
  }
  return patterns;
}

/** Go's filepath.Clean on a slash path: no `.`, no `x/..`, no doubled or trailing slashes. */
function cleanPath(path: string): string {
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (part !== ".." || !rooted) out.push(part);
  }
  return (rooted ? "/" : "") + out.join("/");
}

/**
 * The build context of a source for a Dockerfile: BuildKit reads `<dockerfile>.dockerignore`
 * beside the Dockerfile when there is one, else `.dockerignore` at the context's root.
 *
 * @param source the app's directory
 * @param dockerfile the Dockerfile's path inside it
 */
export async function buildContext(source: Directory, dockerfile: string): Promise<BuildContext> {
  for (const ignoreFile of [`${dockerfile}.dockerignore`, ".dockerignore"]) {
    if (!(await source.exists(ignoreFile))) continue;
    const patterns = dockerignorePatterns(await source.file(ignoreFile).contents());
    const dir = patterns.length > 0 ? dag.directory().withDirectory(".", source, { exclude: patterns }) : source;
    return { dir, ignoreFile, patterns };
  }
  return { dir: source, patterns: [] };
}

/**
 * Why a file the project names is not in the context: left out by the ignore file, or
 * not in the source at all. Said instead of the tool's own words ("license file not found").
 *
 * @param source the app's directory
 * @param context the build context
 * @param path the file's path from the root
 */
export async function whyMissing(source: Directory, context: BuildContext, path: string): Promise<string> {
  const clean = cleanPath(path).replace(/^\/+/, "");
  if (context.ignoreFile && (await source.exists(clean)))
    return `${clean} is in the source, but ${context.ignoreFile} leaves it out of the build context, which is what the Dockerfile and check see: stop ignoring it there`;
  return `${clean} is not in the source: add it, or stop naming it`;
}
