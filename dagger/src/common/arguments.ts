/**
 * The module's free-text arguments checked where they are given: a URL that is
 * not one, or JSON that does not parse, fails at once with one line that names
 * the argument and shows what it takes, instead of failing later, deep in an
 * AWS client or in infra's resolver, with a message that names neither.
 */

/**
 * An http(s) URL argument, as given; otherwise an error naming the argument.
 *
 * @param argument how the caller wrote it, e.g. "with-emulator --endpoint"
 * @param value what was given
 * @param example a URL it takes, for the message
 */
export function urlArgument(argument: string, value: string, example: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["http:", "https:"].includes(url.protocol) || url.hostname === "") {
    throw new Error(`${argument} ${JSON.stringify(value)} is not an http(s) URL; pass one like ${example}`);
  }
  return value;
}

/**
 * A JSON object argument, as given ("" for none); otherwise an error naming the argument.
 *
 * @param argument how the caller wrote it, e.g. "with-emulator --config-overrides"
 * @param value what was given
 * @param example an object it takes, for the message
 */
export function jsonObjectArgument(argument: string, value: string, example: string): string {
  if (value.trim() === "") return "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new Error(
      `${argument} is not JSON (${(err as Error).message.split("\n")[0]}); pass an object like '${example}'`,
      { cause: err },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${argument} must be a JSON object, not ${JSON.stringify(parsed)}; pass one like '${example}'`);
  }
  return value;
}
