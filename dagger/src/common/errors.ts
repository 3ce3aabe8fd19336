/**
 * Turning engine and tool failures into messages a person can act on: what
 * failed, the few lines that say why, and what to do — never a secret value.
 */

/** Output and exit status of a failed command, as the engine reports it. */
export interface CommandFailure {
  /** The command that failed, when the error names it. */
  cmd: string[];
  /** Exit code, or -1 when the failure did not come from a process. */
  exitCode: number;
  /** Everything the command printed, stdout then stderr. */
  output: string;
}

/**
 * Reads the output of a failed exec from an error thrown by the SDK.
 * Works on `ExecError` (its `stdout`/`stderr`) and on any other error (its message).
 *
 * @param err what a Dagger call threw
 */
export function commandFailure(err: unknown): CommandFailure {
  if (err !== null && typeof err === "object" && "stdout" in err && "stderr" in err) {
    const e = err as { cmd?: unknown; stdout?: unknown; stderr?: unknown; exitCode?: unknown };
    const output = [e.stdout, e.stderr].filter((s): s is string => typeof s === "string" && s.length > 0).join("\n");
    const cmd = Array.isArray(e.cmd) ? e.cmd.map(String) : [];
    return { cmd, exitCode: typeof e.exitCode === "number" ? e.exitCode : -1, output };
  }
  return { cmd: [], exitCode: -1, output: err instanceof Error ? err.message : String(err) };
}

/** Removes terminal colour codes, which tools print even into captured output. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}

/**
 * Replaces every occurrence of each secret value with `***`.
 * Values shorter than 4 characters are replaced too: a leak is a leak.
 *
 * @param text any text that may end up in an error or a log
 * @param secrets plaintext values that must not appear in it (empty ones are ignored)
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s) out = out.split(s).join("***");
  }
  return out;
}

/**
 * The last `max` lines of `text` that are not blank, for an error message.
 *
 * @param text command output
 * @param max how many lines to keep
 */
export function tail(text: string, max: number): string[] {
  const lines = stripAnsi(text)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.slice(-max);
}

/** Indents each line for a nested block in a message. */
export function indent(lines: readonly string[], by = "    "): string {
  return lines.map((l) => `${by}${l}`).join("\n");
}

/**
 * An error whose message already says what state things are in and what to do:
 * deploy and the operations throw it as it is, without adding a "State:" line.
 */
export class DeployError extends Error {
  override name = "DeployError";
}
