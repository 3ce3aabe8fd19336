/**
 * The real process, as the container runs it: configuration errors, graceful shutdown on
 * SIGTERM, the shutdown bound, and the container health probe.
 */
import { request as httpRequest, Agent } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { listeningPort, startProcess, type ServiceProcess } from "../helpers/process.ts";

// Each test starts Node processes; on a busy 2-core machine a start can take a few seconds.
// This bounds a hung test; no assertion depends on it.
const PROCESS_TEST_TIMEOUT_MS = 30_000;

const started: ServiceProcess[] = [];
afterEach(() => {
  for (const service of started.splice(0)) if (service.child.exitCode === null) service.child.kill("SIGKILL");
});

function start(script: string, env: Record<string, string>): ServiceProcess {
  const service = startProcess(script, { HOST: "127.0.0.1", PORT: "0", ...env });
  started.push(service);
  return service;
}

/** GET on a kept-alive connection (as the ALB does); resolves with status and body. */
function get(port: number, path: string, headers: Record<string, string> = {}) {
  const agent = new Agent({ keepAlive: true });
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject).end();
  });
}

/** Resolves with the connect error code once new connections are no longer accepted. */
async function refusedConnection(port: number): Promise<string> {
  for (;;) {
    const socket = connect(port, "127.0.0.1");
    const outcome = await new Promise<string>((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    });
    socket.destroy();
    // ECONNRESET: the kernel had queued this connection when the listening socket
    // closed (the close races with the connect); the next attempt tells.
    if (outcome !== "connected" && outcome !== "ECONNRESET") return outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("configuration errors", { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it("stop the process with exit code 1 and one line naming the variable and what is allowed", async () => {
    const service = start("src/server.ts", { LOG_LEVEL: "verbose" });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toBe(
      'invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")\n',
    );
    expect(service.logs).toEqual([]);
  });

  it("reject a keep-alive timeout at or below the ALB idle timeout before listening", async () => {
    const service = start("src/server.ts", { ALB_IDLE_TIMEOUT_MS: "60000", KEEP_ALIVE_TIMEOUT_MS: "60000" });
    expect(await service.exited).toBe(1);
    expect(service.stderr().trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        /^invalid configuration: KEEP_ALIVE_TIMEOUT_MS .*greater than ALB_IDLE_TIMEOUT_MS \(60000\)/,
      ),
    ]);
  });
});

describe("SIGTERM", { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it("stops accepting connections, completes the in-flight request and exits 0", async () => {
    const service = start("test/fixtures/hold-server.ts", { GIT_COMMIT: "feedbee" });
    const port = await listeningPort(service);

    const inFlight = get(port, "/healthcheck", { "x-test-hold": "1" }).catch((err: Error) => err);
    await service.waitForLog((l) => l.held === true);

    service.child.kill("SIGTERM");
    await service.waitForLog((l) => l.signal === "SIGTERM");
    // While the request is still held, the listening socket is already closed.
    expect(await refusedConnection(port)).toBe("ECONNREFUSED");

    service.child.stdin.write("release\n");
    const response = await inFlight;
    if (response instanceof Error) throw response;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: "ok", commit: "feedbee" });
    // The kept-alive connection is closed after this response, so it cannot hold the exit.
    expect(response.headers.connection).toBe("close");
    expect(await service.exited).toBe(0);
    expect(service.logs.map((l) => l.msg)).toContain("shutdown complete");
    expect(service.stderr()).toBe("");
  });

  it("exits at once with nothing in flight, even with a kept-alive connection open", async () => {
    const service = start("src/server.ts", {});
    const port = await listeningPort(service);
    expect((await get(port, "/healthcheck")).status).toBe(200);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });

  it("gives up after SHUTDOWN_TIMEOUT_MS with a log line and exit code 1", async () => {
    const service = start("test/fixtures/hold-server.ts", { SHUTDOWN_TIMEOUT_MS: "300" });
    const port = await listeningPort(service);
    const inFlight = get(port, "/healthcheck", { "x-test-hold": "1" }).catch((err: Error) => err);
    await service.waitForLog((l) => l.held === true);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(1);
    expect(service.logs.map((l) => l.msg)).toContain(
      "shutdown did not finish within SHUTDOWN_TIMEOUT_MS=300 ms: exiting 1 with requests still in flight",
    );
    expect(await inFlight).toBeInstanceOf(Error);
  });
});

describe("health probe (image HEALTHCHECK)", { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it("exits 0 against a running server and 1 with a reason when nothing answers", async () => {
    const service = start("src/server.ts", {});
    const port = String(await listeningPort(service));
    const healthy = start("src/healthcheck.ts", { PORT: port });
    expect(await healthy.exited).toBe(0);

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    const unhealthy = start("src/healthcheck.ts", { PORT: port });
    expect(await unhealthy.exited).toBe(1);
    expect(unhealthy.stderr()).toMatch(new RegExp(`^unhealthy: http://127.0.0.1:${port}/healthcheck: fetch failed`));
  });
});
