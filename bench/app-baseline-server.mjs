// Baseline for bench/app.mjs: a bare node:http server answering GET /healthcheck with the same
// JSON body as the app (no framework, no logging, no validation) on PORT, loopback only.
import { createServer } from "node:http";

const startedAt = Date.now();
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthcheck") {
    const body = JSON.stringify({
      status: "ok",
      version: process.env.APP_VERSION ?? "0.0.0-dev",
      commit: process.env.GIT_COMMIT ?? "unknown",
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
    });
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(body);
    return;
  }
  res.writeHead(404).end();
});
// Same keep-alive as the app, so connection reuse is equal for both.
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
