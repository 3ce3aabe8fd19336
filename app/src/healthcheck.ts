/**
 * Container health probe: `node dist/healthcheck.js` exits 0 when the server in this
 * container answers `GET /healthcheck` with `status: "ok"`, else 1. Used by the image's
 * HEALTHCHECK and by the ECS task definition's health check (the image has no curl).
 */
import { parseConfig } from "./config.ts";

// 3 s: below the HEALTHCHECK/ECS probe timeout, so a hung server is reported as unhealthy
// by this script (with a reason) rather than killed silently by the runtime.
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Probes the local server once.
 *
 * @param env the environment the server runs with (for PORT and HOST)
 * @returns 0 if healthy, 1 otherwise (the reason is printed to stderr)
 */
export async function probe(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const result = parseConfig(env);
  if (!result.ok) {
    process.stderr.write(result.errors.join("\n") + "\n");
    return 1;
  }
  const { host, port } = result.config;
  // A wildcard listen address is reached through loopback; a specific one directly.
  const target = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${target}:${port}/healthcheck`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await response.json()) as { status?: unknown };
    if (response.status === 200 && body.status === "ok") return 0;
    process.stderr.write(`unhealthy: ${url} answered ${response.status} ${JSON.stringify(body)}\n`);
  } catch (err) {
    process.stderr.write(`unhealthy: ${url}: ${(err as Error).message}\n`);
  }
  return 1;
}

if (import.meta.main) process.exitCode = await probe(process.env);
