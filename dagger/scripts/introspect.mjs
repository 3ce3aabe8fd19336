/**
 * The module's interface as the Dagger engine sees it: runs the TypeScript
 * SDK's own introspector (`scan()`, the code the module runtime runs to
 * register functions) over dagger/src. Used by the unit tests and by
 * functions-table.mjs, so the README table and the tests read the same thing.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The module's root directory (dagger/). */
export const MODULE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The repository root (where dagger.json is). */
export const REPO_ROOT = resolve(MODULE_DIR, "..");

/**
 * Every .ts/.mts file under dir, as the runtime's entrypoint lists them
 * (it imports each one, so everything in src/ is part of the module).
 * @param {string} dir
 * @returns {string[]}
 */
export function moduleFiles(dir = join(MODULE_DIR, "src")) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return moduleFiles(path);
    return [".ts", ".mts"].includes(extname(path)) ? [path] : [];
  });
}

/**
 * How long a test may give scanModule(): the TypeScript program of dagger/src
 * with the SDK's and the AWS SDK's types takes ~5 s alone, but over a minute
 * was seen inside `check` on a loaded 2-core machine (three test files scan at
 * once, one per worker).
 */
export const SCAN_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs the SDK's scan() over the module and returns what it found (the SDK's
 * DaggerModule: { name, description, objects: { Name: { _constructor, methods,
 * properties } } }; see {@link describeModule} for a plain summary).
 *
 * The runtime hands scan() the SDK's generated `client.gen.ts` next to the
 * module's files (that is how `Directory`, `Container`, … are known as core
 * types). The npm package ships it as `client.gen.d.ts` only, so a copy named
 * `client.gen.ts` is written to a temporary directory, its relative imports
 * pointed back at the package.
 *
 * @param {{ loadModule?: boolean }} [opts] loadModule: also import the files (needs a
 *   TypeScript loader with experimentalDecorators, e.g. vitest or tsx)
 * @returns {Promise<any>}
 */
export async function scanModule({ loadModule = false } = {}) {
  const require = createRequire(join(MODULE_DIR, "package.json"));
  const sdkDist = dirname(require.resolve("@dagger.io/dagger")); // …/dist/src
  const apiDir = join(sdkDist, "api");
  const clientDts = readFileSync(join(apiDir, "client.gen.d.ts"), "utf8").replace(
    /(from\s+["'])(\.{1,2}\/[^"']+)(["'])/g,
    (_, a, rel, b) => `${a}${join(apiDir, rel)}${b}`,
  );
  const tmp = mkdtempSync(join(tmpdir(), "fp-scan-"));
  try {
    const client = join(tmp, "client.gen.ts");
    writeFileSync(client, clientDts);
    const { scan } = await import(pathToFileURL(join(sdkDist, "module", "introspector", "index.js")).href);
    const name = JSON.parse(readFileSync(join(REPO_ROOT, "dagger.json"), "utf8")).name;
    return await scan([...moduleFiles(), client], name, loadModule);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** kebab-case, as the dagger CLI spells functions and flags (publishEcr → publish-ecr). */
export function cliName(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** A TypeDef as the CLI help prints it: String, Integer, Boolean, Directory, [String], … */
function typeName(t) {
  if (!t) return "?";
  switch (t.kind) {
    case "STRING_KIND":
      return "String";
    case "INTEGER_KIND":
      return "Integer";
    case "FLOAT_KIND":
      return "Float";
    case "BOOLEAN_KIND":
      return "Boolean";
    case "VOID_KIND":
      return "Void";
    case "LIST_KIND":
      return `[${typeName(t.typeDef)}]`;
    default:
      return t.name ?? t.kind;
  }
}

/** One argument, as `dagger call … --help` shows it. */
function describeArg(a) {
  return {
    name: a.name,
    flag: `--${cliName(a.name)}`,
    type: typeName(a.type),
    required: !a.isOptional && a.defaultValue === undefined && a.defaultPath === undefined,
    ...(a.defaultValue !== undefined ? { default: a.defaultValue } : {}),
    ...(a.defaultPath !== undefined ? { defaultPath: a.defaultPath } : {}),
    ...(a.ignore !== undefined ? { ignore: a.ignore } : {}),
    description: a.description,
  };
}

/**
 * A plain summary of the main object: constructor arguments and functions with
 * their CLI names, argument flags, types, defaults, descriptions, and whether
 * `dagger check` runs them.
 * @param {any} mod what {@link scanModule} returned
 */
export function describeModule(mod) {
  const main = Object.values(mod.objects).find((o) => o.name === mod.name);
  if (!main)
    throw new Error(
      `scan() found no object named ${mod.name}: is the @object() class in dagger/src/index.ts named after dagger.json's name?`,
    );
  return {
    name: main.name,
    description: main.description,
    moduleDescription: mod.description,
    constructorArgs: Object.values(main._constructor?.arguments ?? {}).map(describeArg),
    functions: describeFunctions(main),
    // Every other object (returned by a function and chained onto, e.g. Environment).
    objects: Object.values(mod.objects)
      .filter((o) => o.name !== mod.name)
      .map((o) => ({
        name: o.name,
        description: o.description,
        functions: describeFunctions(o),
        fields: Object.values(o.properties).map((p) => ({
          name: p.name,
          type: typeName(p.type),
          exposed: p.isExposed,
        })),
      })),
  };
}

/**
 * An object's functions, with their CLI names, argument flags, types, defaults and descriptions.
 * @param {any} object an object of what scan() returned
 */
function describeFunctions(object) {
  return Object.values(object.methods).map((f) => ({
    name: f.name,
    cli: cliName(f.alias ?? f.name),
    description: f.description,
    isCheck: f.isCheck,
    cache: f.cache,
    returns: typeName(f.returnType),
    args: Object.values(f.arguments).map(describeArg),
  }));
}
