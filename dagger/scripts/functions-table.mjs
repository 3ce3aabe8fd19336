#!/usr/bin/env node
/**
 * Prints the module's functions as a Markdown table for the README, read from
 * the TypeScript SDK's own introspector (what `dagger functions` lists), so the
 * table cannot drift from the code:
 *
 *   node dagger/scripts/functions-table.mjs > /tmp/functions.md
 */
import { describeModule, scanModule } from "./introspect.mjs";

const mod = describeModule(await scanModule());

/** Escapes a cell's text for a Markdown table. */
const cell = (s) => String(s).replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

/** An argument as `--flag Type (default x)`. */
const arg = (a) => {
  const dflt = a.defaultPath !== undefined ? ` (default: the repository, \`${a.defaultPath}\`)` : a.default !== undefined ? ` (default \`${a.default}\`)` : a.required ? " (required)" : "";
  return `\`${a.flag}\` ${a.type}${dflt}`;
};

const lines = [
  "| function | what it does | arguments |",
  "|---|---|---|",
  ...mod.functions.map((f) => `| \`${f.cli}\`${f.isCheck ? " ✓" : ""} | ${cell(f.description)} | ${f.args.map(arg).join("<br>") || "—"} |`),
  "",
  `Module arguments, before the function name (\`dagger call --source ../other-app test\`): ${mod.constructorArgs.map(arg).join("; ")}.`,
  "✓: also run by `dagger check`.",
];
console.log(lines.join("\n"));
