/**
 * The module's interface, read by the TypeScript SDK's own introspector
 * (`scan()`, what the module runtime registers with the engine): the functions,
 * arguments, defaults and descriptions that `dagger functions` and
 * `dagger call … --help` show.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import {
  type DescribedModule,
  describeModule,
  moduleFiles,
  REPO_ROOT,
  scanModule,
  SCAN_TIMEOUT_MS,
} from "../../scripts/introspect.mjs";

let mod: DescribedModule;

beforeAll(async () => {
  mod = describeModule(await scanModule());
}, SCAN_TIMEOUT_MS);

/** A function of the main object by its TypeScript name. */
function fn(name: string) {
  const f = mod.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name}; scan() found: ${mod.functions.map((x) => x.name).join(", ")}`);
  return f;
}

/** Argument name → { flag, type, default, required } of a function's arguments. */
function argsOf(f: { args: { name: string; flag: string; type: string; default?: unknown; required: boolean }[] }) {
  return Object.fromEntries(
    f.args.map((a) => [a.name, { flag: a.flag, type: a.type, default: a.default, required: a.required }]),
  );
}

/** Argument name → { flag, type, default, required } of a function of the main object. */
function args(name: string) {
  return argsOf(fn(name));
}

/** The Environment object. */
function env() {
  const o = mod.objects.find((x) => x.name === "Environment");
  if (!o) throw new Error(`no Environment object; scan() found: ${mod.objects.map((x) => x.name).join(", ")}`);
  return o;
}

/** The Platform object (shared environments). */
function platform() {
  const o = mod.objects.find((x) => x.name === "Platform");
  if (!o) throw new Error(`no Platform object; scan() found: ${mod.objects.map((x) => x.name).join(", ")}`);
  return o;
}

/** Argument name → { flag, type, default, required } of a function of the Environment. */
function envArgs(name: string) {
  const f = env().functions.find((x) => x.name === name);
  if (!f) throw new Error(`no Environment function ${name}`);
  return argsOf(f);
}

describe("dagger.json", () => {
  const cfg = JSON.parse(readFileSync(join(REPO_ROOT, "dagger.json"), "utf8")) as Record<string, unknown>;

  it("names the module, its TypeScript SDK and its source directory", () => {
    expect(cfg).toMatchObject({ name: "fargate-pipeline", sdk: { source: "typescript" }, source: "dagger" });
  });

  it("pins the engine to the version of the SDK package the module is written against", () => {
    // A root development dependency: the runtime mounts its own bundled SDK (module-dependencies.test.ts).
    const root = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    expect(cfg.engineVersion).toBe(`v${root.devDependencies["@dagger.io/dagger"]}`);
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

  it("exposes the main object, named after the module, and the Environment it returns, with exactly these functions", () => {
    expect(mod.name).toBe("FargatePipeline");
    expect(mod.functions.map((f) => f.cli)).toEqual([
      "check",
      "test",
      "build",
      "serve",
      "publish",
      "deploy",
      "environment",
      "platform",
    ]);
    expect(mod.objects.map((o) => o.name).sort()).toEqual(["Environment", "Platform"]);
    expect(env().functions.map((f) => f.cli)).toEqual([
      "with-aws-credentials",
      "with-web-identity",
      "with-endpoint",
      "with-emulator",
      "with-github",
      "deploy",
      "rollback",
      "set-secret",
      "plan",
      "status",
      "logs",
      "destroy",
      "bootstrap",
      "publish-ecr",
      "preview",
      "sweep-previews",
    ]);
    expect(fn("environment").returns).toBe("Environment");
    for (const f of env().functions.filter((x) => x.cli.startsWith("with-")))
      expect(`${f.cli}: ${f.returns}`).toBe(`${f.cli}: Environment`);
    expect(fn("platform").returns).toBe("Platform");
    expect(platform().functions.map((f) => f.cli)).toEqual([
      "with-aws-credentials",
      "with-web-identity",
      "with-endpoint",
      "with-emulator",
      "apply",
      "plan",
      "status",
      "destroy",
    ]);
    for (const f of platform().functions.filter((x) => x.cli.startsWith("with-")))
      expect(`${f.cli}: ${f.returns}`).toBe(`${f.cli}: Platform`);
  });

  it("no function's --help lists more than 8 arguments: credentials and the environment are given once, chained", () => {
    const all = [
      ...mod.functions.map((f) => [f.cli, f.args.length] as const),
      ...env().functions.map((f) => [`environment ${f.cli}`, f.args.length] as const),
      ...platform().functions.map((f) => [`platform ${f.cli}`, f.args.length] as const),
    ];
    expect(all.filter(([, n]) => n > 8)).toEqual([]);
    // No function repeats the credentials: only the with-… functions take them.
    // set-secret's --value is the app's secret being set, not a credential.
    const credentialArgs = env()
      .functions.filter((f) =>
        f.args.some((a) => a.type === "Secret" && !(f.cli === "set-secret" && a.name === "value")),
      )
      .map((f) => f.cli);
    expect(credentialArgs).toEqual(["with-aws-credentials", "with-web-identity", "with-github"]);
    expect(mod.functions.flatMap((f) => f.args).filter((a) => /^aws/.test(a.name))).toEqual([]);
  });

  it("the Environment serializes between chained calls: its state is strings, Secrets, a Directory and a Service, no function-typed field", () => {
    const types = new Set(env().fields.map((f) => f.type));
    for (const t of types) expect(["String", "Secret", "[Secret]", "Directory", "Service"]).toContain(t);
    expect(env().fields.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        "source",
        "dockerfile",
        "config",
        "name",
        "localState",
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
        "webIdentityToken",
        "roleArn",
        "endpoint",
        "emulatorEndpoint",
        "emulatorRegistry",
        "buildSecrets",
      ]),
    );
    expect(
      env()
        .fields.filter((f) => f.exposed)
        .map((f) => f.name),
    ).toEqual(["name"]);
  });

  it("takes the source from the repository root by default, without dependencies, VCS data or build output, and the configuration file by path", () => {
    const [source, dockerfile, config] = mod.constructorArgs;
    expect(source).toMatchObject({
      name: "source",
      flag: "--source",
      type: "Directory",
      required: false,
      defaultPath: "/",
    });
    expect(source?.ignore).toEqual(
      expect.arrayContaining([
        "**/node_modules",
        ".git",
        "**/dist",
        "**/cdktf.out",
        "**/coverage",
        "**/.env",
        "bench/results",
      ]),
    );
    expect(dockerfile).toMatchObject({
      name: "dockerfile",
      flag: "--dockerfile",
      type: "String",
      default: "Dockerfile",
    });
    expect(config).toMatchObject({
      name: "config",
      flag: "--config",
      type: "String",
      default: "fargate-pipeline.yaml",
    });
  });

  it("marks check and test as checks (`dagger check`), and nothing else", () => {
    expect(mod.functions.filter((f) => f.isCheck).map((f) => f.name)).toEqual(["check", "test"]);
    // A check may not have required arguments: `dagger check` passes none.
    for (const name of ["check", "test"]) expect(fn(name).args.filter((a) => a.required)).toEqual([]);
  });

  it("never caches the functions that push or act on environments (side effects), caches check's report for the session only (it says what this call ran), and keeps the engine's default for the rest", () => {
    expect(Object.fromEntries(mod.functions.map((f) => [f.name, f.cache ?? "default"]))).toEqual({
      check: "session",
      test: "default",
      build: "default",
      serve: "default",
      publish: "never",
      deploy: "never",
      environment: "default",
      platform: "default",
    });
    for (const f of [...env().functions, ...platform().functions])
      expect(`${f.cli}: ${f.cache ?? "default"}`).toBe(`${f.cli}: ${f.cli.startsWith("with-") ? "default" : "never"}`);
  });

  it("returns a report from check and test, a Container from build, a Service from serve, references from publish", () => {
    expect(Object.fromEntries(mod.functions.map((f) => [f.name, f.returns]))).toEqual({
      check: "String",
      test: "String",
      build: "Container",
      serve: "Service",
      publish: "String",
      deploy: "String",
      environment: "Environment",
      platform: "Platform",
    });
  });

  it("builds with a version that defaults to the Dockerfile's own default, and an optional commit (default: the source's hash)", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    const argDefault = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1];
    expect(args("build")).toEqual({
      version: { flag: "--version", type: "String", default: argDefault("VERSION"), required: false },
      gitCommit: { flag: "--git-commit", type: "String", default: undefined, required: false },
    });
    expect(fn("build").args[1]?.description).toContain("default: source-<12 hex of the source's content hash>");
  });

  it("serve has no port argument: it serves what the Dockerfile EXPOSEs", () => {
    expect(Object.keys(args("serve"))).toEqual(["version", "gitCommit"]);
  });

  it("publish takes the address and optional credentials; the password is a Secret", () => {
    expect(args("publish")).toMatchObject({
      address: { flag: "--address", type: "String", required: true },
      registryUsername: { flag: "--registry-username", type: "String", required: false },
      registryPassword: { flag: "--registry-password", type: "Secret", required: false },
    });
  });

  it("takes credentials as Secrets, required where they are given", () => {
    expect(envArgs("withAwsCredentials")).toEqual({
      accessKeyId: { flag: "--access-key-id", type: "Secret", default: undefined, required: true },
      secretAccessKey: { flag: "--secret-access-key", type: "Secret", default: undefined, required: true },
      sessionToken: { flag: "--session-token", type: "Secret", default: undefined, required: false },
    });
    expect(envArgs("withWebIdentity")).toMatchObject({
      token: { type: "Secret", required: true },
      roleArn: { type: "String", required: true },
    });
  });

  it("takes no credential of any kind as a plain string", () => {
    const all = [
      ...mod.constructorArgs,
      ...mod.functions.flatMap((f) => f.args),
      ...env().functions.flatMap((f) => f.args),
    ];
    const credentialLike = all.filter((a) => /password|secret|token|accessKey/i.test(a.name));
    expect(credentialLike.length).toBeGreaterThan(0);
    // A Secret, or a list of them (--build-secrets).
    for (const a of credentialLike)
      expect(`${a.name}: ${a.type}`).toMatch(new RegExp(`^${a.name}: (Secret|\\[Secret\\])$`));
    expect(mod.constructorArgs.find((a) => a.name === "buildSecrets")?.type).toBe("[Secret]");
  });

  it("has a description on the module, every function and every argument (the CLI help), ending with one Example usage line", () => {
    const functions = [
      ...mod.functions.map((f) => ({ ...f, cli: f.cli })),
      ...env().functions.map((f) => ({ ...f, cli: `environment ${f.cli}` })),
    ];
    const missing = [
      ...(mod.moduleDescription.trim() ? [] : ["module"]),
      ...mod.constructorArgs.filter((a) => !a.description.trim()).map((a) => `constructor --${a.name}`),
      ...functions.filter((f) => !f.description.trim()).map((f) => f.cli),
      ...functions.flatMap((f) => f.args.filter((a) => !a.description.trim()).map((a) => `${f.cli} ${a.flag}`)),
    ];
    expect(missing).toEqual([]);
    const withoutExample = functions
      .filter((f) => (f.description.match(/Example usage: `dagger call [^`]+`$/gm) ?? []).length !== 1)
      .map((f) => f.cli);
    expect(withoutExample).toEqual([]);
  });

  it("starts every description with a summary line of at most 80 characters (what `dagger functions` shows), then a blank line", () => {
    // The CLI's one-line help is a description up to its first newline.
    const described = [
      { cli: "(module)", description: mod.moduleDescription },
      ...mod.functions.map((f) => ({ cli: f.cli, description: f.description })),
      ...env().functions.map((f) => ({ cli: `environment ${f.cli}`, description: f.description })),
    ];
    const bad = described
      .map(({ cli, description }) => {
        const [first = "", second] = description.split("\n");
        if (first.length > 80) return `${cli}: first line is ${first.length} characters`;
        if (!/[.!?]$/.test(first)) return `${cli}: first line does not end a sentence: ${first}`;
        if (second !== undefined && second !== "") return `${cli}: no blank line after the first`;
        return undefined;
      })
      .filter((b) => b !== undefined);
    expect(bad).toEqual([]);
  });

  it("deploys to local with no argument at all, and opens any other environment by name (local by default)", () => {
    expect(fn("deploy").args.filter((a) => a.required)).toEqual([]);
    expect(args("environment").name).toEqual({ flag: "--name", type: "String", default: "local", required: false });
  });

  it("emulator mode is a named function, never implied by an endpoint", () => {
    expect(Object.keys(envArgs("withEndpoint"))).toEqual(["url"]);
    expect(envArgs("withEmulator")).toMatchObject({
      endpoint: { type: "String", required: true },
      registry: { type: "Service", required: false },
    });
  });

  it("destroy needs --confirm (no default that confirms) and removes the base stack only when asked", () => {
    expect(envArgs("destroy").confirm).toMatchObject({ flag: "--confirm", type: "String", default: "" });
    expect(envArgs("destroy").includeBase).toMatchObject({ flag: "--include-base", type: "Boolean", default: false });
  });

  it("waits for a state lock by default and can remove a dead run's lock only by its ID", () => {
    expect(envArgs("deploy").lockTimeout).toMatchObject({ flag: "--lock-timeout", type: "Integer", default: 300 });
    expect(envArgs("deploy").forceUnlock).toMatchObject({ flag: "--force-unlock", type: "String", required: false });
  });
});

describe("README", () => {
  it("lists the functions exactly as the code declares them (regenerate with node dagger/scripts/functions-table.mjs --write)", async () => {
    // @ts-expect-error -- a plain .mjs script of the module, without types
    const { functionsTable, readmeTable } = (await import("../../scripts/functions-table.mjs")) as {
      functionsTable: (m: DescribedModule) => string;
      readmeTable: (readme: string) => string | undefined;
    };
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readmeTable(readme), "README.md lost the functions table's marker").toBeDefined();
    expect(readmeTable(readme)).toBe(functionsTable(mod));
  });
});
