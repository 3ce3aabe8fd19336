// Import rules of the module's code (`npm run lint` runs them: `depcruise -c .dependency-cruiser.mjs dagger`).
// Imports run one way: each area may import its own files and the areas on the levels below it,
// never one above it nor a sibling on its own level, and nothing may import in a circle.
// scripts/test/layers.test.ts shows that a cycle and an upward import both fail.

/**
 * The levels of dagger/src, top first: index.ts (the main object) calls environment.ts (the
 * Environment object) and platform.ts (the Platform object, shared environments), whose operations
 * live in ops/, which call deploy/, which opens env/, which opens shared/ (an attached service's
 * shared environment: what it published, claims, quotas, cost), which reads stacks/ (infra and
 * OpenTofu) and build/ (the image), which use aws/ and check/, which use rollout/ (the tracker) and
 * local/ (the in-engine emulator), and at the bottom common/.
 */
export const MODULE_LEVELS = [
  ["index.ts"],
  ["environment.ts", "platform.ts"],
  ["ops"],
  ["deploy"],
  ["env"],
  ["shared"],
  ["stacks", "build"],
  ["aws", "check"],
  ["rollout", "local"],
  ["common"],
];

/**
 * The levels of dagger/infra/src, top first: the package's entry points (index.ts, synth.ts),
 * the stacks, their constructs, resolution (config plus the IAM size check), the emulator's
 * settings and OpenTofu's names, the policy documents, and the configuration, which imports nothing above it.
 * main.ts and environment.ts (dagger/infra's two programs) sit above all of them.
 */
export const INFRA_LEVELS = [
  ["index.ts", "synth.ts"],
  ["stacks"],
  ["constructs"],
  ["resolve.ts", "emulator.ts", "tofu.ts"],
  ["policies"],
  ["config"],
];

/** `^root/unit(/|$)`, a folder or a file at that root, as a path pattern. */
const unitPattern = (root, units) =>
  `^${root}/(${units.map((u) => u.replace(/\./g, "\\.")).join("|")})${units.every((u) => u.endsWith(".ts")) ? "$" : "(/|$)"}`;

/**
 * One rule per unit: it may not import a unit on a level above its own, nor a sibling on its level.
 * @param root the source folder, e.g. dagger/src
 * @param levels its levels, top first
 */
function layerRules(root, levels) {
  return levels.flatMap((level, i) =>
    level.flatMap((unit) => {
      const forbidden = [...levels.slice(0, i).flat(), ...level.filter((u) => u !== unit)];
      // The top unit alone may import anything (an empty pattern list would match everything).
      if (forbidden.length === 0) return [];
      return {
        name: `layers: ${root}/${unit}`,
        comment: `${root}/${unit} is on level ${i + 1} of ${levels.length}: it may import only its own files and the levels below (${levels
          .slice(i + 1)
          .map((l) => l.join(", "))
          .join(" → ")}). Move the shared code down, or the caller up.`,
        severity: "error",
        from: { path: unitPattern(root, [unit]) },
        to: { path: forbidden.map((u) => unitPattern(root, [u])) },
      };
    }),
  );
}

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "An import cycle: the files import each other (through the path shown). Move what both need into a file of its own, below both.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "rollout imports nothing else",
      comment:
        "The rollout tracker is pure (its clients and clock are injected), so it can be replayed on recorded AWS responses: it imports nothing outside dagger/src/rollout/.",
      severity: "error",
      from: { path: "^dagger/src/rollout/" },
      to: { path: "^dagger/src/", pathNot: "^dagger/src/rollout/" },
    },
    ...layerRules("dagger/src", MODULE_LEVELS),
    ...layerRules("dagger/infra/src", INFRA_LEVELS),
  ],
  options: {
    includeOnly: "^dagger/(src|infra/src|infra/[a-z-]+\\.ts$)",
    // Type-only imports count: a type imported upward is a dependency a reader follows all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "dagger/tsconfig.json" },
  },
};
