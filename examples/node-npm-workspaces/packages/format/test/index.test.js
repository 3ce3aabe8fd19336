import assert from "node:assert/strict";
import { test } from "node:test";

import { greeting, health } from "../index.js";

test("health defaults the version and commit the build did not give", () => {
  assert.deepEqual(health({}), { status: "ok", version: "0.0.0-dev", commit: "unknown" });
});

test("greeting greets the world when the name is blank", () => {
  assert.deepEqual(greeting("  "), { message: "hello, world" });
});
