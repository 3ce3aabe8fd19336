/**
 * The rollout tracker on the corpus of AWS responses recorded in public sources
 * (test/fixtures/rollout-corpus, README.md there): every case, replayed through
 * the real SDK clients of createRolloutClients() with a fake transport and a fake
 * clock, gives the verdict its fixture states, names what its source shows (the
 * parameter, image, exit code or HTTP code) and decides within its stated
 * virtual seconds. docs/rollout.md holds the table these runs give.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { RECORD_FAILURES_BEFORE_FALLBACK } from "../../../src/rollout/records.js";
import {
  type CaseRun,
  type CorpusCase,
  loadCorpus,
  mismatches,
  runCase,
} from "../../fixtures/rollout-corpus/replay.js";
import { corpusTable, TABLE_END, TABLE_START, withTable } from "../../fixtures/rollout-corpus/table.js";

const corpus = loadCorpus();
const runs = new Map<string, CaseRun>();

beforeAll(async () => {
  for (const c of corpus) runs.set(c.case, await runCase(c));
});

/** The run of a case, by name. */
function run(name: string): CaseRun {
  const r = runs.get(name);
  if (!r) throw new Error(`no corpus case ${name}`);
  return r;
}

// What the issue asks the corpus to cover, at least.
const REQUIRED = [
  "success-rolloutstate-completed",
  "success-without-rolloutstate",
  "circuit-breaker-rollback",
  "rollback-before-first-poll",
  "image-pull-ecr-not-found",
  "image-pull-dockerhub-access-denied",
  "ssm-parameter-missing-fargate",
  "ssm-access-denied",
  "secretsmanager-kms-access-denied",
  "secretsmanager-network-timeout",
  "crash-loop-essential-container-exit",
  "alb-health-check-failure",
  "deployment-superseded",
  "throttling-recovers",
  "throttling-persists",
];

describe("the rollout corpus", () => {
  it("covers every case the issue lists, each from named sources, stating what was stitched and what it expects", () => {
    expect(corpus.map((c) => c.case)).toEqual(expect.arrayContaining(REQUIRED));
    for (const c of corpus) {
      const where = `${c.case}: `;
      expect(c.sources.length, `${where}sources`).toBeGreaterThan(0);
      // A non-citable text (found in a public repository the index could not name) says so, and is kept only where nothing citable exists.
      for (const s of c.sources)
        expect(
          s.url ?? s.package ?? (s.repo && (s.path ?? (s.citable === false ? s.repo : undefined))),
          `${where}source ${s.id} says where it is`,
        ).toBeTruthy();
      const ids = new Set(c.sources.map((s) => s.id));
      for (const m of c.timeline)
        for (const f of m.from ?? []) expect(ids.has(f), `${where}moment ${m.at} from ${f}`).toBe(true);
      expect(c.joined === null || c.joined.length > 40, `${where}joined`).toBe(true);
      expect(c.expected.names.length, `${where}names`).toBeGreaterThan(0);
      expect(c.expected.basis.length, `${where}basis`).toBeGreaterThan(20);
    }
  });

  it.each(corpus.map((c): [string, CorpusCase] => [c.case, c]))(
    "%s: the expected verdict, naming its cause, in time",
    (name) => {
      expect(mismatches(run(name))).toEqual([]);
    },
  );

  it("goes through the SDK's own parsing: every case answered DescribeServices (or its recorded error)", () => {
    for (const r of runs.values()) expect(r.requests.DescribeServices, r.corpusCase.case).toBeGreaterThan(0);
  });

  it("reads ECS's service-deployment records where the case has them, and gives up on a 500 after a few polls", () => {
    const record = run("rollback-before-first-poll-record");
    expect(record.requests).toMatchObject({
      ListServiceDeployments: 1,
      DescribeServiceDeployments: 1,
      DescribeServiceRevisions: 1,
    });
    // Without a record the same moment waits for a deployment that never comes: the record is what decides here.
    expect(record.result?.reason).toContain("ROLLBACK_SUCCESSFUL");
    expect(run("success-rolloutstate-completed").requests.ListServiceDeployments).toBe(RECORD_FAILURES_BEFORE_FALLBACK);
    expect(run("success-rolloutstate-completed").requests.DescribeServices).toBeGreaterThan(40);
  });

  it("keeps the load balancer's reason seen before ECS stopped the task, and the hint prints what it promises", () => {
    const alb = run("alb-health-check-failure");
    expect(alb.result?.reason).toContain("Target health, before ECS stopped its task:");
    expect(alb.result?.hint).toContain(
      "It answered Target.ResponseCodeMismatch (Health checks failed with these codes: [503])",
    );
    expect(alb.result?.summary).not.toContain("the target-health reasons below");
  });

  it("a new deployment at desiredCount 0 is starting its tasks, not draining 0/0", () => {
    const phases = run("image-pull-ecr-not-found").progress.map(
      (p) => `${p.phase} ${p.counts.running}/${p.counts.desired}`,
    );
    expect(phases[0]).toBe("starting tasks 0/2");
    expect(phases.join(" ")).not.toContain("draining");
  });

  it("docs/rollout.md holds the table of these runs", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../../../docs/rollout.md"), "utf8");
    const table = corpusTable(corpus.map((c) => run(c.case)));
    expect(doc, "run `npx tsx --tsconfig dagger/tsconfig.json bench/rollout-corpus.ts --write`").toContain(
      `${TABLE_START}\n${table}\n${TABLE_END}`,
    );
    expect(withTable(doc, table)).toBe(doc);
  });
});
