/**
 * The progress line for what the local emulator started from (local/state.ts
 * describeStart), on the launcher's own answers.
 */
import { describe, expect, it } from "vitest";

import { describeStart, type EmulatorStart } from "../../../src/local/state.js";

const versions = { format: 2, moto: "5.2.5", python: "3.11.2", cryptography: "50.0.2" };

describe("describeStart", () => {
  it("restored: when the state was saved, what it holds, its size and the load time", () => {
    const start: EmulatorStart = {
      outcome: "restored",
      savedAt: "2026-12-01T22:00:34+00:00",
      bytes: 1_234_567,
      services: ["acm", "ec2", "s3"],
      seconds: 1.618,
      versions,
    };
    expect(describeStart(start, "default")).toBe(
      'local: AWS emulator (moto 5.2.5) started from the state saved 2026-12-01T22:00:34+00:00 for "default" (acm, ec2, s3; 1.2 MB loaded in 1.618 s)',
    );
  });

  it("empty: nothing saved yet, both stacks are created", () => {
    expect(describeStart({ outcome: "empty", reason: "no saved state", versions }, "e2e")).toBe(
      'local: AWS emulator (moto 5.2.5) started empty: no state saved for "e2e" yet; both stacks are created',
    );
  });

  it("rebuilt: says that the saved state is not used, why, and what happens instead", () => {
    const start: EmulatorStart = {
      outcome: "rebuilt",
      reason: "the saved state was written by another emulator: moto 5.0.0 (now 5.2.5)",
      versions,
    };
    const line = describeStart(start, "default");
    expect(line).toContain(
      `saved state for "default" cannot be used (the saved state was written by another emulator: moto 5.0.0 (now 5.2.5))`,
    );
    expect(line).toContain("it starts empty and both stacks are created again");
  });
});
