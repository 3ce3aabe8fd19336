/**
 * How a person types a call of this module, for the messages that tell them
 * what to run next. One place, so the messages follow the API.
 */

/** The local environment's name (environment.ts LOCAL, repeated here to keep this file free of imports). */
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
