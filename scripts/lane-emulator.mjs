/**
 * An AWS emulator (moto) of its own for each e2e lane, and what it got wrong.
 *
 * The e2e lanes run side by side (scripts/e2e-lanes.mjs) and, with the test
 * bed's one long-lived moto, all of them called one Python process at once:
 * OpenTofu's applies (10 requests at a time), the module's deploys and the
 * leftover listings, beside the unit and engine tiers on a 2-core machine.
 * moto keeps its state in plain Python objects without locks, and twice in CI
 * an apply failed in a way the stacks never fail alone: a default egress rule
 * "not found" right after its group was created (2026-12-02), and a base
 * stack whose apply failed and whose destroy then left one resource behind
 * (2026-12-04; its error was not kept). So each lane starts a moto of its
 * own, on a free port, from the test bed's install (MOTO_SERVER), with its
 * log in the run's folder: one lane's burst never interleaves with another's,
 * and a lane starts from an empty emulator.
 *
 * When a lane fails, emulatorTrouble() reads that log: the answers of 500 and
 * above, and the Python exceptions moto printed, so the tail of a red CI log
 * says whether the emulator broke.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

// 60 s: moto answers ~2 s after it starts; the first import of its services
// takes ~10 s on a busy 2-core machine (testbed/lib/moto.sh waits 30 s alone).
const START_TIMEOUT_MS = 60_000;
// 5 exceptions: enough to name what broke; the log has the rest.
const EXCEPTIONS_SHOWN = 5;

/**
 * @typedef {object} LaneEmulator
 * @property {{ MOTO_ENDPOINT: string, MOTO_ENGINE_ENDPOINT: string }} env its endpoints, from the host and from the engine
 * @property {string} log its log file
 * @property {() => void} stop ends it (the process this module started, by its PID)
 */

/**
 * Starts a moto of its own for one lane and waits until it answers.
 *
 * @param {object} options
 * @param {string} options.server the moto_server program (the test bed's MOTO_SERVER)
 * @param {string} options.engineEndpoint the test bed's MOTO_ENGINE_ENDPOINT: the host as the engine's containers reach it
 * @param {string} options.log where its output goes
 * @param {NodeJS.ProcessEnv} [options.env] moto's settings (e.g. MOTO_ACM_VALIDATION_WAIT)
 * @returns {Promise<LaneEmulator>}
 */
export async function startLaneEmulator({ server, engineEndpoint, log, env = {} }) {
  const port = await freePort();
  const fd = openSync(log, "a");
  // 0.0.0.0, as the test bed's: the module's containers reach it through the docker bridge.
  const child = spawn(server, ["-H", "0.0.0.0", "-p", String(port)], {
    stdio: ["ignore", fd, fd],
    env: { ...process.env, ...env, PYTHONUNBUFFERED: "1" },
  });
  closeSync(fd);
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = () => {
    if (!exited && child.pid !== undefined) child.kill("SIGTERM");
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(endpoint))) {
    if (exited || Date.now() > deadline) {
      stop();
      const what = exited ? "exited before it answered" : `did not answer within ${START_TIMEOUT_MS / 1000} s`;
      throw new Error(
        `the lane's AWS emulator (${server} on port ${port}) ${what}; see ${log}. ` +
          "testbed/status shows whether the test bed's moto install is whole; testbed/up repairs it.",
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const engine = new URL(engineEndpoint);
  engine.port = String(port);
  return {
    env: { MOTO_ENDPOINT: endpoint, MOTO_ENGINE_ENDPOINT: engine.origin },
    log,
    stop,
  };
}

/**
 * The test bed's env file with a lane's emulator in it, written to a folder of
 * the lane's, and the variables that point the lane's tests at it: the tests
 * read the test bed from its env file (TESTBED_STATE, TESTBED_ENV_FILE), some
 * with the process's variables over it.
 *
 * @param {string} testbedFile the test bed's env file
 * @param {string} dir the lane's folder (created)
 * @param {LaneEmulator["env"]} endpoints the lane's emulator
 * @returns {NodeJS.ProcessEnv}
 */
export function laneTestbedEnv(testbedFile, dir, endpoints) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "env");
  const kept = readFileSync(testbedFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !Object.keys(endpoints).some((k) => l.startsWith(`${k}=`)));
  writeFileSync(file, [...kept, ...Object.entries(endpoints).map(([k, v]) => `${k}=${v}`)].join("\n") + "\n");
  return { ...endpoints, TESTBED_STATE: dir, TESTBED_ENV_FILE: file };
}

/**
 * What went wrong inside the emulator, from its log: the number of answers of
 * 500 and above, and the exceptions it printed (the last line of each
 * traceback), most frequent first. No lines when it answered everything.
 *
 * @param {string} text the emulator's log
 * @returns {string[]}
 */
export function emulatorTrouble(text) {
  const lines = text.split("\n");
  // werkzeug's request line: … "POST / HTTP/1.1" 500 -
  const errors = lines.filter((l) => /" 5\d\d (?:-|\d+)\s*$/.test(l)).length;
  /** @type {Map<string, number>} */
  const exceptions = new Map();
  lines.forEach((line, i) => {
    if (!line.startsWith("Traceback (most recent call last):")) return;
    // The exception is the first line after the indented frames.
    const last = lines.slice(i + 1).find((l) => l.trim() !== "" && !/^\s/.test(l));
    if (last) exceptions.set(last, (exceptions.get(last) ?? 0) + 1);
  });
  if (errors === 0 && exceptions.size === 0) return [];
  const out = [
    `the AWS emulator answered ${errors} request(s) with 500 or above, and printed ${exceptions.size} kind(s) of exception:`,
  ];
  const ranked = [...exceptions].sort((a, b) => b[1] - a[1]);
  for (const [what, n] of ranked.slice(0, EXCEPTIONS_SHOWN)) out.push(`    ${n} × ${what}`);
  if (ranked.length > EXCEPTIONS_SHOWN) out.push(`    (… ${ranked.length - EXCEPTIONS_SHOWN} more kinds in the log)`);
  return out;
}

/**
 * emulatorTrouble() of a log file; nothing when it cannot be read.
 *
 * @param {string} file the log
 * @returns {string[]}
 */
export function emulatorTroubleIn(file) {
  try {
    return emulatorTrouble(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
}

/** A TCP port nothing listens on now (the kernel's pick). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "0.0.0.0", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * True when moto answers on its health path.
 *
 * @param {string} endpoint
 */
async function answers(endpoint) {
  try {
    const r = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}
