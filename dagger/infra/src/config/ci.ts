/**
 * The CI an environment trusts, as the stacks and the module read it: the
 * `ci` block (or its older spelling, `github:`) resolved to one CiConfig, and
 * the issuer of its tokens. Pure.
 */
import { GITHUB_ISSUER } from "./oidc.ts";
import type { EnvironmentParsed } from "./schema.ts";
import type { CiConfig } from "./types.ts";

/**
 * The CI block as the stacks read it: `ci`, else the older `github:`, else none.
 * @param c The parsed configuration (checkCi passed).
 */
export function resolveCi(c: Pick<EnvironmentParsed, "name" | "ci" | "github">): CiConfig {
  const ci =
    c.ci ?? (c.github === undefined ? { provider: "none" as const } : { provider: "github" as const, ...c.github });
  if (ci.provider !== "github") return ci;
  return { ...ci, environment: ci.environment ?? c.name };
}

/**
 * The issuer of a CI's tokens, as its `iss` claim spells it.
 * @param ci A CI other than none.
 */
export function ciIssuer(ci: Exclude<CiConfig, { provider: "none" }>): string {
  if (ci.provider === "github") return GITHUB_ISSUER;
  if (ci.provider === "gitlab") return ci.url;
  return ci.issuer;
}
