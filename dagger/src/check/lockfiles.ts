/**
 * A lock file out of sync with its manifest, in every ecosystem `check` and
 * `test` know, said the same way: which file, which manifest, the command that
 * fixes it, and the tool's own words. Read from what the tool printed, so the
 * same words explain `check` and a Dockerfile's install step.
 */
import { indent, stripAnsi } from "../common/errors.js";
import { explainLockFileProblem } from "../common/npm.js";

/** One ecosystem's lock file, its manifest, the fix, and how its tools say it drifted. */
export interface LockRule {
  /** The lock file, as the message names it. */
  lockFile: string;
  /** The manifest(s) it must match. */
  manifest: string;
  /** The command that brings the lock file back in sync. */
  fix: string;
  /** What to commit after the fix. */
  commit: string;
  /** The tool's words when the lock file does not match (any line). */
  outOfSync: RegExp;
  /** The tool's words when there is no lock file at all. */
  missing?: RegExp;
  /** The lines of the tool's output worth showing under the message. */
  detail: RegExp;
}

/** The rules, by ecosystem. npm's messages come from common/npm.ts (its wording predates this table). */
export const LOCK_RULES = {
  pnpm: {
    lockFile: "pnpm-lock.yaml",
    manifest: "package.json",
    fix: "pnpm install",
    commit: "pnpm-lock.yaml",
    outOfSync: /ERR_PNPM_OUTDATED_LOCKFILE|pnpm-lock\.yaml is not up to date with/,
    missing: /ERR_PNPM_NO_LOCKFILE|because pnpm-lock\.yaml is absent/,
    detail: /ERR_PNPM_|Failure reason:|specifiers in the lockfile|dependenc(y|ies) (was|were) /,
  },
  yarn: {
    lockFile: "yarn.lock",
    manifest: "package.json",
    fix: "yarn install",
    commit: "yarn.lock",
    // yarn 2+ (--immutable): YN0028; yarn 1 (--frozen-lockfile): "Your lockfile needs to be updated".
    outOfSync:
      /YN0028|The lockfile would have been (modified|created) by this install|Your lockfile needs to be updated/,
    detail: /YN0028|^\s*[+-]\s+\S|lockfile needs to be updated/,
  },
  poetry: {
    lockFile: "poetry.lock",
    manifest: "pyproject.toml",
    fix: "poetry lock",
    commit: "poetry.lock",
    outOfSync: /pyproject\.toml changed significantly since poetry\.lock was last generated/,
    missing: /poetry\.lock (was )?not found/i,
    detail: /pyproject\.toml changed|poetry\.lock|Run `poetry lock`/,
  },
  uv: {
    lockFile: "uv.lock",
    manifest: "pyproject.toml",
    fix: "uv lock",
    commit: "uv.lock",
    outOfSync: /lockfile at `uv\.lock` needs to be updated/,
    missing: /Unable to find lockfile at `uv\.lock`/,
    detail: /uv\.lock|^\s*(error|hint):/,
  },
  go: {
    lockFile: "go.mod and go.sum",
    manifest: "the code's imports",
    fix: "go mod tidy",
    commit: "go.mod and go.sum",
    // What the go command prints when the code imports a package go.mod does not cover (-mod=readonly).
    outOfSync: /no required module provides package|updates to go\.mod needed|missing go\.sum entry/,
    detail:
      /no required module provides package|updates to go\.mod needed|missing go\.sum entry|go get |go mod tidy|^[+-]\s*\S|^(---|\+\+\+) /,
  },
  // A vendoring module whose code imports a package go.mod does not require: the go command
  // looks only in vendor/ (-mod=vendor), and both files and vendor/ need the fix.
  "go-vendored": {
    lockFile: "go.mod, go.sum and vendor/",
    manifest: "the code's imports",
    fix: "go mod tidy && go mod vendor",
    commit: "go.mod, go.sum and vendor/",
    outOfSync: /import lookup disabled by -mod=vendor/,
    detail: /cannot find module providing package|import lookup disabled|go mod vendor/,
  },
  vendor: {
    lockFile: "vendor/",
    manifest: "go.mod and go.sum",
    fix: "go mod vendor",
    commit: "vendor/",
    outOfSync: /go: inconsistent vendoring/,
    detail: /inconsistent vendoring|is (explicitly required|marked as explicit) in|go mod vendor/,
  },
} as const satisfies Record<string, LockRule>;

/** The ecosystems with a lock rule (npm's are in common/npm.ts). */
export type LockEcosystem = keyof typeof LOCK_RULES;

// 10 lines: what the tool says about the drift; the fix command shows the rest.
const MAX_DETAIL_LINES = 10;

/**
 * The message for a lock file out of sync (or missing), from a tool's output.
 *
 * @param ecosystem whose rule to apply
 * @param output what the tool printed
 * @param found how and where the drift was found, e.g. "`poetry check --lock` in check"
 * @returns the message, whose first line names the fix, or undefined when the output says neither
 */
export function explainLockDrift(ecosystem: LockEcosystem, output: string, found: string): string | undefined {
  const rule: LockRule = LOCK_RULES[ecosystem];
  const text = stripAnsi(output);
  const missing = rule.missing?.test(text) === true;
  if (!missing && !rule.outOfSync.test(text)) return undefined;
  const details = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => rule.detail.test(l));
  return lockMessage(ecosystem, missing ? "missing" : "out of sync", found, details);
}

/**
 * The message for a lock file out of sync or missing, when the caller already knows which
 * (e.g. `go mod tidy -diff` exits 1 and prints a diff).
 *
 * @param ecosystem whose lock file
 * @param problem what is wrong with it
 * @param found how and where it was found, e.g. "`go mod tidy -diff` in check"
 * @param details the tool's lines worth showing (the first few are kept)
 */
export function lockMessage(
  ecosystem: LockEcosystem,
  problem: "out of sync" | "missing",
  found: string,
  details: readonly string[],
): string {
  const rule: LockRule = LOCK_RULES[ecosystem];
  const plural = rule.lockFile.includes(" and ");
  const headline =
    problem === "missing"
      ? `there is no ${rule.lockFile}: run \`${rule.fix}\` and commit ${rule.commit}`
      : `${rule.lockFile} ${plural ? "are" : "is"} out of sync with ${rule.manifest}: run \`${rule.fix}\` and commit ${rule.commit}`;
  const shown = details.filter((l) => l.trim() !== "").slice(0, MAX_DETAIL_LINES);
  return [
    headline,
    `(found by ${found})`,
    ...(shown.length > 0 ? ["it says:", indent(shown)] : []),
    ...(details.length > MAX_DETAIL_LINES ? [`    … and ${details.length - MAX_DETAIL_LINES} more lines`] : []),
  ].join("\n");
}

/**
 * The lock file message for a failed step of any ecosystem (a Dockerfile's
 * install or build step): npm's first, then each rule's.
 *
 * @param output what the step printed
 * @param where where it ran, for the message
 * @returns the message, or undefined when no tool in the output complains about a lock file
 */
export function explainAnyLockDrift(output: string, where: string): string | undefined {
  const npm = explainLockFileProblem(output, where);
  if (npm) return npm;
  for (const ecosystem of Object.keys(LOCK_RULES) as LockEcosystem[]) {
    const message = explainLockDrift(ecosystem, output, where);
    if (message) return message;
  }
  return undefined;
}
