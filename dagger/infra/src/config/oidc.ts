/**
 * The OIDC facts the configuration and the trust policies share: the issuers
 * of GitHub Actions and GitLab, the default audience, how IAM spells an issuer
 * in its condition keys, and which `sub` patterns are pinned enough to trust.
 * Pure: no AWS calls.
 */

/** GitHub Actions' issuer (every repository's tokens come from it). */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** GitLab.com's issuer; a self-managed instance is its own URL. */
export const GITLAB_ISSUER = "https://gitlab.com";

/**
 * The audience the pipeline's tokens carry by default: what GitHub's
 * configure-aws-credentials requests, and what the GitLab example's
 * `id_tokens` ask for, so one provider client id serves both.
 */
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

/**
 * The issuer as IAM's condition keys and OIDC provider ARNs spell it: the URL
 * without its scheme (and without a trailing slash), e.g. "gitlab.com" in
 * `gitlab.com:sub`.
 * @param issuer The issuer's URL, e.g. https://gitlab.com.
 */
export function issuerHost(issuer: string): string {
  return issuer.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

/** IAM's wildcards in StringLike: `*` (any run of characters) and `?` (one character). */
const WILDCARD = /[*?]/;

/** What separates the parts of a subject: `repo:OWNER/REPO:…`, `project_path:GROUP/PROJECT:…`. */
const SEPARATOR = /[:/]/g;

/**
 * True when a subject is a pattern (IAM's StringLike), not an exact value.
 * @param subject A `sub` value of the configuration.
 */
export function isSubjectPattern(subject: string): boolean {
  return WILDCARD.test(subject);
}

/**
 * What is wrong with a `sub` the configuration trusts, or undefined when it is
 * fine. An exact value is fine; a pattern must keep at least its first two
 * parts fixed before any wildcard (`repo:acme/*`, `project_path:acme/app:ref_type:branch:ref:*`),
 * so that it cannot match the tokens of every repository or project of the
 * issuer: `*`, `*:main` or `repo:*` would let anyone with an account there
 * assume the role.
 * @param subject A `sub` value of the configuration.
 */
export function subjectProblem(subject: string): string | undefined {
  if (subject.trim() === "") return "must not be empty";
  if (/\s/.test(subject)) return "must not contain spaces";
  const wildcard = subject.search(WILDCARD);
  if (wildcard === -1) return undefined;
  const fixed = subject.slice(0, wildcard);
  if ((fixed.match(SEPARATOR) ?? []).length < 2) {
    return `"${subject}" would trust the tokens of every ${fixed === "" ? "subject" : `"${fixed}…" subject`} of the issuer: keep at least the first two parts fixed before a wildcard (e.g. "repo:OWNER/REPO:…" or "project_path:GROUP/PROJECT:…"), or list exact subjects`;
  }
  return undefined;
}
