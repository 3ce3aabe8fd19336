/**
 * Waits of the e2e tests, each bounded by what it waits for: a poll for a
 * sign of a run (its state lock) ends the moment that run ends, and when the
 * run failed the wait fails at once with the run's own error message. A
 * deploy that fails at `check` before taking any lock makes the test fail in
 * seconds, naming the check failure — not sit out its timeout in silence.
 *
 * While a wait runs it is recorded with scripts/e2e-waiting.ts, so the e2e
 * progress reporter can say what a quiet test waits on.
 */
import type { ChildProcess } from "node:child_process";

import { waitingOn } from "../../../scripts/e2e-waiting.js";

/** A run a test watches: a deploy's promise, or a driver process's exit. */
export interface WatchedRun {
  /** Who runs, for messages: "the first deploy". */
  name: string;
  /** Settles when the run ends: rejects with its error when it fails. */
  done: Promise<unknown>;
}

/** How long to poll, and how often. */
export interface PollOptions {
  /** Give up after this long (the run is still going then). */
  timeoutMs: number;
  /** Time between two probes (default 200 ms). */
  intervalMs?: number;
}

/** How a run ended, once it has. */
type Ended = { ended: true; ok: true } | { ended: true; ok: false; error: unknown };

/** The message of what a failed run threw. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Polls `probe` until it returns a value, racing every probe and every pause
 * against the run: the run's end (success or failure) ends the wait, and so
 * does the timeout. A probe that hangs (a silent emulator) cannot hold it.
 *
 * @param what what is awaited, for messages: "a run to take the lock …"
 * @param probe one look; undefined while the thing is not there yet
 * @param run the run that should make it happen
 * @param options timeout and interval
 * @returns the probe's first value
 * @throws Error with the run's own message when the run failed first
 */
export async function pollWhileRunning<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  run: WatchedRun,
  options: PollOptions,
): Promise<T> {
  const start = Date.now();
  const deadline = start + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  const ended: Promise<Ended> = run.done.then(
    () => ({ ended: true, ok: true }),
    (error: unknown) => ({ ended: true, ok: false, error }),
  );
  const stop = waitingOn(`${what} (while ${run.name} runs)`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves after ms, or at the deadline, whichever is first. */
  const pause = (ms: number) =>
    new Promise<{ ended: false; value: undefined }>((r) => {
      timer = setTimeout(() => r({ ended: false, value: undefined }), Math.max(0, Math.min(ms, deadline - Date.now())));
    });
  /** The error for a run that ended before the awaited thing happened. */
  const endedFirst = (e: Ended): Error => {
    const seconds = ((Date.now() - start) / 1000).toFixed(1);
    if (e.ok) return new Error(`${what}: ${run.name} ended (it succeeded) after ${seconds} s without that happening`);
    return new Error(`${what}: ${run.name} failed after ${seconds} s, before that happened:\n${messageOf(e.error)}`, {
      cause: e.error,
    });
  };
  try {
    for (;;) {
      const look = probe().then((value) => ({ ended: false as const, value }));
      look.catch(() => {}); // a probe that fails after losing the race is moot; one that wins throws below
      const looked = await Promise.race([look, ended, pause(deadline - Date.now())]);
      clearTimeout(timer);
      if (looked.ended) throw endedFirst(looked);
      if (looked.value !== undefined) return looked.value;
      if (Date.now() >= deadline)
        throw new Error(`${what}: not within ${options.timeoutMs / 1000} s, and ${run.name} is still running`);
      const next = await Promise.race([ended, pause(interval)]);
      clearTimeout(timer);
      if (next.ended) throw endedFirst(next);
    }
  } finally {
    clearTimeout(timer);
    stop();
  }
}

/**
 * A driver process as a watched run: it ends when the process exits, and an
 * exit is a failure whose message is the process's output (its last lines).
 *
 * @param child the process (its stdout/stderr collected by `output`)
 * @param name who it is, for messages
 * @param output what it printed so far
 */
export function processRun(child: ChildProcess, name: string, output: () => string): WatchedRun {
  const done = new Promise<never>((_, fail) => {
    // "close", not "exit": the output streams are read to their end by then.
    child.once("close", (code, signal) => {
      const said = output().trimEnd().split("\n").slice(-30).join("\n");
      fail(new Error(`${name} exited (${signal ?? `code ${code ?? "?"}`}):\n${said}`));
    });
    child.once("error", (err) => fail(err));
  });
  done.catch(() => {});
  return { name, done };
}
