/**
 * The steps of a deploy or rollback: each one logged when it starts and ends,
 * with its time, and the whole as the table at the end of the summary.
 */

/**
 * Timing of the steps of one call (deploy, rollback), logged as they run and
 * tabled for the summary. Once the call has ended (`end`), steps still running
 * in the background — check, test and build go on in the engine after an early
 * failure — finish unseen: their lines would land in whatever the caller prints
 * next, as though they belonged to it.
 */
export class Steps {
  readonly start = Date.now();
  /** Steps in the order they ended; skipped: not run at all (the note says why). */
  readonly rows: { name: string; seconds: number; note?: string; skipped?: true }[] = [];
  private readonly running = new Set<string>();
  private ended = false;
  /**
   * @param log where each step's start and end are printed
   */
  constructor(private readonly log: (line: string) => void) {}

  /**
   * Runs one step: logs its start, its end with its time (and note), or its failure.
   *
   * @param name the step's name in the log and the table
   * @param fn the step
   * @param note a note for the table from the step's value
   */
  async run<T>(name: string, fn: () => Promise<T>, note?: (v: T) => string | undefined): Promise<T> {
    const t = Date.now();
    this.log(`▶ ${name}`);
    this.running.add(name);
    try {
      const v = await fn();
      const seconds = (Date.now() - t) / 1000;
      const n = note?.(v);
      this.rows.push({ name, seconds, ...(n ? { note: n } : {}) });
      if (!this.ended) this.log(`✔ ${name} (${seconds.toFixed(1)} s)${n ? `: ${n}` : ""}`);
      return v;
    } catch (err) {
      if (!this.ended) this.log(`✘ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      throw err;
    } finally {
      this.running.delete(name);
    }
  }

  /**
   * A step that did not run, with why: logged, and in the table as skipped.
   *
   * @param name the step's name in the log and the table
   * @param why why it did not run (e.g. "the plan has no changes")
   */
  skip(name: string, why: string): void {
    this.rows.push({ name, seconds: 0, note: why, skipped: true });
    if (!this.ended) this.log(`⏭ ${name}: skipped, ${why}`);
  }

  /**
   * A step that ran but whose result was not used (e.g. a plan superseded by
   * another): its row is renamed "<name>, discarded", with why.
   *
   * @param name the step's name
   * @param why why its result is not used
   */
  discard(name: string, why: string): void {
    const row = this.rows.findLast((r) => r.name === name && !r.skipped);
    if (!row) return;
    row.name = `${name}, discarded`;
    row.note = why;
  }

  /** The names of the steps that ran to the end (skipped ones left out). */
  get ran(): string[] {
    return this.rows.filter((r) => !r.skipped).map((r) => r.name);
  }

  /** The call is over: says which steps it leaves running, and prints nothing more. */
  end(): void {
    if (this.ended) return;
    if (this.running.size > 0)
      this.log(`(not waited for, their results unused: ${[...this.running].join(", ")} — still running in the engine)`);
    this.ended = true;
  }

  /** Seconds since the call started. */
  get total(): number {
    return (Date.now() - this.start) / 1000;
  }

  /** The steps as a Markdown table with their times and the total. */
  table(): string {
    return [
      "| step | time | |",
      "|---|---:|---|",
      ...this.rows.map((r) =>
        r.skipped
          ? `| ${r.name} | – | skipped: ${r.note} |`
          : `| ${r.name} | ${r.seconds.toFixed(1)} s | ${r.note ?? ""} |`,
      ),
      `| **total** | **${this.total.toFixed(1)} s** | |`,
    ].join("\n");
  }
}
