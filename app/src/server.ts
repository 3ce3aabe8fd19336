/**
 * The process entry point (`node dist/server.js`): validates the configuration, listens,
 * and shuts down gracefully.
 *
 * Shutdown: on SIGTERM (ECS stopping the task, `docker stop`) or SIGINT the server stops
 * accepting connections, closes idle kept-alive ones, lets in-flight requests finish and
 * exits 0. If that takes longer than SHUTDOWN_TIMEOUT_MS (default 20 s, below the 30 s ECS
 * stop timeout that infra/ sets, after which ECS sends SIGKILL) it logs so and exits 1.
 * Node runs as PID 1 in the container (ECS has no `--init`): these handlers are what makes
 * SIGTERM stop it at all, since PID 1 gets no default signal actions.
 */
import closeWithGrace from "close-with-grace";
import type { FastifyInstance } from "fastify";
import { buildApp, type BuildOptions } from "./app.ts";
import { parseConfig, type AppConfig } from "./config.ts";

// Signals that report a crash in native code: JavaScript must not run on them (Node's docs),
// so they keep their default action instead of starting a graceful close.
const FAULT_SIGNALS = ["SIGILL", "SIGBUS", "SIGFPE", "SIGSEGV", "SIGTRAP", "SIGABRT"] as const;

/** Options for {@link startServer}. */
export interface StartOptions extends BuildOptions {
  /**
   * Called with the built app before it listens. Tests use it to add hooks (e.g. to hold a
   * request in flight) while the process lifecycle stays the production one.
   */
  readonly configure?: (app: FastifyInstance) => void;
}

/**
 * Builds the app, installs the graceful-shutdown handlers and listens.
 *
 * @param config the validated configuration
 * @param options log sink, clock and a test hook, see {@link StartOptions}
 * @returns the listening app
 */
export async function startServer(config: AppConfig, options: StartOptions = {}): Promise<FastifyInstance> {
  const app = buildApp(config, options);
  options.configure?.(app);

  closeWithGrace(
    {
      delay: config.shutdownTimeoutMs,
      skip: [...FAULT_SIGNALS],
      logger: { error: (message: unknown) => app.log.error(message) },
      onTimeout: (delay) =>
        app.log.error(
          `shutdown did not finish within SHUTDOWN_TIMEOUT_MS=${delay} ms: exiting 1 with requests still in flight`,
        ),
      onSecondSignal: (signal) => app.log.error(`second ${signal} during shutdown: exiting 1 without waiting`),
    },
    async ({ signal, err }) => {
      if (err) app.log.fatal({ err }, "uncaught error: shutting down");
      else app.log.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
      await app.close();
      app.log.info("shutdown complete");
    },
  );

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    app.log.fatal(
      { err },
      `cannot listen on ${config.host}:${config.port} (${code ?? "error"}): set PORT/HOST to a free port and a local address`,
    );
    process.exit(1);
  }
  return app;
}

/**
 * Runs the service with the process's environment: on an invalid configuration, prints one
 * line per invalid variable to stderr and exits 1 before listening.
 *
 * @returns the listening app
 */
export async function main(): Promise<FastifyInstance> {
  const result = parseConfig(process.env);
  if (!result.ok) {
    process.stderr.write(result.errors.join("\n") + "\n");
    process.exit(1);
  }
  return startServer(result.config);
}

if (import.meta.main) await main();
