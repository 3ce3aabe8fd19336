/**
 * bench/deploy.mjs's side-by-side figures (floor.mjs): the apply part of the
 * floor comes only from applies from saved state, a row's floor is its replay
 * plus that apply, its ratio the deploy's median over the floor, failed calls
 * are left out, and the table prints what is missing as "-".
 */
import { describe, expect, it } from "vitest";

import { APPLY_STEP, applyFromSavedState, floorRow, floorTable, type TimedDeploy } from "../../floor.mjs";

const SAVED = "started from the state saved";

/**
 * A deploy as bench/deploy.mjs records it.
 *
 * @param over the fields that matter to the case
 */
function run(over: Partial<TimedDeploy>): TimedDeploy {
  return { kind: "app change", seconds: 60, steps: {}, emulator: SAVED, ...over };
}

describe("applyFromSavedState", () => {
  it("is the median apply of the deploys whose emulator started from saved state", () => {
    const runs = [
      run({ steps: { [APPLY_STEP]: 4 } }),
      run({ steps: { [APPLY_STEP]: 6 } }),
      run({ steps: { [APPLY_STEP]: 5 } }),
      // a first create: the emulator started empty, the apply is a create (not the floor)
      run({ kind: "cold", emulator: "started empty", steps: { [APPLY_STEP]: 81 } }),
      // no change: the apply was skipped, no step
      run({ kind: "no change", steps: {} }),
      // failed: left out whatever it measured
      run({ steps: { [APPLY_STEP]: 1 }, failed: "check failed" }),
    ];
    expect(applyFromSavedState(runs)).toBe(5);
  });

  it("is undefined when no deploy applied from saved state", () => {
    expect(applyFromSavedState([run({ kind: "cold", emulator: "started empty", steps: { [APPLY_STEP]: 81 } })])).toBe(
      undefined,
    );
  });
});

describe("floorRow", () => {
  it("adds the replay's median to the apply and divides the deploy's median by it", () => {
    const row = floorRow(
      "app change",
      [
        run({ seconds: 150, replay: 3, load: 2 }),
        run({ seconds: 140, replay: 5, load: 4 }),
        run({ seconds: 160, replay: 4, load: 3 }),
      ],
      6,
    );
    expect(row).toEqual({
      label: "app change",
      deploy: 150,
      range: [140, 160],
      replay: 4,
      apply: 6,
      floor: 10,
      ratio: 15,
      load: 3,
      count: 3,
    });
  });

  it("leaves failed calls out, and has no floor or ratio without a replay or an apply", () => {
    const row = floorRow(
      "cold",
      [run({ seconds: 250, replay: undefined }), run({ seconds: 9, failed: "x", replay: 1 })],
      5,
    );
    expect(row).toMatchObject({
      deploy: 250,
      range: [250, 250],
      replay: undefined,
      floor: undefined,
      ratio: undefined,
      count: 1,
    });
    expect(floorRow("no change", [run({ seconds: 20, replay: 2 })], undefined)).toMatchObject({
      floor: undefined,
      ratio: undefined,
    });
  });
});

describe("floorTable", () => {
  it("prints one line a row under a header, the ratio with ×, a missing figure as -", () => {
    const text = floorTable("local deploy beside its floor", [
      floorRow("app change", [run({ seconds: 150, replay: 4, load: 2.5 })], 6),
      floorRow("cold", [], 6),
    ]);
    const lines = text.split("\n");
    expect(lines[0]).toBe("local deploy beside its floor");
    expect(lines[1]).toMatch(/deploy\s+min-max\s+replay\s+\+ apply\s+= floor\s+ratio\s+n\s+load$/);
    expect(lines[2]).toMatch(/^app change\s+150\.0 s\s+150-150 s\s+4\.0 s\s+6\.0 s\s+10\.0 s\s+15\.0×\s+1\s+2\.5$/);
    expect(lines[3]).toMatch(/^cold\s+-\s+-\s+-\s+6\.0 s\s+-\s+-\s+0\s+-$/);
    expect(lines).toHaveLength(4);
  });
});
