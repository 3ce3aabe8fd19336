/**
 * What check's install steps get of the build secrets: exactly what the
 * Dockerfile mounts (its targets, a relative one resolved against check's
 * /src, /run/secrets/ID, its env= variables), nothing for a secret it never
 * mounts. The Dockerfiles are shapes private-registry projects use, written here.
 */
import type { Container, Secret } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { type BuildSecret, secretMounts } from "../../../src/common/secret-mounts.js";
import { checkSecretsFor, secretsLine, withCheckSecrets, withoutCheckSecrets } from "../../../src/check/secrets.js";

/** A build secret with a stand-in Secret (the mapping never calls it). */
function given(id: string): BuildSecret {
  return { id, secret: { id } as unknown as Secret };
}

/** A Node app: the token in .npmrc next to the manifests (relative target), the registry's host as a variable. */
const NODE = `FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=.npmrc,required=true \\
    --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN \\
    npm ci

FROM deps AS test
COPY . .
RUN --network=none npm test
`;

/** A Python app: pip.conf at an absolute path, and the same token mounted twice, as a file and a variable. */
const PYTHON = `FROM python:3.13-slim AS deps
WORKDIR /app
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf \\
    --mount=type=secret,id=INDEX_TOKEN,env=POETRY_HTTP_BASIC_PRIVATE_PASSWORD \\
    poetry install
RUN --mount=type=secret,id=INDEX_TOKEN,target=/root/.config/token,env=UV_INDEX_PRIVATE_PASSWORD uv sync --locked
RUN --mount=type=secret,id=INDEX_TOKEN,env=UV_INDEX_PRIVATE_PASSWORD uv lock --check
`;

describe("checkSecretsFor", () => {
  it("mounts a relative target under check's /src, as BuildKit resolves it against the RUN's working directory", () => {
    const [npmrc] = checkSecretsFor(secretMounts(NODE), [given("npmrc")]);
    expect(npmrc?.files).toEqual(["/src/.npmrc", "/run/secrets/npmrc"]);
    expect(npmrc?.variables).toEqual([]);
  });

  it("resolves a relative target against the working directory asked for, and cleans it", () => {
    const text = "FROM node:24\nRUN --mount=type=secret,id=npmrc,target=./conf/../.npmrc npm ci\n";
    const [npmrc] = checkSecretsFor(secretMounts(text), [given("npmrc")], "/src/web");
    expect(npmrc?.files).toEqual(["/src/web/.npmrc", "/run/secrets/npmrc"]);
  });

  it("puts an env= mount's value in its variable, and still mounts the file at /run/secrets/ID", () => {
    const [token] = checkSecretsFor(secretMounts(NODE), [given("NPM_TOKEN")]);
    expect(token).toMatchObject({ id: "NPM_TOKEN", files: ["/run/secrets/NPM_TOKEN"], variables: ["NPM_TOKEN"] });
  });

  it("keeps an absolute target as it is", () => {
    const [pip] = checkSecretsFor(secretMounts(PYTHON), [given("pip.conf")]);
    expect(pip?.files).toEqual(["/etc/pip.conf", "/run/secrets/pip.conf"]);
  });

  it("gathers every mount of one id: each target and each variable, once", () => {
    const [token] = checkSecretsFor(secretMounts(PYTHON), [given("INDEX_TOKEN")]);
    expect(token?.files).toEqual(["/run/secrets/INDEX_TOKEN", "/root/.config/token"]);
    expect(token?.variables).toEqual(["POETRY_HTTP_BASIC_PRIVATE_PASSWORD", "UV_INDEX_PRIVATE_PASSWORD"]);
  });

  it("applies only the secrets the Dockerfile mounts, in the order given, with the Secret given", () => {
    const token = given("NPM_TOKEN");
    const applied = checkSecretsFor(secretMounts(NODE), [given("SONAR_TOKEN"), token, given("npmrc")]);
    expect(applied.map((s) => s.id)).toEqual(["NPM_TOKEN", "npmrc"]);
    expect(applied[0]?.secret).toBe(token.secret);
  });

  it("gives nothing without secrets, or to a Dockerfile that mounts none", () => {
    expect(checkSecretsFor(secretMounts(NODE), [])).toEqual([]);
    expect(checkSecretsFor(secretMounts("FROM node:24\nRUN npm ci\n"), [given("NPM_TOKEN")])).toEqual([]);
  });
});

describe("secretsLine", () => {
  it("names each id and where it went, never a value", () => {
    const applied = checkSecretsFor(secretMounts(NODE), [given("npmrc"), given("NPM_TOKEN")]);
    expect(secretsLine(applied, "Dockerfile")).toBe(
      "– build secrets for the installs, as Dockerfile mounts them: npmrc (/src/.npmrc, /run/secrets/npmrc); NPM_TOKEN (/run/secrets/NPM_TOKEN, $NPM_TOKEN)",
    );
  });
});

/** A stand-in Container that records the calls made on it. */
function recorder(): { container: Container; calls: string[] } {
  const calls: string[] = [];
  const container = {
    withMountedSecret: (path: string, s: { id: string }) => (calls.push(`mount ${path} ${s.id}`), container),
    withSecretVariable: (name: string, s: { id: string }) => (calls.push(`env ${name} ${s.id}`), container),
    withoutMount: (path: string) => (calls.push(`unmount ${path}`), container),
    withoutSecretVariable: (name: string) => (calls.push(`unset ${name}`), container),
  } as unknown as Container;
  return { container, calls };
}

describe("withCheckSecrets / withoutCheckSecrets", () => {
  it("mounts each file and sets each variable, then takes them off again", () => {
    const applied = checkSecretsFor(secretMounts(NODE), [given("npmrc"), given("NPM_TOKEN")]);
    const { container, calls } = recorder();
    withoutCheckSecrets(withCheckSecrets(container, applied), applied);
    expect(calls).toEqual([
      "mount /src/.npmrc npmrc",
      "mount /run/secrets/npmrc npmrc",
      "mount /run/secrets/NPM_TOKEN NPM_TOKEN",
      "env NPM_TOKEN NPM_TOKEN",
      "unmount /src/.npmrc",
      "unmount /run/secrets/npmrc",
      "unmount /run/secrets/NPM_TOKEN",
      "unset NPM_TOKEN",
    ]);
  });

  it("leaves the container as it is without secrets", () => {
    const { container, calls } = recorder();
    expect(withoutCheckSecrets(withCheckSecrets(container, []), [])).toBe(container);
    expect(calls).toEqual([]);
  });
});
