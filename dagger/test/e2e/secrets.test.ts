/**
 * The app's secrets and autoscaling end to end against the test bed's AWS
 * emulator (moto on the host), `staging` in an emulator account of its own,
 * with one secret and autoscaling on:
 * - a deploy whose configuration references a parameter that does not exist
 *   fails in its preflight, naming it and the command that creates it, before
 *   anything is applied;
 * - `set-secret` creates it (printing name and version, never the value);
 * - a deploy then registers a task definition that references the parameter
 *   by ARN (valueFrom), while neither the summary, the progress lines, a plan,
 *   `status`, nor any object in the state bucket (every version of both
 *   stacks' state and the ledger) holds the value;
 * - the desired count changed through the ECS API, as the autoscaler would,
 *   survives the next deploy (a new build, so a new task definition and
 *   rollout), and the plan after it is clean.
 *
 * One environment and two deploys for all of it: e2e time is CI's constraint.
 */
import { execFileSync } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";

import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListClustersCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { GetObjectCommand, HeadBucketCommand, ListObjectVersionsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { dag, type Directory, type Secret, type Service } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { whileWaitingOn } from "../../../scripts/e2e-waiting.js";
import { pipeline, rejection, repoSource, testbed, useEngineSession } from "../engine/session.js";
import { awsTransport } from "../../src/aws/auth.js";
import { authRegistry, changedApp, Transcript } from "./fixtures.js";

const hostEndpoint = testbed.MOTO_ENDPOINT;
const engineEndpoint = testbed.MOTO_ENGINE_ENDPOINT;

describe("staging's secrets and autoscaling on the host's AWS emulator", () => {
  useEngineSession();

  const transcript = new Transcript();
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const region = "eu-west-1";
  const parameter = `/e2e-${account}/db-url`;
  const parameterArn = `arn:aws:ssm:${region}:${account}:parameter${parameter}`;
  const overrides = JSON.stringify({
    accountId: account,
    service: { secrets: { DATABASE_URL: { ssm: parameter } }, autoscaling: { enabled: true } },
  });
  // Distinctive: a fresh UUID, found nowhere unless the value leaked.
  const token = randomUUID();
  const value = `postgres://app:${token}@db.internal:5432/app`;
  const names = { cluster: "fargate-pipeline-staging", service: "fargate-pipeline-staging" };
  const stateBucket = `fargate-pipeline-tfstate-${account}-${region}`;
  const serviceState = "fargate-pipeline-staging/terraform.tfstate";
  // Autoscaling's default minCount: the count the service is created with.
  const MIN_COUNT = 2;
  // What "the autoscaler" sets: inside the default bounds (2–10), and neither the minimum nor desiredCount's 2.
  const SCALED_COUNT = 5;
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  let keys: [Secret, Secret, Secret];
  let registry: Service;
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
    // moto's ECR has no registry: one that accepts exactly the credentials moto's ECR hands out.
    const htpasswd = execFileSync("htpasswd", ["-Bbn", "AWS", `${account}-auth-token`], { encoding: "utf8" });
    registry = authRegistry(htpasswd, `fargate-pipeline-e2e-registry-${account}`);
    repo = await repoSource();
    // The module's progress lines, for the leak check.
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      transcript.log(args.map(String).join(" "));
      process.stderr.write(`${args.map(String).join(" ")}\n`);
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  const staging = (source: Directory = repo) =>
    pipeline(source)
      .environment("staging")
      .withAwsCredentials(...keys)
      .withEmulator(engineEndpoint!, registry, overrides);
  const client = { ...awsTransport(region, hostEndpoint), credentials: () => Promise.resolve(creds) };

  /** The service as ECS reports it, and its task definition's container. */
  async function described() {
    const ecs = new ECSClient(client);
    try {
      const svc = (await ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] })))
        .services?.[0];
      if (!svc?.taskDefinition) throw new Error(`ECS reports no service ${names.service} with a task definition`);
      const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition }));
      return { service: svc, container: td.taskDefinition?.containerDefinitions?.[0] };
    } finally {
      ecs.destroy();
    }
  }

  /** Every version of every object in the state bucket (both stacks' state, the ledger), by key@version. */
  async function stateBucketObjects(): Promise<Map<string, string>> {
    const s3 = new S3Client({ ...client, forcePathStyle: true });
    const objects = new Map<string, string>();
    try {
      let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: stateBucket, ...marker }));
        for (const v of page.Versions ?? []) {
          const out = await s3.send(new GetObjectCommand({ Bucket: stateBucket, Key: v.Key, VersionId: v.VersionId }));
          objects.set(`${v.Key}@${v.VersionId}`, await out.Body!.transformToString());
        }
        if (!page.IsTruncated) break;
        marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      }
    } finally {
      s3.destroy();
    }
    return objects;
  }

  /** The state bucket's objects that hold the value (or its token), by key@version; the service state must be there. */
  async function stateHoldingTheValue(): Promise<string[]> {
    const objects = await stateBucketObjects();
    const service = [...objects].filter(([k]) => k.startsWith(`${serviceState}@`));
    // The scan must see the task definition, or it proves nothing: its valueFrom is in the service state.
    expect(
      service.length,
      `no ${serviceState} in s3://${stateBucket}: ${[...objects.keys()].join(", ")}`,
    ).toBeGreaterThan(0);
    expect(service.some(([, text]) => text.includes(parameterArn))).toBe(true);
    return [...objects].filter(([, text]) => text.includes(token)).map(([k]) => k);
  }

  it("a deploy referencing a missing parameter fails in preflight, naming it and set-secret, and changes nothing", async () => {
    const from = transcript.parts.length;
    const message = transcript.add(await rejection(staging().deploy("1.0.0-e2e")));
    expect(message).toContain(`DATABASE_URL: SSM parameter ${parameter} (${region})`);
    expect(message).toContain("set-secret --name DATABASE_URL");
    expect(message).toContain("nothing was changed");
    // The secrets check itself fails in seconds, and the deploy stops there: no synth, apply or publish. (Not the
    // whole call's time: the STS preflight before it waits for the infra container, minutes on a cold, busy engine.)
    const progress = transcript.parts.slice(from);
    const check = progress.map((l) => /^✘ preflight: secrets \(([\d.]+) s\)/.exec(l)?.[1]).find(Boolean);
    expect(check, `no failed "preflight: secrets" step in:\n${progress.join("\n")}`).toBeDefined();
    expect(Number(check)).toBeLessThan(60);
    expect(progress.filter((l) => /^▶ (synth|init|apply|publish)/.test(l))).toEqual([]);
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
    const out = transcript.add(
      await staging().setSecret("DATABASE_URL", dag.setSecret(`e2e-db-url-${account}`, `${value}\n`)),
    );
    expect(out).toContain(`SSM parameter ${parameter} (${region}) is now version 1`);
    expect(out).not.toContain(value);
    const ssm = new SSMClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    const p = (await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter;
    ssm.destroy();
    expect(p?.Type).toBe("SecureString");
    // One trailing newline trimmed.
    expect(p?.Value).toBe(value);
    // Rotation: a second put is the next version.
    expect(
      transcript.add(await staging().setSecret("DATABASE_URL", dag.setSecret(`e2e-db-url2-${account}`, `${value}-2`))),
    ).toContain("is now version 2");
  });

  it("set-secret refuses a variable that service.secrets does not name, listing the configured ones", async () => {
    const message = transcript.add(
      await rejection(staging().setSecret("NOPE", dag.setSecret(`e2e-nope-${account}`, "x"))),
    );
    expect(message).toContain("NOPE is not in service.secrets");
    expect(message).toContain("the configured ones are DATABASE_URL");
  });

  let firstTaskDefinition: string;

  it("a deploy with the secret references it by ARN in the task definition; no summary, progress line or state holds the value", async () => {
    transcript.add(await staging().bootstrap());
    const summary = transcript.add(
      await whileWaitingOn("the deploy with the secret", () => staging().deploy("1.0.0-e2e")),
    );
    expect(summary).toMatch(/^### Deployed fargate-pipeline-staging to staging ✔/);
    const { service, container } = await described();
    firstTaskDefinition = service.taskDefinition!;
    // By ARN (valueFrom), and the value nowhere in the container's definition.
    expect(container?.secrets).toEqual([{ name: "DATABASE_URL", valueFrom: parameterArn }]);
    expect(JSON.stringify(container)).not.toContain(token);
    expect((container?.environment ?? []).map((e) => e.name)).not.toContain("DATABASE_URL");
    // Autoscaling on: the service starts at the minimum.
    expect(service.desiredCount).toBe(MIN_COUNT);
    expect(await stateHoldingTheValue()).toEqual([]);
    expect(transcript.leaked([token])).toEqual([]);
  });

  it("the autoscaler's count survives a deploy (a new build and task definition), and the plan after it is clean", async () => {
    // As Application Auto Scaling would: UpdateService with the desired count alone.
    const ecs = new ECSClient(client);
    try {
      await ecs.send(
        new UpdateServiceCommand({ cluster: names.cluster, service: names.service, desiredCount: SCALED_COUNT }),
      );
    } finally {
      ecs.destroy();
    }
    expect((await described()).service.desiredCount).toBe(SCALED_COUNT);

    const source = await changedApp(repo, `secrets ${account}`);
    const summary = transcript.add(
      await whileWaitingOn("the deploy after the scaling", () => staging(source).deploy("1.0.0-e2e")),
    );
    expect(summary).toMatch(/^### Deployed fargate-pipeline-staging to staging ✔/);
    const { service, container } = await described();
    // A new revision rolled out, and the count is still the autoscaler's.
    expect(service.taskDefinition).not.toBe(firstTaskDefinition);
    expect(container?.secrets).toEqual([{ name: "DATABASE_URL", valueFrom: parameterArn }]);
    expect(service.desiredCount).toBe(SCALED_COUNT);

    const plan = transcript.add(await staging().plan());
    expect(plan).toMatch(/^### Plan for staging/);
    expect(plan).toContain("**fargate-pipeline-staging-base**: no changes.");
    expect(plan).toContain("**fargate-pipeline-staging**: no changes.");

    const status = transcript.add(await staging().status());
    expect(status).toContain(`**Scaling**: on (configured ${MIN_COUNT}–10), ${SCALED_COUNT} desired`);
    expect(status).toMatch(/\| DATABASE_URL \| SSM \| [^|]+ \| 2 \|/);

    expect(await stateHoldingTheValue()).toEqual([]);
  });

  it("no value appears in any summary, plan, status, message or progress line of the runs above", () => {
    // The deploys, the plan and status were collected (and their progress lines): the check has material.
    expect(transcript.parts.some((p) => p.startsWith("### Plan for staging"))).toBe(true);
    expect(transcript.parts.filter((p) => p.startsWith("### Deployed")).length).toBe(2);
    expect(transcript.leaked([token, value, `${value}-2`])).toEqual([]);
  });
});
