/**
 * The repository's ESLint config (eslint.config.js) applies the type-aware rules to the
 * module's code: the Dagger SDK is lazy, so an un-awaited `container.sync()` runs nothing
 * and says nothing. Linted through ESLint's Node API as if the snippet were a file of
 * dagger/src (an existing one, so the project service finds it in dagger/tsconfig.json):
 * this fails if the config stops covering dagger/src or drops the rules.
 */
import { join } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

import { REPO_ROOT } from "./workflow-policy.ts";

// Loading dagger/'s TypeScript program (the SDK, the AWS clients) takes seconds; more on a busy 2-core machine.
const PROGRAM_LOAD_MS = 120_000;

const SNIPPET = `import { dag } from "@dagger.io/dagger";

export async function probe(): Promise<void> {
  const container = dag.container().from("alpine:3.22");
  container.sync();
  [1, 2].forEach(async () => {
    await container.sync();
  });
}
`;

describe("type-aware lint on dagger/src", () => {
  it(
    "reports an un-awaited Dagger call and an async callback where a sync one is expected",
    async () => {
      const eslint = new ESLint({ cwd: REPO_ROOT });
      const [result] = await eslint.lintText(SNIPPET, { filePath: join(REPO_ROOT, "dagger/src/build/dockerfile.ts") });
      const found = (result?.messages ?? []).map((m) => ({ rule: m.ruleId, line: m.line, severity: m.severity }));
      expect(found).toContainEqual({ rule: "@typescript-eslint/no-floating-promises", line: 5, severity: 2 });
      expect(found).toContainEqual({ rule: "@typescript-eslint/no-misused-promises", line: 6, severity: 2 });
    },
    PROGRAM_LOAD_MS,
  );
});
