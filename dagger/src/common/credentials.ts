/**
 * Credentials read from Dagger Secrets. A secret from `file:PATH` keeps the
 * file's trailing newline (`echo token > file` writes one), where `env:NAME`
 * usually has none: the same value would then work through one and be refused
 * (401, InvalidClientTokenId) through the other. One trailing newline is
 * removed from every credential, so both forms give the same value; nothing
 * else is changed (a credential with inner whitespace is the user's to fix).
 */
import { createHash } from "node:crypto";

import { dag, type Secret } from "@dagger.io/dagger";

/**
 * The value without one trailing line ending (`\n` or `\r\n`).
 * @param value a credential as read
 */
export function withoutTrailingNewline(value: string): string {
  return value.replace(/\r?\n$/, "");
}

/**
 * A credential's value, trimmed of one trailing newline.
 * @param secret the Secret (env:, file:, cmd:, …)
 */
export async function readCredential(secret: Secret): Promise<string> {
  return withoutTrailingNewline(await secret.plaintext());
}

/**
 * The credential as a Secret without its trailing newline, for what the engine
 * hands on itself (registry auth, OpenTofu's environment). Named by a digest of
 * the value, so the same value is the same secret and no two values collide.
 *
 * @param secret the Secret as passed
 * @param purpose what it is, in the secret's name (e.g. "registry-password")
 */
export async function trimmedSecret(secret: Secret, purpose: string): Promise<{ value: string; secret: Secret }> {
  const value = await readCredential(secret);
  const digest = createHash("sha256").update(value).digest("hex").slice(0, 16);
  return { value, secret: dag.setSecret(`fp-${purpose}-${digest}`, value) };
}
