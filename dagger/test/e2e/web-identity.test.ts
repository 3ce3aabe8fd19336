/**
 * Web-identity credentials (an OIDC token and a role, as GitHub Actions or
 * GitLab CI provide them) against the test bed's AWS emulator on the host
 * (moto, which accepts AssumeRoleWithWebIdentity with any token and makes the
 * role's account the caller's): the token as a real engine Secret — set, and
 * read from a file the way `--aws-web-identity-token file:PATH` passes it —
 * is exchanged for the role's temporary credentials, and STS GetCallerIdentity
 * with them is the assumed role in the role's account. Opening the staging
 * environment with it gives OpenTofu those temporary credentials as Secrets and
 * keeps the token out of every output; publish-ecr through the module logs in
 * to the role's account's registry. The token never appears in a message.
 */
import { randomInt, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dag, type Directory, type Secret } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type AwsAuth, callerIdentity, resolveAwsAuth } from "../../src/aws/auth.js";
import { openEnvironment } from "../../src/env/open.js";
import { moduleSource, pipeline, rejection, repoSource, testbed, useEngineSession } from "../engine/session.js";

const hostEndpoint = testbed.MOTO_ENDPOINT;
// The emulator as the engine's containers reach it (OpenTofu runs there); the host reaches it too.
const engineEndpoint = testbed.MOTO_ENGINE_ENDPOINT;

describe("web-identity credentials on the host's AWS emulator", () => {
  useEngineSession();

  const region = "eu-west-1";
  // An account of this run's own: the role's account is the one the credentials belong to.
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const role = "fargate-pipeline-staging-deploy";
  const roleArn = `arn:aws:iam::${account}:role/${role}`;
  const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  // Shaped like a GitHub Actions ID token; the signature part is unique to this run, so a leak is recognisable.
  const signature = randomUUID().replace(/-/g, "") + randomUUID().replace(/-/g, "");
  const jwt = [
    b64url({ alg: "RS256", typ: "JWT" }),
    b64url({
      iss: "https://token.actions.githubusercontent.com",
      aud: "sts.amazonaws.com",
      sub: "repo:example-org/fargate-pipeline:environment:staging",
    }),
    signature,
  ].join(".");
  const tag = randomUUID().slice(0, 8);
  let token: Secret;
  let tokenDir: string;
  let repo: Directory;

  beforeAll(async () => {
    if (!hostEndpoint || !engineEndpoint)
      throw new Error("MOTO_ENDPOINT / MOTO_ENGINE_ENDPOINT are not in the test bed's env file: run testbed/up");
    const answers = await fetch(hostEndpoint, { signal: AbortSignal.timeout(3000) }).then(
      () => true,
      () => false,
    );
    if (!answers) throw new Error(`the AWS emulator does not answer at ${hostEndpoint}: sudo testbed/up starts it`);
    token = dag.setSecret(`e2e-web-identity-token-${tag}`, jwt);
    tokenDir = mkdtempSync(join(tmpdir(), "fp-web-identity-"));
    repo = await repoSource();
  });
  afterAll(() => {
    if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
  });

  /** Every value that must never be shown: the token, and the temporary credentials once known. */
  const hidden = (auth?: AwsAuth) =>
    [
      jwt,
      signature,
      ...(auth
        ? [auth.credentials.accessKeyId, auth.credentials.secretAccessKey, auth.credentials.sessionToken ?? ""]
        : []),
    ].filter(Boolean);

  it("exchanges the token for the role's temporary credentials; GetCallerIdentity with them is the assumed role", async () => {
    const auth = await resolveAwsAuth({ webIdentityToken: token, roleArn, region, endpoint: hostEndpoint }, "deploy");
    expect(auth.credentials.accessKeyId).toMatch(/^ASIA/); // temporary credentials, not the emulator's fixed test keys
    expect(auth.credentials.sessionToken).toBeTruthy();
    expect(auth.webIdentity).toMatchObject({ roleArn, sessionName: "fargate-pipeline-deploy" });
    expect(await callerIdentity(auth, "deploy")).toEqual({
      account,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/fargate-pipeline-deploy`,
    });
  });

  it("reads the token from a file, as with-web-identity --token file:PATH passes it (its trailing newline is not part of it)", async () => {
    const path = join(tokenDir, "token");
    writeFileSync(path, `${jwt}\n`, { mode: 0o600 });
    const fromFile = dag.secret(`file://${path}`);
    const auth = await resolveAwsAuth({ webIdentityToken: fromFile, roleArn, region, endpoint: hostEndpoint }, "plan");
    expect(await callerIdentity(auth, "plan")).toEqual({
      account,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/fargate-pipeline-plan`,
    });
  });

  it("opens staging with the role: OpenTofu gets the temporary credentials as Secrets, and nothing secret is logged", async () => {
    const log: string[] = [];
    const env = await openEnvironment(
      {
        name: "staging",
        source: repo,
        configFile: { file: repo.file("fargate-pipeline.yaml"), name: "fargate-pipeline.yaml" },
        infraSource: moduleSource().directory("infra"),
        aws: { webIdentityToken: token, roleArn },
        emulator: { endpoint: engineEndpoint! },
        configOverrides: JSON.stringify({ accountId: account }),
        localState: "default",
        log: (line) => log.push(line),
      },
      "status",
    );
    try {
      expect(env.mode).toBe("emulator");
      expect(env.identity).toEqual({
        account,
        arn: `arn:aws:sts::${account}:assumed-role/${role}/fargate-pipeline-status`,
      });
      const auth = env.auth!;
      expect(auth.webIdentity?.roleArn).toBe(roleArn);
      // What OpenTofu gets: Secrets (never plain env) holding exactly the role's temporary credentials.
      for (const value of [env.tofu.accessKeyId, env.tofu.secretAccessKey]) expect(typeof value).not.toBe("string");
      const plain = await Promise.all(
        [env.tofu.accessKeyId, env.tofu.secretAccessKey, env.tofu.sessionToken].map((s) => (s as Secret).plaintext()),
      );
      expect(plain).toEqual([
        auth.credentials.accessKeyId,
        auth.credentials.secretAccessKey,
        auth.credentials.sessionToken,
      ]);
      // … and they are the role's: what a tofu run would be, STS says.
      const asTofu: AwsAuth = {
        region,
        endpoint: engineEndpoint!,
        credentials: { accessKeyId: plain[0]!, secretAccessKey: plain[1]!, sessionToken: plain[2]! },
      };
      expect((await callerIdentity(asTofu, "status")).arn).toBe(
        `arn:aws:sts::${account}:assumed-role/${role}/fargate-pipeline-status`,
      );
      // Every output is redacted of the token and the credentials.
      expect([...env.secrets].sort()).toEqual(
        [jwt, auth.credentials.accessKeyId, auth.credentials.secretAccessKey, auth.credentials.sessionToken!].sort(),
      );
      expect(log.join("\n")).toContain(
        `preflight: AWS account ${account}, identity arn:aws:sts::${account}:assumed-role/${role}/fargate-pipeline-status, assumed with a web-identity token`,
      );
      for (const value of hidden(auth)) expect(log.join("\n")).not.toContain(value);
    } finally {
      await env.close();
    }
  });

  it("publish-ecr through the module: the role's account's ECR registry, and no token or credential in the message", async () => {
    const message = await rejection(
      pipeline(repo)
        .environment("staging")
        .withWebIdentity(token, roleArn)
        .withEmulator(hostEndpoint!, undefined, JSON.stringify({ accountId: account }))
        .publishEcr(undefined, "1.0.0", "0123abc"),
    );
    // moto has no registry to push to: the push fails, naming the registry STS and ECR resolved for the role's account.
    expect(message).toMatch(
      new RegExp(
        `^pushing to ${account}\\.dkr\\.ecr\\.${region}\\.amazonaws\\.com/fargate-pipeline-staging:0123abc failed; the Dagger engine cannot reach`,
      ),
    );
    for (const value of hidden()) expect(message).not.toContain(value);
  });

  it("one kind of credentials at a time: with-web-identity after with-aws-credentials replaces the keys, and the other way round", () => {
    const keyId = dag.setSecret(`e2e-wi-key-${tag}`, "AKIAEXAMPLEKEYID1234");
    const both = pipeline(repo).environment("staging").withAwsCredentials(keyId, keyId).withWebIdentity(token, roleArn);
    expect([both.accessKeyId, both.secretAccessKey, both.webIdentityToken, both.roleArn]).toEqual([
      undefined,
      undefined,
      token,
      roleArn,
    ]);
    const back = both.withAwsCredentials(keyId, keyId);
    expect([back.accessKeyId, back.webIdentityToken, back.roleArn]).toEqual([keyId, undefined, undefined]);
  });
});
