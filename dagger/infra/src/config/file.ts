/**
 * An app's deployment configuration file: `fargate-pipeline.yaml` in the app's
 * repository. It names the app, the fields every environment shares and each
 * environment's own fields; `local` exists without it (builtin.ts).
 *
 * YAML, not JSON or TOML: a deployment configuration wants comments (why this
 * size, whose account), it is what peers' manifests use (Copilot, Compose,
 * Kubernetes), and editors complete and check it from the published JSON
 * Schema (`# yaml-language-server: $schema=…`). It is parsed as YAML 1.2 (core
 * schema), so `no` stays a string and `0123` a string, not the YAML 1.1 surprises.
 *
 *   serviceName: flask-demo          # prefix of every resource name
 *   defaults:                        # merged under every environment
 *     service: { containerPort: 8000, healthCheckPath: /healthz }
 *   environments:
 *     local: {}
 *     production: { accountId: "222222222222", region: eu-west-1, … }
 *
 * Each environment is its built-in entry (local only), then `defaults`, then
 * its own entry, merged field by field (resolve.ts mergeOverrides), then
 * validated by the environment schema (schema.ts + validate.ts). Problems name
 * the file, the field as written in the file and its line.
 */
import * as v from "valibot";
import { isMap, LineCounter, parseDocument, type Document } from "yaml";
import { builtinEnvironments } from "./builtin.ts";
import type { ConfigIssue } from "./types.ts";
import { FORM_KEYS, type EnvironmentInput, type SharedEnvironmentInput } from "./schema.ts";

/** The configuration file's name, at the root of the app's repository. */
export const CONFIG_FILE_NAME = "fargate-pipeline.yaml";

/** An environment's name: lower-case letters and digits (it is part of every resource name). */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z][a-z0-9]{1,11}$/;

/**
 * The file's top level. Environments and defaults are only checked to be
 * objects here: their fields are validated after merging, by the environment
 * schema, so a field is checked once whichever section set it.
 */
export const ConfigFileSchema = v.strictObject(
  {
    /** The application's name: prefix of every resource name (default fargate-pipeline). */
    serviceName: v.optional(v.string()),
    /** Fields every environment shares (any field of an environment). */
    defaults: v.optional(v.record(v.string(), v.unknown(), "must be a map of environment fields")),
    /** The environments by name; each holds only where it differs from `defaults`. */
    environments: v.optional(
      v.record(
        v.pipe(
          v.string(),
          v.regex(
            ENVIRONMENT_NAME_PATTERN,
            "environment names must be 2–12 lower-case letters or digits, starting with a letter",
          ),
        ),
        v.nullish(v.record(v.string(), v.unknown(), "must be a map of environment fields")),
        "must be a map from environment name to its fields",
      ),
    ),
    /**
     * Shared environments by name: what a platform team applies once and services
     * attach to (`environments.NAME.shared`). Usually in the platform team's own
     * repository, alone; `defaults` do not apply to them.
     */
    sharedEnvironments: v.optional(
      v.record(
        v.pipe(
          v.string(),
          v.regex(
            ENVIRONMENT_NAME_PATTERN,
            "shared environment names must be 2–12 lower-case letters or digits, starting with a letter",
          ),
        ),
        v.record(v.string(), v.unknown(), "must be a map of shared environment fields"),
        "must be a map from shared environment name to its fields",
      ),
    ),
  },
  "unknown top-level field; allowed: serviceName, defaults, environments, sharedEnvironments",
);

/** A configuration file that could not be read: every problem, each naming its field and line. */
export class ConfigFileError extends Error {
  /** The file's name as the user knows it. */
  readonly file: string;
  /** Every problem found. */
  readonly issues: ConfigIssue[];

  /**
   * @param file The file's name.
   * @param issues The problems, paths as written in the file.
   */
  constructor(file: string, issues: ConfigIssue[]) {
    super(`invalid ${file}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
    this.file = file;
    this.issues = issues;
  }
}

/** A configuration file, read. */
export interface ConfigFile {
  /** Where it came from, for messages (e.g. "fargate-pipeline.yaml"; "(no configuration file)" when there is none). */
  file: string;
  /** Every environment, merged and ready for validation (built-in ones included). */
  environments: Record<string, EnvironmentInput>;
  /** The shared environments it defines (as written, named), for resolveSharedEnvironment(). */
  sharedEnvironments: Record<string, SharedEnvironmentInput>;
  /**
   * Where a field of an environment is written, for messages: from a dotted path
   * of the merged environment (e.g. "service.containerPort") to the file's path
   * and line ("environments.production.service.containerPort (line 12)").
   */
  locate(environment: string, path: string): string;
}

/** The configuration when an app has no file: the built-in environments only. */
export function noConfigFile(): ConfigFile {
  return fromParsed("(no configuration file: built-in defaults)", {}, undefined, undefined);
}

/**
 * Reads a configuration file's text.
 * @param text The file's contents.
 * @param file Its name, for messages.
 * @throws ConfigFileError on YAML that does not parse or a top level that does not fit the schema.
 */
export function parseConfigFile(text: string, file = CONFIG_FILE_NAME): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: "1.2", lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((e) => ({
        path: `(line ${lines.linePos(e.pos[0]).line})`,
        message: `not valid YAML: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = v.safeParse(ConfigFileSchema, raw, { abortEarly: false });
  if (!parsed.success) {
    throw new ConfigFileError(
      file,
      parsed.issues.map((issue) => {
        const path = v.getDotPath(issue) ?? "(top level)";
        return { path: withLine(doc, lines, path.split(".")) ?? path, message: issue.message };
      }),
    );
  }
  return fromParsed(file, parsed.output, doc, lines);
}

/**
 * The merged environments of a parsed file, and where each field sits.
 * @param file The file's name.
 * @param content The file's top level, checked.
 * @param doc The YAML document (for line numbers); undefined without a file.
 * @param lines The document's line counter.
 */
function fromParsed(
  file: string,
  content: v.InferOutput<typeof ConfigFileSchema>,
  doc: Document | undefined,
  lines: LineCounter | undefined,
): ConfigFile {
  const defaults = content.defaults ?? {};
  const written = content.environments ?? {};
  const names = [...new Set([...Object.keys(builtinEnvironments), ...Object.keys(written)])];
  const environments: Record<string, EnvironmentInput> = {};
  for (const name of names) {
    const own = written[name] ?? {};
    let builtin: Record<string, unknown> = Object.hasOwn(builtinEnvironments, name)
      ? { ...builtinEnvironments[name as keyof typeof builtinEnvironments] }
      : {};
    // The file's CI, in either spelling, replaces the built-in placeholder whole.
    if ([defaults, own].some((section) => "ci" in section || "github" in section)) {
      builtin = Object.fromEntries(Object.entries(builtin).filter(([key]) => key !== "ci"));
    }
    const merged = mergeFields(mergeFields(builtin, defaults), own);
    // The name is the key: writing it again is allowed only if equal (the schema checks it).
    const entry = {
      name,
      ...(content.serviceName === undefined ? {} : { serviceName: content.serviceName }),
      ...(merged as object),
    };
    environments[name] = entry as EnvironmentInput;
  }
  const sharedEnvironments = Object.fromEntries(
    Object.entries(content.sharedEnvironments ?? {}).map(([name, fields]) => [
      name,
      { name, ...fields } as SharedEnvironmentInput,
    ]),
  );
  return {
    file,
    environments,
    sharedEnvironments,
    locate(environment, path) {
      const keys = path.split(".");
      if (!doc || !lines) return path;
      if (environment.startsWith("shared:"))
        return (
          withLine(doc, lines, ["sharedEnvironments", environment.slice(7), ...keys]) ??
          `sharedEnvironments.${environment.slice(7)}.${path}`
        );
      if (keys[0] === "serviceName") return withLine(doc, lines, ["serviceName"]) ?? "serviceName";
      return (
        withLine(doc, lines, ["environments", environment, ...keys]) ??
        withLine(doc, lines, ["defaults", ...keys]) ??
        // Not written (a required field left out): name it where it belongs.
        `environments.${environment}.${path}`
      );
    },
  };
}

/**
 * Merges a section over another: objects field by field, the rest replaced;
 * an object whose form (`mode`, `provider`) changes is replaced whole (resolve.ts does the same for overrides).
 * @param base Lower precedence.
 * @param over Higher precedence.
 */
function mergeFields(base: unknown, over: unknown): unknown {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  if (!isObject(base) || !isObject(over)) return over;
  if (FORM_KEYS.some((k) => k in over && over[k] !== base[k])) return over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = mergeFields(base[key], value);
  return merged;
}

/**
 * "a.b.c (line N)" when the document has that path, else undefined. An array
 * index in the path (from the schema's dot path) is looked up as a number.
 * @param doc The YAML document.
 * @param lines Its line counter.
 * @param keys The path.
 */
function withLine(doc: Document, lines: LineCounter, keys: string[]): string | undefined {
  const path = keys.map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  if (!doc.hasIn(path)) {
    // An unknown field is reported at its own key: the parent exists, the key does not resolve to a node with a range.
    return undefined;
  }
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  let offset = node && typeof node === "object" && node.range ? node.range[0] : undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path.at(-1));
    const keyRange = (pair?.key as { range?: [number, number, number] } | null)?.range;
    if (keyRange) offset = keyRange[0];
  }
  return offset === undefined ? keys.join(".") : `${keys.join(".")} (line ${lines.linePos(offset).line})`;
}
