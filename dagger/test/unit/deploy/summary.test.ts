/**
 * The Markdown a successful deploy returns (deploy/summary.ts), fed by the real
 * tracker on the emulator's recorded answers (moto 5.2.5, 0 tasks running): on
 * the emulator the rollout row itself says that the emulator runs no tasks and
 * the stand-in serves the image; on AWS it is ECS's verdict as it is.
 */
import { describe, expect, it } from "vitest";

import { deploySummary, type SummaryInput } from "../../../src/deploy/summary.js";
import { trackRollout } from "../../../src/rollout/track.js";
import { ECS_ACCEPTANCE, EMULATOR_ACCEPTANCE } from "../../../src/rollout/acceptance.js";
import type { RolloutResult } from "../../../src/rollout/model.js";
import { smokeDetail, type SmokeResult } from "../../../src/deploy/probe.js";
import { FakeAws, FakeClock, type Scenario } from "../../fixtures/aws/fake-aws.js";
import { motoRunning0, motoRunning2 } from "../../fixtures/aws/moto.js";
import type { TimedScenario } from "../../fixtures/aws/scenarios.js";

const IMAGE = `localhost:5000/fargate-pipeline-local@sha256:${"a".repeat(64)}`;
const TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";

/** The tracker's result on one recorded moto service. */
async function track(
  svc: NonNullable<Scenario["frames"][number]["service"]>,
  emulator: boolean,
): Promise<RolloutResult> {
  const createdAt = svc.deployments?.[0]?.createdAt?.getTime() ?? 0;
  const tg = svc.loadBalancers?.[0]?.targetGroupArn ?? "?";
  const scenario: TimedScenario = {
    startS: 0,
    taskDefinitions: { [TD]: motoRunning2.describeTaskDefinition.taskDefinition },
    frames: [{ service: svc, tasks: [], targets: { [tg]: [] } }],
  };
  return trackRollout({
    clients: new FakeAws(scenario).clients(),
    cluster: "web",
    service: "web",
    taskDefinitionArn: TD,
    applyStartedAt: new Date(createdAt - 10_000),
    expectedSeconds: 30,
    clock: new FakeClock(createdAt + 5_000),
    acceptance: emulator ? EMULATOR_ACCEPTANCE : ECS_ACCEPTANCE,
  });
}

const smoke: SmokeResult = {
  ok: true,
  url: `/healthcheck of the stand-in for ${IMAGE}`,
  status: 200,
  commit: "source-0123456789ab",
  attempts: 1,
  seconds: 1,
};

function input(mode: SummaryInput["mode"], rollout: RolloutResult): SummaryInput {
  return {
    kind: "deploy",
    mode,
    config: { name: "local", domain: "app.local.example.com", names: { service: "fargate-pipeline-local" } },
    identity: { account: "123456789012", arn: "arn:aws:iam::123456789012:root" },
    image: IMAGE,
    commit: "source-0123456789ab",
    version: "0.0.0-dev",
    outputs: { url: "https://app.local.example.com", taskDefinitionArn: TD },
    rollout,
    smoke,
    stepsTable: "| step | time | |\n|---|---:|---|\n| **total** | **1.0 s** | |",
  };
}

function row(markdown: string, name: string): string {
  return markdown.split("\n").find((l) => l.startsWith(`| ${name} |`)) ?? "";
}

describe("the deploy summary's rollout row", () => {
  it("local (the emulator, 0 of 2 tasks running): says in the row that the emulator runs no tasks and the stand-in serves the image", async () => {
    const rollout = await track(motoRunning0.afterCreate.services[0]!, true);
    const md = deploySummary(input("local", rollout));
    expect(row(md, "rollout")).toBe(
      `| rollout | SUCCESSFUL — emulator: the service runs web:1, deployment ${motoRunning0.afterCreate.services[0]!.deployments[0]!.id} IN_PROGRESS; the emulator runs no tasks (the stand-in serves the image) |`,
    );
    expect(md).not.toContain("tasks running");
    expect(md).toMatch(/^### Deployed fargate-pipeline-local to local ✔/);
  });

  it("AWS: ECS's own verdict, with its counts and no stand-in", async () => {
    const rollout = await track(motoRunning2.afterCreate.services[0]!, false);
    const line = row(deploySummary(input("aws", rollout)), "rollout");
    expect(line).toMatch(
      /^\| rollout \| SUCCESSFUL — Deployment ecs-svc\/\d+ of web:1 completed: 2\/2 tasks running, old tasks drained\. \|$/,
    );
    expect(line).not.toContain("stand-in");
  });

  it("names each secret's version (names and versions only), and has no secrets row without secrets", async () => {
    const rollout = await track(motoRunning2.afterCreate.services[0]!, false);
    const md = deploySummary({
      ...input("aws", rollout),
      secrets: [
        { envVar: "DATABASE_URL", store: "SSM", name: "/app/db-url", version: "3" },
        { envVar: "API_KEY", store: "Secrets Manager", name: "prod/api" },
      ],
    });
    expect(row(md, "secrets")).toBe(
      "| secrets | DATABASE_URL: SSM /app/db-url version 3; API_KEY: Secrets Manager prod/api version ? (current when the tasks started: ECS records no version per task) |",
    );
    expect(row(deploySummary(input("aws", rollout)), "secrets")).toBe("");
  });
});

describe("the smoke test's line in the step table", () => {
  const passed: SmokeResult = {
    ok: true,
    url: "https://app.example.com/healthz",
    status: 200,
    attempts: 1,
    seconds: 0.4,
  };

  it("names the commit the app reports", () => {
    expect(smokeDetail({ ...passed, commit: "0123456789ab" })).toBe(
      "https://app.example.com/healthz → 200 commit 0123456789ab",
    );
  });

  it('for an app that reports no commit, says only the status (never "commit undefined")', () => {
    expect(smokeDetail(passed)).toBe("https://app.example.com/healthz → 200");
  });

  it("a failure gives its reason", () => {
    expect(smokeDetail({ ...passed, ok: false, status: 503, reason: "503 for 60 s" })).toBe("FAILED: 503 for 60 s");
  });
});
