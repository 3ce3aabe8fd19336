/**
 * What a long test is waiting on right now: the e2e helpers say it here
 * ("the state lock of fargate-pipeline-staging, while deploy A runs") and the
 * progress reporter (scripts/e2e-progress.ts) reads it when the run has been
 * silent for a while, so a person can tell what a quiet test is doing.
 *
 * Tests run in worker processes and the reporter in the main one: each worker
 * keeps its waits in a small JSON file of its own, in the directory the
 * reporter names in FP_E2E_WAITING_DIR (workers inherit it). Without that
 * variable (a test run without the reporter) waiting is only kept in memory.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The environment variable naming the directory of the workers' wait files. */
export const WAITING_DIR_ENV = "FP_E2E_WAITING_DIR";

/** One thing a test waits on. */
export interface Wait {
  /** What, in words: "the state lock … (deploy A runs)". */
  what: string;
  /** When the wait began (ms since the epoch). */
  since: number;
}

const current = new Map<number, Wait>();
let nextId = 0;

/** Writes this worker's waits to its file (when a reporter listens). */
function publish(): void {
  const dir = process.env[WAITING_DIR_ENV];
  if (!dir) return;
  const file = join(dir, `${process.pid}.json`);
  try {
    mkdirSync(dir, { recursive: true });
    if (current.size === 0) rmSync(file, { force: true });
    else writeFileSync(file, JSON.stringify([...current.values()]));
  } catch {
    // Progress reporting must never fail a test.
  }
}

/**
 * Records that the calling test waits on `what` until the returned function is called.
 *
 * @param what what it waits on, in words a person reading the log understands
 * @returns the function that ends the wait (idempotent)
 */
export function waitingOn(what: string): () => void {
  const id = nextId++;
  current.set(id, { what, since: Date.now() });
  publish();
  return () => {
    if (current.delete(id)) publish();
  };
}

/**
 * Runs `fn`, recorded as waiting on `what` while it runs.
 *
 * @param what what it waits on
 * @param fn the wait
 */
export async function whileWaitingOn<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const done = waitingOn(what);
  try {
    return await fn();
  } finally {
    done();
  }
}

/** The waits of this process (for tests of the registry). */
export function ownWaits(): Wait[] {
  return [...current.values()];
}

/**
 * Every wait the workers have published in `dir`, oldest first.
 *
 * @param dir the directory named by FP_E2E_WAITING_DIR
 */
export function readWaits(dir: string): Wait[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const waits: Wait[] = [];
  for (const f of files) {
    try {
      waits.push(...(JSON.parse(readFileSync(join(dir, f), "utf8")) as Wait[]));
    } catch {
      // A file being rewritten: read next time.
    }
  }
  return waits.sort((a, b) => a.since - b.since);
}
