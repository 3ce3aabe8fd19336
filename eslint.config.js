// ESLint flat config for the whole repository (`npm run lint`, `npm run lint -w <workspace>`).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// Node's globals for plain .js/.mjs scripts (TypeScript files get them from @types/node).
const nodeGlobals = Object.fromEntries(
  [
    "process",
    "console",
    "URL",
    "AbortSignal",
    "fetch",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "Buffer",
    "structuredClone",
  ].map((name) => [name, "readonly"]),
);

export default defineConfig(
  // examples/: apps of their own, each with its own tools and configuration (check runs those).
  { ignores: ["**/node_modules/", "**/dist/", "**/cdktf.out/", "**/coverage/", "bench/results/", "examples/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // Rules that need types, on every TypeScript file of the repository: the Dagger SDK is lazy,
    // so an un-awaited `container.sync()` or `file.export()` is a silent no-op (no-floating-promises),
    // and an async callback where a sync one is expected loses its errors (no-misused-promises).
    // The project service finds each file's nearest tsconfig.json (app/, dagger/, dagger/infra/,
    // bench/, or the root one for scripts/, testbed/test/ and root config files).
    files: ["**/*.ts", "**/*.mts", "eslint.config.js"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Loose files that no tsconfig.json includes get a default project.
        projectService: { allowDefaultProject: ["eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    // Fastify hooks and handlers are async functions by contract (else they must call done()),
    // whether or not they await.
    files: ["app/**/*.ts"],
    rules: { "@typescript-eslint/require-await": "off" },
  },
  {
    files: ["**/test/**/*.ts"],
    rules: {
      // Fakes implement the SDK's and the app's async interfaces without awaiting anything.
      "@typescript-eslint/require-await": "off",
      // Tests edit parsed YAML/JSON as `any` on purpose, and vitest types its asymmetric matchers `any`.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
