import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";

import { createHandler } from "../src/app.ts";

// A server on a free loopback port: the test stage has no network, loopback still works.
const server = createServer(createHandler({ version: "1.2.3", commit: "abc123" }));
let base = "";
before(async () => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test("/healthz reports status, version and commit", async () => {
  const res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok", version: "1.2.3", commit: "abc123" });
});

test("/links/<title> answers its slug, from the workspace package", async () => {
  const res = await fetch(`${base}/links/${encodeURIComponent("Crème Brûlée, 2 ways!")}`);
  assert.deepEqual(await res.json(), { slug: "creme-brulee-2-ways" });
});

test("an unknown path is 404", async () => {
  assert.equal((await fetch(`${base}/nope`)).status, 404);
});
