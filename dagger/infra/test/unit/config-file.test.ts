import { describe, expect, it } from "vitest";
import { parseConfigFile } from "../../src/config/file.ts";
import { resolveEnvironment } from "../../src/resolve.ts";

/** A small app's file, as a user writes it. */
const APP = `serviceName: flask-demo
defaults:
  service:
    containerPort: 8000
    healthCheckPath: /healthz
  github:
    repository: acme/flask-demo
environments:
  local: {}
  production:
    accountId: "222222222222"
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    domain: flask.example.com
    hostedZone: { mode: existing, zoneId: Z0123456789EXAMPLE }
`;

/**
 * The message resolveEnvironment throws for a file's environment.
 * @param text The file.
 * @param env The environment.
 */
function errorOf(text: string, env: string): string {
  try {
    resolveEnvironment(env, { config: parseConfigFile(text, "fargate-pipeline.yaml") });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a configuration error");
}

describe("an app's fargate-pipeline.yaml", () => {
  it("gives every environment the defaults, its own fields and its name; local keeps its built-in emulator settings", () => {
    const config = parseConfigFile(APP);
    const production = resolveEnvironment("production", { config });
    expect(production).toMatchObject({
      name: "production",
      serviceName: "flask-demo",
      emulator: false,
      domain: "flask.example.com",
    });
    expect(production.service).toMatchObject({ containerPort: 8000, healthCheckPath: "/healthz" });
    expect(production.names.prefix).toBe("flask-demo-production");
    const local = resolveEnvironment("local", { config });
    expect(local).toMatchObject({ emulator: true, region: "us-east-1", serviceName: "flask-demo" });
    expect(local.service.containerPort).toBe(8000);
  });

  it("without a file, local deploys with the defaults", () => {
    expect(resolveEnvironment("local").service).toMatchObject({ containerPort: 8080, healthCheckPath: "/healthcheck" });
  });

  it("a typo in a field names the file, the field as written and its line, and the allowed fields", () => {
    const message = errorOf(APP.replace("containerPort: 8000", "containerPrt: 8000"), "production");
    expect(message).toContain('invalid configuration for environment "production" in fargate-pipeline.yaml:');
    expect(message).toMatch(
      /defaults\.service\.containerPrt \(line 4\): unknown field; allowed fields: desiredCount, .*containerPort/,
    );
  });

  it("a bad domain names the environment's field and its line", () => {
    expect(errorOf(APP.replace("flask.example.com", "Flask.example.com"), "production")).toContain(
      "environments.production.domain (line 14): must be a lower-case DNS name",
    );
  });

  it("a port out of range names the field where it is written", () => {
    expect(errorOf(APP.replace("containerPort: 8000", "containerPort: 80"), "local")).toContain(
      "defaults.service.containerPort (line 4): must be a whole number from 1024 to 65535",
    );
  });

  it("an unknown environment lists the file's environments", () => {
    expect(errorOf(APP, "staging")).toContain("unknown environment; fargate-pipeline.yaml defines: local, production");
  });

  it("a required field left out is named where it belongs", () => {
    expect(errorOf(APP.replace("    domain: flask.example.com\n", ""), "production")).toMatch(
      /environments\.production\.domain: /,
    );
  });

  it("YAML that does not parse, or a top level that does not fit, names the line or the field", () => {
    expect(() => parseConfigFile("environments:\n  local: {\n")).toThrow(
      /invalid fargate-pipeline.yaml:\n {2}\(line \d+\): not valid YAML/,
    );
    expect(() => parseConfigFile("servicename: x\n")).toThrow(
      /servicename \(line 1\): unknown top-level field; allowed: serviceName, defaults, environments/,
    );
    expect(() => parseConfigFile("environments:\n  Prod: {}\n")).toThrow(
      /environment names must be 2–12 lower-case letters/,
    );
  });

  it("YAML 1.2: no and 0123 are strings, not a boolean and a number", () => {
    const config = parseConfigFile('defaults:\n  service:\n    environment: { FEATURE: no, CODE: "0123" }\n');
    expect(resolveEnvironment("local", { config }).service.environment).toEqual({ FEATURE: "no", CODE: "0123" });
  });
});
