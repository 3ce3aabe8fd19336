/**
 * `check`'s lint of the repository's GitHub Actions workflows: actionlint with
 * shellcheck, in the actionlint image, wherever check runs (a laptop, CI's
 * check job). Skipped, and said so, when the source has no workflows.
 */
import { dag, type Directory } from "@dagger.io/dagger";

import type { StepOutcome } from "./step.js";
import { commandFailure } from "../common/errors.js";

/** The image, pinned to the actionlint the test bed builds (testbed/versions.env). */
export const ACTIONLINT_IMAGE = "rhysd/actionlint:1.7.12";
const WORKFLOWS = ".github/workflows";
// Pyflakes off: no workflow here runs Python (the official image has it; the test bed's does not).
const ACTIONLINT_ARGS = ["actionlint", "-no-color", "-shellcheck", "shellcheck", "-pyflakes="];
const NAME = "workflows";

/**
 * actionlint on the source's workflows (with the repository's .github/actionlint.yaml
 * when it has one); skipped when there are none.
 *
 * @param source the repository root
 */
export async function lintWorkflows(source: Directory): Promise<StepOutcome> {
  const files = (await source.exists(WORKFLOWS))
    ? (await source.directory(WORKFLOWS).entries()).filter((f) => /\.ya?ml$/.test(f)).sort()
    : [];
  if (files.length === 0) return { name: NAME, status: "skipped", note: `no ${WORKFLOWS}/*.yml` };
  const config = (await source.exists(".github/actionlint.yaml")) ? ["-config-file", ".github/actionlint.yaml"] : [];
  const args = [...ACTIONLINT_ARGS, ...config, ...files.map((f) => `${WORKFLOWS}/${f}`)];
  const command = args.filter((a) => a !== "-no-color").join(" ");
  try {
    // Only .github: a change elsewhere does not rerun the lint.
    await dag
      .container()
      .from(ACTIONLINT_IMAGE)
      .withDirectory("/src/.github", source.directory(".github"))
      .withWorkdir("/src")
      .withExec(args)
      .sync();
    return {
      name: NAME,
      status: "passed",
      command: "actionlint with shellcheck",
      note: `${files.length} workflow${files.length === 1 ? "" : "s"}`,
    };
  } catch (err) {
    const output = commandFailure(err).output;
    // actionlint's format: "path:line:col: message [rule]".
    const keyLines = output.split("\n").filter((l) => /^\S+\.ya?ml:\d+:\d+: /.test(l));
    return {
      name: NAME,
      status: "failed",
      command,
      fix: command,
      keyLines: keyLines.length > 0 ? keyLines : output.split("\n").slice(-15),
    };
  }
}
