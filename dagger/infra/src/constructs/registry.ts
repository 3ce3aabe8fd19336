import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository/index.js";
import { Construct } from "constructs";

/** Options of Registry. */
export interface RegistryOptions {
  /** Repository name. */
  name: string;
  /** Images kept (newest first); older ones are expired. */
  keepLastImages: number;
  /** Days after which untagged images are expired. */
  expireUntaggedAfterDays: number;
  /** Let destroy delete the repository with its images. */
  forceDelete: boolean;
}

/**
 * The ECR lifecycle policy: untagged images expire after N days, and only the
 * newest M images are kept. The "any" rule must have the highest priority
 * number (ECR evaluates rules in priority order and requires this).
 * @param keepLastImages Images kept.
 * @param expireUntaggedAfterDays Days an untagged image is kept.
 */
export function lifecyclePolicy(keepLastImages: number, expireUntaggedAfterDays: number): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${expireUntaggedAfterDays} days`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: expireUntaggedAfterDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${keepLastImages} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepLastImages },
        action: { type: "expire" },
      },
    ],
  };
}

/**
 * The ECR repository the pipeline pushes to. Tags are immutable (a tag always
 * means the same image; deploys go by digest anyway), every push is scanned,
 * and the lifecycle policy bounds storage.
 */
export class Registry extends Construct {
  /** The repository's URL (registry host/name), what images are pushed to. */
  readonly repositoryUrl: string;
  /** The repository's ARN. */
  readonly repositoryArn: string;

  /**
   * @param scope The base stack.
   * @param id Construct id (part of resource addresses).
   * @param options See RegistryOptions.
   */
  constructor(scope: Construct, id: string, options: RegistryOptions) {
    super(scope, id);
    const repository = new EcrRepository(this, "repository", {
      name: options.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      forceDelete: options.forceDelete,
    });
    new EcrLifecyclePolicy(this, "lifecycle_policy", {
      repository: repository.name,
      policy: JSON.stringify(lifecyclePolicy(options.keepLastImages, options.expireUntaggedAfterDays)),
    });
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
  }
}
