/**
 * The smoke test after a rollout: the health endpoint answers 200 and, when the
 * app reports the commit it was built from (a JSON field or a response header,
 * as its configuration says), that commit is the one just deployed. Retries for
 * a bounded time (DNS, the ALB's listener or the stand-in may need seconds),
 * then fails with what it saw. Any app passes it: one that reports no commit is
 * proven by the rollout (the new deployment completed, its tasks healthy in the
 * target group) and a 200 from its health path; the result says which evidence.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

import type { CommitFrom } from "../stacks/infra-bridge.js";

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
  /** What the pass rests on, in words (for the summary). */
  evidence?: string;
}

/**
 * The smoke test's line in the deploy's step table: the URL, the status, and
 * the commit when the app reports one ("→ 200 commit abc123", or "→ 200" for an
 * app that reports none); the reason when it failed.
 * @param s what the smoke test saw
 */
export function smokeDetail(s: SmokeResult): string {
  if (!s.ok) return `FAILED: ${s.reason ?? "no reason recorded"}`;
  return `${s.url} → ${s.status ?? "?"}${s.commit ? ` commit ${s.commit}` : ""}`;
}

/**
 * The commit an answer reports, from where the configuration says.
 * @param res the answer
 * @param from where the app reports it
 */
function reportedCommit(
  res: { body?: unknown; headers: Record<string, string | string[] | undefined> },
  from: CommitFrom,
): unknown {
  if ("header" in from) {
    const value = res.headers[from.header.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
  const body = res.body;
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[from.jsonField] : undefined;
}

/**
 * Where the commit is read, for messages.
 * @param from where the app reports it
 */
export function describeCommitFrom(from: CommitFrom): string {
  return "header" in from ? `response header ${from.header}` : `JSON field "${from.jsonField}"`;
}

/** Options of smokeTest(). */
export interface SmokeOptions {
  /** e.g. `https://app.example.com/healthcheck` */
  url: string;
  /** The commit the new image reports; checked only with `commitFrom`. */
  expectCommit: string;
  /** Where the app reports its commit; without it only the 200 is checked. */
  commitFrom?: CommitFrom | undefined;
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
      const commit = opts.commitFrom ? reportedCommit(res, opts.commitFrom) : undefined;
      const version =
        typeof res.body === "object" && res.body !== null ? (res.body as { version?: unknown }).version : undefined;
      last = {
        status: res.status,
        ...(typeof commit === "string" ? { commit } : {}),
        ...(typeof version === "string" ? { version } : {}),
      };
      if (res.status === 200 && (!opts.commitFrom || commit === opts.expectCommit)) {
        const evidence = opts.commitFrom
          ? `answered 200 reporting commit \`${opts.expectCommit}\` (${describeCommitFrom(opts.commitFrom)})`
          : "answered 200 (the app reports no commit: the evidence is the new deployment completed with its tasks healthy, and this answer)";
        return { ok: true, url: opts.url, ...last, attempts, seconds: (Date.now() - start) / 1000, evidence };
      }
      if (res.status === 200) {
        const where = describeCommitFrom(opts.commitFrom!);
        last.reason =
          commit === undefined
            ? `it answers 200, but without its commit in the ${where} that service.smokeTest.commitFrom names (fix the app, or remove commitFrom)`
            : `it answers, but reports commit ${typeof commit === "string" ? commit : JSON.stringify(commit)} instead of ${opts.expectCommit} (${where}; the old version still serves)`;
        bad = commit === undefined ? bad + 1 : 0;
      } else {
        last.reason = `it answers HTTP ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ""}`;
        bad++;
      }
    } catch (err) {
      last = { reason: `no answer: ${(err as Error).message}` };
    }
    const elapsed = Date.now() - start;
    if (
      (opts.maxBadAnswers !== undefined && bad >= opts.maxBadAnswers) ||
      elapsed + interval > opts.timeoutSeconds * 1000
    ) {
      return { ok: false, url: opts.url, ...last, attempts, seconds: elapsed / 1000 };
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** GET a URL; JSON body parsed when it is JSON. */
function getJson(
  url: string,
  connectTo?: string,
): Promise<{ status: number; body?: unknown; text: string; headers: Record<string, string | string[] | undefined> }> {
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
          resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}
