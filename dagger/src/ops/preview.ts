/**
 * `preview` and `sweep-previews`: a pull request's preview — the environment's
 * service deployed again as a small service of its own on the same shared
 * environment (one task of the smallest size, host `pr-<N>-<label>.<domain>`,
 * state under a key of its own: infra's config/preview.ts) — deployed,
 * destroyed, and swept away once its pull request is closed or it is older
 * than a TTL.
 */
import { SSMClient } from "@aws-sdk/client-ssm";

import { DeployError } from "../common/errors.js";
import type { DeployArgs } from "../deploy/args.js";
import { deploy } from "../deploy/deploy.js";
import { s3Ledger } from "../env/ledger.js";
import { type EnvironmentArgs, withEnvironment } from "../env/open.js";
import { type HostClaim, readHostClaims } from "../shared/claims.js";
import { type GithubAccess, pullRequestState } from "../shared/pull-requests.js";
import { dollars, ESTIMATE_NOTE, serviceCost } from "../shared/cost.js";
import { PREVIEW_TASKS } from "../shared/environment-cost.js";
import { destroy } from "./destroy.js";

/** What `preview` takes. */
export interface PreviewArgs extends Omit<DeployArgs, "gitCommit"> {
  /** The pull request's number. */
  pullRequest: number;
  /** Remove the preview instead of deploying it. */
  destroy: boolean;
  /** The commit built (default: the source's content hash). */
  gitCommit: string;
  /** GitHub, to check the pull request is open before deploying; undefined: not checked (the summary says so). */
  github?: GithubAccess;
}

/** What `sweep-previews` takes. */
export interface SweepArgs extends EnvironmentArgs {
  /** Remove previews whose last deploy is older than this. */
  ttlHours: number;
  lockTimeoutSeconds: number;
  /** GitHub, to ask each pull request's state; undefined: the TTL alone decides (another CI, or no token). */
  github?: GithubAccess;
}

/**
 * The configuration overrides of a pull request's preview: the caller's, with `preview`.
 * @param overrides the caller's JSON overrides, or ""
 * @param pullRequest the pull request
 */
export function previewOverrides(overrides: string | undefined, pullRequest: number): string {
  const base = overrides?.trim() ? (JSON.parse(overrides) as Record<string, unknown>) : {};
  return JSON.stringify({ ...base, preview: { pullRequest } });
}

/**
 * `preview`: deploys a pull request's preview (refused when GitHub says the
 * pull request is closed: it would be an orphan), or destroys it; the result
 * starts with the preview's URL.
 *
 * @param args the environment, the pull request and the deploy's flags
 */
export async function preview(args: PreviewArgs): Promise<string> {
  const configOverrides = previewOverrides(args.configOverrides, args.pullRequest);
  if (args.destroy) {
    const done = await destroy({
      ...args,
      configOverrides,
      confirm: args.name,
      includeBase: false,
      lockTimeoutSeconds: args.lockTimeoutSeconds,
    });
    return [`### Preview of pull request #${args.pullRequest} removed`, "", done].join("\n");
  }
  let checked = "not checked (no `with-github`): the janitor removes a preview whose pull request closed";
  if (args.github) {
    const pr = await pullRequestState(args.github, args.pullRequest);
    if (pr.state !== "open")
      throw new DeployError(
        `preview refused: pull request #${args.pullRequest} of ${args.github.repository} is ${pr.merged ? "merged" : "closed"}${pr.closedAt ? ` (${pr.closedAt})` : ""}; a preview deployed now would outlive it. Nothing was deployed.`,
      );
    checked = `open (${args.github.repository}#${args.pullRequest}, checked before the deploy)`;
  }
  const summary = await deploy({ ...args, configOverrides });
  const url = /\| URL \| (https:\/\/\S+)/.exec(summary)?.[1] ?? "?";
  const cost = serviceCost(PREVIEW_TASKS.size, PREVIEW_TASKS.count, "none").total;
  return [
    `### Preview of pull request #${args.pullRequest}: ${url}`,
    "",
    `Pull request: ${checked}. One task of the smallest size; removed when the pull request closes (\`preview --pr ${args.pullRequest} --destroy\`), or by the janitor.`,
    "",
    `**Fixed monthly cost**: ${dollars(cost)} left up around the clock (its task and the task's public IPv4; on the shared load balancer, which costs it nothing more) — ${ESTIMATE_NOTE}`,
    "",
    summary,
  ].join("\n");
}

/** One preview the janitor found, and what it did with it. */
interface Swept {
  claim: HostClaim;
  /** Why it was removed, or why it stays. */
  verdict: string;
  removed: boolean;
}

/**
 * `sweep-previews`: removes this environment's previews whose pull request is
 * closed (asked when GitHub is given), or whose last deploy is older than the
 * TTL; leaves the others.
 * Previews are found by their claims on the shared environment (made before
 * any apply, released only after a destroy: a preview with resources has one).
 *
 * @param args the environment, the TTL and GitHub
 */
export async function sweepPreviews(args: SweepArgs): Promise<string> {
  return withEnvironment(args, "sweep-previews", async (env) => {
    if (!env.shared)
      throw new DeployError(
        `sweep-previews: environment "${env.config.name}" is not attached to a shared environment, so it has no previews.`,
      );
    const ssm = new SSMClient(env.sdk);
    let claims: HostClaim[];
    try {
      // <prefix>-pr-<N>: this environment's previews, not another service's.
      const prefix = env.shared.view.previewPrefix.replace(/\*$/, "");
      claims = (await readHostClaims(ssm, env.shared.view.claims)).filter(
        (c) => c.kind === "preview" && c.pullRequest !== undefined && c.stack === `${prefix}${c.pullRequest}`,
      );
    } finally {
      ssm.destroy();
    }
    const swept: Swept[] = [];
    for (const claim of claims) {
      const pr = args.github ? await pullRequestState(args.github, claim.pullRequest!) : undefined;
      const last = await lastDeploy(env.sdk, env.config.state.bucket, `${claim.stack}/deployments.jsonl`);
      const ageHours = (Date.now() - Date.parse(last ?? claim.at)) / 3_600_000;
      const reason =
        pr && pr.state !== "open"
          ? `pull request #${claim.pullRequest} is ${pr.merged ? "merged" : "closed"}`
          : ageHours > args.ttlHours
            ? `last deployed ${ageHours.toFixed(0)} h ago, over the TTL of ${args.ttlHours} h`
            : undefined;
      if (!reason) {
        const state = pr ? "open" : "pull request not asked";
        swept.push({ claim, verdict: `kept: ${state}, deployed ${ageHours.toFixed(1)} h ago`, removed: false });
        continue;
      }
      args.log(`▶ remove the preview of #${claim.pullRequest}: ${reason}`);
      await preview({
        ...args,
        // A removal builds nothing: no Dockerfile read, no build secrets.
        dockerfile: "Dockerfile",
        buildSecrets: [],
        version: "0.0.0-dev",
        gitCommit: "",
        pullRequest: claim.pullRequest!,
        destroy: true,
      });
      swept.push({ claim, verdict: `removed: ${reason}`, removed: true });
    }
    return [
      `### Previews of ${args.name}: ${swept.filter((s) => s.removed).length} removed, ${swept.filter((s) => !s.removed).length} kept`,
      "",
      ...(args.github
        ? []
        : [
            `Pull requests not asked (no \`with-github\`): only previews over the TTL of ${args.ttlHours} h were removed; a closed one's goes with its close job, or at the TTL.`,
            "",
          ]),
      ...(swept.length === 0
        ? ["No preview found."]
        : [
            "| pull request | host | stack | verdict |",
            "|---|---|---|---|",
            ...swept.map((s) => `| #${s.claim.pullRequest} | ${s.claim.host} | ${s.claim.stack} | ${s.verdict} |`),
          ]),
    ].join("\n");
  });
}

/**
 * When a preview was last deployed, from its ledger (undefined: none recorded).
 * @param sdk SDK settings
 * @param bucket the state bucket
 * @param key the preview's ledger
 */
async function lastDeploy(
  sdk: Parameters<typeof s3Ledger>[0],
  bucket: string,
  key: string,
): Promise<string | undefined> {
  const entries = await s3Ledger(sdk, bucket, key)
    .read()
    .catch(() => []);
  return entries.at(-1)?.at;
}
