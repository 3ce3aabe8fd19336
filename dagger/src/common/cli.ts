/**
 * How a person types a call of this module, for the messages that tell them
 * what to run next (one place, so the messages follow the API), and how a
 * function's output reaches their terminal.
 */

/** The local environment's name (env/open.ts LOCAL, repeated here to keep this file free of imports). */
const LOCAL = "local";

/**
 * The `dagger call` line of a function on an environment.
 *
 * @param env the environment's name
 * @param fn the function and its flags, e.g. "destroy --confirm staging"
 */
export function callOn(env: string, fn: string): string {
  if (env === LOCAL) return `dagger call environment ${fn}`;
  return `dagger call environment --name ${env} with-aws-credentials … ${fn}`;
}

/**
 * Prints one progress line (stderr: the function's result is stdout).
 * @param line the line
 */
export function progress(line: string): void {
  console.error(line);
}

/**
 * The text with a final newline, so the shell prompt starts on its own line.
 * @param text a function's text result
 */
export function asOutput(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** How to create or rotate one secret, for messages (the CLI spelling). */
export function setSecretCommand(env: string, envVar: string): string {
  return `dagger call environment --name ${env} with-aws-credentials … set-secret --name ${envVar} --value env:${envVar}`;
}
