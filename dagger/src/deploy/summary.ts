/**
 * The Markdown a successful deploy or rollback returns: where it runs, the
 * image by digest, the rollout's verdict, the smoke test, the account and the
 * steps' times. Pure: deploy.ts gathers the facts.
 */
import type { OpenEnvironment } from "../env/open.js";
import type { LedgerEntry } from "../env/ledger.js";
import type { RolloutResult } from "../rollout/model.js";
import type { SmokeResult } from "./probe.js";
import type { ServiceOutputs } from "../stacks/outputs.js";

/** What the summary says. */
export interface SummaryInput {
  kind: LedgerEntry["kind"];
  /** local, an AWS emulator, or AWS. */
  mode: OpenEnvironment["mode"];
  config: { name: string; domain: string; names: { service: string } };
  identity: { account: string; arn: string };
  /** The image rolled out, by digest. */
  image: string;
  commit: string;
  version: string;
  /** The service stack's outputs (its URL and task definition). */
  outputs?: Pick<ServiceOutputs, "url" | "taskDefinitionArn">;
  rollout?: RolloutResult;
  smoke?: SmokeResult;
  /** Steps.table(). */
  stepsTable: string;
  /** The secrets' versions current right after the rollout (the ones its tasks started with, barring a rotation during it). */
  secrets?: { envVar: string; store: string; name: string; version?: string }[];
  /** For an unchanged deploy (nothing applied, the running digest confirmed): change.ts unchangedLine(). */
  unchanged?: string;
  /** A warning to end with (the ledger could not be written). */
  warning?: string;
}

/**
 * The Markdown summary of a successful deploy or rollback. On an emulator the
 * rollout row itself says that the stand-in serves the image.
 *
 * @param s what was deployed where, and what the rollout and smoke test said
 */
export function deploySummary(s: SummaryInput): string {
  const url = s.outputs?.url ?? `https://${s.config.domain}`;
  const where =
    s.mode === "local"
      ? `${url} (local: nothing serves it after this call; the image ran as a stand-in for the smoke test — \`dagger call serve up\` serves it)`
      : s.mode === "emulator"
        ? `${url} (AWS emulator: no tasks run; the image ran as a stand-in for the smoke test)`
        : url;
  return [
    `### ${s.kind === "rollback" ? "Rolled back" : "Deployed"} ${s.config.names.service} to ${s.config.name} ✔`,
    "",
    "| | |",
    "|---|---|",
    ...(s.unchanged ? [`| change | ${s.unchanged} |`] : []),
    `| URL | ${where} |`,
    `| image | \`${s.image}\` |`,
    `| commit | \`${s.commit}\` (version ${s.version}) |`,
    s.rollout
      ? `| rollout | ${s.rollout.verdict} — ${s.rollout.reason}${s.mode === "aws" ? "" : " (the stand-in serves the image)"} |`
      : "| rollout | not followed: nothing was applied, so no deployment started |",
    `| smoke test | ${s.smoke ? `${s.smoke.url} ${s.smoke.evidence ?? `answered ${s.smoke.status}`} (${s.smoke.attempts} attempt${s.smoke.attempts === 1 ? "" : "s"})` : "-"} |`,
    `| account | ${s.identity.account} (${s.identity.arn}) |`,
    `| task definition | \`${s.outputs?.taskDefinitionArn ?? "?"}\` |`,
    ...(s.secrets?.length
      ? [
          `| secrets | ${s.secrets.map((x) => `${x.envVar}: ${x.store} ${x.name} version ${x.version ?? "?"}`).join("; ")} (current when the tasks started: ECS records no version per task) |`,
        ]
      : []),
    "",
    s.stepsTable,
    ...(s.rollout?.details.notes.length ? ["", ...s.rollout.details.notes.map((n) => `> ${n}`)] : []),
    ...(s.warning ? ["", `> ⚠️ ${s.warning}`] : []),
  ].join("\n");
}
