/**
 * The sample app's configuration file (the repository's fargate-pipeline.yaml),
 * read the way the module reads an app's: the environments the infra tests
 * synthesize are the ones the sample deploys.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseConfigFile, type ConfigFile } from "../../src/config/file.ts";

/** Path of the sample's configuration file. */
export const SAMPLE_CONFIG_PATH = resolve(import.meta.dirname, "../../../../fargate-pipeline.yaml");

/** The sample's configuration, parsed. */
export const SAMPLE: ConfigFile = parseConfigFile(readFileSync(SAMPLE_CONFIG_PATH, "utf8"), "fargate-pipeline.yaml");
