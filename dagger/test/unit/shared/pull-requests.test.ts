/**
 * Reading GitHub's "Get a pull request" answer (fixtures recorded from GitHub's
 * documentation, dagger/test/unit/fixtures/github/README.md), and asking a
 * server on loopback that answers as GitHub does: the token goes as a bearer,
 * a 404 says what to check.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pullRequestState, readPullRequest } from "../../../src/shared/pull-requests.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/github");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as unknown;

describe("a pull request's state", () => {
  it("open, as GitHub's example has it", () => {
    expect(readPullRequest(fixture("pull-request-open.json"))).toEqual({
      number: 1347,
      state: "open",
      merged: false,
      closedAt: "2011-01-26T19:01:12Z",
    });
  });

  it("closed and merged", () => {
    expect(readPullRequest(fixture("pull-request-merged.json"))).toMatchObject({ state: "closed", merged: true });
  });

  it("refuses what is not a pull request", () => {
    expect(() => readPullRequest({ message: "Not Found" })).toThrow(
      "GitHub answered something that is not a pull request",
    );
  });
});

describe("asking GitHub (a server on loopback answering as it does)", () => {
  let server: Server;
  let api: string;
  const seen: { url?: string; auth?: string; version?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({
        url: req.url,
        auth: req.headers.authorization,
        version: req.headers["x-github-api-version"] as string,
      });
      if (req.url === "/repos/octocat/Hello-World/pulls/1347") {
        res.setHeader("content-type", "application/json");
        res.end(readFileSync(join(FIXTURES, "pull-request-merged.json")));
      } else {
        res.statusCode = 404;
        res.end('{"message":"Not Found"}');
      }
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("sends the token as a bearer, with the API version, and reads the state", async () => {
    const pr = await pullRequestState({ token: "t0ken", repository: "octocat/Hello-World", api }, 1347);
    expect(pr.state).toBe("closed");
    expect(seen.at(-1)).toEqual({
      url: "/repos/octocat/Hello-World/pulls/1347",
      auth: "Bearer t0ken",
      version: "2022-11-28",
    });
  });

  it("a pull request GitHub does not know: says what to check", async () => {
    await expect(pullRequestState({ token: "t", repository: "octocat/Hello-World", api }, 9)).rejects.toThrow(
      "GitHub knows no pull request #9 in octocat/Hello-World (or the token may not read it)",
    );
  });
});
