/** Types of introspect.mjs (see there). */

/** The module's root directory (dagger/). */
export const MODULE_DIR: string;
/** The repository root (where dagger.json is). */
export const REPO_ROOT: string;
/** Every .ts/.mts file under dir (default dagger/src). */
export function moduleFiles(dir?: string): string[];
/** The SDK's DaggerModule for dagger/src. */
export function scanModule(opts?: { loadModule?: boolean }): Promise<unknown>;
/** How long a test may give scanModule() (over a minute seen under load). */
export const SCAN_TIMEOUT_MS: number;
/** kebab-case, as the dagger CLI spells functions and flags. */
export function cliName(name: string): string;

/** One argument, as `dagger call … --help` shows it. */
export interface DescribedArg {
  name: string;
  flag: string;
  type: string;
  required: boolean;
  default?: unknown;
  defaultPath?: string;
  ignore?: string[];
  description: string;
}

/** One function of the main object. */
export interface DescribedFunction {
  name: string;
  cli: string;
  description: string;
  isCheck: boolean;
  cache?: string;
  returns: string;
  args: DescribedArg[];
}

/** Another object of the module (returned by a function, chained onto). */
export interface DescribedObject {
  name: string;
  description: string;
  functions: DescribedFunction[];
  /** Its state: every field, exposed or not, with its type (what must serialize between calls). */
  fields: { name: string; type: string; exposed: boolean }[];
}

/** The main object: constructor arguments and functions; and the other objects. */
export interface DescribedModule {
  name: string;
  description: string;
  moduleDescription: string;
  constructorArgs: DescribedArg[];
  functions: DescribedFunction[];
  objects: DescribedObject[];
}

/** A plain summary of the main object of a scanned module. */
export function describeModule(mod: unknown): DescribedModule;
