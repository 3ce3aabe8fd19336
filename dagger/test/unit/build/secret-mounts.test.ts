/**
 * The build secrets a Dockerfile mounts, which of them a build of one target
 * needs, and the id a secret given on the command line gets. The Dockerfiles
 * are shapes real projects use (a private npm registry's .npmrc, a pip.conf,
 * a token as an environment variable), written here.
 */
import { describe, expect, it } from "vitest";

import { checkBuildSecrets, secretIdFromUri } from "../../../src/build/build-secrets.js";
import {
  missingSecretsMessage,
  secretFlagExample,
  secretMounts,
  secretMountsFor,
  secretNeeds,
} from "../../../src/common/secret-mounts.js";

/** A Node app whose dependencies come from a private registry (.npmrc as a secret), tested in a stage of its own. */
const NODE = `# syntax=docker/dockerfile:1
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true \\
    --mount=type=cache,target=/root/.npm \\
    npm ci

FROM deps AS test
COPY . .
RUN --mount=type=secret,id=SONAR_TOKEN,env=SONAR_TOKEN npm run lint
RUN --network=none npm test

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
CMD ["node", "server.js"]
`;

/** A Python app: pip.conf mounted by target only (its id is the file's name), a stage used through a cache mount. */
const PYTHON = `FROM python:3.11-slim-bookworm AS wheels
RUN --mount=type=secret,target=/etc/pip.conf,required pip wheel -w /wheels acme-greeting
FROM python:3.11-slim-bookworm AS build
RUN --mount=type=cache,from=wheels,source=/wheels,target=/wheels pip install --no-index -f /wheels acme-greeting
RUN --mount=type=secret,id="GIT_TOKEN",dst=/run/git-token,required=false true
FROM build
`;

describe("the secret mounts of a Dockerfile", () => {
  it("names each by its id, where it is mounted, its variable, whether it is required, its stage and line", () => {
    expect(secretMounts(NODE)).toEqual([
      { id: "npmrc", stage: "deps", target: "/root/.npmrc", required: true, line: 5 },
      {
        id: "SONAR_TOKEN",
        stage: "test",
        target: "/run/secrets/SONAR_TOKEN",
        env: "SONAR_TOKEN",
        required: false,
        line: 11,
      },
    ]);
  });

  it("takes the id from the target's base name when there is none, strips quotes, reads required, dst and required=false", () => {
    expect(secretMounts(PYTHON)).toEqual([
      { id: "pip.conf", stage: "wheels", target: "/etc/pip.conf", required: true, line: 2 },
      { id: "GIT_TOKEN", stage: "build", target: "/run/git-token", required: false, line: 5 },
    ]);
  });

  it("a build of a target runs the mounts of the stages it is built from, and no others", () => {
    // The runtime stage copies from deps: it needs npmrc, not the test stage's token.
    expect(secretMountsFor(NODE).map((m) => m.id)).toEqual(["npmrc"]);
    // The test stage is FROM deps: both.
    expect(secretMountsFor(NODE, "test").map((m) => m.id)).toEqual(["npmrc", "SONAR_TOKEN"]);
    expect(secretMountsFor(NODE, "TEST").map((m) => m.id)).toEqual(["npmrc", "SONAR_TOKEN"]);
    // An unnamed last stage FROM build, which mounts a cache from wheels: all three stages.
    expect(secretMountsFor(PYTHON).map((m) => m.id)).toEqual(["pip.conf", "GIT_TOKEN"]);
    expect(secretMountsFor("FROM alpine:3.20\nRUN true\n")).toEqual([]);
  });
});

describe("what a build needs of the secrets given", () => {
  it("a required mount without its secret is missing; one not marked required runs without it; an id nobody mounts is unused", () => {
    expect(secretNeeds(NODE, "test", ["NPM_TOKEN"])).toEqual({
      missing: [expect.objectContaining({ id: "npmrc" })],
      optional: [expect.objectContaining({ id: "SONAR_TOKEN" })],
      unused: ["NPM_TOKEN"],
    });
    expect(secretNeeds(NODE, undefined, ["npmrc"])).toEqual({ missing: [], optional: [], unused: [] });
  });

  it("fails before building, naming the secret, where the Dockerfile mounts it and how to pass it", () => {
    expect(() => checkBuildSecrets(NODE, "Dockerfile", undefined, [])).toThrow(
      "Dockerfile needs the build secret npmrc (RUN --mount=type=secret,…,required=true: npmrc (line 5, stage deps)), and none was given. Pass it before the function: `dagger call --build-secrets env:npmrc …` (a secret's id is its env: variable's name, or its file:'s base name; README, \"Build secrets\").",
    );
    expect(missingSecretsMessage("Dockerfile", secretMounts(PYTHON).slice(0, 1), ["PIP_CONF"])).toContain(
      "needs the build secret pip.conf (RUN --mount=type=secret,…,required=true: pip.conf (line 2, stage wheels)), and only PIP_CONF was given.",
    );
  });

  it("notes what a build runs without, and ids nobody mounts", () => {
    const secret = { id: "npmrc", secret: undefined as never };
    const extra = { id: "NPM_TOKEN", secret: undefined as never };
    expect(checkBuildSecrets(NODE, "Dockerfile", "test", [secret, extra])).toEqual([
      "note: Dockerfile mounts the build secret SONAR_TOKEN (line 11) without required=true, and none was given: its RUN steps run without it (pass --build-secrets env:SONAR_TOKEN if they need it)",
      "note: --build-secrets: no RUN of Dockerfile mounts a secret with id NPM_TOKEN (it mounts: npmrc, SONAR_TOKEN)",
    ]);
    expect(checkBuildSecrets(NODE, "Dockerfile", undefined, [secret])).toEqual([]);
  });

  it("shows an id that is a variable name as env:ID, any other as file:./ID", () => {
    expect(secretFlagExample("NPM_TOKEN")).toBe("env:NPM_TOKEN");
    expect(secretFlagExample("pip.conf")).toBe("file:./pip.conf");
  });
});

describe("the id a secret given as a URI is mounted by (the CLI's env:, file:, a store's)", () => {
  it.each([
    ["env://NPM_TOKEN", "NPM_TOKEN"],
    ["file:///home/dev/.npmrc", ".npmrc"],
    ["file://./secrets/pip.conf", "pip.conf"],
    ["op://Engineering/npm/token", "token"],
    ["aws+sm://prod/npm-token?field=token", "npm-token"],
    ["vault://ci/npm.token", "npm.token"],
  ])("%s → %s", (uri, id) => {
    expect(secretIdFromUri(uri)).toBe(id);
  });

  it.each(["cmd://pass show npm", "env://", "NPM_TOKEN"])("%s has none", (uri) => {
    expect(secretIdFromUri(uri)).toBeUndefined();
  });
});
