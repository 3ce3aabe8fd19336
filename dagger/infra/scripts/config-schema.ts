/**
 * The configuration file's JSON Schema and its reference table, generated from
 * the valibot schema that validates it (src/config/schema.ts, file.ts): types,
 * patterns, enums and defaults from the schema itself (@valibot/to-json-schema),
 * each field's description from its JSDoc comment in schema.ts. So editors
 * complete and check fargate-pipeline.yaml, and the README's reference cannot
 * drift from the code (a unit test compares both with what this generates).
 *
 *   node dagger/infra/scripts/config-schema.ts           # prints the reference table
 *   node dagger/infra/scripts/config-schema.ts --write   # writes fargate-pipeline.schema.json and the README's table
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { toJsonSchema } from "@valibot/to-json-schema";
import ts from "typescript";
import { CONFIG_FILE_NAME } from "../src/config/file.ts";
import { EnvironmentSchema, FORM_KEYS, SharedEnvironmentSchema } from "../src/config/schema.ts";
import { readmeSection, writeReadmeSection } from "./readme-section.ts";

/** The repository root (the sample app's, where its configuration file and the README are). */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
/** Where the schema is published: beside the sample's configuration file, which names it. */
export const SCHEMA_FILE = "fargate-pipeline.schema.json";
/** The comment that marks the reference table in README.md. */
export const README_MARKER = "<!-- node dagger/infra/scripts/config-schema.ts --write -->";
/** The reference table's last line. */
const LAST_LINE =
  "Every field of an environment may also be set under `defaults:` (not those of a shared environment).";

/** A JSON Schema node (the part this script reads and writes). */
interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  required?: string[];
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

/**
 * Each field's JSDoc in schema.ts, by its dotted path in an environment
 * (`service.containerPort`, `hostedZone.name`; `*` for a map's values): read
 * from the source with the TypeScript parser, following the schema's consts.
 */
export function fieldDocs(root = "EnvironmentSchema"): Map<string, string> {
  const path = resolve(import.meta.dirname, "../src/config/schema.ts");
  const file = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const consts = new Map<string, ts.Expression>();
  file.forEachChild((node) => {
    if (!ts.isVariableStatement(node)) return;
    for (const d of node.declarationList.declarations)
      if (ts.isIdentifier(d.name) && d.initializer) consts.set(d.name.text, d.initializer);
  });
  const docs = new Map<string, string>();
  const visitSchema = (expr: ts.Expression, prefix: string, seen: Set<string>): void => {
    if (ts.isIdentifier(expr)) {
      const target = consts.get(expr.text);
      if (target && !seen.has(expr.text)) visitSchema(target, prefix, new Set([...seen, expr.text]));
      return;
    }
    if (!ts.isCallExpression(expr)) return;
    const callee = expr.expression.getText(file);
    const [first, second] = expr.arguments;
    if ((callee === "strict" || callee === "v.strictObject") && first && ts.isObjectLiteralExpression(first)) {
      for (const p of first.properties) {
        if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) continue;
        const name = p.name.getText(file);
        const at = prefix ? `${prefix}.${name}` : name;
        const doc = ts
          .getJSDocCommentsAndTags(p)
          .map((j) =>
            typeof j.comment === "string" ? j.comment : (j.comment ?? []).map((c) => c.getText(file)).join(""),
          )
          .join(" ")
          .replace(/\s+/g, " ")
          .trim();
        if (doc && !docs.has(at)) docs.set(at, doc);
        visitSchema(ts.isPropertyAssignment(p) ? p.initializer : p.name, at, seen);
      }
      return;
    }
    // required(schema, what) is the schema with its description; v.omit(form, keys) a form less some fields.
    if (["v.optional", "v.pipe", "v.nullish", "required", "v.omit"].includes(callee)) {
      if (first) visitSchema(first, prefix, seen);
      return;
    }
    // The forms of a variant or union: `hostedZone[0].name`, `hostedZone[1].zoneId`.
    if (callee === "v.variant" && second && ts.isArrayLiteralExpression(second)) {
      second.elements.forEach((e, i) => visitSchema(e, `${prefix}[${i}]`, seen));
      return;
    }
    if (callee === "v.union" && first && ts.isArrayLiteralExpression(first)) {
      first.elements.forEach((e, i) => visitSchema(e, `${prefix}[${i}]`, seen));
      return;
    }
    if (callee === "v.record" && second) visitSchema(second, `${prefix}.*`, seen);
  };
  visitSchema(ts.factory.createIdentifier(root), "", new Set());
  return docs;
}

/**
 * A copy of an environment's schema as the file writes it: every field
 * optional (it may come from `defaults:` or the built-in entry; the merged
 * result is validated whole) and each described.
 * @param node A node of the environment's JSON Schema.
 * @param docs The fields' descriptions.
 * @param path The node's dotted path.
 */
function asWritten(node: JsonSchema, docs: Map<string, string>, path = ""): JsonSchema {
  const out: JsonSchema = { ...node };
  // A form of a variant is described by its mode's comment.
  const doc = path ? (docs.get(path) ?? FORM_KEYS.map((k) => docs.get(`${path}.${k}`)).find(Boolean)) : undefined;
  if (doc) out.description = doc;
  if (node.properties) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, asWritten(v, docs, path ? `${path}.${k}` : k)]),
    );
    delete out.required;
  }
  if (typeof node.additionalProperties === "object")
    out.additionalProperties = asWritten(node.additionalProperties, docs, `${path}.*`);
  for (const key of ["oneOf", "anyOf"] as const) {
    const variants = node[key];
    if (variants) out[key] = variants.map((v, i) => asWritten(v, docs, `${path}[${i}]`));
  }
  return out;
}

/** The configuration file's JSON Schema (draft-07, what editors' YAML support reads). */
export function configSchema(): JsonSchema {
  const docs = fieldDocs();
  const environment = asWritten(toJsonSchema(EnvironmentSchema, { errorMode: "ignore" }) as JsonSchema, docs);
  const { $schema, ...body } = environment as JsonSchema & { $schema?: string };
  const shared = asWritten(
    toJsonSchema(SharedEnvironmentSchema, { errorMode: "ignore" }) as JsonSchema,
    fieldDocs("SharedEnvironmentSchema"),
  );
  delete shared["$schema"];
  // The name is the key under environments: (writing it again is allowed, if equal).
  return {
    $schema: $schema ?? "http://json-schema.org/draft-07/schema#",
    title: `${CONFIG_FILE_NAME}: an app's deployment configuration for fargate-pipeline`,
    type: "object",
    additionalProperties: false,
    properties: {
      serviceName: { ...(body.properties?.["serviceName"] ?? {}) },
      defaults: { ...body, description: "Fields every environment shares; an environment says only where it differs." },
      environments: {
        type: "object",
        description:
          "The environments by name (2–12 lower-case letters or digits). `local`, the AWS emulator in the Dagger engine, exists without an entry.",
        propertyNames: { pattern: "^[a-z][a-z0-9]{1,11}$" },
        additionalProperties: body,
      },
      sharedEnvironments: {
        type: "object",
        description:
          "Shared environments by name: what a platform team applies once (`platform … apply`) and services attach to (`shared: NAME`).",
        propertyNames: { pattern: "^[a-z][a-z0-9]{1,11}$" },
        additionalProperties: shared,
      },
    },
  };
}

/**
 * A schema node's type in words, for the reference table.
 * @param node The node.
 */
function typeOf(node: JsonSchema): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((e) => `\`${JSON.stringify(e)}\``).join(", ");
  if (node.oneOf ?? node.anyOf) return "one of the forms below";
  if (node.type === "array") return `list of ${node.items ? typeOf(node.items) : "values"}`;
  if (node.type === "object" && typeof node.additionalProperties === "object")
    return `map of ${typeOf(node.additionalProperties)}`;
  return node.type ?? "any";
}

/**
 * The rows of the reference: every field of an environment, depth first.
 * @param node A node of the environment's schema (as written).
 * @param path Its dotted path.
 */
function rows(node: JsonSchema, path: string): string[] {
  const cell = (s: unknown) => String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const out: string[] = [];
  if (path) {
    const dflt =
      node.default === undefined ||
      (typeof node.default === "object" && node.default !== null && Object.keys(node.default).length === 0)
        ? ""
        : `\`${JSON.stringify(node.default)}\``;
    out.push(`| \`${path}\` | ${cell(typeOf(node))} | ${cell(dflt)} | ${cell(node.description ?? "")} |`);
  }
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    // A form's discriminator is its row's name: `hostedZone` (mode: "create"), `ci` (provider: "gitlab").
    if ((FORM_KEYS as readonly string[]).includes(k) && v.const !== undefined) continue;
    out.push(...rows(v, path ? `${path}.${k}` : k));
  }
  for (const v of node.oneOf ?? node.anyOf ?? []) {
    const key = FORM_KEYS.find((k) => v.properties?.[k]?.const !== undefined);
    const form =
      key === undefined ? `${path} (form)` : `${path} (${key}: ${JSON.stringify(v.properties?.[key]?.const)})`;
    const about = v.description ?? (key === undefined ? undefined : v.properties?.[key]?.description);
    out.push(`| \`${form}\` | object |  | ${cell(about ?? "")} |`);
    out.push(...rows({ ...v, description: undefined }, "").map((r) => r.replace(/^\| `/, `| \`${path}.`)));
  }
  return out;
}

/** The reference table for the README. */
export function referenceTable(): string {
  const schema = configSchema();
  const environment = (schema.properties?.["environments"]?.additionalProperties ?? {}) as JsonSchema;
  const shared = (schema.properties?.["sharedEnvironments"]?.additionalProperties ?? {}) as JsonSchema;
  return [
    "| field | type | default | what it is |",
    "|---|---|---|---|",
    `| \`serviceName\` | string | \`"fargate-pipeline"\` | ${schema.properties?.["serviceName"]?.description ?? ""} |`,
    ...rows(environment, "")
      .filter((r) => !r.startsWith("| `serviceName`"))
      .map((r) => r.replace(/^\| `/, "| `environments.NAME.")),
    ...rows(shared, "").map((r) => r.replace(/^\| `/, "| `sharedEnvironments.NAME.")),
    "",
    LAST_LINE,
  ].join("\n");
}

/**
 * The table as README.md has it now (from the marker to its last line), or undefined.
 * @param readme The README's text.
 */
export function readmeReference(readme: string): string | undefined {
  return readmeSection(readme, { marker: README_MARKER, lastLine: LAST_LINE });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const table = referenceTable();
  if (process.argv.includes("--write")) {
    writeFileSync(join(REPO_ROOT, SCHEMA_FILE), `${JSON.stringify(configSchema(), null, 2)}\n`);
    writeReadmeSection(join(REPO_ROOT, "README.md"), { marker: README_MARKER, lastLine: LAST_LINE }, table);
    console.error(`${SCHEMA_FILE} and README.md's configuration reference written`);
  } else console.log(table);
}
