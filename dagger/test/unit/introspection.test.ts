/**
 * The module's interface, read by the TypeScript SDK's own introspector
 * (`scan()`, what the module runtime registers with the engine): the functions,
 * arguments, defaults and descriptions that `dagger functions` and
 * `dagger call … --help` show.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { type DescribedModule, describeModule, moduleFiles, REPO_ROOT, scanModule } from "../../scripts/introspect.mjs";

let mod: DescribedModule;

beforeAll(async () => {
  mod = describeModule(await scanModule());
}, 60_000);

/** A function of the main object by its TypeScript name. */
function fn(name: string) {
  const f = mod.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name}; scan() found: ${mod.functions.map((x) => x.name).join(", ")}`);
  return f;
}

/** Argument name → { flag, type, default, required } of a function. */
function args(name: string) {
  return Object.fromEntries(fn(name).args.map((a) => [a.name, { flag: a.flag, type: a.type, default: a.default, required: a.required }]));
}

describe("dagger.json", () => {
  const cfg = JSON.parse(readFileSync(join(REPO_ROOT, "dagger.json"), "utf8")) as Record<string, unknown>;

  it("names the module, its TypeScript SDK and its source directory", () => {
    expect(cfg).toMatchObject({ name: "fargate-pipeline", sdk: { source: "typescript" }, source: "dagger" });
  });

  it("pins the engine to the version of the SDK package the module is written against", () => {
    const sdk = JSON.parse(readFileSync(join(REPO_ROOT, "dagger/package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(cfg.engineVersion).toBe(`v${sdk.dependencies["@dagger.io/dagger"]}`);
  });

  it("pins the engine the test bed runs", () => {
    const versions = readFileSync(join(REPO_ROOT, "testbed/versions.env"), "utf8");
    const pinned = /^DAGGER_VERSION=(\S+)$/m.exec(versions)?.[1];
    expect(cfg.engineVersion).toBe(`v${pinned}`);
  });
});

describe("the module's interface (scan() of dagger/src)", () => {
  it("loads as the runtime loads it: every file imports, the class is decorated and constructible", async () => {
    // The runtime imports every file of src/ before calling scan(); vitest's loader
    // stands in for its tsx here (scan()'s own import() would bypass it).
    const files = moduleFiles();
    expect(files.length).toBeGreaterThan(1);
    const loaded = (await Promise.all(files.map((f) => import(f)))) as Record<string, unknown>[];
    const index = loaded[files.findIndex((f) => f.endsWith("/src/index.ts"))];
    expect(typeof index?.FargatePipeline).toBe("function");
  });

  it("exposes one object, named after the module, with exactly these functions", () => {
    expect(mod.name).toBe("FargatePipeline");
    expect(mod.functions.map((f) => f.cli)).toEqual([
      "check",
      "test",
      "build",
      "serve",
      "publish",
      "publish-ecr",
      "deploy",
      "rollback",
      "plan",
      "status",
      "logs",
      "destroy",
      "bootstrap",
    ]);
  });

  it("takes the source from the repository root by default, without dependencies, VCS data or build output", () => {
    const [source, dockerfile] = mod.constructorArgs;
    expect(source).toMatchObject({ name: "source", flag: "--source", type: "Directory", required: false, defaultPath: "/" });
    expect(source?.ignore).toEqual(expect.arrayContaining(["**/node_modules", ".git", "**/dist", "**/cdktf.out", "**/coverage", "**/.env", "bench/results"]));
    expect(dockerfile).toMatchObject({ name: "dockerfile", flag: "--dockerfile", type: "String", default: "Dockerfile" });
  });

  it("marks check and test as checks (`dagger check`), and nothing else", () => {
    expect(mod.functions.filter((f) => f.isCheck).map((f) => f.name)).toEqual(["check", "test"]);
    // A check may not have required arguments: `dagger check` passes none.
    for (const name of ["check", "test"]) expect(fn(name).args.filter((a) => a.required)).toEqual([]);
  });

  it("never caches the functions that push (side effects), and keeps the engine's default for the rest", () => {
    expect(Object.fromEntries(mod.functions.map((f) => [f.name, f.cache ?? "default"]))).toEqual({
      check: "default",
      test: "default",
      build: "default",
      serve: "default",
      publish: "never",
      publishEcr: "never",
      // Deploy and the operations act on (or read) live environments: never replayed.
      deploy: "never",
      rollback: "never",
      plan: "never",
      status: "never",
      logs: "never",
      destroy: "never",
      bootstrap: "never",
    });
  });

  it("returns a report from check and test, a Container from build, a Service from serve, references from publish", () => {
    expect(Object.fromEntries(mod.functions.map((f) => [f.name, f.returns]))).toEqual({
      check: "String",
      test: "String",
      build: "Container",
      serve: "Service",
      publish: "String",
      publishEcr: "String",
      deploy: "String",
      rollback: "String",
      plan: "String",
      status: "String",
      logs: "String",
      destroy: "String",
      bootstrap: "String",
    });
  });

  it("builds with a version and a git commit that default to the Dockerfile's own defaults", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    const argDefault = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1];
    expect(args("build")).toEqual({
      version: { flag: "--version", type: "String", default: argDefault("VERSION"), required: false },
      gitCommit: { flag: "--git-commit", type: "String", default: argDefault("GIT_COMMIT"), required: false },
    });
  });

  it("serves on port 8080 by default", () => {
    expect(args("serve").port).toEqual({ flag: "--port", type: "Integer", default: 8080, required: false });
  });

  it("publish takes the address and optional credentials; the password is a Secret", () => {
    expect(args("publish")).toMatchObject({
      address: { flag: "--address", type: "String", required: true },
      registryUsername: { flag: "--registry-username", type: "String", required: false },
      registryPassword: { flag: "--registry-password", type: "Secret", required: false },
    });
  });

  it("publish-ecr takes AWS credentials as Secrets, a region and an emulator endpoint", () => {
    expect(args("publishEcr")).toMatchObject({
      repository: { flag: "--repository", type: "String", required: true },
      awsAccessKeyId: { flag: "--aws-access-key-id", type: "Secret", required: false },
      awsSecretAccessKey: { flag: "--aws-secret-access-key", type: "Secret", required: false },
      awsSessionToken: { flag: "--aws-session-token", type: "Secret", required: false },
      awsRegion: { flag: "--aws-region", type: "String", required: false },
      awsEndpoint: { flag: "--aws-endpoint", type: "String", required: false },
      tag: { flag: "--tag", type: "String", required: false },
    });
  });

  it("takes no credential of any kind as a plain string", () => {
    const all = [...mod.constructorArgs, ...mod.functions.flatMap((f) => f.args)];
    const credentialLike = all.filter((a) => /password|secret|token|accessKey/i.test(a.name));
    expect(credentialLike.length).toBeGreaterThan(0);
    for (const a of credentialLike) expect(`${a.name}: ${a.type}`).toBe(`${a.name}: Secret`);
  });

  it("has a description on the module, every function and every argument (the CLI help)", () => {
    const missing = [
      ...(mod.moduleDescription.trim() ? [] : ["module"]),
      ...mod.constructorArgs.filter((a) => !a.description.trim()).map((a) => `constructor --${a.name}`),
      ...mod.functions.filter((f) => !f.description.trim()).map((f) => f.cli),
      ...mod.functions.flatMap((f) => f.args.filter((a) => !a.description.trim()).map((a) => `${f.cli} ${a.flag}`)),
    ];
    expect(missing).toEqual([]);
  });

  it("deploys, plans, rolls back, reports and destroys the local environment by default (no account needed)", () => {
    for (const name of ["deploy", "rollback", "plan", "status", "logs"]) {
      expect(args(name).env).toEqual({ flag: "--env", type: "String", default: "local", required: false });
    }
    // Destroy and bootstrap name their environment explicitly.
    expect(args("destroy").env).toMatchObject({ flag: "--env", required: true });
    expect(args("bootstrap").env).toMatchObject({ flag: "--env", required: true });
  });

  it("takes the flags the GitHub workflows pass (credentials as Secrets, region, commit, version)", () => {
    const aws = {
      awsAccessKeyId: { flag: "--aws-access-key-id", type: "Secret", required: false },
      awsSecretAccessKey: { flag: "--aws-secret-access-key", type: "Secret", required: false },
      awsSessionToken: { flag: "--aws-session-token", type: "Secret", required: false },
      awsRegion: { flag: "--aws-region", type: "String", required: false },
    };
    for (const name of ["deploy", "rollback", "plan", "status", "logs", "destroy", "bootstrap"]) expect(args(name)).toMatchObject(aws);
    expect(args("deploy")).toMatchObject({ gitCommit: { flag: "--git-commit", type: "String" }, version: { flag: "--version", type: "String" } });
  });

  it("destroy needs --confirm (no default that confirms) and removes the base stack only when asked", () => {
    expect(args("destroy").confirm).toMatchObject({ flag: "--confirm", type: "String", default: "" });
    expect(args("destroy").includeBase).toMatchObject({ flag: "--include-base", type: "Boolean", default: false });
  });

  it("waits for a state lock by default and can remove a dead run's lock only by its ID", () => {
    expect(args("deploy").lockTimeout).toMatchObject({ flag: "--lock-timeout", type: "Integer", default: 300 });
    expect(args("deploy").forceUnlock).toMatchObject({ flag: "--force-unlock", type: "String", required: false });
  });
});

describe("README", () => {
  it("lists the functions exactly as the code declares them (regenerate with node dagger/scripts/functions-table.mjs --write)", async () => {
    // @ts-expect-error -- a plain .mjs script of the module, without types
    const { functionsTable, readmeTable } = (await import("../../scripts/functions-table.mjs")) as {
      functionsTable(m: DescribedModule): string;
      readmeTable(readme: string): string | undefined;
    };
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readmeTable(readme), "README.md lost the functions table's marker").toBeDefined();
    expect(readmeTable(readme)).toBe(functionsTable(mod));
  });
});
