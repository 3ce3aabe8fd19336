/**
 * The module loads with exactly the dependencies the tests run with. The Dagger
 * TypeScript runtime (sdk/typescript/runtime/config.go at v0.21.8) copies only
 * dagger.json's source directory, `dagger/`, and picks its package manager from
 * what it finds there: a `packageManager` field first, then a lock file
 * (bun.lock(b), package-lock.json, yarn.lock, pnpm-lock.yaml), else yarn 1.22.22
 * with no lock at all, which resolves the whole AWS SDK tree afresh on every cold
 * load. So `dagger/` is an npm project of its own with its own lock file, which
 * the runtime installs from (`npm install --omit=dev`) and `npm ci --prefix
 * dagger` installs for the tests.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { REPO_ROOT } from "../../scripts/introspect.mjs";

interface Manifest {
  workspaces?: string[];
  packageManager?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Lock {
  lockfileVersion: number;
  packages: Record<string, Manifest & { version?: string; dev?: boolean }>;
}

const json = <T>(path: string): T => JSON.parse(readFileSync(join(REPO_ROOT, path), "utf8")) as T;
const dagger = json<{ source: string }>("dagger.json").source;

// The npm projects of the repository, each with its own lock file.
const PROJECTS = [".", dagger, `${dagger}/infra`];

describe("the module's source directory, as the TypeScript runtime reads it", () => {
  it("is dagger/, with a package-lock.json and no other lock file, so the runtime installs with npm from it", () => {
    expect(dagger).toBe("dagger");
    expect(existsSync(join(REPO_ROOT, dagger, "package-lock.json"))).toBe(true);
    // Any of these would win over package-lock.json (bun's) or make the choice ambiguous.
    const others = ["bun.lockb", "bun.lock", "yarn.lock", "pnpm-lock.yaml", "deno.json", "deno.lock"];
    expect(others.filter((f) => existsSync(join(REPO_ROOT, dagger, f)))).toEqual([]);
    // A packageManager field overrides the lock file; if one is ever added it must say npm.
    const pm = json<Manifest>(`${dagger}/package.json`).packageManager;
    if (pm !== undefined) expect(pm).toMatch(/^npm@\d+\.\d+\.\d+$/);
  });

  it("is not a workspace of the root (the root's lock file would hold its versions, out of the runtime's reach)", () => {
    const ws = json<Manifest>("package.json").workspaces ?? [];
    expect(ws.map((w) => w.replace(/^\.\//, "").replace(/\/$/, ""))).not.toContain(dagger);
    expect(Object.keys(json<Lock>("package-lock.json").packages)).not.toContain(dagger);
  });

  it.each(PROJECTS)(
    "%s: the lock file records exactly what package.json declares (npm ci would refuse it otherwise)",
    (dir) => {
      const manifest = json<Manifest>(join(dir, "package.json"));
      const root = json<Lock>(join(dir, "package-lock.json")).packages[""]!;
      expect(root.dependencies ?? {}).toEqual(manifest.dependencies ?? {});
      expect(root.devDependencies ?? {}).toEqual(manifest.devDependencies ?? {});
    },
  );

  it("does not declare @dagger.io/dagger: the runtime drops it and mounts its own SDK; the tests' copy is the root's", () => {
    const m = json<Manifest>(`${dagger}/package.json`);
    expect({ ...m.dependencies, ...m.devDependencies }).not.toHaveProperty("@dagger.io/dagger");
    // One copy for dagger/src, its tests and bench/ alike: two would be two global connections.
    expect(json<Manifest>("package.json").devDependencies).toHaveProperty("@dagger.io/dagger");
  });
});

describe("the AWS SDK", () => {
  const pins = PROJECTS.flatMap((dir) => {
    const m = json<Manifest>(join(dir, "package.json"));
    return Object.entries({ ...m.dependencies, ...m.devDependencies })
      .filter(([name]) => name.startsWith("@aws-sdk/"))
      .map(([name, version]) => ({ where: join(dir, "package.json"), name, version }));
  });

  it("is used by the module, its infra and the root's tests", () => {
    expect(new Set(pins.map((p) => p.where))).toEqual(new Set(PROJECTS.map((d) => join(d, "package.json"))));
  });

  it("has every client at one exact version, in every package.json", () => {
    const versions = new Set(pins.map((p) => p.version));
    expect([...versions], pins.map((p) => `${p.where}: ${p.name}@${p.version}`).join("\n")).toHaveLength(1);
    expect([...versions][0]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(PROJECTS)("%s: the lock file holds one copy of each @aws-sdk and @smithy package", (dir) => {
    const copies = new Map<string, Set<string>>();
    for (const [path, entry] of Object.entries(json<Lock>(join(dir, "package-lock.json")).packages)) {
      const name = path.split("node_modules/").pop() ?? "";
      if (!/^@(aws-sdk|smithy)\//.test(name) || !entry.version) continue;
      copies.set(name, (copies.get(name) ?? new Set()).add(entry.version));
    }
    expect(copies.size).toBeGreaterThan(0);
    const twice = [...copies].filter(([, v]) => v.size > 1).map(([n, v]) => `${n}: ${[...v].join(", ")}`);
    expect(twice).toEqual([]);
  });
});
