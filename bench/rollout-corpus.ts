/**
 * Prints the rollout corpus as a table: every case of
 * dagger/test/fixtures/rollout-corpus (AWS responses recorded in public sources)
 * replayed through the rollout tracker with the fake transport and the fake
 * clock the unit tests use, with its verdict, the first line of its cause and
 * the virtual seconds to the verdict (nothing waits: it takes a few seconds).
 *
 *   npx tsx --tsconfig dagger/tsconfig.json bench/rollout-corpus.ts           # print the table
 *   npx tsx --tsconfig dagger/tsconfig.json bench/rollout-corpus.ts --write   # and put it in docs/rollout.md
 *
 * A case whose verdict, named cause or time differs from what its fixture
 * expects is listed after the table, and the exit status is 1.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

import { loadCorpus, mismatches, runCase, type CaseRun } from "../dagger/test/fixtures/rollout-corpus/replay.js";
import { corpusTable, withTable } from "../dagger/test/fixtures/rollout-corpus/table.js";

const DOC = resolve(import.meta.dirname, "../docs/rollout.md");

const runs: CaseRun[] = [];
for (const c of loadCorpus()) runs.push(await runCase(c));
const table = corpusTable(runs);
console.log(table);

const off = runs.flatMap((r) => {
  const wrong = mismatches(r);
  return wrong.length > 0 ? [`${r.corpusCase.case}: ${wrong.join("; ")}`] : [];
});
if (off.length > 0) {
  console.error(`\n${off.length} case(s) differ from their fixture:\n${off.join("\n")}`);
  process.exitCode = 1;
}

if (process.argv.includes("--write")) {
  writeFileSync(DOC, withTable(readFileSync(DOC, "utf8"), table));
  console.error(`\nwrote the table into ${DOC}`);
}
