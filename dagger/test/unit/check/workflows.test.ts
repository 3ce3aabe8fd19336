/**
 * What fails the workflows step: actionlint's own findings and shellcheck's warnings and
 * errors; shellcheck's info and style notes are reported only. The findings are actionlint
 * 1.7.12's `-format '{{json .}}'` records (the shellcheck one as it printed it for `echo
 * $GITHUB_SHA` in a run: step; the others in its documented format with its own messages).
 */
import { describe, expect, it } from "vitest";

import { type ActionlintFinding, classifyFindings } from "../../../src/check/workflows.js";

const info: ActionlintFinding = {
  message:
    "shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing and word splitting",
  filepath: ".github/workflows/ci.yml",
  line: 7,
  column: 9,
  kind: "shellcheck",
};
const style: ActionlintFinding = {
  ...info,
  line: 12,
  message:
    "shellcheck reported issue in this script: SC2129:style:2:1: Consider using { cmd1; cmd2; } >> file instead of individual redirects",
};
const warning: ActionlintFinding = {
  ...info,
  line: 20,
  message:
    "shellcheck reported issue in this script: SC2034:warning:1:1: FOO appears unused. Verify use (or export if used externally)",
};
const expression: ActionlintFinding = {
  message: 'property "nope" is not defined in object type {}',
  filepath: ".github/workflows/ci.yml",
  line: 30,
  column: 24,
  kind: "expression",
};

describe("classifyFindings", () => {
  it("reports shellcheck's info and style notes without failing", () => {
    const { errors, notes } = classifyFindings([info, style]);
    expect(errors).toEqual([]);
    expect(notes).toEqual([
      ".github/workflows/ci.yml:7:9: shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing and word splitting [shellcheck]",
      expect.stringMatching(/^\.github\/workflows\/ci\.yml:12:9: .*SC2129:style:/),
    ]);
  });

  it("fails on shellcheck's warnings and errors and on every finding of actionlint's own", () => {
    const { errors, notes } = classifyFindings([info, warning, expression]);
    expect(notes).toHaveLength(1);
    expect(errors).toEqual([
      expect.stringMatching(/:20:9: .*SC2034:warning:/),
      '.github/workflows/ci.yml:30:24: property "nope" is not defined in object type {} [expression]',
    ]);
  });
});
