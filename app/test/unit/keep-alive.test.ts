/**
 * The ALB keeps idle connections to a target for its idle timeout (60 s) and may send the next
 * request on such a connection at any time within it. If the app closed idle connections sooner,
 * that request would meet a closing socket and the client would get a 502. These tests play the
 * ALB with one raw TCP connection, on shortened timeouts: ALB idle 1 s, keep-alive 3 s.
 */
import { once } from "node:events";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.ts";
import { parseConfig, type AppConfig } from "../../src/config.ts";

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one HTTP/1.1 request on an open socket and reads one response (Content-Length framed). */
function request(socket: Socket, path: string): Promise<RawResponse> {
  if (socket.readyState !== "open") return Promise.reject(new Error(`the connection is ${socket.readyState}`));
  return new Promise((resolve, reject) => {
    let data = "";
    const onData = (chunk: Buffer) => {
      data += chunk.toString("latin1");
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine = "", ...lines] = data.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      const body = data.slice(end + 4);
      if (body.length < Number(headers["content-length"] ?? 0)) return;
      cleanup();
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    };
    const onClose = () => {
      cleanup();
      reject(new Error("the server closed the connection"));
    };
    const cleanup = () => {
      socket.off("data", onData).off("close", onClose).off("error", onClose);
    };
    socket.on("data", onData).once("close", onClose).once("error", onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
  });
}

function config(env: Record<string, string>): AppConfig {
  const result = parseConfig({ LOG_LEVEL: "silent", ...env });
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

const apps: FastifyInstance[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Starts an app on loopback and counts the TCP connections it accepts. */
async function listen(appConfig: AppConfig) {
  const app = buildApp(appConfig);
  apps.push(app);
  let connections = 0;
  app.server.on("connection", () => connections++);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  await once(socket, "connect");
  return { socket, connections: () => connections };
}

describe("keep-alive behind an ALB", () => {
  it("answers a request on a connection left idle past the ALB idle timeout", async () => {
    const app = await listen(config({ ALB_IDLE_TIMEOUT_MS: "1000", KEEP_ALIVE_TIMEOUT_MS: "3000" }));
    // Control: the same app with a keep-alive at the ALB's 1 s (which config validation rejects).
    // Node keeps an idle socket keepAliveTimeout + 1 s (its keepAliveTimeoutBuffer): 2 s here, so
    // the 2.5 s wait below tells the two apart; the control proves the wait is long enough to fail.
    const control = await listen({
      ...config({ ALB_IDLE_TIMEOUT_MS: "1000", KEEP_ALIVE_TIMEOUT_MS: "3000" }),
      keepAliveTimeoutMs: 1000,
    });

    const first = await request(app.socket, "/healthcheck");
    expect(first.status).toBe(200);
    expect(first.headers["keep-alive"]).toBe("timeout=3");
    expect((await request(control.socket, "/healthcheck")).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 2500));

    const second = await request(app.socket, "/healthcheck");
    expect(second.status).toBe(200);
    expect(app.connections()).toBe(1);
    await expect(request(control.socket, "/healthcheck")).rejects.toThrow(/connection/);
  });
});
