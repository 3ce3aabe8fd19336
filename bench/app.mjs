#!/usr/bin/env node
/**
 * The sample app's figures, each beside its baseline, in one run:
 *
 *   image size         runtime image vs its base image            target: base + at most 20 MB
 *   start → first 200  node dist/server.js vs a bare node:http    target: under 500 ms
 *   requests/s         GET /healthcheck vs a bare node:http       target: at least 70 % of bare
 *                      server with the same JSON, loopback
 *
 *   node bench/app.mjs [--duration 5] [--connections 10] [--starts 5] [--rounds 3]
 *
 * The image is APP_IMAGE (default fargate-pipeline-app:latest), inspected with the docker CLI
 * (DOCKER, default "docker"); build it first, e.g. `docker build -t fargate-pipeline-app .`.
 * Without docker or the image, that row says why and the others still run.
 * Both servers run as separate processes on 127.0.0.1; the load generator (autocannon) runs here.
 * Figures are printed, never asserted: a bench on a shared machine is not a test.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
    starts: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
  },
});
const DURATION_S = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const STARTS = Number(opts.starts);
const ROUNDS = Number(opts.rounds);
// 1 s of load before each measured run: JIT warm-up, connection setup.
const WARMUP_S = 1;

const APP = { name: "app", script: join(root, "app/dist/server.js"), env: { LOG_LEVEL: "info" } };
const BARE = { name: "bare node:http", script: join(root, "bench/app-baseline-server.mjs"), env: {} };

ensureBuilt();
const rows = [];
rows.push(imageSizeRow());
rows.push(await startRow());
rows.push(await throughputRow());
print(rows);

/** Builds app/dist when it is missing or older than a source file. */
function ensureBuilt() {
  const out = join(root, "app/dist/server.js");
  const newestSource = Math.max(
    ...["app.ts", "config.ts", "server.ts", "healthcheck.ts"].map((f) => statSync(join(root, "app/src", f)).mtimeMs),
  );
  if (existsSync(out) && statSync(out).mtimeMs >= newestSource) return;
  console.error("building app/dist (npm run build -w app) …");
  execFileSync("npm", ["run", "build", "-w", "app"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}

function imageSizeRow() {
  const row = { metric: "image size (uncompressed)", target: "≤ base + 20 MB" };
  const docker = process.env.DOCKER ?? "docker";
  const image = process.env.APP_IMAGE ?? "fargate-pipeline-app:latest";
  const base = /^ARG NODE_IMAGE=(\S+)/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1];
  try {
    const size = (ref) =>
      Number(
        execFileSync(docker, ["image", "inspect", "-f", "{{.Size}}", ref], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        }).trim(),
      );
    const app = size(image);
    const baseSize = size(base);
    const delta = app - baseSize;
    return {
      ...row,
      app: `${mb(app)} (${image})`,
      baseline: `${mb(baseSize)} (${base})`,
      compare: `+${mb(delta)}`,
      ok: delta <= 20e6,
    };
  } catch (err) {
    const reason = String(err.stderr ?? err.message)
      .trim()
      .split("\n")[0];
    return {
      ...row,
      app: "not measured",
      baseline: "",
      compare: "",
      ok: undefined,
      note: `${reason} — build it: docker build -t ${image} .`,
    };
  }
}

async function startRow() {
  const app = [];
  const bare = [];
  for (let i = 0; i < STARTS; i++) {
    app.push(await timeToFirst200(APP));
    bare.push(await timeToFirst200(BARE));
  }
  const a = median(app.map((s) => s.wallMs));
  const b = median(bare.map((s) => s.wallMs));
  const aCpu = median(app.map((s) => s.cpuMs));
  const bCpu = median(bare.map((s) => s.cpuMs));
  const cpu = (ms) => (Number.isNaN(ms) ? "" : `, CPU ${ms.toFixed(0)} ms`);
  return {
    metric: `start → first 200 (median of ${STARTS})`,
    app: `${a.toFixed(0)} ms${cpu(aCpu)}`,
    baseline: `${b.toFixed(0)} ms${cpu(bCpu)}`,
    compare: `+${(a - b).toFixed(0)} ms`,
    target: "< 500 ms",
    ok: a < 500,
  };
}

async function throughputRow() {
  // Both servers stay up; rounds alternate which one is measured first (A B, B A, …), so a change
  // in the machine's load during the run (it is shared) does not favour one side.
  const servers = await Promise.all([APP, BARE].map(async (server) => ({ server, ...(await startForLoad(server)) })));
  try {
    const results = { [APP.name]: [], [BARE.name]: [] };
    for (const s of servers) await autocannon({ url: s.url, connections: CONNECTIONS, duration: WARMUP_S });
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) results[s.server.name].push(await load(s));
    }
    const app = pick(results[APP.name]);
    const bare = pick(results[BARE.name]);
    const ratio = app.rps / bare.rps;
    return {
      metric: `requests/s GET /healthcheck (${CONNECTIONS} conns, median of ${ROUNDS} × ${DURATION_S} s)`,
      app: `${fmt(app.rps)} (p99 ${app.p99} ms)`,
      baseline: `${fmt(bare.rps)} (p99 ${bare.p99} ms)`,
      compare: `${(ratio * 100).toFixed(0)} %`,
      target: "≥ 70 % of bare",
      ok: ratio >= 0.7,
    };
  } finally {
    await Promise.all(servers.map((s) => stop(s.child)));
  }
}

/** Starts a server for a load run and waits until it answers. */
async function startForLoad(server) {
  const port = await freePort();
  const child = launch(server, port);
  await waitFor200(port);
  return { child, url: `http://127.0.0.1:${port}/healthcheck` };
}

/** One measured autocannon run against a started server. */
async function load({ server, url }) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${server.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

/** The run with the median requests/s. */
function pick(runs) {
  return [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)];
}

/**
 * Milliseconds from spawning the server process to its first 200 on /healthcheck (wall), and the
 * CPU time the process had used by then (user + system, all threads; Linux only, else NaN): on a
 * busy machine the wall time mostly measures the other processes, the CPU time does not.
 */
async function timeToFirst200(server) {
  const port = await freePort();
  const started = performance.now();
  const child = launch(server, port);
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthcheck`);
        await res.arrayBuffer();
        if (res.status === 200) return { wallMs: performance.now() - started, cpuMs: cpuMs(child.pid) };
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`${server.name} exited with ${child.exitCode} before answering`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await stop(child);
  }
}

function launch(server, port) {
  return spawn(process.execPath, [server.script], {
    env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: String(port), ...server.env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function waitFor200(port) {
  for (let i = 0; i < 500; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthcheck`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`nothing answered on port ${port} within 5 s`);
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** CPU time (user + system) a process has used so far, from /proc/PID/stat; NaN elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function fmt(n) {
  return Math.round(n).toLocaleString("en-US");
}

function print(table) {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  console.log(
    `app bench — node ${process.version}, ${availableParallelism()} CPUs (load average ${load}), loopback; figures, not assertions\n`,
  );
  const cols = [
    ["metric", "metric"],
    ["app", "app"],
    ["baseline", "baseline"],
    ["compare", "app vs baseline"],
    ["target", "target"],
  ];
  const width = cols.map(([key, title]) => Math.max(title.length, ...table.map((r) => String(r[key] ?? "").length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join("  ");
  console.log(line([...cols.map(([, title]) => title), "met?"]));
  for (const r of table) {
    console.log(line([...cols.map(([key]) => r[key] ?? ""), r.ok === undefined ? "n/a" : r.ok ? "yes" : "NO"]));
    if (r.note) console.log(`  ${r.note}`);
  }
}
