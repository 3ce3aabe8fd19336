/**
 * scripts/lane-emulator.mjs without the test bed: a lane's env file keeps the
 * test bed's values and swaps in the lane's emulator; a moto that cannot start
 * fails the lane with where to look; a failed lane's emulator log is read for
 * its 5xx answers and exceptions (fixtures/moto-errors.log: moto 5.2.5's own
 * log, recorded from the test bed's install on 2026-12-04 while it answered
 * EC2 DescribeVpcs, an action it does not implement, RunInstances with
 * MinCount=abc, and DescribeSubnets).
 * Starting a real one: testbed/test/e2e/moto.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { emulatorTrouble, emulatorTroubleIn, laneTestbedEnv, startLaneEmulator } from "../lane-emulator.mjs";

const dir = mkdtempSync(join(tmpdir(), "fp-lane-emulator-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a lane's test bed env file", () => {
  it("keeps every value of the test bed's but the emulator's, which point at the lane's", () => {
    const bed = join(dir, "bed.env");
    writeFileSync(
      bed,
      "TOFU_BIN=/x/tofu\nMOTO_ENDPOINT=http://127.0.0.1:5050\nMOTO_ENGINE_ENDPOINT=http://172.17.0.1:5050\nMOTO_SERVER=/m\n",
    );
    const endpoints = { MOTO_ENDPOINT: "http://127.0.0.1:41234", MOTO_ENGINE_ENDPOINT: "http://172.17.0.1:41234" };
    const env = laneTestbedEnv(bed, join(dir, "lane"), endpoints);
    expect(env).toEqual({ ...endpoints, TESTBED_STATE: join(dir, "lane"), TESTBED_ENV_FILE: join(dir, "lane", "env") });
    expect(readFileSync(env.TESTBED_ENV_FILE!, "utf8").split("\n").filter(Boolean).sort()).toEqual(
      [
        "TOFU_BIN=/x/tofu",
        "MOTO_SERVER=/m",
        "MOTO_ENDPOINT=http://127.0.0.1:41234",
        "MOTO_ENGINE_ENDPOINT=http://172.17.0.1:41234",
      ].sort(),
    );
  });
});

describe("starting a lane's emulator", () => {
  it("fails at once, naming its log and what repairs it, when its program does not start", async () => {
    const log = join(dir, "moto-broken.log");
    const started = Date.now();
    await expect(
      startLaneEmulator({ server: "/bin/false", engineEndpoint: "http://172.17.0.1:5050", log }),
    ).rejects.toThrow(new RegExp(`exited before it answered; see ${log}\\..*testbed/up repairs it`));
    // It noticed the exit: not the whole 60 s.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("what went wrong inside a failed lane's emulator", () => {
  it("counts the answers of 500 and above and names each exception, most frequent first", () => {
    const text = readFileSync(join(import.meta.dirname, "fixtures", "moto-errors.log"), "utf8");
    expect(emulatorTrouble(text)).toEqual([
      "the AWS emulator answered 2 request(s) with 500 or above, and printed 2 kind(s) of exception:",
      "    1 × NotImplementedError: The describe_capacity_block_offerings action has not been implemented",
      "    1 × ValueError: invalid literal for int() with base 10: 'abc'",
    ]);
    // The same exception twice is one kind, counted twice, and comes first.
    // From the request line of the second failure to the end: the RunInstances answer and its traceback.
    const second = text.lastIndexOf("\n", text.indexOf('" 500 -', text.indexOf("NotImplementedError"))) + 1;
    const twice = `${text}\n${text.slice(second)}`;
    expect(emulatorTrouble(twice).slice(0, 2)).toEqual([
      "the AWS emulator answered 3 request(s) with 500 or above, and printed 2 kind(s) of exception:",
      "    2 × ValueError: invalid literal for int() with base 10: 'abc'",
    ]);
  });

  it("says nothing of a log with only good answers, or of a log that is not there", () => {
    const text = readFileSync(join(import.meta.dirname, "fixtures", "moto-errors.log"), "utf8");
    const good = text
      .split("\n")
      .filter((l) => /" [23]\d\d (?:-|\d+)\s*$/.test(l))
      .join("\n");
    expect(good).not.toBe("");
    expect(emulatorTrouble(good)).toEqual([]);
    expect(emulatorTroubleIn(join(dir, "no-such.log"))).toEqual([]);
  });
});
