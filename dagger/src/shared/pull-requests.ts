/**
 * Whether a pull request is still open, from GitHub's REST API ("Get a pull
 * request", GET /repos/{owner}/{repo}/pulls/{pull_number}): a preview is
 * deployed only for an open one (a deploy that races a merge would leave an
 * orphan), and the janitor removes previews of closed ones (GitHub sends no
 * `closed` event for some: a conflicting head, a deleted branch).
 */

/** GitHub's public API; GitHub Enterprise Server serves it under https://HOST/api/v3. */
export const GITHUB_API = "https://api.github.com";

/** How to reach a repository's pull requests. */
export interface GithubAccess {
  /** A token that may read the repository's pull requests (a workflow's GITHUB_TOKEN). */
  token: string;
  /** "OWNER/REPO". */
  repository: string;
  /** The API's base URL. */
  api: string;
}

/** What matters of a pull request here. */
export interface PullRequestState {
  number: number;
  /** "open" or "closed" (merged ones are closed too). */
  state: "open" | "closed";
  merged: boolean;
  /** When it closed, if it did. */
  closedAt?: string;
}

/**
 * Reads GitHub's answer: the fields of "Get a pull request" this uses.
 * @param body the response's JSON
 */
export function readPullRequest(body: unknown): PullRequestState {
  const b = (body ?? {}) as {
    number?: unknown;
    state?: unknown;
    merged?: unknown;
    merged_at?: unknown;
    closed_at?: unknown;
  };
  if (typeof b.number !== "number" || (b.state !== "open" && b.state !== "closed"))
    throw new Error(`GitHub answered something that is not a pull request: ${JSON.stringify(body).slice(0, 200)}`);
  return {
    number: b.number,
    state: b.state,
    // `merged` when GitHub sends it (its example of an open one carries a merged_at as well).
    merged: typeof b.merged === "boolean" ? b.merged : typeof b.merged_at === "string",
    ...(typeof b.closed_at === "string" ? { closedAt: b.closed_at } : {}),
  };
}

// 15 s: GitHub answers in well under a second; a hung request should fail the job, not hold it.
const GITHUB_TIMEOUT_MS = 15_000;

/**
 * A pull request's state.
 * @param gh the repository and token
 * @param pullRequest its number
 * @throws with what to do when GitHub refuses (token, repository) or does not answer
 */
export async function pullRequestState(gh: GithubAccess, pullRequest: number): Promise<PullRequestState> {
  const url = `${gh.api.replace(/\/$/, "")}/repos/${gh.repository}/pulls/${pullRequest}`;
  const response = await fetch(url, {
    headers: {
      Accept: "application/vnd.github+json",
      Authorization: `Bearer ${gh.token}`,
      "X-GitHub-Api-Version": "2022-11-28",
      "User-Agent": "fargate-pipeline",
    },
    signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
  });
  if (response.status === 404)
    throw new Error(
      `GitHub knows no pull request #${pullRequest} in ${gh.repository} (or the token may not read it): check --repository and the token's permissions (pull-requests: read)`,
    );
  if (!response.ok)
    throw new Error(
      `GitHub answered ${response.status} for pull request #${pullRequest} of ${gh.repository}: ${(await response.text()).slice(0, 200)}`,
    );
  return readPullRequest(await response.json());
}
