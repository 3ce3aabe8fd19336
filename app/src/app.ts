/**
 * Builds the HTTP service: routes, logging, request ids, error handling and the
 * connection timeouts that keep it correct behind an AWS Application Load Balancer.
 * It does not listen: `server.ts` does; tests use `inject` without opening ports.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { AppConfig } from "./config.ts";

/** The name the service gives itself on its page and in its logs. */
export const SERVICE_NAME = "fargate-pipeline sample app";

/** Response header that carries the request id (the ALB's trace id when there is one). */
export const REQUEST_ID_HEADER = "x-request-id";

// The ALB adds X-Amzn-Trace-Id ("Root=1-67891233-abcdef012345678912345678", plus
// "Self=…;Parent=…;Sampled=…" fields); it is also in the ALB's access logs, so using it as
// the request id joins the two. Anything else in that header (from a client without an ALB)
// is not trusted as a log field: an id is generated instead.
const TRACE_ID = /^[0-9A-Za-z=;:._-]{1,256}$/;

/** A writable the logger writes its JSON lines to (tests capture them; default stdout). */
export interface LogSink {
  /** Receives one JSON log line. */
  write(line: string): void;
}

/** Options for {@link buildApp} beyond the configuration. */
export interface BuildOptions {
  /** Where JSON log lines go; default: stdout. */
  readonly logSink?: LogSink;
  /** Milliseconds since the epoch, for uptime; default: `Date.now`. */
  readonly now?: () => number;
}

/** The body of every error response: nothing from the error itself on a 5xx. */
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}

/**
 * Picks the request id: the ALB's `X-Amzn-Trace-Id` when it looks like one, else a new UUID.
 *
 * @param traceHeader the raw `X-Amzn-Trace-Id` header value(s), if any
 * @returns the id used in every log line of the request and in the `x-request-id` response header
 */
export function requestIdFrom(traceHeader: string | string[] | undefined): string {
  const value = Array.isArray(traceHeader) ? traceHeader[0] : traceHeader;
  return value !== undefined && TRACE_ID.test(value) ? value : randomUUID();
}

/**
 * Builds the service (not listening; call `listen` or `inject`).
 *
 * @param config the validated configuration (see `parseConfig`)
 * @param options where logs go and which clock to use
 * @returns a Fastify instance; routes may still be added until it is ready
 */
export function buildApp(config: AppConfig, options: BuildOptions = {}): FastifyInstance {
  const now = options.now ?? Date.now;
  const startedAt = now();

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Every line names the build, so a log search can tell old tasks from new ones mid-deploy.
      base: { service: SERVICE_NAME, version: config.version, commit: config.commit },
      ...(options.logSink ? { stream: options.logSink } : {}),
    },
    genReqId: (req) => requestIdFrom(req.headers["x-amzn-trace-id"]),
    // Must exceed the ALB's idle timeout (validated in config.ts): the ALB then always closes
    // idle connections first and never sends a request on a socket the app is closing (502).
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // On close, sockets with no request in flight are closed at once; the others finish first.
    forceCloseConnections: "idle",
  });
  // Above the keep-alive timeout: a header timeout shorter than it can cut a kept-alive
  // connection whose next request starts late in the idle window (Node's default is 60 s).
  app.server.headersTimeout = config.keepAliveTimeoutMs + 1_000;

  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  // Draining: once close() starts, Node stops accepting and closes the connections that are idle
  // at that moment, but a kept-alive connection whose request finishes later would stay open for
  // the whole keep-alive timeout (65 s) and hold the process past the ECS stop timeout. So
  // responses sent while closing say "Connection: close" (the ALB then opens a new connection to
  // another target), and Node closes the socket once the response is written.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });

  app.get(
    "/healthcheck",
    {
      schema: {
        response: {
          200: {
            type: "object",
            required: ["status", "version", "commit", "uptimeSeconds"],
            properties: {
              status: { type: "string", enum: ["ok"] },
              version: { type: "string" },
              commit: { type: "string" },
              uptimeSeconds: { type: "integer" },
            },
          },
        },
      },
      // The ALB polls this every few seconds: one log line per poll would drown the real traffic.
      logLevel: "warn",
    },
    async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return {
        status: "ok",
        version: config.version,
        commit: config.commit,
        uptimeSeconds: Math.floor((now() - startedAt) / 1000),
      };
    },
  );

  app.get("/", async (_request, reply) => {
    reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
      .header("x-content-type-options", "nosniff");
    return page(config);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      error: "Not Found",
      message: `no route for ${request.method} ${request.url.split("?")[0] ?? ""}`,
      requestId: request.id,
    };
    return reply.code(404).send(body);
  });

  app.setErrorHandler<FastifyError>(async (error, request, reply) => {
    const code = error.statusCode;
    const statusCode = typeof code === "number" && code >= 400 && code < 600 ? code : 500;
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? "Error",
      // 4xx errors are Fastify's own (bad JSON, failed validation) or deliberate: their message is for
      // the client. A 5xx message may hold internals (SQL, paths, hosts): it goes to the log only,
      // with the request id the client got.
      message: statusCode < 500 ? error.message : "internal error; quote the request id when reporting it",
      requestId: request.id,
    };
    if (statusCode >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(statusCode).send(body);
  });

  return app;
}

/** The home page: which service, which build. */
function page(config: AppConfig): string {
  const name = escapeHtml(SERVICE_NAME);
  const version = escapeHtml(config.version);
  const commit = escapeHtml(config.commit);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${name}</title>
<style>body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:40rem;line-height:1.5}code{background:#eee;padding:0 .25rem}</style></head>
<body>
<h1>${name}</h1>
<p>version <code>${version}</code>, commit <code>${commit}</code></p>
<p>Health: <a href="/healthcheck">/healthcheck</a></p>
</body>
</html>
`;
}

/** Escapes text for HTML element content. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
