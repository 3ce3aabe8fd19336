/**
 * The OpenTofu state bucket, created by `bootstrap` (and by every local call,
 * whose emulator may start empty: local/state.ts) — never by the stacks that keep their state in
 * it. Idempotent: each setting is put whether the bucket is new or not, so a
 * rerun repairs a bucket someone changed by hand.
 */
import {
  CreateBucketCommand,
  type BucketLocationConstraint,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";

import type { S3Config } from "../aws/auth.js";

/** What ensureStateBucket() did. */
export interface StateBucketResult {
  bucket: string;
  created: boolean;
}

/**
 * Creates the state bucket if needed, then turns on versioning (every state
 * version is kept: a broken apply can be undone), default encryption (SSE-S3)
 * and the public access block (all four settings).
 *
 * @param config S3 client settings of the bucket's account
 * @param bucket the bucket's name
 * @param region its region
 */
export async function ensureStateBucket(config: S3Config, bucket: string, region: string): Promise<StateBucketResult> {
  const s3 = new S3Client({ ...config, region, ...(config.endpoint ? { forcePathStyle: true } : {}) });
  try {
    let created = true;
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "BucketAlreadyOwnedByYou") created = false;
      else if (name === "BucketAlreadyExists") {
        throw new Error(
          `the state bucket name ${bucket} is taken by another AWS account (bucket names are global): set state.bucket for this environment in the configuration file (fargate-pipeline.yaml)`,
          { cause: err },
        );
      } else throw err;
    }
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }],
        },
      }),
    );
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    return { bucket, created };
  } finally {
    s3.destroy();
  }
}
