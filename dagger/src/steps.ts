/**
 * The steps of a deploy or rollback: each one logged when it starts and ends,
 * with its time, and the whole as the table at the end of the summary.
 */

/** Timing of the steps of one call (deploy, rollback), logged as they run and tabled for the summary. */
export class Steps {
  readonly start = Date.now();
  readonly rows: { name: string; seconds: number; note?: string }[] = [];
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
    try {
      const v = await fn();
      const seconds = (Date.now() - t) / 1000;
      const n = note?.(v);
      this.rows.push({ name, seconds, ...(n ? { note: n } : {}) });
      this.log(`✔ ${name} (${seconds.toFixed(1)} s)${n ? `: ${n}` : ""}`);
      return v;
    } catch (err) {
      this.log(`✘ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      throw err;
    }
  }

  /** Seconds since the call started. */
  get total(): number {
    return (Date.now() - this.start) / 1000;
  }

  /** The steps as a Markdown table with their times and the total. */
  table(): string {
    return ["| step | time | |", "|---|---:|---|", ...this.rows.map((r) => `| ${r.name} | ${r.seconds.toFixed(1)} s | ${r.note ?? ""} |`), `| **total** | **${this.total.toFixed(1)} s** | |`].join("\n");
  }
}
