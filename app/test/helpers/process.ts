/**
 * Runs a service process the way the container does (node on a .ts file: Node strips the
 * types) and follows its JSON log lines.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Absolute path of a file under app/, e.g. `src/server.ts`. */
export function appPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

/** A parsed pino log line. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** A running service process. */
export interface ServiceProcess {
  /** The child process. */
  readonly child: ChildProcessWithoutNullStreams;
  /** Every JSON line written to stdout so far. */
  readonly logs: LogLine[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean): Promise<LogLine>;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

/**
 * Starts `node <script>` with only the given environment (plus PATH).
 *
 * @param script path under app/, e.g. `src/server.ts`
 * @param env environment variables for the process
 */
export function startProcess(script: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [appPath(script)], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on("line", (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, notJson: true };
    }
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = once(child, "exit").then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(match) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then((code) =>
          reject(
            new Error(
              `process exited (${code}) before the awaited log line; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`,
            ),
          ),
        );
      });
    },
  };
}

/**
 * Waits until the service logs its listening address and returns its port.
 *
 * @param service a process started with HOST=127.0.0.1 and PORT=0
 */
export async function listeningPort(service: ServiceProcess): Promise<number> {
  const line = await service.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith("Server listening at "));
  return Number(new URL(String(line.msg).slice("Server listening at ".length)).port);
}
