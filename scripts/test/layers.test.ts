/**
 * The import rules of the module's code (.dependency-cruiser.mjs, run by
 * `npm run lint`) hold on the repository, and they fail where they should: a
 * cycle and an import from a lower level to a higher one, in dagger/src and in
 * dagger/infra/src, each planted in a copy of the tree.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { REPO_ROOT } from "./workflow-policy.js";

const FILES = ["dagger/src", "dagger/infra/src", "dagger/infra/main.ts", "dagger/infra/environment.ts"];
const DEPCRUISE = join(REPO_ROOT, "node_modules/.bin/depcruise");

/**
 * depcruise with the repository's rules, in a tree.
 * @param root the tree (the repository, or a copy of its module)
 */
function cruise(root: string): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, ["--config", ".dependency-cruiser.mjs", "--output-type", "err", ...FILES], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A copy of what the rules read, to plant imports in. */
function copyTree(): string {
  const root = mkdtempSync(join(tmpdir(), "fp-layers-"));
  for (const path of [...FILES, "dagger/tsconfig.json", ".dependency-cruiser.mjs"])
    cpSync(join(REPO_ROOT, path), join(root, path), { recursive: true });
  return root;
}

describe("the module's import rules", () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const c of copies) rmSync(c, { recursive: true, force: true });
  });

  it("hold on the repository: no cycle, no upward import", () => {
    const r = cruise(REPO_ROOT);
    expect(r.out).not.toMatch(/error/);
    expect(r.status).toBe(0);
  });

  it("fail on an upward import and the cycle it makes in dagger/src (common/ importing deploy/)", () => {
    const root = copyTree();
    copies.push(root);
    appendFileSync(join(root, "dagger/src/common/errors.ts"), '\nexport { deploy } from "../deploy/deploy.js";\n');
    const r = cruise(root);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("layers: dagger/src/common");
    expect(r.out).toMatch(/no-circular: dagger\/src\/common\/errors\.ts/);
  });

  it("fail on a sibling import on one level (build/ importing stacks/)", () => {
    const root = copyTree();
    copies.push(root);
    appendFileSync(join(root, "dagger/src/build/publish.ts"), '\nexport { runTofu } from "../stacks/tofu.js";\n');
    const r = cruise(root);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("layers: dagger/src/build: dagger/src/build/publish.ts → dagger/src/stacks/tofu.ts");
  });

  it("fail on a cycle in dagger/infra/src (the configuration's types importing a policy)", () => {
    const root = copyTree();
    copies.push(root);
    appendFileSync(
      join(root, "dagger/infra/src/config/types.ts"),
      '\nexport type { PolicyDocument } from "../policies/size.ts";\n',
    );
    const r = cruise(root);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("layers: dagger/infra/src/config");
    expect(r.out).toMatch(/no-circular: dagger\/infra\/src\/(config|policies)\//);
  });
});
