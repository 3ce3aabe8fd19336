import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { createHandler } from "../src/app.js";

// A server on a free loopback port: the test stage has no network, loopback still works.
let base = "";
const server = createServer(createHandler({ version: "1.2.3", commit: "abc123" }));
before(async () => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(() => server.close());

test("/healthz reports status, version and commit", async () => {
  const res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok", version: "1.2.3", commit: "abc123" });
});

test("/notes lists the notes", async () => {
  assert.equal((await (await fetch(`${base}/notes`)).json()).length, 1);
});
