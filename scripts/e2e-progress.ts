/**
 * A vitest reporter for the long tiers (e2e): each test's name when it starts
 * and when it ends, with its time, and — when nothing has been printed for a
 * while (5 min) — which test is running and what it waits on (what the helpers
 * recorded with scripts/e2e-waiting.ts). Reading the output, a person can tell
 * at any moment which test runs, and a silent one says why it is silent.
 *
 * It only adds lines: the default reporter still prints results and errors.
 * Wired in vitest.config.ts and by scripts/test.mjs for the e2e tier.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";

import type { Reporter, ReportedHookContext, TestCase, TestModule, TestSuite, Vitest } from "vitest/node";

import { readWaits, WAITING_DIR_ENV } from "./e2e-waiting.ts";
import { ERROR_PREFIX } from "./failure-excerpts.mjs";

/** The reporter's options (vitest passes them from the config's `[path, options]`). */
export interface ProgressOptions {
  /** The projects whose tests are reported (default: e2e). */
  projects?: readonly string[];
  /** Minutes without output after which the running test and its waits are printed (default 5). */
  quietMinutes?: number;
  /** Where lines go (default: vitest's logger). */
  write?: (line: string) => void;
  /** The clock (tests pass a fake one). */
  now?: () => number;
  /** How often silence is checked, in ms (default 15 s); 0: never on its own (tests call `tick`). */
  checkEveryMs?: number;
}

// 5 min: the longest quiet stretch of a healthy e2e test (a cold image build
// under a deploy) is about 3 minutes; longer silence deserves a word.
const QUIET_MINUTES = 5;
// 15 s: silence is noticed within 15 s of the limit; a check costs nothing.
const CHECK_EVERY_MS = 15_000;
// 40 lines: what a failed command's error carries (tofu's "Error: …" block with its
// resource and the API's answer) without a whole plan's output.
export const ERROR_LINES = 40;

/** What runs now: a test or a suite-level hook. */
interface Running {
  label: string;
  since: number;
}

/** Seconds, or minutes and seconds, for people. */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * The lines of an error after its first, as printed under a failed test's "✘":
 * marked, trailing blank lines dropped, at most ERROR_LINES of them.
 * @param rest The error message's lines after the first.
 */
export function errorLines(rest: readonly string[]): string[] {
  const lines = [...rest];
  while (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
  const kept = lines.slice(0, ERROR_LINES).map((l) => `${ERROR_PREFIX}${l}`);
  if (lines.length > ERROR_LINES)
    kept.push(`${ERROR_PREFIX}(… ${lines.length - ERROR_LINES} more lines: vitest's report of the failure has them)`);
  return kept;
}

/** Prints test starts and ends with their time, and what a silent run waits on. */
export default class E2eProgressReporter implements Reporter {
  private readonly projects: readonly string[];
  private readonly quietMs: number;
  private readonly now: () => number;
  private readonly checkEveryMs: number;
  private writeLine: ((line: string) => void) | undefined;
  private root = process.cwd();
  private readonly running = new Map<string, Running>();
  private lastOutput: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private waitingDir: string | undefined;

  /** @param options see {@link ProgressOptions} */
  constructor(options: ProgressOptions = {}) {
    this.projects = options.projects ?? ["e2e"];
    this.quietMs = (options.quietMinutes ?? QUIET_MINUTES) * 60_000;
    this.now = options.now ?? Date.now;
    this.checkEveryMs = options.checkEveryMs ?? CHECK_EVERY_MS;
    this.writeLine = options.write;
    this.lastOutput = this.now();
  }

  /** Keeps vitest's logger and root; names the directory the workers publish their waits in (they inherit it). */
  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.writeLine ??= (line) => vitest.logger.log(line);
    if (!process.env[WAITING_DIR_ENV]) {
      this.waitingDir = mkdtempSync(join(tmpdir(), "fp-e2e-waiting-"));
      process.env[WAITING_DIR_ENV] = this.waitingDir;
    }
  }

  /** Starts watching for silence. */
  onTestRunStart(): void {
    this.lastOutput = this.now();
    if (this.checkEveryMs > 0 && !this.timer) {
      this.timer = setInterval(() => this.tick(), this.checkEveryMs);
      this.timer.unref();
    }
  }

  /** A test starts: its name. */
  onTestCaseReady(test: TestCase): void {
    if (!this.reported(test.project.name)) return;
    this.running.set(test.id, { label: this.label(test), since: this.now() });
    this.print(`▶ ${this.label(test)}`);
  }

  /** A test ended: its name, outcome and time. */
  onTestCaseResult(test: TestCase): void {
    if (!this.reported(test.project.name)) return;
    const started = this.running.get(test.id)?.since;
    this.running.delete(test.id);
    const result = test.result();
    const took = test.diagnostic()?.duration ?? (started === undefined ? 0 : this.now() - started);
    if (result.state === "skipped")
      return this.print(`↓ ${this.label(test)} (skipped${result.note ? `: ${result.note}` : ""})`);
    const mark = result.state === "failed" ? "✘" : "✔";
    const [why = "", ...rest] = result.state === "failed" ? (result.errors?.[0]?.message ?? "").split("\n") : [];
    this.print(
      [`${mark} ${this.label(test)} (${duration(took)})${why ? `: ${why}` : ""}`, ...errorLines(rest)].join("\n"),
    );
  }

  /** A beforeAll/afterAll starts (they can be long: an engine session, a bootstrap). */
  onHookStart(hook: ReportedHookContext): void {
    if (hook.name !== "beforeAll" && hook.name !== "afterAll") return;
    if (!this.reported(hook.entity.project.name)) return;
    const label = `${hook.name} of ${this.suiteLabel(hook.entity)}`;
    this.running.set(`${hook.entity.id}:${hook.name}`, { label, since: this.now() });
    this.print(`▶ ${label}`);
  }

  /** A beforeAll/afterAll ended. */
  onHookEnd(hook: ReportedHookContext): void {
    if (hook.name !== "beforeAll" && hook.name !== "afterAll") return;
    const key = `${hook.entity.id}:${hook.name}`;
    const r = this.running.get(key);
    if (!r) return;
    this.running.delete(key);
    this.print(`✔ ${r.label} (${duration(this.now() - r.since)})`);
  }

  /** The tests' own output counts as output. */
  onUserConsoleLog(): void {
    this.lastOutput = this.now();
  }

  /** Stops the timer and removes the waits directory. */
  onTestRunEnd(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.waitingDir) rmSync(this.waitingDir, { recursive: true, force: true });
  }

  /**
   * When nothing was printed for the quiet limit: what runs, since when, and
   * what it waits on. Called by the timer; public for tests.
   */
  tick(): void {
    const quiet = this.now() - this.lastOutput;
    if (quiet < this.quietMs || this.running.size === 0) return;
    const dir = process.env[WAITING_DIR_ENV];
    const waits = dir ? readWaits(dir) : [];
    const lines = [`… nothing printed for ${duration(quiet)}; running:`];
    for (const r of this.running.values()) lines.push(`    ${r.label} (for ${duration(this.now() - r.since)})`);
    if (waits.length === 0)
      lines.push("    waiting on: nothing recorded (a step inside the test; its own timeout bounds it)");
    for (const w of waits) lines.push(`    waiting on: ${w.what} (for ${duration(this.now() - w.since)})`);
    this.print(lines.join("\n"));
  }

  private reported(project: string): boolean {
    return this.projects.includes(project);
  }

  private label(test: TestCase): string {
    return `${this.file(test.module)} › ${test.fullName}`;
  }

  private suiteLabel(entity: TestSuite | TestModule): string {
    return entity.type === "module" ? this.file(entity) : `${this.file(entity.module)} › ${entity.fullName}`;
  }

  private file(module: TestModule): string {
    const rel = relative(this.root, module.moduleId);
    return rel.startsWith("..") ? basename(module.moduleId) : rel;
  }

  private print(text: string): void {
    const stamp = new Date(this.now()).toISOString().slice(11, 19);
    (this.writeLine ?? ((l: string) => process.stdout.write(`${l}\n`)))(`[${stamp}] ${text}`);
    this.lastOutput = this.now();
  }
}
