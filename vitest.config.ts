import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

// The e2e progress reporter; absent where only this file is copied (the Dockerfile's
// test stage runs the unit tier with it and no scripts/), which then goes without.
const progressReporter = fileURLToPath(new URL("./scripts/e2e-progress.ts", import.meta.url));

/**
 * Test tiers (see README "Tests"):
 * - unit: no network, no test bed; runs everywhere.
 * - engine: the module's functions against the real Dagger engine of the test bed.
 * - e2e: OpenTofu + the AWS emulator, full deploys.
 * `npm test` (scripts/test.mjs) decides which tiers can run and says why when one cannot.
 * The progress reporter names every e2e test as it starts and ends, and says what a
 * silent one waits on (scripts/e2e-progress.ts); it prints nothing for the other tiers.
 */
export default defineConfig({
  test: {
    reporters: existsSync(progressReporter) ? ["default", progressReporter] : ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["{app,dagger,dagger/infra,testbed,bench}/test/unit/**/*.test.ts", "scripts/test/**/*.test.ts"],
          environment: "node",
          // 30 s, not vitest's 5 s: some unit tests start Node processes (dagger/infra's main.ts, the
          // app's server) and `check` runs them next to `test` and `build` on 2 cores. Measured at load 24:
          // 5 of 618 tests (dagger/infra/test/unit/main.test.ts, each a synthesis process) timed out at
          // 5 s; that file alone, at the same load, passed with tests of 2-6 s. This only bounds a hung
          // test: no assertion depends on it.
          testTimeout: 30_000,
          // 30 s for hooks too, not vitest's 10 s: testbed/test/unit/opentofu-moto-lib.test.ts's afterEach
          // removes a provider tree it laid out, and timed out at 10 s at load 13-27 (2026-12-03).
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "engine",
          include: ["{app,dagger,dagger/infra,testbed}/test/engine/**/*.test.ts"],
          environment: "node",
          testTimeout: 15 * 60_000,
          hookTimeout: 15 * 60_000,
          // One engine, two cores: files run one at a time so timings stay readable.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["{app,dagger,dagger/infra,testbed}/test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 30 * 60_000,
          hookTimeout: 30 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
