/**
 * A file pyproject.toml names that is not there, read from what poetry 2.5.1 printed here for
 * `poetry check --lock` with the readme, then the license, removed (the license's path as the
 * check container has it, under /src), and from the report of the same.
 */
import { describe, expect, it } from "vitest";

import { missingFileIn } from "../../../src/check/python.js";

describe("missingFileIn", () => {
  it("finds the readme and the license poetry did not find, relative to the project", () => {
    expect(missingFileIn("Error: Declared README file does not exist: README.md\n")).toBe("README.md");
    expect(missingFileIn("\nPoetry: license file '/src/LICENSE' not found\n")).toBe("LICENSE");
    expect(missingFileIn("Poetry: license file '/src/LICENSE.txt' not found")).toBe("LICENSE.txt");
  });

  it("finds nothing in lock drift", () => {
    expect(
      missingFileIn(
        "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock` to fix the lock file.",
      ),
    ).toBeUndefined();
  });
});
