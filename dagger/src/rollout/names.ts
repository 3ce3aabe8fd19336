/**
 * What a stopped task's reason names, for the hints: the image a pull failed
 * on, the SSM parameters or Secrets Manager secrets a task could not fetch, and
 * the identity and action AWS denied. ECS words these differently on Fargate and
 * on the EC2 agent, and across their versions (the recorded texts are in
 * test/fixtures/rollout-corpus): each pattern matches a family of them, not one
 * sentence. Pure functions over text.
 */

/** The secret store a stop's text is about. */
export type SecretStore = "SSM parameter" | "Secrets Manager secret";

/** The secrets or parameters a secret-fetch stop names, and their store. */
export interface SecretsNamed {
  store?: SecretStore;
  /** Parameter names or ARNs, secret ARNs; empty when the text names none (e.g. a timeout). */
  names: string[];
}

/**
 * The store and the parameters or secrets a secret-fetch stop names:
 * "failed to fetch secret ARN from secrets manager" (Secrets Manager), "invalid
 * ssm parameters: NAMES" (Fargate) or "invalid parameters: NAMES" (EC2 agent),
 * and the resource of an access denial ("on resource: arn:…:parameter/NAME").
 *
 * @param text the stop's reason text
 */
export function secretsNamed(text: string): SecretsNamed {
  const names: string[] = [];
  // ".+?" up to the words that follow, not \S+: masked ARNs in public records hold spaces ("<account id>").
  for (const m of text.matchAll(/failed to fetch secret (arn:aws[\w-]*:secretsmanager:.+?) from secrets manager/g))
    names.push(m[1]!);
  const invalid = /invalid (?:ssm )?parameters?: ?([^\s|]+)/i.exec(text)?.[1];
  if (invalid) names.push(...invalid.split(",").filter((n) => n !== ""));
  const resource =
    /on resource: (arn:aws[\w-]*:(?:ssm|secretsmanager):.+?)(?= because | status code| \| |\.?\s*$)/.exec(text)?.[1];
  if (resource) names.push(resource);
  const store: SecretStore | undefined = /secretsmanager|secrets manager|from asm/i.test(text)
    ? "Secrets Manager secret"
    : /\bssm\b|parameter store/i.test(text)
      ? "SSM parameter"
      : undefined;
  return { ...(store ? { store } : {}), names: [...new Set(names)] };
}

/**
 * The role and the action an access denial names ("User: arn:aws:sts::…:assumed-role/ROLE/… is not authorized to perform: ACTION").
 *
 * @param text an AWS error text
 */
export function deniedIdentity(text: string): { role?: string; action?: string } {
  const role = /assumed-role\/([^/\s]+)/.exec(text)?.[1];
  const action = /not authorized to perform: ([\w-]+:\w+)/.exec(text)?.[1];
  return { ...(role ? { role } : {}), ...(action ? { action } : {}) };
}

// Where pull errors name the image, most precise first: containerd's "failed to resolve ref REF: …" (quoted in
// older Fargate texts), Docker's "pull access denied for REF," and "repository REF not found".
const IMAGE_PATTERNS: readonly RegExp[] = [
  /failed to resolve ref "([^"]+)"/,
  /failed to resolve ref (\S+?):\s/,
  /failed to resolve ref (\S+)/,
  /pull access denied for ([^\s,]+)/,
  /repository (\S+) not found/,
];

/**
 * The image reference a CannotPullContainerError names, if it names one.
 *
 * @param text the stop's reason text
 */
export function imageNamed(text: string): string | undefined {
  for (const pattern of IMAGE_PATTERNS) {
    const ref = pattern.exec(text)?.[1]?.replace(/[:.]+$/, "");
    if (ref) return ref;
  }
  return undefined;
}

/**
 * Whether an image reference resolves to Docker Hub: it names docker.io, or no
 * registry host at all (its first segment has no dot, colon or "localhost").
 *
 * @param ref an image reference
 */
export function isDockerHub(ref: string): boolean {
  const first = ref.split("/")[0] ?? "";
  return /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)$/.test(first) || !/[.:]|^localhost$/.test(first);
}
