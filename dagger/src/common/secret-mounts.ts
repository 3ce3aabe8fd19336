/**
 * The build secrets a Dockerfile mounts (`RUN --mount=type=secret,id=X`),
 * read with dockerfile-ast (the parser of the Docker language server), and
 * which of them a build of one target needs: the mounts of the stages that
 * target is built from. Pure: the Dockerfile's text in, the mounts out.
 *
 * BuildKit's rules, which Dagger's dockerBuild follows: a mount's `id` defaults
 * to the base name of its `target`, its `target` to /run/secrets/ID; without
 * `required=true` a RUN runs without the file when no secret has that id.
 *
 * Here, below build/ and check/, as both read them: the builds pass the secrets
 * to dockerBuild, check's installs mount them as the Dockerfile does.
 */
import type { Secret } from "@dagger.io/dagger";
import { DockerfileParser, type Flag, From, type Instruction, ModifiableInstruction } from "dockerfile-ast";

/** Where BuildKit mounts a secret that names no target. */
export const SECRETS_DIR = "/run/secrets";

/** A build secret under the id the Dockerfile mounts it by (build/build-secrets.ts makes them). */
export interface BuildSecret {
  /** The id (`RUN --mount=type=secret,id=ID`). */
  id: string;
  /** The Secret, named with the id (what dockerBuild requires). */
  secret: Secret;
}

/** One `--mount=type=secret` of a RUN instruction. */
export interface SecretMount {
  /** The secret's id: what the build must be given a secret named. */
  id: string;
  /** The stage the RUN belongs to (its name, or its index for an unnamed stage). */
  stage: string;
  /** Where the file is mounted (target, dst or destination; default /run/secrets/ID). */
  target: string;
  /** The environment variable the value is put in, when the mount says `env=`. */
  env?: string;
  /** `required=true` (or a bare `required`): BuildKit fails without the secret. */
  required: boolean;
  /** The Dockerfile's line of the RUN (1-based), for messages. */
  line: number;
}

/** One stage of a Dockerfile: its name (or index), its base, and the stages it copies or mounts from. */
interface Stage {
  name: string;
  base: string;
  uses: string[];
  mounts: SecretMount[];
}

/**
 * An option's value without the quotes CSV allows (`id="NPM_TOKEN"`).
 * @param value the option's value as written
 */
function unquote(value: string | null): string | null {
  if (value === null) return null;
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/**
 * The flags of an instruction that has them (RUN, COPY, ADD).
 * @param instruction an instruction
 */
function flagsOf(instruction: Instruction): Flag[] {
  return instruction instanceof ModifiableInstruction ? instruction.getFlags() : [];
}

/**
 * The secret mount a `--mount` flag describes, if it is one.
 * @param flag a RUN's --mount flag
 * @param stage the stage's name
 * @param line the RUN's line (1-based)
 */
function secretMount(flag: Flag, stage: string, line: number): SecretMount | undefined {
  const options = new Map(flag.getOptions().map((o) => [o.getName().toLowerCase(), unquote(o.getValue())]));
  if (options.get("type") !== "secret") return undefined;
  const target = options.get("target") ?? options.get("dst") ?? options.get("destination") ?? undefined;
  const id = options.get("id") ?? (target ? target.split("/").filter(Boolean).at(-1) : undefined);
  if (!id) return undefined; // BuildKit refuses a secret mount with neither: the build says so.
  const required = options.has("required") && options.get("required") !== "false";
  const env = options.get("env") ?? undefined;
  return { id, stage, target: target ?? `${SECRETS_DIR}/${id}`, ...(env ? { env } : {}), required, line };
}

/**
 * The stages of a Dockerfile, with their secret mounts and the stages each one uses.
 * @param dockerfile the Dockerfile's text
 */
function stagesOf(dockerfile: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    const keyword = instruction.getKeyword();
    if (instruction instanceof From) {
      stages.push({
        name: instruction.getBuildStage()?.toLowerCase() ?? String(stages.length),
        base: instruction.getImageName()?.toLowerCase() ?? "",
        uses: [],
        mounts: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue; // ARG before the first FROM
    for (const flag of flagsOf(instruction)) {
      const name = flag.getName().toLowerCase();
      if ((keyword === "COPY" || keyword === "ADD") && name === "from" && flag.getValue())
        stage.uses.push(flag.getValue()!.toLowerCase());
      if (keyword !== "RUN" || name !== "mount") continue;
      const from = flag.getOption("from")?.getValue();
      if (from) stage.uses.push(from.toLowerCase());
      const mount = secretMount(flag, stage.name, instruction.getRange().start.line + 1);
      if (mount) stage.mounts.push(mount);
    }
  }
  return stages;
}

/**
 * Every secret mount of a Dockerfile, in order.
 * @param dockerfile the Dockerfile's text
 */
export function secretMounts(dockerfile: string): SecretMount[] {
  return stagesOf(dockerfile).flatMap((s) => s.mounts);
}

/**
 * The secret mounts a build of one target runs: those of the target's stage
 * and of every stage it is built from (FROM, COPY --from, RUN --mount from=),
 * as BuildKit builds only those.
 * @param dockerfile the Dockerfile's text
 * @param target the stage to build (default: the last one, as a build without --target)
 */
export function secretMountsFor(dockerfile: string, target?: string): SecretMount[] {
  const stages = stagesOf(dockerfile);
  const byName = new Map(stages.map((s) => [s.name, s]));
  const start = target === undefined ? stages.at(-1) : byName.get(target.toLowerCase());
  if (!start) return [];
  const seen = new Set<string>();
  const visit = (s: Stage): void => {
    if (seen.has(s.name)) return;
    seen.add(s.name);
    for (const used of [s.base, ...s.uses]) {
      const dep = byName.get(used);
      if (dep) visit(dep);
    }
  };
  visit(start);
  return stages.filter((s) => seen.has(s.name)).flatMap((s) => s.mounts);
}

/** What a build needs of the secrets it was given. */
export interface SecretNeeds {
  /** Mounts marked required whose secret was not given: the build would fail. */
  missing: SecretMount[];
  /** Mounts not marked required whose secret was not given: their RUN steps run without it. */
  optional: SecretMount[];
  /** Ids given that no RUN of the Dockerfile mounts. */
  unused: string[];
}

/**
 * Compares the secrets a build of a target mounts with the ids given.
 * @param dockerfile the Dockerfile's text
 * @param target the stage to build (undefined: the last)
 * @param given the ids of the build secrets given
 */
export function secretNeeds(dockerfile: string, target: string | undefined, given: string[]): SecretNeeds {
  const needed = secretMountsFor(dockerfile, target);
  const all = new Set(secretMounts(dockerfile).map((m) => m.id));
  const unique = (mounts: SecretMount[]) => mounts.filter((m, i) => mounts.findIndex((o) => o.id === m.id) === i);
  const absent = needed.filter((m) => !given.includes(m.id));
  const missing = unique(absent.filter((m) => m.required));
  return {
    missing,
    optional: unique(absent.filter((m) => !m.required && !missing.some((r) => r.id === m.id))),
    unused: given.filter((id) => !all.has(id)),
  };
}

/**
 * The message for build secrets a build needs and was not given: which, where
 * the Dockerfile mounts them, and how to pass them.
 * @param dockerfile the Dockerfile's path, for the message
 * @param missing the required mounts without a secret
 * @param given the ids that were given
 */
export function missingSecretsMessage(dockerfile: string, missing: SecretMount[], given: string[]): string {
  const ids = missing.map((m) => m.id);
  const where = missing.map((m) => `${m.id} (line ${m.line}, stage ${m.stage})`).join(", ");
  const example = ids.map(secretFlagExample).join(",");
  return (
    `${dockerfile} needs the build secret${ids.length > 1 ? "s" : ""} ${ids.join(", ")} (RUN --mount=type=secret,…,required=true: ${where}), ` +
    `and ${given.length > 0 ? `only ${given.join(", ")} ${given.length > 1 ? "were" : "was"} given` : "none was given"}. ` +
    `Pass ${ids.length > 1 ? "them" : "it"} before the function: \`dagger call --build-secrets ${example} …\` ` +
    `(a secret's id is its env: variable's name, or its file:'s base name; README, "Build secrets").`
  );
}

/**
 * How to give a secret of an id on the command line: env:ID for an id that is a
 * variable name, else file:./ID (the id is the file's base name).
 * @param id the mount's id
 */
export function secretFlagExample(id: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(id) ? `env:${id}` : `file:./${id}`;
}
