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
  { ignores: ["**/node_modules/", "**/dist/", "**/cdktf.out/", "**/coverage/", "bench/results/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // The app: rules that need types (floating promises, misused promises in hooks, …).
    files: ["app/**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: ["app/tsconfig.json"], tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Fastify hooks and handlers are async functions by contract (else they must call done()),
      // whether or not they await.
      "@typescript-eslint/require-await": "off",
    },
  },
);
