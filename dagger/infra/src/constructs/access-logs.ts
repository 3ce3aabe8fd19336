import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account/index.js";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket/index.js";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy/index.js";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/**
 * Regions where ELB delivers access logs as a regional AWS account (opened
 * before August 2022); in the others it is the service principal
 * logdelivery.elasticloadbalancing.amazonaws.com. AWS: "Attach a policy to your
 * S3 bucket", docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html;
 * the provider's aws_elb_service_account knows the accounts of exactly these.
 */
export const ELB_ACCOUNT_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-north-1",
  "eu-south-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "me-south-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
];

/** Options of AccessLogBucket. */
export interface AccessLogBucketOptions {
  /** The bucket's name. */
  name: string;
  /** The region (who delivers the logs depends on it). */
  region: string;
  /** The account whose load balancer writes (its logs land under AWSLogs/<account>/). */
  account: string;
  /** ARN partition. */
  partition: string;
  /** Days to keep the logs. */
  retentionDays: number;
}

/**
 * The bucket a shared load balancer writes its access logs to: SSE-S3 (the
 * only encryption ELB log delivery supports), public access blocked, the logs
 * expired after the retention, and ELB's log delivery allowed to write under
 * AWSLogs/<account>/ only.
 */
export class AccessLogBucket extends Construct {
  /** The bucket's name. */
  readonly bucket: string;
  /** What the load balancer must wait for (the policy: ELB checks it when logging is turned on). */
  readonly ready: ITerraformDependable[];

  /**
   * @param scope The shared stack.
   * @param id Construct id (part of resource addresses).
   * @param options See AccessLogBucketOptions.
   */
  constructor(scope: Construct, id: string, options: AccessLogBucketOptions) {
    super(scope, id);
    const bucket = new S3Bucket(this, "bucket", { bucket: options.name, forceDestroy: false });
    new S3BucketPublicAccessBlock(this, "public_access_block", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "retention", {
      bucket: bucket.id,
      rule: [
        { id: "expire", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: options.retentionDays }] },
      ],
    });
    const writer = ELB_ACCOUNT_REGIONS.includes(options.region)
      ? { AWS: new DataAwsElbServiceAccount(this, "elb_account", {}).arn }
      : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
    const policy = new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ElbLogDelivery",
            Effect: "Allow",
            Principal: writer,
            Action: "s3:PutObject",
            Resource: `arn:${options.partition}:s3:::${options.name}/AWSLogs/${options.account}/*`,
          },
        ],
      }),
    });
    this.bucket = bucket.bucket;
    this.ready = [policy];
  }
}
