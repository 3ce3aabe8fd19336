/**
 * Every AWS SDK client the tests make has the module's retries and connection
 * and request timeouts (awsTransport in dagger/src/aws/auth.ts), so a silent
 * emulator fails a test's request in seconds as it fails the module's, never
 * hangs it until the test's own 30-minute timeout.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

import { REPO_ROOT } from "./workflow-policy.ts";

/** The .ts files under dir, recursively (node_modules left out). */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules") return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? tsFiles(path) : e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Each `new XxxClient(` in a text, with the text of its argument (to the matching parenthesis). */
export function clientConstructions(text: string): { client: string; arg: string }[] {
  const found: { client: string; arg: string }[] = [];
  for (const m of text.matchAll(/new (\w+Client)\(/g)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) depth += text[i] === "(" ? 1 : text[i] === ")" ? -1 : 0;
    found.push({ client: m[1]!, arg: text.slice(m.index + m[0].length, i - 1) });
  }
  return found;
}

describe("the tests' AWS SDK clients", () => {
  // Not app/: it has no AWS SDK among its dependencies, so its tests cannot make a client; and
  // `check` runs this test in the root's step, which does not read the app's files.
  const files = ["dagger/infra", "dagger", "testbed"].flatMap((w) => tsFiles(join(REPO_ROOT, w, "test")));
  const made = files.flatMap((f) =>
    clientConstructions(readFileSync(f, "utf8")).map((c) => ({
      ...c,
      file: relative(REPO_ROOT, f),
      text: readFileSync(f, "utf8"),
    })),
  );

  it("are found (the scan sees the e2e harnesses)", () => {
    expect(made.map((c) => c.file)).toEqual(
      expect.arrayContaining([
        "dagger/test/e2e/staging.test.ts",
        "dagger/infra/test/e2e/harness.ts",
        "testbed/test/e2e/moto.test.ts",
      ]),
    );
  });

  it("all take the module's awsTransport (directly or through a config built with it)", () => {
    const without = made.filter((c) => {
      if (c.arg.includes("awsTransport(")) return false;
      // A named config: it must be built with awsTransport in the same file.
      const name = /^\s*\{?\s*(?:\.\.\.)?(\w+)/.exec(c.arg)?.[1];
      return !(name && new RegExp(`const ${name} = \\{ \\.\\.\\.awsTransport\\(`).test(c.text));
    });
    expect(without.map((c) => `${c.file}: new ${c.client}(${c.arg.slice(0, 80)})`)).toEqual([]);
  });

  it("the check itself catches a client built without it", () => {
    const [c] = clientConstructions('const s3 = new S3Client({ endpoint, region, credentials: f("x") });');
    expect(c).toEqual({ client: "S3Client", arg: '{ endpoint, region, credentials: f("x") }' });
    expect(c!.arg.includes("awsTransport(")).toBe(false);
  });
});
