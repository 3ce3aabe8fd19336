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

  it("a required field left out is named where it belongs, says required and what it is", () => {
    expect(errorOf(APP.replace("    domain: flask.example.com\n", ""), "production")).toContain(
      "environments.production.domain: required: the name the service answers on (HTTPS), e.g. app.example.com.",
    );
    expect(errorOf(APP.replace("    region: eu-west-1\n", ""), "production")).toContain(
      "environments.production.region: required: the AWS region the environment lives in, e.g. eu-west-1.",
    );
    expect(
      errorOf(APP.replace("{ mode: existing, zoneId: Z0123456789EXAMPLE }", "{ mode: existing }"), "production"),
    ).toContain(
      "environments.production.hostedZone.zoneId: required: the zone's id, as Route 53 shows it (without /hostedzone/).",
    );
    expect(
      errorOf(APP.replace("  github:\n    repository: acme/flask-demo\n", "  github: {}\n"), "production"),
    ).toContain(
      'environments.production.github.repository: required: "OWNER/REPO": the GitHub repository whose workflows may assume the deploy and plan roles.',
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

describe("the CI an environment trusts (ci:, or the older github:)", () => {
  const withoutCi = APP.replace("  github:\n    repository: acme/flask-demo\n", "");

  it("an AWS environment needs no CI: no github block, no ci block, ci none", () => {
    expect(resolveEnvironment("production", { config: parseConfigFile(withoutCi) }).ci).toEqual({ provider: "none" });
    // local keeps its built-in placeholder when the file names no CI.
    expect(resolveEnvironment("local", { config: parseConfigFile(withoutCi) }).ci).toMatchObject({
      provider: "github",
    });
  });

  it("the older github: still works, as ci with provider github", () => {
    expect(resolveEnvironment("production", { config: parseConfigFile(APP) }).ci).toEqual({
      provider: "github",
      repository: "acme/flask-demo",
      environment: "production",
      branch: "main",
    });
  });

  it("GitLab, with its defaults; an environment may turn a default CI off with provider none", () => {
    const text = withoutCi
      .replace("defaults:\n", "defaults:\n  ci: { provider: gitlab, project: acme/shop/flask }\n")
      .concat(
        '  staging:\n    accountId: "111111111111"\n    region: eu-west-1\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    domain: flask.staging.example.com\n    hostedZone: { mode: existing, zoneId: Z0123456789EXAMPLE }\n    ci: { provider: none }\n',
      );
    const config = parseConfigFile(text);
    expect(resolveEnvironment("production", { config }).ci).toEqual({
      provider: "gitlab",
      project: "acme/shop/flask",
      url: "https://gitlab.com",
      audience: "sts.amazonaws.com",
      branch: "main",
    });
    // The form changed (provider), so gitlab's project does not leak into none.
    expect(resolveEnvironment("staging", { config }).ci).toEqual({ provider: "none" });
  });

  it.each([
    [
      "ci: { provider: jenkins }",
      'environments.production.ci.provider (line 14): provider must be "github", "gitlab", "oidc" or "none"',
    ],
    [
      "ci: { provider: gitlab }",
      'environments.production.ci.project: required: "GROUP/PROJECT": the GitLab project whose pipelines may assume the deploy and plan roles',
    ],
    [
      "ci: { provider: gitlab, project: shop }",
      'ci.project (line 14): must be the project\'s full path "GROUP/PROJECT"',
    ],
    [
      "ci: { provider: gitlab, project: acme/shop, url: http://gitlab.acme.example }",
      "ci.url (line 14): must be the issuer's https URL",
    ],
    [
      'ci: { provider: oidc, issuer: "https://ci.example.com", deploySubjects: ["*"], planSubjects: [] }',
      'deploySubjects.0 (line 14): "*" would trust the tokens of every subject of the issuer',
    ],
    [
      'ci: { provider: oidc, issuer: "https://ci.example.com", deploySubjects: ["repo:*"], planSubjects: [] }',
      '"repo:*" would trust the tokens of every "repo:…" subject of the issuer',
    ],
    [
      'ci: { provider: oidc, issuer: "https://ci.example.com", deploySubjects: ["team:shop:deploy"], planSubjects: [] }',
      "planSubjects (line 14): must list at least one subject",
    ],
    [
      "ci: { provider: oidc, deploySubjects: [a:b:c], planSubjects: [a:b:c] }",
      "environments.production.ci.issuer: required: the issuer's https URL, as its tokens' iss claim spells it.",
    ],
    [
      "ci: { provider: gitlab, project: acme/shop, oidcProviderArn: arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com }",
      "ci.oidcProviderArn (line 14): is the provider of token.actions.githubusercontent.com, but the gitlab tokens come from gitlab.com",
    ],
    [
      "ci: { provider: github, repository: acme/flask-demo, oidcProviderArn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com }",
      "ci.oidcProviderArn (line 14): the provider belongs to account 111111111111, the environment to 222222222222",
    ],
  ])("%s: %s", (line, message) => {
    expect(errorOf(withoutCi.concat(`    ${line}\n`), "production")).toContain(message);
  });

  it("both spellings at once: keep one", () => {
    expect(errorOf(APP.concat("    ci: { provider: none }\n"), "production")).toContain(
      "defaults.github (line 6): is the older spelling of ci: { provider: github, … }, and ci is set too (none); keep one",
    );
  });
});
