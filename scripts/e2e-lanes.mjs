/**
 * The e2e tier's lanes: groups of test files that `scripts/test.mjs` runs side
 * by side, each in its own vitest process, files one at a time within a lane.
 *
 * Why these two: the module's files are full deploys through the one Dagger
 * engine and keep both cores busy, so two of them at once only slow each other
 * (and stretch the state-lock tests' windows); the infra and test-bed files run
 * OpenTofu on the host against moto, mostly in the AWS provider's fixed waits,
 * so they fit beside the engine's work. The infra lane uses no Dagger engine at
 * all: .ci/run starts it (`--lane infra`) beside the engine tier. The shared
 * environments' module file (a platform's stack, two services and two previews,
 * about as long as the rest of the module lane) is a lane of its own that .ci/run
 * also starts beside the engine tier, whose tests have no timing windows, rather
 * than beside the module lane, whose state-lock tests do. Each file uses accounts, local-state
 * names and temp directories of its own; none resets the shared emulator.
 */

/**
 * @typedef {object} Lane
 * @property {string} name the prefix of its output lines
 * @property {string[]} filters vitest file filters (path fragments) that select its files
 * @property {string[]} [exclude] files its filters select that another lane runs (paths from the repository root)
 */

/** @type {Lane[]} */
export const E2E_LANES = [
  { name: "module", filters: ["dagger/test/e2e/"], exclude: ["dagger/test/e2e/shared.test.ts"] },
  { name: "shared", filters: ["dagger/test/e2e/shared.test.ts"] },
  { name: "infra", filters: ["dagger/infra/test/e2e/", "testbed/test/e2e/"] },
];

/**
 * The lanes a test file belongs to (exactly one for every e2e file: a test keeps it so).
 *
 * @param {string} file the file's path from the repository root
 * @returns {Lane[]}
 */
export function lanesOf(file) {
  return E2E_LANES.filter(
    (lane) => lane.filters.some((f) => file.includes(f)) && !(lane.exclude ?? []).some((x) => file.endsWith(x)),
  );
}
