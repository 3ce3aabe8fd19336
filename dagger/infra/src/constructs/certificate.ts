import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation/index.js";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate/index.js";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record/index.js";
import { TerraformIterator } from "cdktf";
import { Construct } from "constructs";

/** Options of Certificate. */
export interface CertificateOptions {
  /** The name the certificate covers. */
  domain: string;
  /** Hosted zone that receives the validation record. */
  zoneId: string;
  /** Bounded wait for issuance, e.g. "15m". */
  validationTimeout: string;
}

/** TTL of the validation record: 60 s, so a corrected record is seen quickly; ACM re-reads it at renewal. */
const VALIDATION_RECORD_TTL = 60;

/**
 * An ACM certificate for one domain, validated through a DNS record in the
 * Route 53 zone, and a validation resource that waits for issuance at most the
 * given time. `arn` is the validated certificate: whatever uses it waits for
 * issuance. The record stays (ACM re-reads it for automatic renewal).
 */
export class Certificate extends Construct {
  /** ARN of the issued certificate. */
  readonly arn: string;

  /**
   * @param scope The stack.
   * @param id Construct id (part of resource addresses).
   * @param options See CertificateOptions.
   */
  constructor(scope: Construct, id: string, options: CertificateOptions) {
    super(scope, id);
    const certificate = new AcmCertificate(this, "certificate", {
      domainName: options.domain,
      validationMethod: "DNS",
      tags: { Name: options.domain },
      // A replacement certificate is issued and attached before the old one is deleted.
      lifecycle: { createBeforeDestroy: true },
    });

    // One record per validation option, keyed by domain name (known at plan).
    const options_ = TerraformIterator.fromComplexList(certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation_record", {
      forEach: options_,
      zoneId: options.zoneId,
      name: options_.getString("resource_record_name"),
      type: options_.getString("resource_record_type"),
      records: [options_.getString("resource_record_value")],
      ttl: VALIDATION_RECORD_TTL,
      // The record may exist from an earlier certificate for the same name: take it over.
      allowOverwrite: true,
    });

    const validation = new AcmCertificateValidation(this, "validation", {
      certificateArn: certificate.arn,
      validationRecordFqdns: TerraformIterator.fromResources(records).pluckProperty("fqdn") as unknown as string[],
      timeouts: { create: options.validationTimeout },
    });
    this.arn = validation.certificateArn;
  }
}
