/**
 * .dockerignore read as Docker reads it (moby's ignorefile rules): comments, blank lines,
 * a leading slash, `!` exceptions and unclean paths; the engine applies the result.
 */
import { describe, expect, it } from "vitest";

import { dockerignorePatterns } from "../../../src/check/context.js";

describe("dockerignorePatterns", () => {
  it("keeps patterns and exceptions, drops comments and blanks, and cleans each path", () => {
    const text = [
      "# the build context is an allow-list",
      "*",
      "!package.json",
      "  !app/  ",
      "",
      "/dist",
      "app/./node_modules/",
      "a/b/../c",
      "**/__pycache__",
      " # not a comment: a pattern",
    ].join("\n");
    expect(dockerignorePatterns(text)).toEqual([
      "*",
      "!package.json",
      "!app",
      "dist",
      "app/node_modules",
      "a/c",
      "**/__pycache__",
      "# not a comment: a pattern",
    ]);
  });

  it("reads the examples' own files", () => {
    expect(dockerignorePatterns("\uFEFF.venv\r\nDockerfile\r\n")).toEqual([".venv", "Dockerfile"]);
  });
});
