/**
 * `check` for a Node project, on the project as the Dockerfile's build context
 * sees it, in the official image of the Node it asks for (.nvmrc, engines.node):
 * the lock file (npm ci, pnpm install --frozen-lockfile, yarn install
 * --immutable / --frozen-lockfile; a packageManager pin runs through corepack),
 * then the project's typecheck, lint and format scripts, or where it has none,
 * the conventional tool its configuration asks for (tsc --noEmit for a
 * tsconfig.json, biome ci for a biome.json, eslint, prettier --check), and its
 * declared test script. vitest is asked for a JUnit report, so failing tests
 * are named from it.
 */
import { type Container, dag, type Directory } from "@dagger.io/dagger";

import {
  capture,
  type Captured,
  type EcosystemOutcome,
  junitLeftBy,
  plainLines,
  plainOutcome,
  type ProjectCheckOptions,
  type StepOutcome,
  TESTS_IN_TEST_STAGE,
  testOutcome,
  toolchainDeclarationFailed,
  toolchainStep,
} from "./step.js";
import type { NodeConfigs, NodeProject } from "./ecosystems.js";
import { commandFailure, indent, stripAnsi, tail } from "../common/errors.js";
import { explainLockDrift } from "./lockfiles.js";
import { explainNpmInstallFailure, nodeContainer, withSystemCAs, withSystemCAsScript } from "../common/npm.js";
import { filesOf, globFiles, ownFiles } from "./inputs.js";
import { type CheckSecret, withCheckSecrets, withoutCheckSecrets } from "./secrets.js";
import { clockMs, engineClock, probe, type RanAt, STAMP_FILE, stampedToFile } from "./replay.js";
import {
  dirOf,
  isWithin,
  matchWorkspaceDirs,
  nodeGraph,
  normalize,
  npmWorkspacePatterns,
  pnpmWorkspacePatterns,
  readsOf,
  type WorkspaceGraph,
  type WorkspacePackage,
} from "./workspaces.js";

// Defaults when package.json's packageManager field pins none. pnpm 12.4.2: the release whose
// platform builds the npm registry serves in full. yarn: the last 1.x, and the 4.x line for berry.
const PNPM_VERSION = "12.4.2";
const YARN_CLASSIC_VERSION = "1.22.22";
const YARN_BERRY_VERSION = "4.18.1";

// pnpm's content-addressed store, shared by every call like npm's cache.
const PNPM_STORE = "/pnpm-store";
const PNPM_STORE_VOLUME = "fargate-pipeline-pnpm-store";
// corepack's downloads of the pnpm and yarn releases packageManager pins (checked against their hashes).
const COREPACK_HOME = "/root/.cache/node/corepack";
// Node 25 and later no longer bundle corepack: the release the test bed's Node 24 image ships is
// installed from the npm registry where the image lacks it.
export const COREPACK_VERSION = "0.36.0";
const COREPACK_VOLUME = "fargate-pipeline-corepack";

// npm init's placeholder test script: a project that never wrote tests, not a failing test.
const NPM_INIT_TEST = /^echo "Error: no test specified" && exit 1$/;

// Where vitest writes the JUnit report check reads (outside /src: never mistaken for the app's files).
const JUNIT_PATH = "/tmp/fargate-pipeline-check/junit.xml";

/** A conventional tool a step runs when package.json has none of its scripts. */
interface ConventionalTool {
  /** The executable in node_modules/.bin. */
  bin: string;
  /** Its arguments. */
  args: string;
  /** The package that provides it (for the note when it is not installed). */
  pkg: string;
  /** The configuration file that asks for it. */
  config: string;
  /** The command that fixes what it finds, if another than itself. */
  fix?: string;
}

/** A package.json script step: the first of `scripts` that package.json defines runs. */
interface ScriptStep {
  name: string;
  scripts: readonly string[];
  /** The conventional tool, when the project's configuration asks for one (none: skipped). */
  conventional?: (configs: NodeConfigs) => ConventionalTool | undefined;
  /** Scripts that fix what the step finds (the first package.json defines is named as the fix); none: rerunning the step is the way. */
  fixScripts?: readonly string[];
  /** The lines of a failure's output that say what is wrong. */
  keyLines: (output: string) => string[];
}

/** The steps after the install, run in parallel against the same installed tree. */
export const SCRIPT_STEPS: readonly ScriptStep[] = [
  {
    name: "typecheck",
    scripts: ["typecheck"],
    conventional: (c) =>
      c.tsconfig ? { bin: "tsc", args: "--noEmit", pkg: "typescript", config: "tsconfig.json" } : undefined,
    keyLines: (out) => plainLines(out).filter((l) => /error TS\d+/.test(l)),
  },
  {
    name: "lint",
    scripts: ["lint"],
    conventional: (c) =>
      c.biome
        ? { bin: "biome", args: "ci .", pkg: "@biomejs/biome", config: c.biome, fix: "biome check --write ." }
        : c.eslint
          ? { bin: "eslint", args: ".", pkg: "eslint", config: c.eslint }
          : undefined,
    // eslint's stylish format: a file path line, then "  3:5  error  message  rule".
    keyLines: (out) =>
      plainLines(out).filter((l) => /^\s*\d+:\d+\s+error\s/.test(l) || /^\/\S+\.[cm]?[jt]sx?$/.test(l.trim())),
  },
  {
    name: "format",
    scripts: ["format:check"],
    fixScripts: ["format"],
    // Biome's `biome ci` in the lint step checks the formatting too; this runs its formatter alone
    // only when the lint step ran the project's own script.
    conventional: (c) =>
      c.biome
        ? { bin: "biome", args: "format .", pkg: "@biomejs/biome", config: c.biome, fix: "biome format --write ." }
        : c.prettier
          ? { bin: "prettier", args: "--check .", pkg: "prettier", config: c.prettier, fix: "prettier --write ." }
          : undefined,
    // Prettier names each file it would change ("[warn] src/a.ts"); Biome prints "src/a.ts format".
    keyLines: (out) =>
      plainLines(out).filter((l) => /^\[warn\] \S+\.\w+$/.test(l.trim()) || /^\S+\.\w+ format\b/.test(l.trim())),
  },
  { name: "unit tests", scripts: ["test:unit", "test"], keyLines: () => [] },
];

/** How one package manager installs from its lock file and runs a script. */
interface Manager {
  /** The install that refuses a lock file out of sync. */
  install: string;
  /** Runs a package.json script quietly. */
  run: (script: string) => string;
  /** The same, as a person types it (the report and the fix show it). */
  shown: (script: string) => string;
  /** Runs an installed package's executable, as a person types it. */
  exec: (bin: string) => string;
  /** Sets the manager up in the Node container (npm is there already). */
  setup?: (c: Container) => Container;
  /** The files the install reads, as include patterns. */
  inputs: string[];
}

/**
 * corepack, which runs the release package.json's packageManager pins (and verifies its hash),
 * as the official Node images ship it: enabled, its downloads in a shared cache.
 *
 * @param c the Node container
 */
function withCorepack(c: Container): Container {
  return c
    .withMountedCache(COREPACK_HOME, dag.cacheVolume(COREPACK_VOLUME))
    .withEnvVariable("COREPACK_HOME", COREPACK_HOME)
    .withEnvVariable("COREPACK_ENABLE_DOWNLOAD_PROMPT", "0")
    .withExec([
      "sh",
      "-c",
      withSystemCAsScript(
        `command -v corepack >/dev/null || npm install --global --prefer-offline corepack@${COREPACK_VERSION}; corepack enable`,
      ),
    ]);
}

/** The package manager's commands for a project. */
function manager(project: NodeProject): Manager {
  if (project.manager === "pnpm") {
    const version = project.version ?? PNPM_VERSION;
    return {
      install: "pnpm install --frozen-lockfile",
      run: (s) => `pnpm run --silent ${s}`,
      shown: (s) => `pnpm run ${s}`,
      exec: (b) => `pnpm exec ${b}`,
      setup: (c) =>
        (project.pinned
          ? withCorepack(c)
          : c.withExec(withSystemCAs(["npm", "install", "--global", "--prefer-offline", `pnpm@${version}`]))
        ).withEnvVariable("npm_config_store_dir", PNPM_STORE),
      inputs: ["**/package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs", "patches/**"],
    };
  }
  if (project.manager === "yarn") {
    const berry = project.yarnBerry === true;
    const pkg = berry
      ? `@yarnpkg/cli-dist@${project.version ?? YARN_BERRY_VERSION}`
      : `yarn@${project.version ?? YARN_CLASSIC_VERSION}`;
    return {
      install: berry ? "yarn install --immutable" : "yarn install --frozen-lockfile --non-interactive",
      run: (s) => (berry ? `yarn run ${s}` : `yarn --silent run ${s}`),
      shown: (s) => `yarn run ${s}`,
      exec: (b) => `yarn ${b}`,
      setup: (c) =>
        project.pinned
          ? withCorepack(c)
          : c.withExec(withSystemCAs(["npm", "install", "--global", "--prefer-offline", "--force", pkg])),
      inputs: [
        "**/package.json",
        "yarn.lock",
        ".yarnrc",
        ".yarnrc.yml",
        ".npmrc",
        ".yarn/releases/**",
        ".yarn/plugins/**",
        ".yarn/patches/**",
      ],
    };
  }
  return {
    install: "npm ci",
    run: (s) => `npm run --silent ${s}`,
    shown: (s) => `npm run ${s}`,
    exec: (b) => `npx --no-install ${b}`,
    inputs: [],
  };
}

/** The packages of a Node project and what check reads to run each one's steps. */
interface NodeLayout {
  graph: WorkspaceGraph;
  /** Each package's scripts, by its directory. */
  scripts: Record<string, Record<string, string>>;
  /** The workspace directories (for the root install's inputs and for placing a failure). */
  workspaces: string[];
  /** The npm projects of their own nested inside (a package-lock.json of their own). */
  nested: string[];
}

/**
 * Reads the project's packages from its manifests: the root, its workspaces (package.json's
 * `workspaces`, pnpm-workspace.yaml's `packages`) and, for npm, the projects nested inside with
 * a lock file of their own.
 *
 * @param source the build context
 * @param project what detection found
 * @param manifest the root package.json's text
 */
async function nodeLayout(source: Directory, project: NodeProject, manifest: string): Promise<NodeLayout> {
  const manifestPaths = (await source.glob("**/package.json")).filter((f) => !f.split("/").includes("node_modules"));
  const patterns =
    project.manager === "pnpm"
      ? (await source.exists("pnpm-workspace.yaml"))
        ? pnpmWorkspacePatterns(await source.file("pnpm-workspace.yaml").contents())
        : []
      : npmWorkspacePatterns(manifest);
  const candidates = manifestPaths.map(dirOf);
  const lockDirs = project.manager === "npm" ? await nestedProjects(source) : [];
  const wanted = new Set(["", ...matchWorkspaceDirs(patterns, candidates), ...lockDirs]);
  const manifests: Record<string, string> = { "": manifest };
  await Promise.all(
    [...wanted]
      .filter((d) => d !== "" && candidates.includes(d))
      .map(async (d) => (manifests[d] = await source.file(`${d}/package.json`).contents())),
  );
  const graph = nodeGraph({ patterns, manifests, lockDirs });
  const scripts: Record<string, Record<string, string>> = {};
  for (const p of graph.packages)
    scripts[p.dir] = (JSON.parse(manifests[p.dir] ?? "{}") as { scripts?: Record<string, string> }).scripts ?? {};
  return {
    graph,
    scripts,
    workspaces: graph.packages.filter((p) => p.role === "workspace").map((p) => p.dir),
    nested: graph.packages.filter((p) => p.role === "nested").map((p) => p.dir),
  };
}

/**
 * The files `npm ci` reads in each of the given directories: the manifest, the lock file and .npmrc.
 *
 * @param dirs the root ("") and its workspaces, or a nested project
 */
function npmInstallInputs(dirs: readonly string[]): string[] {
  return dirs.flatMap((d) =>
    ["package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc"].map((f) => (d === "" ? f : `${d}/${f}`)),
  );
}

/**
 * `npm ci` from the manifests and lock file only, so a source change does not reinstall; with
 * the build secrets the Dockerfile mounts, taken off again for the steps that run on it.
 *
 * @param source the repository root
 * @param workspaces its workspace directories
 * @param image the Node image
 * @param secrets the build secrets, as the Dockerfile mounts them
 */
async function npmRootInstall(
  source: Directory,
  workspaces: readonly string[],
  image: string,
  secrets: readonly CheckSecret[],
): Promise<Container> {
  const inputs = await globFiles(source, npmInstallInputs(["", ...workspaces]));
  const tree = nodeContainer(image).withDirectory("/src", filesOf(source, inputs)).withWorkdir("/src");
  const installed = withCheckSecrets(tree, secrets).withExec([
    "sh",
    "-c",
    withSystemCAsScript(stampedToFile("npm ci --prefer-offline")),
  ]);
  return withoutCheckSecrets(installed, secrets);
}

/**
 * A nested npm project's `npm ci` on top of an install, from its own manifest and lock file,
 * with the build secrets the Dockerfile mounts (taken off again after it).
 *
 * @param installed the install it goes on
 * @param source the repository root
 * @param dir the nested project's directory
 * @param secrets the build secrets, as the Dockerfile mounts them
 */
async function npmNestedInstall(
  installed: Container,
  source: Directory,
  dir: string,
  secrets: readonly CheckSecret[],
): Promise<Container> {
  const tree = installed.withDirectory("/src", filesOf(source, await globFiles(source, npmInstallInputs([dir]))));
  const done = withCheckSecrets(tree, secrets).withExec([
    "sh",
    "-c",
    withSystemCAsScript(stampedToFile(`npm ci --prefer-offline --prefix ${dir}`)),
  ]);
  return withoutCheckSecrets(done, secrets);
}

/** The message for an npm install that failed. */
function npmInstallMessage(err: unknown, image: string): string {
  const { output } = commandFailure(err);
  return explainNpmInstallFailure(output, "check", image) ?? `npm ci failed in check:\n${indent(tail(output, 15))}`;
}

/**
 * pnpm or yarn's install from the files it reads (stamped), with the build secrets the Dockerfile
 * mounts (taken off the container it returns); the lock file message when it refuses the lock.
 *
 * @param source the build context
 * @param project what detection found
 * @param m the package manager's commands
 * @param image the Node image
 * @param secrets the build secrets, as the Dockerfile mounts them
 */
async function installWith(
  source: Directory,
  project: NodeProject,
  m: Manager,
  image: string,
  secrets: readonly CheckSecret[],
): Promise<Captured> {
  let base = nodeContainer(image);
  if (project.manager === "pnpm") base = base.withMountedCache(PNPM_STORE, dag.cacheVolume(PNPM_STORE_VOLUME));
  base = m.setup ? m.setup(base) : base;
  const inputs = filesOf(source, await globFiles(source, m.inputs));
  const tree = withCheckSecrets(base.withDirectory("/src", inputs).withWorkdir("/src"), secrets);
  const result = await capture(tree, withSystemCAsScript(m.install));
  if (result.exitCode === 0) return { ...result, container: withoutCheckSecrets(result.container, secrets) };
  const ecosystem = project.manager === "pnpm" ? "pnpm" : "yarn";
  throw new Error(
    explainLockDrift(ecosystem, result.output, `\`${m.install}\` in check`) ??
      `\`${m.install}\` failed in check; run it locally to reproduce. ${project.manager} says:\n${indent(tail(result.output, 15))}`,
  );
}

/** When a stamped install ran, from the file it wrote. */
async function installRanAt(container: Container): Promise<RanAt | undefined> {
  const ms = clockMs(await container.file(STAMP_FILE).contents());
  return ms === undefined ? undefined : { start: ms, end: ms };
}

// A root script that runs the packages' own scripts: npm/yarn/pnpm across workspaces or in another
// directory, or a monorepo task runner. check runs each package's own script in its own step instead.
const FANS_OUT = [
  /\b(?:npm|pnpm|yarn)\b[^&|;]*?\s(?:--workspaces?\b|-ws\b|-w\s|--prefix\b|--recursive\b|-r\b|--filter\b|-F\s)/,
  /\byarn\s+workspaces\s+(?:foreach|run)\b/,
  /\b(?:turbo|nx|lerna)\s+(?:run|run-many|exec)\b/,
];

/**
 * The part of a root script that runs other packages' scripts, if it does (for the report).
 *
 * @param script the script's command line
 */
export function fanOut(script: string): string | undefined {
  for (const re of FANS_OUT) {
    const m = re.exec(script);
    if (m) return m[0].trim();
  }
  return undefined;
}

/** What one package's step runs: a script, a conventional tool, or nothing (with why). */
type StepPlan =
  | { run: "script"; script: string }
  | { run: "tool"; tool: ConventionalTool; noScript: string }
  | { run: "skip"; note: string; command?: string };

/**
 * What a package's step runs. A package runs its own script. The root of a repository split
 * into packages runs `<script>:root` when it has one (its own files only, as a monorepo task
 * runner's root task), else its script unless that script runs the packages' own (they run
 * in their own steps); the root's script or conventional tool also covers the packages that
 * have no script for the step, as it would run on a laptop.
 */
function planStep(step: ScriptStep, dir: string, layout: NodeLayout, configs: NodeConfigs): StepPlan {
  const scripts = layout.scripts[dir] ?? {};
  const split = layout.graph.packages.length > 1;
  const noScript = `${dir === "" ? "" : `${dir}/`}package.json has no ${step.scripts.map((s) => `"${s}"`).join(" or ")} script`;
  if (dir === "" && split) {
    const own = step.scripts.map((s) => `${s}:root`).find((s) => s in scripts);
    if (own) return { run: "script", script: own };
  }
  const script = step.scripts.find((s) => s in scripts);
  if (script) {
    const fans = dir === "" && split ? fanOut(scripts[script] ?? "") : undefined;
    if (fans)
      return {
        run: "skip",
        note: `its "${script}" script runs the packages' own (${fans}): check runs each in its own step; a "${step.scripts[0] ?? script}:root" script would check the root's own files`,
      };
    return { run: "script", script };
  }
  if (dir !== "") return { run: "skip", note: noScript };
  const tool = step.conventional?.(configs);
  return tool
    ? { run: "tool", tool, noScript }
    : { run: "skip", note: `${noScript}, and no configuration of a conventional tool` };
}

// Configuration files that tools find by walking up from a package's directory (ESLint, Prettier,
// Biome, EditorConfig, the test runners, Babel, SWC, Browserslist): a package's steps read those
// of the directories above it.
const WALK_UP_CONFIGS = new RegExp(
  "^(?:" +
    [
      "eslint\\.config\\.[cm]?[jt]s",
      "\\.eslintrc(?:\\.(?:js|cjs|json|ya?ml))?",
      "\\.eslintignore",
      "\\.prettierrc(?:\\.(?:json5?|ya?ml|toml|[cm]?js))?",
      "prettier\\.config\\.[cm]?[jt]s",
      "\\.prettierignore",
      "biome\\.jsonc?",
      "\\.editorconfig",
      "vitest\\.(?:config|workspace)\\.[cm]?[jt]s",
      "jest\\.config\\.[cm]?[jt]s",
      "babel\\.config\\.[cm]?js(?:on)?",
      "\\.babelrc(?:\\.json)?",
      "\\.swcrc",
      "\\.browserslistrc",
    ].join("|") +
    ")$",
);

/** A tsconfig's `extends` (a string or, since TypeScript 5.0, a list). */
function tsconfigExtends(text: string): string[] {
  // JSONC: comments and trailing commas, which tsconfig files allow.
  const json = text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"\\])\/\/.*$/gm, "$1")
    .replace(/,(\s*[}\]])/g, "$1");
  try {
    const ext = (JSON.parse(json) as { extends?: unknown }).extends;
    return (Array.isArray(ext) ? ext : [ext]).filter((e): e is string => typeof e === "string");
  } catch {
    return [];
  }
}

/**
 * The files outside a package's directories that its steps read: the tools' configuration in
 * the directories above it, and the tsconfig files its own extend (by a relative path).
 *
 * @param source the build context
 * @param dir the package's directory
 * @param mounted the directories whose files the step has anyway
 */
async function sharedFiles(source: Directory, dir: string, mounted: readonly string[]): Promise<string[]> {
  const covered = (path: string) => mounted.some((m) => isWithin(dirOf(path), m) && (m !== "" || !path.includes("/")));
  const shared = new Set<string>();
  const parts = dir.split("/");
  for (let i = parts.length - 1; i >= 0; i--) {
    const above = parts.slice(0, i).join("/");
    if (mounted.includes(above)) continue;
    const entries = above === "" ? await source.entries() : await source.directory(above).entries();
    for (const e of entries) if (WALK_UP_CONFIGS.test(e)) shared.add(above === "" ? e : `${above}/${e}`);
  }
  // tsconfig files: the package's own, then what each extends, while it leads outside what is mounted.
  const queue = (await source.directory(dir).entries())
    .filter((e) => /^tsconfig.*\.json$/.test(e))
    .map((e) => `${dir}/${e}`);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() ?? "";
    if (seen.has(file) || !(await source.exists(file))) continue;
    seen.add(file);
    if (!covered(file)) shared.add(file);
    for (const ext of tsconfigExtends(await source.file(file).contents())) {
      if (!ext.startsWith(".")) continue; // a package from node_modules: the install has it
      const target = normalize(`${dirOf(file)}/${ext}`);
      queue.push(target.endsWith(".json") ? target : `${target}.json`);
    }
  }
  return [...shared].filter((f) => !covered(f)).sort();
}

/** One step of one package, ready to run. */
interface PlannedStep {
  step: ScriptStep;
  dir: string;
  plan: StepPlan;
  /** The packages whose files it mounts (its own, those it reads, those it covers). */
  packages: string[];
  /** The packages without a script for the step that the root's covers. */
  covers: string[];
}

/**
 * The checks of a Node project at the root of the build context, split by package: each
 * package's typecheck, lint, format and tests run in their own step, on the install and only
 * the files that package reads (its own, the packages it depends on, the shared configuration
 * above it), so the engine replays the steps of a package nothing it reads changed in.
 *
 * @param project what detection found
 * @param options the source, its build context, and whether to run the test scripts
 */
export async function checkNode(project: NodeProject, options: ProjectCheckOptions): Promise<EcosystemOutcome> {
  const source = options.context.dir;
  const manifest = await source.file("package.json").contents();
  const m = manager(project);
  const label = project.manager === "npm" ? "npm" : `${project.manager} ${project.version ?? ""}`.trim();
  const lockFile = { npm: "package-lock.json", pnpm: "pnpm-lock.yaml", yarn: "yarn.lock" }[project.manager];
  let layout: NodeLayout;
  try {
    layout = await nodeLayout(source, project, manifest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      label,
      found: `package.json, ${lockFile}`,
      steps: [{ name: "packages", status: "failed", message, fix: "" }],
    };
  }
  const { graph, workspaces, nested } = layout;
  const split = graph.packages.length > 1;
  const found = `package.json, ${lockFile}${split ? `; packages: ${graph.packages.map((p) => packageDescription(p)).join(", ")}` : ""}`;
  const lockName = `lock file in sync with ${workspaces.length > 0 ? `the manifests of ${["root", ...workspaces].join(", ")}` : "package.json"}`;
  const notRun = (why: string) =>
    SCRIPT_STEPS.map((s): StepOutcome => ({ name: s.name, status: "skipped", note: `not run: ${why}` }));
  const toolchain = project.toolchain;
  if (toolchain === undefined || "error" in toolchain)
    return {
      label,
      found,
      steps: [toolchainDeclarationFailed(toolchain?.error ?? "no Node version"), ...notRun("no Node version")],
    };
  const base = nodeContainer(toolchain.image);
  let clock: number;
  try {
    clock = await engineClock(await base.sync());
  } catch (err) {
    return {
      label,
      found,
      steps: [toolchainStep(toolchain, err), ...notRun(`the ${toolchain.image} image is not there`)],
    };
  }

  // The steps first (what each runs and which packages' files it mounts): the installs follow from them.
  const configs = project.configs ?? { tsconfig: false };
  const plans: PlannedStep[] = [];
  for (const step of SCRIPT_STEPS) {
    const rootPlan = planStep(step, "", layout, configs);
    // The root's script covers the packages without one, unless it is the root's own (`<script>:root`).
    const covers =
      split && rootPlan.run !== "skip" && !(rootPlan.run === "script" && rootPlan.script.endsWith(":root"))
        ? graph.packages
            .filter((p) => p.dir !== "" && planStep(step, p.dir, layout, configs).run === "skip")
            .map((p) => p.dir)
        : [];
    for (const p of graph.packages) {
      const plan = p.dir === "" ? rootPlan : planStep(step, p.dir, layout, configs);
      // A package the root's step covers has no step of its own for it.
      if (p.dir !== "" && covers.includes(p.dir)) continue;
      const reads = new Set(readsOf(graph, p.dir));
      if (p.dir === "") for (const c of covers) for (const r of readsOf(graph, c)) reads.add(r);
      plans.push({ step, dir: p.dir, plan, packages: [...reads].sort(), covers: p.dir === "" ? covers : [] });
    }
  }

  // The installs: the root's lock file, then each nested project's on top, in a fixed order so
  // steps that need the same ones share them.
  const chains = new Map<string, { nested: string[]; container?: Container }>();
  const chainOf = (packages: readonly string[]) => {
    const needed = nested.filter((n) => packages.includes(n));
    const key = needed.join(",");
    if (!chains.has(key)) chains.set(key, { nested: needed });
    return key;
  };
  for (const nestedDir of nested) chainOf([nestedDir, ...readsOf(graph, nestedDir)]);
  const planned = plans.map((p) => ({ ...p, chain: chainOf(p.packages) }));

  const installSteps: StepOutcome[] = [];
  const lockFailed = (name: string, command: string, message: string): EcosystemOutcome => ({
    label,
    found,
    clock,
    steps: [
      toolchainStep(toolchain),
      { name, status: "failed", command, message, keyLines: message.split("\n").slice(1), fix: command },
      ...notRun("the install from the lock file failed"),
    ],
  });
  let rootInstalled: Container;
  try {
    if (project.manager === "npm") {
      rootInstalled = await (await npmRootInstall(source, workspaces, toolchain.image, options.secrets)).sync();
      const ranAt = await installRanAt(rootInstalled);
      installSteps.push({ name: lockName, status: "passed", command: m.install, ...(ranAt ? { ranAt } : {}) });
    } else {
      const captured = await installWith(source, project, m, toolchain.image, options.secrets);
      rootInstalled = captured.container;
      installSteps.push({
        name: lockName,
        status: "passed",
        command: m.install,
        ...(captured.ranAt ? { ranAt: captured.ranAt } : {}),
      });
    }
  } catch (err) {
    const message =
      project.manager === "npm"
        ? npmInstallMessage(err, toolchain.image)
        : err instanceof Error
          ? err.message
          : String(err);
    return lockFailed(lockName, m.install, message);
  }
  const nestedStamps = new Map<string, RanAt | undefined>();
  for (const [key, chain] of [...chains.entries()].sort(([a], [b]) => a.length - b.length)) {
    let c = rootInstalled;
    for (const dir of chain.nested) {
      c = await npmNestedInstall(c, source, dir, options.secrets);
      try {
        c = await c.sync();
      } catch (err) {
        return lockFailed(
          `lock file in sync with ${dir}/package.json, a project of its own`,
          `npm ci --prefix ${dir}`,
          npmInstallMessage(err, toolchain.image),
        );
      }
      if (!nestedStamps.has(dir)) nestedStamps.set(dir, await installRanAt(c));
    }
    chains.set(key, { ...chain, container: c });
  }
  for (const dir of nested) {
    const ranAt = nestedStamps.get(dir);
    installSteps.push({
      name: `lock file in sync with ${dir}/package.json, a project of its own`,
      status: "passed",
      command: `npm ci --prefix ${dir}`,
      ...(ranAt ? { ranAt } : {}),
    });
  }

  // Each step's container: its install, then the files of the packages it reads, then the
  // shared files above its package; its command runs in the package's directory.
  const packageDirs = graph.packages.map((p) => p.dir);
  const owned = new Map(
    await Promise.all(
      packageDirs.map(
        async (d) =>
          [
            d,
            await ownFiles(d, {
              source: options.source,
              context: source,
              patterns: options.context.patterns,
              packages: packageDirs,
            }),
          ] as const,
      ),
    ),
  );
  // Every step runs on the install, which reads the lock files and the manifests only.
  const installInput = `${[lockFile, ...nested.map((n) => `${n}/package-lock.json`)].join(", ")} or a package.json`;
  for (const s of installSteps) s.inputs = [installInput];
  const sharedInputs = new Set<string>();
  const biomeCi = configs.biome !== undefined && !("lint" in (layout.scripts[""] ?? {}));
  const steps = await Promise.all(
    planned.map(async (p): Promise<StepOutcome> => {
      const pkg = split ? (p.dir === "" ? "root" : p.dir) : undefined;
      const inputs = [...p.packages.map((d) => `${d === "" ? "the root's" : `${d}'s`} files`), installInput];
      if (p.plan.run === "skip") {
        if (p.step.name === "unit tests" && !options.tests && p.dir !== "")
          return skippedStep(p, pkg, TESTS_IN_TEST_STAGE);
        return skippedStep(p, pkg, p.plan.note);
      }
      if (p.step.name === "unit tests" && !options.tests)
        return skippedStep(p, pkg, TESTS_IN_TEST_STAGE, p.plan.run === "script" ? m.shown(p.plan.script) : undefined);
      const shared = p.dir === "" ? [] : await sharedFiles(source, p.dir, p.packages);
      for (const f of shared) sharedInputs.add(f);
      let tree = chains.get(p.chain)?.container ?? rootInstalled;
      for (const d of p.packages)
        tree = tree.withDirectory(d === "" ? "/src" : `/src/${d}`, owned.get(d) ?? dag.directory());
      for (const f of shared) tree = tree.withFile(`/src/${f}`, source.file(f));
      tree = tree.withWorkdir(p.dir === "" ? "/src" : `/src/${p.dir}`);
      const scripts = layout.scripts[p.dir] ?? {};
      const outcome = await runStep(tree, p.step, p.plan, {
        scripts,
        m,
        workspaces: p.dir === "" ? p.covers : [],
        tests: options.tests,
        biomeCi,
        clock,
      });
      const covering =
        p.covers.length > 0 && outcome.status === "passed"
          ? `${outcome.note ? `${outcome.note}; ` : ""}also covers ${p.covers.join(", ")} (no "${p.step.scripts.at(-1) ?? p.step.name}" script of their own)`
          : outcome.note;
      return {
        ...outcome,
        ...(covering ? { note: covering } : {}),
        ...(pkg ? { package: pkg } : {}),
        inputs: [...inputs, ...shared],
      };
    }),
  );

  // Probes: which of the inputs are new to the engine, to say why a step ran.
  const probes = await Promise.all([
    ...graph.packages.map((p) =>
      probe(base, owned.get(p.dir) ?? dag.directory(), `${p.dir === "" ? "the root's" : `${p.dir}'s`} files`, clock),
    ),
    ...[...sharedInputs].sort().map((f) => probe(base, source.file(f), f, clock)),
  ]);
  const installRan = installSteps.some((s) => s.ranAt && s.ranAt.start >= clock);
  return {
    label,
    found,
    clock,
    probes: [...probes, { label: installInput, replay: installRan ? "ran" : "replayed" }],
    steps: [toolchainStep(toolchain), ...installSteps, ...steps],
  };
}

/** A package as the report's found line names it: "app", "dagger (own lock file)". */
function packageDescription(p: WorkspacePackage): string {
  const name = p.dir === "" ? "root" : p.dir;
  return p.role === "nested" ? `${name} (own lock file)` : name;
}

/** A step check does not run, with why. */
function skippedStep(p: PlannedStep, pkg: string | undefined, note: string, command?: string): StepOutcome {
  return {
    name: p.step.name,
    status: "skipped",
    note,
    ...(command ? { command } : {}),
    ...(pkg ? { package: pkg } : {}),
  };
}

/**
 * npm projects inside the repository that are not its workspaces: a directory
 * with its own package-lock.json (this module's dagger/ and dagger/infra are two).
 *
 * @param source the repository root
 */
export async function nestedProjects(source: Directory): Promise<string[]> {
  const locks = await source.glob("**/package-lock.json");
  return locks
    .filter((f) => f.includes("/") && !f.split("/").includes("node_modules"))
    .map((f) => f.replace(/\/package-lock\.json$/, ""))
    .sort();
}

/** What a step runs against. */
interface StepInputs {
  scripts: Record<string, string>;
  m: Manager;
  /** The packages whose failures it places (the root's step, over the packages it covers). */
  workspaces: readonly string[];
  /** Run the test script (off where the Dockerfile's test stage runs in the same call). */
  tests: boolean;
  /** The lint step runs `biome ci`, which checks the formatting too. */
  biomeCi: boolean;
  /** The check's start on the engine's clock: a failure replayed from before it runs again. */
  clock: number;
}

// Whether an executable is installed: in node_modules/.bin (npm, pnpm, yarn's node-modules
// linker), or known to yarn (Plug'n'Play keeps no node_modules).
const installedBin = (bin: string) => `test -x node_modules/.bin/${bin} || yarn bin ${bin} >/dev/null 2>&1`;

/**
 * Runs one step as planned: the package's script, or the conventional tool its configuration
 * asks for. Never passed for something it did not run.
 */
async function runStep(tree: Container, step: ScriptStep, plan: StepPlan, inputs: StepInputs): Promise<StepOutcome> {
  const { scripts, m, workspaces } = inputs;
  if (plan.run === "skip") return { name: step.name, status: "skipped", note: plan.note };
  if (plan.run === "tool") {
    const { tool, noScript } = plan;
    const installed = await capture(tree, installedBin(tool.bin));
    if (installed.exitCode !== 0)
      return {
        name: step.name,
        status: "skipped",
        note: `${noScript}; ${tool.config} is there, but ${tool.pkg} is not installed (add it as a dev dependency to have check run it)`,
      };
    if (step.name === "format" && tool.bin === "biome" && inputs.biomeCi)
      return { name: step.name, status: "skipped", note: "`biome ci` in the lint step checks the formatting" };
    const command = m.exec(`${tool.bin} ${tool.args}`);
    const outcome = plainOutcome(step.name, command, await capture(tree, command, inputs), step.keyLines);
    return {
      ...outcome,
      note: `${noScript}; ${tool.config} asks for ${tool.bin}`,
      ...(outcome.status === "failed" && tool.fix ? { fix: m.exec(tool.fix) } : {}),
    };
  }
  const script = plan.script;
  if (step.name === "unit tests") {
    if (NPM_INIT_TEST.test((scripts[script] ?? "").trim()))
      return {
        name: step.name,
        status: "skipped",
        note: `package.json's "${script}" script is npm init's placeholder`,
      };
    return await runTests(tree, script, inputs);
  }
  const command = m.shown(script);
  const captured = await capture(tree, m.run(script), inputs);
  const outcome = plainOutcome(step.name, command, captured, step.keyLines);
  if (outcome.status === "failed") {
    const key = step.keyLines(captured.output);
    outcome.where = key.length > 0 ? place(key, workspaces) : mentioned(captured.output, workspaces);
    outcome.fix = fixOf(step, scripts, m.shown) ?? outcome.fix;
  }
  return outcome;
}

/** The project's test script; vitest is asked for a JUnit report so failing tests are named from it. */
async function runTests(tree: Container, script: string, inputs: StepInputs): Promise<StepOutcome> {
  const { scripts, m, workspaces } = inputs;
  const command = m.shown(script);
  // vitest run directly by the script: ask it for a JUnit report besides its usual output.
  const vitest = /^\s*vitest(\s|$)/.test(scripts[script] ?? "");
  const args = vitest ? ` -- --reporter=default --reporter=junit --outputFile.junit=${JUNIT_PATH}` : "";
  const captured = await capture(tree, `${m.run(script)}${args}`, inputs);
  const outcome = testOutcome(command, captured, vitest ? await junitLeftBy(captured, JUNIT_PATH) : undefined);
  if (outcome.status === "failed") {
    const files = failingFiles(outcome.keyLines ?? []);
    outcome.where = files.length > 0 ? place(files, workspaces) : mentioned(captured.output, workspaces);
  }
  return outcome;
}

/**
 * The command that fixes what a failed step found, when the project has a script for it
 * (format:check fails → `npm run format`); undefined: the step's own command is the way.
 *
 * @param step the step
 * @param scripts package.json's scripts
 * @param shown the script as a person types it (`npm run …`, `pnpm run …`)
 */
export function fixOf(
  step: ScriptStep,
  scripts: Record<string, string>,
  shown: (script: string) => string,
): string | undefined {
  const fix = step.fixScripts?.find((s) => s in scripts);
  return fix ? shown(fix) : undefined;
}

/**
 * The failing tests' files, from a test step's key lines ("failing: FILE > suite > test — cause"):
 * where a failure is placed, so a test whose name mentions another workspace's path is not put there.
 *
 * @param keyLines the step's key lines
 */
export function failingFiles(keyLines: readonly string[]): string[] {
  return keyLines
    .filter((l) => l.startsWith("failing: "))
    .map((l) => l.slice("failing: ".length).split(" > ")[0]!.split(" — ")[0]!);
}

/** " in workspace a, workspace b" for the workspaces a whole output mentions, or "". */
function mentioned(output: string, workspaces: readonly string[]): string {
  const where = workspacesIn(output, workspaces);
  return where.length > 0 ? ` in ${where.map((w) => `workspace ${w}`).join(", ")}` : "";
}

/** " in workspace web", " in the root package (outside the workspaces)", or "" — from the lines that say what failed. */
function place(key: readonly string[], workspaces: readonly string[]): string {
  if (workspaces.length === 0 || key.length === 0) return "";
  const where = workspacesIn(key.join("\n"), workspaces);
  return where.length > 0
    ? ` in ${where.map((w) => `workspace ${w}`).join(", ")}`
    : " in the root package (outside the workspaces)";
}

/**
 * The workspaces whose files a tool's output mentions (e.g. `infra/src/a.ts(3,1): error TS2322`).
 *
 * @param output tool output
 * @param workspaces workspace directories
 */
export function workspacesIn(output: string, workspaces: readonly string[]): string[] {
  const text = stripAnsi(output);
  return workspaces.filter((w) =>
    new RegExp(`(?:^|[\\s/("'|])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`, "m").test(text),
  );
}
