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
    if (!moto) throw new Error("MOTO_ENDPOINT is not in the test bed's env file: the engine tier needs the AWS emulator (sudo testbed/up)");
    const answers = await fetch(moto, { signal: AbortSignal.timeout(3000) }).then(() => true, () => false);
    if (!answers) throw new Error(`the AWS emulator does not answer at ${moto}: sudo testbed/up starts it`);
    repo = await repoSource();
  });

  // moto accepts any key; these only have to be recognisable in a leak.
  const keyId = `AKIA${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
  const secretKey = randomUUID() + randomUUID();

  it("resolves the account's ECR registry through STS and ECR, and never shows a credential", async () => {
    const message = await rejection(
      pipeline(repo).publishEcr(
        "fargate-pipeline/app",
        dag.setSecret("ecr-test-key-id", keyId),
        dag.setSecret("ecr-test-secret-key", secretKey),
        undefined,
        "eu-west-1",
        moto,
        undefined,
        "1.0.0",
        "0123abc",
      ),
    );
    // moto's account: the registry host comes from ECR's proxyEndpoint for it.
    expect(message).toMatch(/^pushing to \d{12}\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/fargate-pipeline\/app:0123abc failed; the Dagger engine cannot reach/);
    for (const value of [keyId, secretKey]) expect(message).not.toContain(value);
  });

  it("lists the flags to pass when credentials are missing", async () => {
    const message = await rejection(pipeline(repo).publishEcr("fargate-pipeline/app", undefined, undefined, undefined, "eu-west-1", moto, "t1"));
    expect(message).toMatch(/^publish-ecr needs AWS credentials; missing --aws-access-key-id, --aws-secret-access-key\. Pass:/);
    expect(message).toContain("--aws-secret-access-key env:AWS_SECRET_ACCESS_KEY");
  });
});
