import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  configSchema,
  fieldDocs,
  readmeReference,
  referenceTable,
  REPO_ROOT,
  SCHEMA_FILE,
} from "../../scripts/config-schema.ts";

describe("the configuration file's published JSON Schema and reference (regenerate: node dagger/infra/scripts/config-schema.ts --write)", () => {
  it("the committed schema is the one the validating schema generates", () => {
    expect(JSON.parse(readFileSync(join(REPO_ROOT, SCHEMA_FILE), "utf8"))).toEqual(
      JSON.parse(JSON.stringify(configSchema())),
    );
  });

  it("the README's reference is the one the schema generates", () => {
    expect(readmeReference(readFileSync(join(REPO_ROOT, "README.md"), "utf8"))).toBe(referenceTable());
  });

  it("describes fields from their comments in schema.ts, and knows every environment field, defaults included", () => {
    const docs = fieldDocs();
    expect(docs.get("service.containerPort")).toMatch(/^8080: unprivileged/);
    expect(docs.get("service.autoscaling.cpuTargetPercent")).toBeDefined();
    const environment = configSchema().properties?.["environments"]?.additionalProperties as {
      properties: Record<string, { properties?: Record<string, { default?: unknown; description?: string }> }>;
    };
    expect(environment.properties["service"]?.properties?.["containerPort"]).toMatchObject({
      default: 8080,
      description: expect.stringMatching(/unprivileged/),
    });
    // Written fields are all optional: defaults: and the built-in local fill them before validation.
    expect(JSON.stringify(environment)).not.toMatch(/"required":\["(name|region|domain)/);
  });

  it("the sample's configuration file names the schema for editors", () => {
    const text = readFileSync(join(REPO_ROOT, "fargate-pipeline.yaml"), "utf8");
    expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=./${SCHEMA_FILE}`);
    expect(Object.keys(parse(text) as object)).toEqual([
      "serviceName",
      "defaults",
      "environments",
      "sharedEnvironments",
    ]);
  });
});
