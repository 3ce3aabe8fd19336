/**
 * publish-ecr against the test bed's AWS emulator (moto): STS says which
 * account, ECR hands out the registry and its password, and the push goes to
 * that account's registry. moto has no registry to push to, so the push itself
 * fails — with a message naming the registry STS and ECR resolved, and no
 * credential value in it.
 */
import { randomUUID } from "node:crypto";

import { dag, type Directory } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";

import { pipeline, rejection, repoSource, testbed, useEngineSession } from "./session.js";

// moto is part of the engine tier's readiness (scripts/testbed-env.mjs): the tier
// does not run without it, and run by hand without it these tests fail, never skip.
const moto = testbed.MOTO_ENDPOINT;

describe("publish-ecr (AWS emulator)", () => {
  useEngineSession();

  let repo: Directory;
  beforeAll(async () => {
    if (!moto)
      throw new Error(
        "MOTO_ENDPOINT is not in the test bed's env file: the engine tier needs the AWS emulator (sudo testbed/up)",
      );
    const answers = await fetch(moto, { signal: AbortSignal.timeout(3000) }).then(
      () => true,
      () => false,
    );
    if (!answers) throw new Error(`the AWS emulator does not answer at ${moto}: sudo testbed/up starts it`);
    repo = await repoSource();
  });

  /** staging rehearsed on moto, in moto's default account. */
  const staging = () =>
    pipeline(repo)
      .environment("staging")
      .withEmulator(moto!, undefined, JSON.stringify({ accountId: "123456789012" }));

  // moto accepts any key; these only have to be recognisable in a leak.
  const keyId = `AKIA${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
  const secretKey = randomUUID() + randomUUID();

  it("resolves the account's ECR registry through STS and ECR, and never shows a credential", async () => {
    const message = await rejection(
      staging()
        .withAwsCredentials(dag.setSecret("ecr-test-key-id", keyId), dag.setSecret("ecr-test-secret-key", secretKey))
        .publishEcr(undefined, "1.0.0", "0123abc"),
    );
    // moto's account: the registry host comes from ECR's proxyEndpoint for it; the repository from the configuration.
    expect(message).toMatch(
      /^pushing to 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/fargate-pipeline-staging:0123abc failed; the Dagger engine cannot reach/,
    );
    for (const value of [keyId, secretKey]) expect(message).not.toContain(value);
  });

  it("says how to chain credentials when there are none", async () => {
    const message = await rejection(staging().publishEcr("t1"));
    expect(message).toMatch(/^publish-ecr needs AWS credentials; chain one of these after `environment --name <env>`:/);
    expect(message).toContain(
      "with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY",
    );
  });
});
