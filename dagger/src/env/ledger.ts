/**
 * The deployment ledger: one line per deploy or rollback (when, which image by
 * digest, which commit, the verdict and its cause). `status` shows it,
 * and `rollback` takes the last successful image from it (the local
 * emulator's own state is kept by local/state.ts).
 *
 * Where it lives:
 * - `local`: a file in a cache volume of the engine (`fargate-pipeline-local-ledger-<name>`),
 *   appended under a lock;
 * - an AWS environment: the object `<service stack>/deployments.jsonl` in the
 *   state bucket (versioned, encrypted, private), written with S3 conditional
 *   writes so two writers never lose each other's line.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { dag, type Container } from "@dagger.io/dagger";

import type { S3Config } from "../aws/auth.js";
import { NODE_IMAGE } from "../common/npm.js";

/** One deploy or rollback. */
export interface LedgerEntry {
  /** ISO time the deploy finished. */
  at: string;
  /** deploy: a new build; rollback: an earlier image on request; restore: the previous image put back after a failed deploy; unchanged: a deploy whose stacks planned no change and whose image already ran (nothing applied, the smoke test passed). */
  kind: "deploy" | "rollback" | "restore" | "unchanged";
  /** The image by digest (`repository@sha256:…`). */
  image: string;
  commit: string;
  version: string;
  /** SUCCESSFUL, or how it failed (FAILED, ROLLED_BACK, TIMED_OUT). */
  verdict: "SUCCESSFUL" | "FAILED" | "ROLLED_BACK" | "TIMED_OUT";
  /** Why it failed, one line. */
  cause?: string;
  /** Wall time of the whole call, seconds. */
  seconds: number;
  /** Who deployed (the AWS identity, or "local"). */
  by?: string;
}

/** Where the ledger is kept. */
export interface Ledger {
  /** Where, for messages. */
  where: string;
  /** Every entry, oldest first. */
  read(): Promise<LedgerEntry[]>;
  append(entry: LedgerEntry): Promise<void>;
  /** Removes the ledger (destroy). */
  clear(): Promise<void>;
}

/** The digest part of an image reference. */
export function digestOf(image: string): string {
  return /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1] ?? image;
}

/**
 * The newest successful entry, optionally skipping an image (the one running now).
 *
 * @param entries the ledger, oldest first
 * @param except an image whose digest to skip
 */
export function lastSuccessful(entries: readonly LedgerEntry[], except?: string): LedgerEntry | undefined {
  const skip = except ? digestOf(except) : undefined;
  return [...entries].reverse().find((e) => e.verdict === "SUCCESSFUL" && digestOf(e.image) !== skip);
}

/** Parses JSON Lines, skipping lines that are not entries (a torn write never breaks the ledger). */
export function parseLedger(text: string): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const e = JSON.parse(line) as LedgerEntry;
      if (typeof e.image === "string" && typeof e.verdict === "string") out.push(e);
    } catch {
      // a partial line: skipped
    }
  }
  return out;
}

const LEDGER_MOUNT = "/ledger";
const LEDGER_FILE = `${LEDGER_MOUNT}/deployments.jsonl`;

/**
 * The local environment's ledger, in a cache volume.
 *
 * @param stateName the --local-state name
 */
export function volumeLedger(stateName: string): Ledger {
  const volume = `fargate-pipeline-local-ledger-${stateName}`;
  // A fresh value per operation: the engine must run it, never replay an earlier read.
  const ctr = (): Container =>
    dag
      .container()
      .from(NODE_IMAGE)
      .withMountedCache(LEDGER_MOUNT, dag.cacheVolume(volume))
      .withEnvVariable("FP_AT", `${Date.now()}-${Math.random()}`);
  return {
    where: `the engine's cache volume ${volume}`,
    async read() {
      return parseLedger(
        await ctr()
          .withExec(["sh", "-c", `cat ${LEDGER_FILE} 2>/dev/null || true`])
          .stdout(),
      );
    },
    async append(entry) {
      await ctr()
        .withNewFile("/tmp/entry.json", `${JSON.stringify(entry)}\n`)
        .withExec(["sh", "-c", `flock ${LEDGER_MOUNT}/.lock sh -c 'cat /tmp/entry.json >> ${LEDGER_FILE}'`])
        .sync();
    },
    async clear() {
      await ctr()
        .withExec(["sh", "-c", `flock ${LEDGER_MOUNT}/.lock rm -f ${LEDGER_FILE}`])
        .sync();
    },
  };
}

// 5 tries: a conflict needs two writers finishing within the same second; five in a row means something else is wrong.
const MAX_WRITE_TRIES = 5;

/**
 * An AWS environment's ledger, next to its state.
 *
 * @param config S3 client settings
 * @param bucket the state bucket
 * @param key the object's key
 */
export function s3Ledger(config: S3Config, bucket: string, key: string): Ledger {
  const object = { bucket, key };
  const withClient = async <T>(fn: (s3: S3Client) => Promise<T>): Promise<T> => {
    const s3 = new S3Client({ ...config, ...(config.endpoint ? { forcePathStyle: true } : {}) });
    try {
      return await fn(s3);
    } finally {
      s3.destroy();
    }
  };
  return {
    where: `s3://${bucket}/${key}`,
    read: () => withClient(async (s3) => parseLedger((await readObject(s3, object)).text)),
    append: (entry) => withClient((s3) => appendEntry(s3, object, entry)),
    async clear() {
      // The ledger outlives destroy in AWS environments: it is history, kept with the state's versions.
    },
  };
}

/** Where an AWS ledger is: its bucket and key. */
interface LedgerObject {
  bucket: string;
  key: string;
}

/**
 * The ledger's text and ETag; empty when it is not written yet.
 *
 * @param s3 an S3 client
 * @param at the ledger's bucket and key
 */
async function readObject(s3: S3Client, at: LedgerObject): Promise<{ text: string; etag?: string }> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
    return { text: (await out.Body?.transformToString()) ?? "", ...(out.ETag ? { etag: out.ETag } : {}) };
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return { text: "" };
    if ((err as { name?: string }).name === "NoSuchBucket") {
      throw new Error(
        `the state bucket ${at.bucket} does not exist: the environment is not bootstrapped. ` +
          'Run `dagger call environment --name <env> with-aws-credentials … bootstrap` once, as an administrator (README, "Deploying").',
        { cause: err },
      );
    }
    throw new Error(
      `reading the deployment ledger s3://${at.bucket}/${at.key} failed: ${(err as Error).name}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Appends one entry: read, then write back only if nobody wrote in between
 * (If-Match on the ETag read, If-None-Match for a new ledger); a conflict reads
 * and tries again, up to MAX_WRITE_TRIES.
 *
 * @param s3 an S3 client
 * @param at the ledger's bucket and key
 * @param entry the entry to append
 */
async function appendEntry(s3: S3Client, at: LedgerObject, entry: LedgerEntry): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const { text, etag } = await readObject(s3, at);
    const body = `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${JSON.stringify(entry)}\n`;
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: at.bucket,
          Key: at.key,
          Body: body,
          ContentType: "application/x-ndjson",
          ServerSideEncryption: "AES256",
          ...(etag ? { IfMatch: etag } : { IfNoneMatch: "*" }),
        }),
      );
      return;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      const conflict =
        e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409 || e.name === "PreconditionFailed";
      if (!conflict || attempt >= MAX_WRITE_TRIES) {
        throw new Error(
          `writing the deployment ledger s3://${at.bucket}/${at.key} failed: ${e.name}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
  }
}
