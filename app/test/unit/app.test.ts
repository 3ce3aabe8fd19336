import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp, requestIdFrom, SERVICE_NAME } from "../../src/app.ts";
import { parseConfig, type AppConfig } from "../../src/config.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACE = "Root=1-67891233-abcdef012345678912345678;Sampled=1";

function config(env: Record<string, string> = {}): AppConfig {
  const result = parseConfig({ APP_VERSION: "1.2.3", GIT_COMMIT: "abc1234", LOG_LEVEL: "info", ...env });
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app whose JSON log lines are collected. */
function withLogs(env: Record<string, string> = {}, now?: () => number) {
  const logs: Record<string, unknown>[] = [];
  app = buildApp(config(env), {
    logSink: { write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    ...(now ? { now } : {}),
  });
  return { app, logs };
}

describe("GET /healthcheck", () => {
  it("answers 200 with status, the build's version and commit, and the uptime", async () => {
    let clock = 1_000_000;
    const { app } = withLogs({}, () => clock);
    clock += 42_700;
    const response = await app.inject({ method: "GET", url: "/healthcheck" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.json()).toEqual({ status: "ok", version: "1.2.3", commit: "abc1234", uptimeSeconds: 42 });
  });

  it("is not logged at info level (the ALB polls it every few seconds)", async () => {
    const { app, logs } = withLogs();
    await app.inject({ method: "GET", url: "/healthcheck" });
    await app.inject({ method: "GET", url: "/" });
    const urls = logs.map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toEqual(["/"]);
  });
});

describe("GET /", () => {
  it("is an HTML page naming the service, version and commit", async () => {
    const { app } = withLogs();
    const response = await app.inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.body).toContain(`<h1>${SERVICE_NAME}</h1>`);
    expect(response.body).toContain("version <code>1.2.3</code>, commit <code>abc1234</code>");
  });
});

describe("unknown paths", () => {
  it("answer 404 with a JSON body", async () => {
    const { app } = withLogs();
    const response = await app.inject({ method: "POST", url: "/nope?x=1", headers: { "x-amzn-trace-id": TRACE } });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.json()).toEqual({
      statusCode: 404,
      error: "Not Found",
      message: "no route for POST /nope",
      requestId: TRACE,
    });
  });
});

describe("errors", () => {
  it("never put a 5xx error's message or stack in the response, but log them with the request id", async () => {
    const { app, logs } = withLogs();
    app.get("/boom", async () => {
      throw new Error("connect ECONNREFUSED db.internal:5432 password=hunter2");
    });
    const response = await app.inject({ method: "GET", url: "/boom", headers: { "x-amzn-trace-id": TRACE } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: "Internal Server Error",
      message: "internal error; quote the request id when reporting it",
      requestId: TRACE,
    });
    expect(response.body).not.toMatch(/hunter2|db\.internal|at .*\.ts/);
    const logged = logs.find((l) => l.msg === "request failed");
    expect(logged).toMatchObject({
      level: 50,
      reqId: TRACE,
      err: { message: expect.stringContaining("hunter2") as unknown },
    });
  });

  it("hide the message of a deliberate 5xx too (e.g. 503 from a dependency check)", async () => {
    const { app } = withLogs({ LOG_LEVEL: "silent" });
    app.get("/dep", async () => {
      throw Object.assign(new Error("redis at 10.0.3.7 timed out"), { statusCode: 503 });
    });
    const response = await app.inject({ method: "GET", url: "/dep" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      error: "Service Unavailable",
      message: "internal error; quote the request id when reporting it",
    });
  });

  it("keep the message of a 4xx, which is meant for the client", async () => {
    const { app } = withLogs({ LOG_LEVEL: "silent" });
    app.post("/echo", { schema: { body: { type: "object", required: ["name"] } } }, async () => ({}));
    const response = await app.inject({ method: "POST", url: "/echo", payload: { other: 1 } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      statusCode: 400,
      error: "Bad Request",
      message: "body must have required property 'name'",
    });
    const badJson = await app.inject({
      method: "POST",
      url: "/echo",
      payload: "{",
      headers: { "content-type": "application/json" },
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ error: "Bad Request" });
  });
});

describe("request id", () => {
  it("is the ALB's X-Amzn-Trace-Id when present, echoed in x-request-id and in every log line", async () => {
    const { app, logs } = withLogs();
    const response = await app.inject({ method: "GET", url: "/", headers: { "x-amzn-trace-id": TRACE } });
    expect(response.headers["x-request-id"]).toBe(TRACE);
    const requestLogs = logs.filter((l) => l.req !== undefined || l.res !== undefined);
    expect(requestLogs.length).toBeGreaterThanOrEqual(2);
    for (const line of requestLogs) expect(line.reqId).toBe(TRACE);
  });

  it("is a fresh UUID without the header, different for each request", async () => {
    const { app } = withLogs();
    const a = await app.inject({ method: "GET", url: "/healthcheck" });
    const b = await app.inject({ method: "GET", url: "/healthcheck" });
    expect(a.headers["x-request-id"]).toMatch(UUID);
    expect(b.headers["x-request-id"]).toMatch(UUID);
    expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
  });

  it("ignores a header that is not a plausible trace id (spaces, quotes, oversize)", () => {
    expect(requestIdFrom("Root=1-5759e988-bd862e3fe1be46a994272793")).toBe("Root=1-5759e988-bd862e3fe1be46a994272793");
    expect(requestIdFrom(["Root=1-a", "Root=1-b"])).toBe("Root=1-a");
    for (const bad of ['x" injected', "a b", "R".repeat(257), ""]) expect(requestIdFrom(bad)).toMatch(UUID);
    expect(requestIdFrom(undefined)).toMatch(UUID);
  });
});

describe("connection timeouts", () => {
  it("keep idle connections open longer than the ALB does, and headers longer than that", async () => {
    const { app } = withLogs({ ALB_IDLE_TIMEOUT_MS: "60000", KEEP_ALIVE_TIMEOUT_MS: "65000" });
    await app.ready();
    expect(app.server.keepAliveTimeout).toBe(65_000);
    expect(app.server.headersTimeout).toBeGreaterThan(65_000);
  });
});
