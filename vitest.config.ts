import { defineConfig } from "vitest/config";

/**
 * Test tiers (see README "Tests"):
 * - unit: no network, no test bed; runs everywhere.
 * - engine: the module's functions against the real Dagger engine of the test bed.
 * - e2e: OpenTofu + the AWS emulator, full deploys.
 * `npm test` (scripts/test.mjs) decides which tiers can run and says why when one cannot.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{app,dagger,dagger/infra,testbed,bench}/test/unit/**/*.test.ts", "scripts/test/**/*.test.ts"],
          environment: "node",
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
