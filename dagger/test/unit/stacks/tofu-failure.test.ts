/**
 * The one reading of a failed tofu plan, apply or destroy (tofu-failure.ts):
 * which kind of failure it is (another run's lock, a plan another run's apply
 * made stale, a resource that exists outside the state, anything else), whether
 * the apply got partway, and the message for people — on output as OpenTofu
 * 1.12 prints it with -no-color.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { DeployError } from "../../../src/common/errors.js";
import { type TofuOperation, TofuError, tofuFailure } from "../../../src/stacks/tofu-failure.js";

// What OpenTofu 1.12 prints when the S3 lock file is held (use_lockfile = true).
const LOCKED = `Acquiring state lock. This may take a few moments...
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
╵
`;

// An apply killed between creating the role and recording it, then run again: the role exists, the state does not know it.
const EXISTS_STDOUT = `aws_iam_role.service_execution-role: Creating...
aws_cloudwatch_log_group.service_logs: Creating...
aws_cloudwatch_log_group.service_logs: Creation complete after 1s [id=/ecs/fargate-pipeline-staging]
`;
const EXISTS_STDERR = `╷
│ Error: creating IAM Role (fargate-pipeline-staging-execution): operation error IAM: CreateRole, https response error StatusCode: 409, RequestID: 7c1e, EntityAlreadyExists: Role with name fargate-pipeline-staging-execution already exists.
│ 
│   with aws_iam_role.service_execution-role,
│   on cdk.tf.json line 412, in resource.aws_iam_role.service_execution-role:
│  412:       }
╵
`;

// What OpenTofu 1.12.6 printed when another run applied the stack after this run's plan was saved.
const STALE = readFileSync(new URL("../fixtures/tofu-apply-stale-plan.txt", import.meta.url), "utf8");

const DENIED = `╷
│ Error: reading ECS Cluster (fargate-pipeline-staging): operation error ECS: DescribeClusters, https response error StatusCode: 400, RequestID: 9f8e, api error AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role/fargate-pipeline-staging-plan/GitHubActions is not authorized to perform: ecs:DescribeClusters
╵
`;

const APPLY: TofuOperation = {
  command: "apply",
  stack: "fargate-pipeline-staging",
  lockTimeoutSeconds: 300,
  rerun: "dagger call deploy --env staging --aws-…",
  next: (partial) => (partial ? "State: partway; run deploy again." : "State: nothing was changed."),
};

describe("tofuFailure", () => {
  it("another run's lock: kind lock, the lock's fields, and the lock message (not the caller's next step)", () => {
    const err = tofuFailure({ stdout: "", stderr: LOCKED }, APPLY);
    expect(err).toBeInstanceOf(TofuError);
    expect(err).toBeInstanceOf(DeployError);
    expect(err.kind).toBe("lock");
    expect(err.lock).toMatchObject({ id: "6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b", who: "root@buildkitsandbox" });
    expect(err.message).toMatch(
      /^The state of fargate-pipeline-staging is locked by another run \(waited 300 s for it\)/,
    );
    expect(err.message).toContain(
      "dagger call deploy --env staging --aws-… --force-unlock 6f1d2a3b-0c4e-5f60-7a8b-9c0d1e2f3a4b",
    );
    expect(err.message).not.toContain("State:");
  });

  it("a saved plan another run's apply made stale: kind stale-plan, nothing changed, and running again as the fix (not the caller's next step)", () => {
    const err = tofuFailure({ stdout: "", stderr: STALE }, APPLY);
    expect(err.kind).toBe("stale-plan");
    expect(err.partial).toBe(false);
    expect(err.lock).toBeUndefined();
    expect(err.lines[0]).toBe("Error: Saved plan is stale");
    const lines = err.message.split("\n");
    expect(lines[0]).toBe(
      "The state of fargate-pipeline-staging changed between this run's plan and its apply (another run applied it in between): nothing was changed by this one.",
    );
    expect(lines[1]).toBe(
      "What to do: run again, and it plans from the state as that run left it: dagger call deploy --env staging --aws-…",
    );
    expect(err.message).not.toContain("State:");
    expect(tofuFailure({ stdout: "", stderr: DENIED }, APPLY).kind).toBe("other");
  });

  it("a resource outside the state after a partial apply: kind already-exists, partway, the error line, the next step, then the import hint", () => {
    const err = tofuFailure({ stdout: EXISTS_STDOUT, stderr: EXISTS_STDERR }, APPLY);
    expect(err.kind).toBe("already-exists");
    expect(err.partial).toBe(true);
    expect(err.lock).toBeUndefined();
    const lines = err.message.split("\n");
    expect(lines[0]).toBe("tofu apply of fargate-pipeline-staging failed partway:");
    expect(lines[1]).toMatch(
      /^ {4}Error: creating IAM Role \(fargate-pipeline-staging-execution\):.*EntityAlreadyExists/,
    );
    expect(lines.indexOf("State: partway; run deploy again.")).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(
      /^A resource already exists that the state does not know .* import it \(`tofu import`\) or delete it/,
    );
  });

  it("any other error: kind other, nothing changed, the error lines and the next step, no import hint", () => {
    const err = tofuFailure({ stdout: "", stderr: DENIED }, { ...APPLY, command: "plan", next: undefined });
    expect(err.kind).toBe("other");
    expect(err.partial).toBe(false);
    expect(err.lines[0]).toMatch(/^Error: reading ECS Cluster .*AccessDeniedException/);
    expect(err.message.split("\n")[0]).toBe("tofu plan of fargate-pipeline-staging failed:");
    expect(err.message).not.toContain("already exists");
    expect(tofuFailure({ stdout: "", stderr: DENIED }, APPLY).message.split("\n").at(-1)).toBe(
      "State: nothing was changed.",
    );
  });
});
