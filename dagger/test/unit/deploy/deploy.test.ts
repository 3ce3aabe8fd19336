/**
 * The pure parts of deploy and the operations: image references and tags, the
 * state-lock message, tofu error extraction, the plan summary, the ledger.
 */
import { describe, expect, it } from "vitest";

import { byDigest, imageTag } from "../../../src/deploy/image.js";
import { digestOf, lastSuccessful, type LedgerEntry, parseLedger } from "../../../src/env/ledger.js";
import { MAX_MARKDOWN, planMarkdown, readPlan } from "../../../src/ops/plan-summary.js";
import { alreadyExists, errorLines, explainLock, stateLock } from "../../../src/stacks/tofu-failure.js";

const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;
const D3 = `sha256:${"c".repeat(64)}`;

describe("image references", () => {
  it("keeps the digest and drops the tag (the digest is what is deployed)", () => {
    expect(byDigest(`localhost:5000/app:abc-20261125t1@${D1}`)).toBe(`localhost:5000/app@${D1}`);
    expect(byDigest(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/fargate-pipeline-production:c0ffee@${D1}`)).toBe(
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fargate-pipeline-production@${D1}`,
    );
    expect(byDigest(`registry:5000/app@${D1}`)).toBe(`registry:5000/app@${D1}`);
  });

  it("tags each push with the commit and the UTC time, so a rerun of a commit never hits an immutable tag", () => {
    const at = new Date("2026-11-25T16:01:02.345Z");
    expect(imageTag("0123456789abcdef0123456789abcdef01234567", at)).toBe(
      "0123456789abcdef0123456789abcdef01234567-20261125t160102z",
    );
    expect(imageTag("source-abc", at)).not.toBe(imageTag("source-abc", new Date(at.getTime() + 1000)));
    expect(imageTag("feat/x y", at)).toMatch(/^[A-Za-z0-9_.-]+$/);
  });
});

// What OpenTofu 1.12 prints when the S3 lock file is held (use_lockfile = true).
const LOCKED = `
Acquiring state lock. This may take a few moments...
╷
│ Error: Error acquiring the state lock
│ 
│ Error message: operation error S3: PutObject, https response error
│ StatusCode: 412, RequestID: 1a2b, api error PreconditionFailed: At least
│ one of the pre-conditions you specified did not hold
│ Lock Info:
│   ID:        6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b
│   Path:      fargate-pipeline-tfstate-111111111111-eu-west-1/fargate-pipeline-staging/terraform.tfstate
│   Operation: OperationTypeApply
│   Who:       root@buildkitsandbox
│   Version:   1.12.6
│   Created:   2026-11-25 16:10:00.123456 +0000 UTC
│   Info:      
│ 
│ OpenTofu acquires a state lock to protect the state from being written
│ by multiple users at the same time. Please resolve the issue above and try
│ again. For most commands, you can disable locking with the "-lock=false"
│ flag, but this is not recommended.
╵
`;

describe("the state lock", () => {
  it("reads the lock another run holds from tofu's error", () => {
    expect(stateLock(LOCKED)).toEqual({
      id: "6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b",
      path: "fargate-pipeline-tfstate-111111111111-eu-west-1/fargate-pipeline-staging/terraform.tfstate",
      operation: "OperationTypeApply",
      who: "root@buildkitsandbox",
      created: "2026-11-25 16:10:00.123456 +0000 UTC",
    });
    expect(stateLock("Error: creating ECS Service: AccessDenied")).toBeUndefined();
  });

  it("says nothing changed, whose lock it is, to wait or raise the timeout, and to force-unlock only a dead run's lock, by its ID", () => {
    const text = explainLock(
      stateLock(LOCKED)!,
      "fargate-pipeline-staging",
      300,
      "dagger call deploy --env staging --aws-…",
    );
    expect(text).toMatch(
      /^The state of fargate-pipeline-staging is locked by another run \(waited 300 s for it\): nothing was changed by this one\./,
    );
    expect(text).toContain("since:     2026-11-25 16:10:00.123456 +0000 UTC");
    expect(text).toContain("--lock-timeout <seconds>");
    expect(text).toContain(
      "dagger call deploy --env staging --aws-… --force-unlock 6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b",
    );
    expect(text).toContain("Only when that run is really dead");
  });
});

describe("tofu's errors", () => {
  it("keeps the Error blocks without the frame, else the last lines", () => {
    const lines = errorLines({ stdout: "aws_vpc.network_vpc: Refreshing state...\n", stderr: LOCKED });
    expect(lines[0]).toBe("Error: Error acquiring the state lock");
    expect(lines.join("\n")).toContain("ID:        6f1d2a3b");
    expect(errorLines({ stdout: "a\nb\n", stderr: "" })).toEqual(["a", "b"]);
  });

  it("recognises resources an interrupted apply created but did not record", () => {
    expect(alreadyExists("Error: creating IAM Role (x): EntityAlreadyExists: Role with name x already exists.")).toBe(
      true,
    );
    expect(alreadyExists("Error: creating ELBv2 Load Balancer: DuplicateLoadBalancerName")).toBe(true);
    expect(alreadyExists("Error: AccessDenied")).toBe(false);
  });
});

describe("the plan summary", () => {
  const plan = {
    resource_changes: [
      {
        address: "aws_vpc.network_vpc",
        change: { actions: ["no-op"], before: { cidr_block: "10.16.0.0/16" }, after: { cidr_block: "10.16.0.0/16" } },
      },
      { address: "data.aws_caller_identity.me", change: { actions: ["read"], before: null, after: {} } },
      {
        address: "aws_ecs_service.ecs_service",
        change: {
          actions: ["update"],
          before: { desired_count: 2, name: "s" },
          after: { desired_count: 3, name: "s" },
        },
      },
      {
        address: "aws_lb_target_group.tg",
        change: { actions: ["create", "delete"], before: { port: 8080 }, after: { port: 9090 } },
      },
      {
        address: "aws_cloudwatch_log_group.logs",
        change: { actions: ["create"], before: null, after: { name: "/ecs/x" } },
      },
      { address: "aws_security_group.old", change: { actions: ["delete"], before: { name: "old" }, after: null } },
    ],
  };

  it("counts adds, changes and destroys per resource (a replacement is one of each), leaving out no-ops and reads", () => {
    const p = readPlan("fargate-pipeline-production", plan);
    expect(p.counts).toEqual({ add: 2, change: 1, destroy: 2 });
    expect(p.resources.map((r) => [r.address, r.action, r.attributes])).toEqual([
      ["aws_ecs_service.ecs_service", "update", ["desired_count"]],
      ["aws_lb_target_group.tg", "replace", ["port"]],
      ["aws_cloudwatch_log_group.logs", "create", []],
      ["aws_security_group.old", "delete", []],
    ]);
  });

  it("renders a table per stack, warns on destroys, and says so when nothing changes", () => {
    const md = planMarkdown(
      "Plan for production",
      [
        readPlan("fargate-pipeline-production", plan),
        readPlan("fargate-pipeline-production-base", { resource_changes: [] }),
      ],
      ["account 222222222222"],
    );
    expect(md).toContain("### Plan for production\n\n> account 222222222222");
    expect(md).toContain("**fargate-pipeline-production**: 2 to add, 1 to change, 2 to destroy");
    expect(md).toContain("| ~ update | `aws_ecs_service.ecs_service` | desired_count |");
    expect(md).toContain("| -/+ replace | `aws_lb_target_group.tg` | port |");
    expect(md).toContain("⚠️ fargate-pipeline-production destroys or replaces resources");
    expect(md).toContain("**fargate-pipeline-production-base**: no changes.");
  });

  it("stays within a GitHub comment's size", () => {
    const many = {
      resource_changes: Array.from({ length: 3000 }, (_, i) => ({
        address: `aws_route53_record.r${i}_${"x".repeat(30)}`,
        change: { actions: ["create"], before: null, after: {} },
      })),
    };
    const md = planMarkdown("Plan", [readPlan("s", many)]);
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md.length).toBeGreaterThan(MAX_MARKDOWN);
    expect(md).toMatch(/cut at 60000 characters: the full plan is in the job log\)$/);
  });
});

describe("the deployment ledger", () => {
  const entry = (
    image: string,
    verdict: LedgerEntry["verdict"],
    kind: LedgerEntry["kind"] = "deploy",
  ): LedgerEntry => ({
    at: "2026-11-25T16:00:00.000Z",
    kind,
    image,
    commit: "c",
    version: "v",
    verdict,
    seconds: 1,
  });

  it("parses JSON lines and skips a torn last line", () => {
    const text = `${JSON.stringify(entry(`r@${D1}`, "SUCCESSFUL"))}\n${JSON.stringify(entry(`r@${D2}`, "FAILED"))}\n{"at":"2026-11-25T16:0`;
    expect(parseLedger(text).map((e) => e.verdict)).toEqual(["SUCCESSFUL", "FAILED"]);
  });

  it("finds the last successful image other than the current one (failed and rolled-back deploys never count)", () => {
    const entries = [
      entry(`r@${D1}`, "SUCCESSFUL"),
      entry(`r@${D2}`, "SUCCESSFUL"),
      entry(`r@${D3}`, "ROLLED_BACK"),
      entry(`r@${D2}`, "SUCCESSFUL", "restore"),
    ];
    expect(lastSuccessful(entries)?.image).toBe(`r@${D2}`);
    expect(lastSuccessful(entries, `other@${D2}`)?.image).toBe(`r@${D1}`);
    expect(lastSuccessful([entry(`r@${D1}`, "FAILED")])).toBeUndefined();
    expect(digestOf(`localhost:5000/x@${D3}`)).toBe(D3);
  });
});
