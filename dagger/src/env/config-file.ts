/**
 * Where an environment's configuration comes from: the app's
 * fargate-pipeline.yaml, or the file `--config` names. The default file is
 * optional (without it only `local` exists, with defaults); a file named with
 * `--config` that is not there is an error that names it and what the source
 * directory holds, never a silent fall-back to the defaults under another
 * service name.
 */
import type { Directory } from "@dagger.io/dagger";

import type { ConfigFile } from "../stacks/infra-bridge.js";

/** The configuration file's default path in the app's source (infra's CONFIG_FILE_NAME). */
export const DEFAULT_CONFIG_FILE = "fargate-pipeline.yaml";

/** How many of the source's top-level entries a message lists. */
const LISTED_ENTRIES = 12;

/**
 * The app's configuration file, or undefined when the default one is absent.
 *
 * @param source the app's source directory
 * @param path --config, a path inside it
 * @throws Error naming the file and the source's top level when --config names a file that is not there
 */
export async function configFileOf(source: Directory, path: string): Promise<ConfigFile | undefined> {
  if (await source.exists(path)) return { file: source.file(path), name: path };
  if (path === DEFAULT_CONFIG_FILE) return undefined;
  throw new Error(missingConfigMessage(path, await source.entries()));
}

/**
 * The message for a --config that names no file of the source.
 *
 * @param path --config
 * @param entries the source directory's top-level entries
 */
export function missingConfigMessage(path: string, entries: string[]): string {
  const shown = entries.slice(0, LISTED_ENTRIES).join(", ") + (entries.length > LISTED_ENTRIES ? ", …" : "");
  const yaml = entries.filter((e) => /\.ya?ml$/.test(e));
  return (
    `--config ${path}: there is no such file in the source directory (--source, by default the directory you call from; it holds ${shown || "nothing"})` +
    (yaml.length > 0 ? `; its YAML files: ${yaml.join(", ")}` : "") +
    `. Pass the configuration's path relative to the source, or leave --config out to read ${DEFAULT_CONFIG_FILE} (optional: without it only the local environment exists).`
  );
}
