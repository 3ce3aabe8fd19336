/**
 * The toolchain version check runs, from what a project declares: .python-version before
 * requires-python (and poetry's own python constraint), .nvmrc before engines.node, go.mod's
 * toolchain line before its go line; a range picks the oldest maintained line it admits; a
 * declaration check cannot use is said as such, naming the file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import {
  DEFAULT_NODE,
  DEFAULT_PYTHON,
  goToolchain,
  nodeToolchain,
  poetryToPep440,
  pythonToolchain,
} from "../../../src/check/toolchains.js";
import { toolchainStep } from "../../../src/check/step.js";
import { COREPACK_VERSION } from "../../../src/check/node.js";

describe("pythonToolchain", () => {
  it("takes .python-version first, in the forms pyenv and uv write", () => {
    expect(pythonToolchain({ pythonVersionFile: "3.13\n", requiresPython: ">=3.12" })).toEqual({
      language: "Python",
      version: "3.13",
      image: "python:3.13-slim",
      why: "from .python-version",
    });
    expect(pythonToolchain({ pythonVersionFile: "# pinned\n3.12.7\n" }).image).toBe("python:3.12.7-slim");
    expect(pythonToolchain({ pythonVersionFile: "cpython@3.13\n" }).version).toBe("3.13");
    expect(() => pythonToolchain({ pythonVersionFile: "pypy3.10\n" })).toThrow(
      /^\.python-version says "pypy3\.10", which names no CPython version/,
    );
  });

  it("else the oldest maintained line requires-python admits: above the 3.11 floor when it asks for more", () => {
    expect(pythonToolchain({ requiresPython: ">=3.12" })).toMatchObject({
      version: "3.12",
      why: "the oldest maintained line that requires-python >=3.12 admits",
    });
    expect(pythonToolchain({ requiresPython: ">=3.11,<4" }).version).toBe("3.11");
    expect(pythonToolchain({ requiresPython: ">=3.8" }).version).toBe("3.11");
    expect(pythonToolchain({ requiresPython: "~=3.13.1" }).version).toBe("3.13");
    expect(pythonToolchain({ requiresPython: "<3.13,>=3.12.4" }).version).toBe("3.12");
    expect(() => pythonToolchain({ requiresPython: "<3.9" })).toThrow(/admits none of the maintained Python lines/);
    expect(() => pythonToolchain({ requiresPython: "python3" })).toThrow(/is not a valid version specifier/);
  });

  it("reads poetry's own constraint when there is no requires-python, and defaults when nothing is declared", () => {
    expect(poetryToPep440("^3.11")).toBe(">=3.11,<4");
    expect(poetryToPep440("~3.12")).toBe(">=3.12,<3.13");
    expect(poetryToPep440(">=3.10,<3.14")).toBe(">=3.10,<3.14");
    expect(poetryToPep440("*")).toBeUndefined();
    expect(pythonToolchain({ poetryPython: "^3.12" })).toMatchObject({
      version: "3.12",
      why: "the oldest maintained line that [tool.poetry.dependencies] python >=3.12,<4 admits",
    });
    expect(pythonToolchain({}).version).toBe(DEFAULT_PYTHON);
  });
});

describe("nodeToolchain", () => {
  it("takes .nvmrc first: an exact version, a major line, or lts/*", () => {
    expect(nodeToolchain({ nvmrc: "24.21.0\n", enginesNode: ">=22" })).toEqual({
      language: "Node",
      version: "24.21.0",
      image: "node:24.21.0-slim",
      why: "from .nvmrc",
    });
    expect(nodeToolchain({ nvmrc: "v24\n" }).image).toBe("node:24-slim");
    expect(nodeToolchain({ nvmrc: "22.x", nvmrcFile: ".node-version" })).toMatchObject({
      version: "22",
      why: "from .node-version",
    });
    expect(nodeToolchain({ nvmrc: "lts/*" }).why).toMatch(/newest LTS line/);
    expect(() => nodeToolchain({ nvmrc: "lts/hydrogen" })).toThrow(/^\.nvmrc says "lts\/hydrogen"/);
  });

  it("else the oldest maintained LTS line engines.node admits, an exact version as it is, else the default", () => {
    expect(nodeToolchain({ enginesNode: ">=24.11.0 <25" })).toMatchObject({ version: "24", image: "node:24-slim" });
    expect(nodeToolchain({ enginesNode: "^22.12.0 || >=24" }).version).toBe("22");
    expect(nodeToolchain({ enginesNode: ">=18" }).version).toBe("22");
    expect(nodeToolchain({ enginesNode: "24.21.0" }).image).toBe("node:24.21.0-slim");
    expect(() => nodeToolchain({ enginesNode: "<20" })).toThrow(/admits none of the maintained Node LTS lines/);
    expect(nodeToolchain({}).version).toBe(DEFAULT_NODE);
  });
});

describe("goToolchain", () => {
  it("takes go.mod's toolchain line first, else its go line", () => {
    expect(goToolchain("module x\n\ngo 1.26\n\ntoolchain go1.26.8\n")).toEqual({
      language: "Go",
      version: "1.26.8",
      image: "golang:1.26.8",
      why: "go.mod's toolchain line",
    });
    expect(goToolchain("module x\n\ngo 1.26\n")).toMatchObject({ image: "golang:1.26", why: "go.mod's go line" });
    expect(goToolchain("module x\n\ngo 1.25.3\n").image).toBe("golang:1.25.3");
    expect(goToolchain("module x\n").why).toMatch(/no go line/);
  });
});

describe("toolchainStep", () => {
  const python = pythonToolchain({ pythonVersionFile: "3.12\n" });

  it("names the version and why when its image is there", () => {
    expect(toolchainStep(python)).toEqual({
      name: "toolchain",
      status: "passed",
      note: "Python 3.12 (python:3.12-slim), from .python-version",
    });
  });

  it("says an image that cannot be pulled as such, with the engine's words, never as a lock problem", () => {
    const step = toolchainStep(
      python,
      new Error("failed to resolve source metadata for docker.io/library/python:3.12-slim: not found"),
    );
    expect(step.status).toBe("failed");
    expect(step.message?.split("\n")[0]).toBe(
      "check cannot start Python 3.12 (python:3.12-slim), from .python-version: the image could not be pulled or set up",
    );
    expect(step.message).toContain("python:3.12-slim: not found");
    expect(step.message).not.toMatch(/lock/);
  });
});

describe("corepack", () => {
  it("is the release the test bed's Node image ships (testbed/versions.env)", () => {
    const versions = readFileSync(join(import.meta.dirname, "../../../../testbed/versions.env"), "utf8");
    expect(/^COREPACK_VERSION=(\S+)$/m.exec(versions)?.[1]).toBe(COREPACK_VERSION);
  });
});
