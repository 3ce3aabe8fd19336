/**
 * The app's secrets end to end against the test bed's AWS emulator (moto on
 * the host), `staging` in an emulator account of its own: a deploy whose
 * configuration references a parameter that does not exist fails in its
 * preflight, naming it and the command that creates it, before anything is
 * applied; `set-secret` then creates it (printing name and version, never the
 * value), and the preflight's check passes.
 */
import { randomInt, randomUUID } from "node:crypto";

import { ListClustersCommand, ECSClient } from "@aws-sdk/client-ecs";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { dag, type Directory, type Secret } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";

import { pipeline, rejection, repoSource, testbed, useEngineSession } from "../engine/session.js";
import { awsTransport } from "../../src/aws.js";

const hostEndpoint = testbed.MOTO_ENDPOINT;
const engineEndpoint = testbed.MOTO_ENGINE_ENDPOINT;

describe("staging's secrets on the host's AWS emulator", () => {
  useEngineSession();

  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const region = "eu-west-1";
  const parameter = `/e2e-${account}/db-url`;
  const overrides = JSON.stringify({ accountId: account, service: { secrets: { DATABASE_URL: { ssm: parameter } } } });
  const value = `postgres://app:${randomUUID()}@db.internal:5432/app`;
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  let keys: [Secret, Secret, Secret];
  let repo: Directory;

  beforeAll(async () => {
    if (!hostEndpoint || !engineEndpoint)
      throw new Error("MOTO_ENDPOINT / MOTO_ENGINE_ENDPOINT are not in the test bed's env file: run testbed/up");
    const sts = new STSClient({
      ...awsTransport(region, hostEndpoint),
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/e2e-deploy`,
        RoleSessionName: "dagger-e2e-secrets",
      }),
    );
    sts.destroy();
    creds = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    const tag = randomUUID().slice(0, 8);
    keys = [
      dag.setSecret(`e2e-s-key-${tag}`, creds.accessKeyId),
      dag.setSecret(`e2e-s-secret-${tag}`, creds.secretAccessKey),
      dag.setSecret(`e2e-s-token-${tag}`, creds.sessionToken),
    ];
    repo = await repoSource();
  });

  const staging = () =>
    pipeline(repo)
      .environment("staging")
      .withAwsCredentials(...keys)
      .withEmulator(engineEndpoint!, undefined, overrides);

  it("a deploy referencing a missing parameter fails in preflight, naming it and set-secret, and changes nothing", async () => {
    const started = Date.now();
    const message = await rejection(staging().deploy("1.0.0-e2e"));
    expect(message).toContain(`DATABASE_URL: SSM parameter ${parameter} (${region})`);
    expect(message).toContain("set-secret --name DATABASE_URL");
    expect(message).toContain("nothing was changed");
    // Before the rollout and before any apply: well under the build and apply's minutes.
    expect((Date.now() - started) / 1000).toBeLessThan(120);
    // Nothing in the account: no state bucket, no cluster.
    const s3 = new S3Client({ ...awsTransport(region, hostEndpoint), forcePathStyle: true, credentials: creds });
    await expect(
      s3.send(new HeadBucketCommand({ Bucket: `fargate-pipeline-tfstate-${account}-${region}` })),
    ).rejects.toThrow();
    s3.destroy();
    const ecs = new ECSClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns ?? []).toEqual([]);
    ecs.destroy();
  });

  it("set-secret puts the value as a SecureString and prints only its name and version", async () => {
    const out = await staging().setSecret("DATABASE_URL", dag.setSecret(`e2e-db-url-${account}`, `${value}\n`));
    expect(out).toContain(`SSM parameter ${parameter} (${region}) is now version 1`);
    expect(out).not.toContain(value);
    const ssm = new SSMClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    const p = (await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter;
    ssm.destroy();
    expect(p?.Type).toBe("SecureString");
    // One trailing newline trimmed.
    expect(p?.Value).toBe(value);
    // Rotation: a second put is the next version.
    expect(await staging().setSecret("DATABASE_URL", dag.setSecret(`e2e-db-url2-${account}`, `${value}-2`))).toContain(
      "is now version 2",
    );
  });

  it("set-secret refuses a variable that service.secrets does not name, listing the configured ones", async () => {
    const message = await rejection(staging().setSecret("NOPE", dag.setSecret(`e2e-nope-${account}`, "x")));
    expect(message).toContain("NOPE is not in service.secrets");
    expect(message).toContain("the configured ones are DATABASE_URL");
  });
});
