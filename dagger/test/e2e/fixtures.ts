/**
 * E2e fixtures: the repository changed by one file each (a new app build, an
 * image that fails its health check), output collection for the secret check,
 * and the test bed's emulator account for the real-AWS code path.
 */
import { dag, type Directory, type Service } from "@dagger.io/dagger";

/**
 * The app with a one-line change (a comment in its source): tests pass, and the
 * build is new (new source hash, new commit, new digest).
 *
 * @param source the repository
 * @param mark what makes this change unique
 */
export async function changedApp(source: Directory, mark: string): Promise<Directory> {
  const path = "app/src/app.ts";
  const text = await source.file(path).contents();
  return source.withNewFile(path, `${text}\n// e2e change ${mark}\n`);
}

/** What the broken image answers on every path. */
export const BROKEN_BODY = '{"status":"broken"}';

/**
 * The app whose runtime image starts a server that answers 503 on every path
 * (its tests still pass: only the runtime stage's command differs).
 *
 * @param source the repository
 */
export async function unhealthyApp(source: Directory): Promise<Directory> {
  const text = await source.file("Dockerfile").contents();
  const cmd = 'CMD ["node", "dist/server.js"]';
  if (!text.includes(cmd)) throw new Error(`the Dockerfile no longer ends with ${cmd}: update the unhealthy fixture`);
  const server = `require("node:http").createServer((q, s) => { s.statusCode = 503; s.end(${JSON.stringify(BROKEN_BODY)}); }).listen(process.env.PORT || 8080)`;
  const broken = `CMD ${JSON.stringify(["node", "-e", server])}`;
  return source.withNewFile("Dockerfile", text.replace(cmd, broken));
}

/** Collects everything a test saw (results, errors, progress), for the secret check. */
export class Transcript {
  readonly parts: string[] = [];

  /** A progress sink for the module's log lines. */
  readonly log = (line: string): void => {
    this.parts.push(line);
  };

  /** Records a result or an error message and returns it. */
  add<T>(value: T): T {
    this.parts.push(value instanceof Error ? `${value.message}\n${value.stack ?? ""}` : String(value));
    return value;
  }

  /** The secret values (of the given ones) that appear anywhere in what was collected. */
  leaked(secrets: readonly string[]): string[] {
    const all = this.parts.join("\n");
    return secrets.filter((s) => s.length > 0 && all.includes(s));
  }
}

/** The image digest a deploy/rollback summary names. */
export function summaryImage(summary: string): string {
  const m = /\| image \| `([^`]+@sha256:[0-9a-f]{64})` \|/.exec(summary);
  if (!m?.[1]) throw new Error(`no image in the summary:\n${summary}`);
  return m[1];
}

/** The image `status` says runs now. */
export function statusImage(status: string): string | undefined {
  return /\*\*Running now\*\*: `([^`]+)`/.exec(status)?.[1];
}

/**
 * A registry service that accepts exactly the given htpasswd users (moto's ECR
 * credentials: user AWS, password `<account>-auth-token`), its storage in a
 * cache volume of its own (a service restarts empty otherwise).
 *
 * @param htpasswd the htpasswd file's content (bcrypt)
 * @param volume the storage volume's name
 */
export function authRegistry(htpasswd: string, volume: string): Service {
  return dag
    .container()
    .from("registry:2")
    .withNewFile("/etc/docker/registry/htpasswd", htpasswd)
    .withEnvVariable("REGISTRY_AUTH", "htpasswd")
    .withEnvVariable("REGISTRY_AUTH_HTPASSWD_REALM", "e2e")
    .withEnvVariable("REGISTRY_AUTH_HTPASSWD_PATH", "/etc/docker/registry/htpasswd")
    .withMountedCache("/var/lib/registry", dag.cacheVolume(volume))
    .withExposedPort(5000)
    .asService({ useEntrypoint: true });
}
