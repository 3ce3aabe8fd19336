/**
 * The smoke test after a rollout: the health endpoint answers 200 and reports
 * the commit just deployed. Retries for a bounded time (DNS, the ALB's listener
 * or the stand-in may need seconds), then fails with what it saw.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** What the smoke test saw. */
export interface SmokeResult {
  ok: boolean;
  /** The URL probed. */
  url: string;
  /** The last HTTP status, if any answer came. */
  status?: number;
  /** The commit the app reported. */
  commit?: string;
  /** The version the app reported. */
  version?: string;
  attempts: number;
  seconds: number;
  /** Why it failed. */
  reason?: string;
}

/** Options of smokeTest(). */
export interface SmokeOptions {
  /** e.g. `https://app.example.com/healthcheck` */
  url: string;
  /** The commit the new image reports. */
  expectCommit: string;
  /** Give up after this long. */
  timeoutSeconds: number;
  /** Connect to this host instead of the URL's (the ALB's DNS name before DNS is delegated); TLS and Host still name the URL's. */
  connectTo?: string;
  /** Seconds between attempts. */
  intervalSeconds?: number;
  /** Stop early after this many answers in a row that are not 200 (an unhealthy app, not a slow one). */
  maxBadAnswers?: number;
}

// 5 s per request: the health endpoint answers in milliseconds; longer means it is not answering.
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Probes the health endpoint until it answers 200 with the expected commit.
 *
 * @param opts what to probe and for how long
 */
export async function smokeTest(opts: SmokeOptions): Promise<SmokeResult> {
  const start = Date.now();
  const interval = (opts.intervalSeconds ?? 2) * 1000;
  let attempts = 0;
  let bad = 0;
  let last: Partial<SmokeResult>;
  for (;;) {
    attempts++;
    try {
      const res = await getJson(opts.url, opts.connectTo);
      const body = (res.body ?? {}) as { commit?: unknown; version?: unknown };
      last = { status: res.status, ...(typeof body.commit === "string" ? { commit: body.commit } : {}), ...(typeof body.version === "string" ? { version: body.version } : {}) };
      if (res.status === 200 && body.commit === opts.expectCommit) {
        return { ok: true, url: opts.url, ...last, attempts, seconds: (Date.now() - start) / 1000 };
      }
      if (res.status === 200) {
        last.reason = `it answers, but reports commit ${String(body.commit)} instead of ${opts.expectCommit} (the old version still serves)`;
        bad = 0;
      } else {
        last.reason = `it answers HTTP ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ""}`;
        bad++;
      }
    } catch (err) {
      last = { reason: `no answer: ${(err as Error).message}` };
    }
    const elapsed = Date.now() - start;
    if ((opts.maxBadAnswers !== undefined && bad >= opts.maxBadAnswers) || elapsed + interval > opts.timeoutSeconds * 1000) {
      return { ok: false, url: opts.url, ...last, attempts, seconds: elapsed / 1000 };
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** GET a URL; JSON body parsed when it is JSON. */
function getJson(url: string, connectTo?: string): Promise<{ status: number; body?: unknown; text: string }> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: connectTo ?? u.hostname,
        port: u.port || (u.protocol === "https:" ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        method: "GET",
        headers: { host: u.host, accept: "application/json" },
        ...(u.protocol === "https:" ? { servername: u.hostname } : {}),
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}
