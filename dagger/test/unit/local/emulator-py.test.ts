/**
 * The local emulator's launcher is a Python program of its own
 * (dagger/src/local/emulator.py), not text in a TypeScript string: here
 * Python compiles it, so a syntax error fails the unit tier, not a deploy.
 * (What it does, against real moto, is the engine tier's local-state test.)
 *
 * It needs a Python: the test bed's moto venv, else `python3` on the PATH.
 * Without either (e.g. `dagger call check`'s Node container) the test is
 * skipped under a banner; in CI (CI=true) a missing Python fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { LAUNCHER_SOURCE } from "../../../src/local/launcher.js";
import { MODULE_DIR, REPO_ROOT } from "../../../scripts/introspect.mjs";

const motoVersion = /^MOTO_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, "testbed/versions.env"), "utf8"))?.[1];
const candidates = [
  join(process.env.TESTBED_CACHE ?? "/var/cache/fargate-pipeline-testbed", `moto-${motoVersion}`, "bin", "python"),
  spawnSync("/bin/sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim(),
].filter((p) => p !== "" && existsSync(p));
const python = candidates[0];

if (!python) {
  const banner = [
    "emulator.py not compiled: no Python here (looked for the test bed's moto venv and python3 on the PATH).",
    "Install python3, or bring the test bed up (sudo testbed/up).",
  ].join("\n");
  if (process.env.CI === "true") throw new Error(banner);
  console.warn(`\n${"!".repeat(80)}\n${banner}\n${"!".repeat(80)}\n`);
}

describe.skipIf(!python)("the local emulator's launcher (emulator.py)", () => {
  const cache = mkdtempSync(join(tmpdir(), "fp-emulator-py-"));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it("compiles with Python (py_compile)", () => {
    const file = join(MODULE_DIR, LAUNCHER_SOURCE);
    const r = spawnSync(python!, ["-m", "py_compile", file], {
      encoding: "utf8",
      // The bytecode goes to a temporary directory, not beside the source.
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
