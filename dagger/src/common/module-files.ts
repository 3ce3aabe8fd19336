/**
 * The module's own files: the infrastructure code (`infra/`, its lock file)
 * and the local emulator's launcher (`src/local/emulator.py`) travel with the
 * module, not with the app being deployed.
 *
 * How Dagger v0.21 resolves what a module sees (core/schema/module.go,
 * modfunc.go at v0.21.8):
 * - `dag.currentModule().source()` is the module's source directory (dagger.json's
 *   "source", here `dagger/`), loaded from the module's own repository or local
 *   path, gitignored files left out. Files outside it (even with dagger.json's
 *   "include") are not in it: that is why the stacks live in `dagger/infra/`.
 * - A `defaultPath` argument resolves against the *caller's* context: for
 *   `dagger call` in this repository, this repository; for `dagger -m <module>
 *   call`, the module's repository (hence `--source .`); for a toolchain
 *   installed in an app's repository, the app's repository (legacy
 *   ContextSource injection). So the app comes through `source`, the stacks
 *   through currentModule(), and neither depends on where the other sits.
 */
import { dag, type Directory, type File } from "@dagger.io/dagger";

/** Where the infrastructure sits in the module's source directory. */
export const INFRA_DIR = "infra";

/** Set outside a module (see useModuleSource). */
let moduleSourceOverride: Directory | undefined;

/**
 * Names the module's source directory for a caller that runs the module's
 * class outside a module: the SDK's `connection()`, as the tests and benches
 * do, has no current module.
 *
 * @param dir the module's source directory (this repository's `dagger/`)
 */
export function useModuleSource(dir: Directory): void {
  moduleSourceOverride = dir;
}

/** The module's source directory: the current module's, or the one useModuleSource() named. */
function moduleSource(): Directory {
  return moduleSourceOverride ?? dag.currentModule().source();
}

/** The module's infrastructure workspace (CDKTF stacks, package.json, package-lock.json). */
export function moduleInfra(): Directory {
  return moduleSource().directory(INFRA_DIR);
}

/**
 * A file of the module's own source, e.g. `src/local/emulator.py`.
 * @param path its path in the module's source directory (dagger/)
 */
export function moduleFile(path: string): File {
  return moduleSource().file(path);
}
