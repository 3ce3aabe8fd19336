import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every module a file imports, transitively: relative imports followed, package
 * imports collected.
 * @param entry Absolute path of the first file.
 */
function packageImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      if (spec!.startsWith(".")) visit(resolve(dirname(file), spec!));
      else packages.add(spec!.startsWith("@") ? spec!.split("/").slice(0, 2).join("/") : spec!.split("/")[0]!);
    }
  };
  visit(entry);
  return packages;
}

describe("the package's public entry", () => {
  it("imports no cdktf: other workspaces use it without the 390 MB bindings, and cdktf → cdktn stays inside infra/", () => {
    const imported = packageImports(resolve(import.meta.dirname, "../../src/index.ts"));
    expect([...imported].sort()).toEqual(["ipaddr.js", "valibot", "yaml"]);
  });

  it("the synth entry is where cdktf comes in", () => {
    const imported = packageImports(resolve(import.meta.dirname, "../../src/synth.ts"));
    expect(imported).toContain("cdktf");
    expect(imported).toContain("@cdktf/provider-aws");
  });
});
