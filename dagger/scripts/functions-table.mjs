#!/usr/bin/env node
/**
 * The module's functions as a Markdown table for the README, read from the
 * TypeScript SDK's own introspector (what `dagger functions` lists), so the
 * table cannot drift from the code (a unit test compares it with the README):
 *
 *   node dagger/scripts/functions-table.mjs           # prints the table
 *   node dagger/scripts/functions-table.mjs --write   # replaces it in README.md
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { readmeSection, writeReadmeSection } from "../infra/scripts/readme-section.ts";
import { describeModule, REPO_ROOT, scanModule } from "./introspect.mjs";

/** The comment that marks the table's start in README.md. */
export const README_MARKER = "<!-- node dagger/scripts/functions-table.mjs --write -->";
/** The table's last line. */
const LAST_LINE = "✓: also run by `dagger check`.";

/** Escapes a cell's text for a Markdown table. */
const cell = (s) =>
  String(s)
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");

/** A function's first line, as `dagger functions` shows it (`--help` shows the rest and its example). */
const helpText = (s) => String(s).split("\n")[0] ?? "";

/** An argument as `--flag Type (default x)`. */
const arg = (a) => {
  const dflt =
    a.defaultPath !== undefined
      ? ` (default: the repository, \`${a.defaultPath}\`)`
      : a.default !== undefined
        ? ` (default ${a.default === "" ? "empty" : `\`${a.default}\``})`
        : a.required
          ? " (required)"
          : "";
  return `\`${a.flag}\` ${a.type}${dflt}`;
};

/**
 * The table for a described module.
 *
 * @param {ReturnType<typeof describeModule>} mod
 * @returns {string}
 */
export function functionsTable(mod) {
  const row = (prefix) => (f) =>
    `| \`${prefix}${f.cli}\`${f.isCheck ? " ✓" : ""} | ${cell(helpText(f.description))} | ${f.args.map(arg).join("<br>") || "—"} |`;
  // A function that returns an object (environment, platform) is followed by that object's functions.
  const chained = (f) => (mod.objects.find((o) => o.name === f.returns)?.functions ?? []).map(row(`${f.cli} … `));
  return [
    "| function | what it does | arguments |",
    "|---|---|---|",
    ...mod.functions.flatMap((f) => [row("")(f), ...chained(f)]),
    "",
    `Module arguments, before the function name (\`dagger call --source ../other-app test\`): ${mod.constructorArgs.map(arg).join("; ")}.`,
    LAST_LINE,
  ].join("\n");
}

/**
 * The table as README.md has it now (from the marker to its last line), or undefined.
 *
 * @param {string} readme
 */
export function readmeTable(readme) {
  return readmeSection(readme, { marker: README_MARKER, lastLine: LAST_LINE });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const table = functionsTable(describeModule(await scanModule()));
  if (process.argv.includes("--write")) {
    writeReadmeSection(join(REPO_ROOT, "README.md"), { marker: README_MARKER, lastLine: LAST_LINE }, table);
    console.error("README.md: functions table updated");
  } else console.log(table);
}
