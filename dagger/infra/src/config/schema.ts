/**
 * The shape of an environment's configuration, its field formats and its
 * defaults. Cross-field rules (CIDRs inside the VPC, Fargate CPU/memory pairs,
 * ARNs in the right region…) live in validate.ts; both run at synth.
 *
 * Every default below is a decision with a reason next to it. The fast-deploy
 * ones together give the deploy-time budget stated in the README.
 */
import * as v from "valibot";
import { subjectProblem } from "./oidc.ts";

/**
 * The fields that name an object's form (`hostedZone.mode`, `ci.provider`):
 * merging a section whose form changes replaces it whole, so no field of the
 * old form leaks into the new one (file.ts, ../resolve.ts).
 */
export const FORM_KEYS = ["mode", "provider"] as const;

/**
 * A strict object: unknown fields are errors (a typo in a field name must not
 * silently fall back to a default), and the message lists the allowed fields;
 * a required field left out says "required: " and what it is (its description,
 * see required()).
 * @param entries The object's fields and their schemas.
 */
function strict<const T extends v.ObjectEntries>(entries: T) {
  const allowed = Object.keys(entries).join(", ");
  return v.strictObject(entries, (issue) => {
    // A field that is there but unknown: the schema expected "never" for it.
    if (issue.expected === "never") return `unknown field; allowed fields: ${allowed}`;
    // A required field left out: the issue names the key it expected.
    const key = /^"(.+)"$/.exec(issue.expected ?? "")?.[1];
    if (issue.received === "undefined" && key !== undefined && Object.hasOwn(entries, key)) {
      const what = v.getDescription(entries[key]!);
      // "The zone's id." reads "required: the zone's id."; "AWS …" keeps its capitals.
      return what
        ? `required: ${what.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`
        : "required (it has no default)";
    }
    return `must be a map of fields (${allowed})`;
  });
}

/**
 * A required field: its schema, with what it is as its description (the
 * message when it is left out says "required: WHAT", and the reference table
 * and the JSON Schema show it).
 * @param schema The field's schema.
 * @param what What the field is, as one sentence.
 */
function required<const S extends v.GenericSchema>(schema: S, what: string) {
  return v.pipe(schema, v.description(what));
}

/**
 * A whole number within bounds, with a message that states them.
 * @param min Smallest allowed value.
 * @param max Largest allowed value.
 */
function int(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

/**
 * True for a lower-case DNS name of at least two labels (RFC 1123 labels, no
 * wildcard, no trailing dot).
 * @param name The name to check.
 */
export function isDomainName(name: string): boolean {
  if (name.length > 253) return false;
  const labels = name.split(".");
  if (labels.length < 2) return false;
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  const tld = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
  return labels.every((l) => label.test(l)) && tld.test(labels.at(-1)!);
}

const domainName = v.pipe(
  v.string("must be a DNS name like app.example.com"),
  v.check(
    isDomainName,
    "must be a lower-case DNS name like app.example.com (letters, digits, hyphens; no trailing dot)",
  ),
);

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-7… */
export const REGION_PATTERN = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const region = v.pipe(v.string(), v.regex(REGION_PATTERN, "must be an AWS region name like eu-west-1"));

const accountId = v.pipe(v.string(), v.regex(/^\d{12}$/, "must be a 12-digit AWS account id"));

/** The ARN partition prefix AWS uses: aws, aws-cn, aws-us-gov, … */
const ARN_PARTITION = "arn:aws(?:-[a-z]+)*";

/** An ALB ARN; groups: region, account, name, id. */
export const ALB_ARN_PATTERN = new RegExp(
  `^${ARN_PARTITION}:elasticloadbalancing:([a-z0-9-]+):(\\d{12}):loadbalancer/app/([A-Za-z0-9-]{1,32})/([0-9a-f]+)$`,
);
/** An ALB listener ARN; groups: region, account, load balancer name, load balancer id, listener id. */
export const LISTENER_ARN_PATTERN = new RegExp(
  `^${ARN_PARTITION}:elasticloadbalancing:([a-z0-9-]+):(\\d{12}):listener/app/([A-Za-z0-9-]{1,32})/([0-9a-f]+)/([0-9a-f]+)$`,
);
/** An ACM certificate ARN; groups: region, account. */
export const CERTIFICATE_ARN_PATTERN = new RegExp(
  `^${ARN_PARTITION}:acm:([a-z0-9-]+):(\\d{12}):certificate/[0-9a-f-]+$`,
);
/** An IAM OIDC provider ARN; group: account. */
export const OIDC_PROVIDER_ARN_PATTERN = new RegExp(`^${ARN_PARTITION}:iam::(\\d{12}):oidc-provider/.+$`);

/**
 * ALB security policies offering TLS 1.3. Default ELBSecurityPolicy-TLS13-1-2-2021-06:
 * TLS 1.3 first, TLS 1.2 with forward-secret AEAD ciphers only as fallback. The
 * TLS 1.3-only policy (…-TLS13-1-3-2021-06) would also turn away TLS 1.2-only
 * clients (older JVMs, some corporate proxies and monitoring probes) for no
 * gain in confidentiality over those ciphers. It is AWS's recommended default.
 */
export const DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const ipv4Cidr = v.string("must be an IPv4 CIDR block like 10.16.0.0/16");

/**
 * Exactly two strings (the two public subnets' blocks or zones), with a message
 * about the count when it is wrong.
 * @param message What the two values are.
 */
function pair(message: string) {
  return v.pipe(
    v.array(v.string(), message),
    v.length(2, message),
    v.transform((values) => values as [string, string]),
  );
}

const network = strict({
  /** VPC address range. The system this replaces used 10.16.0.0/16; kept so addresses stay familiar. */
  vpcCidr: v.optional(ipv4Cidr, "10.16.0.0/16"),
  /** The two public subnets, one per availability zone; /24 = 251 usable addresses each, plenty for tasks. */
  publicSubnetCidrs: v.optional(pair("must be a list of exactly two CIDR blocks"), ["10.16.0.0/24", "10.16.1.0/24"]),
});

/**
 * A hosted zone id as Route 53 defines it: its API documents only "maximum
 * length of 32" (HostedZone.Id). The ids AWS hands out are upper-case letters
 * and digits and so far start with Z, but that prefix is a convention, not part
 * of the contract, so it is not required here (moto's ids, 22 random upper-case
 * letters and digits, rarely start with Z either). What this rejects are the
 * usual mistakes: the "/hostedzone/" prefix, a zone name, lower case.
 */
const HOSTED_ZONE_ID_PATTERN = /^[A-Z0-9]{1,32}$/;

const hostedZone = v.variant(
  "mode",
  [
    strict({
      /** The stack's base part creates a public zone of this name (delegate it from the parent zone once). */
      mode: v.literal("create"),
      name: required(domainName, "The zone's name: the domain or a parent of it, e.g. example.com."),
    }),
    strict({
      /** Use a public zone that already exists in the account. */
      mode: v.literal("existing"),
      zoneId: required(
        v.pipe(
          v.string(),
          v.regex(
            HOSTED_ZONE_ID_PATTERN,
            "must be a Route 53 hosted zone id: up to 32 upper-case letters and digits like Z0123456789ABCDEFGHIJ, without the /hostedzone/ prefix",
          ),
        ),
        "The zone's id, as Route 53 shows it (without /hostedzone/).",
      ),
    }),
  ],
  'mode must be "create" or "existing"',
);

/** A TLS 1.3 ALB security policy (DEFAULT_TLS_POLICY unless set). */
const tlsPolicy = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^ELBSecurityPolicy-TLS13-/, "must be a TLS 1.3 ALB security policy (ELBSecurityPolicy-TLS13-…)"),
  ),
  DEFAULT_TLS_POLICY,
);

/** A bounded wait for ACM to issue a certificate ("15m" unless set; see certificate.validationTimeout). */
const validationTimeout = v.optional(
  v.pipe(v.string(), v.regex(/^\d+[mh]$/, 'must be a duration like "15m" or "1h"')),
  "15m",
);

const loadBalancer = v.variant(
  "mode",
  [
    strict({
      /** Create an internet-facing ALB in the stack's VPC. */
      mode: v.literal("create"),
      /** TLS policy of the HTTPS listener; see DEFAULT_TLS_POLICY for the choice. */
      tlsPolicy,
      /** Refuse to delete the ALB (destroy then fails until it is turned off). */
      deletionProtection: v.optional(v.boolean(), false),
    }),
    strict({
      /**
       * Put the service behind an ALB that exists already: a listener rule on its
       * HTTPS listener forwards this domain to the service. The service runs in
       * the ALB's VPC and subnets (targets must share the target group's VPC), so
       * no network is created.
       */
      mode: v.literal("existing"),
      arn: required(
        v.pipe(
          v.string(),
          v.regex(ALB_ARN_PATTERN, "must be an application load balancer ARN (…:loadbalancer/app/NAME/ID)"),
        ),
        "The existing application load balancer's ARN.",
      ),
      httpsListenerArn: required(
        v.pipe(
          v.string(),
          v.regex(
            LISTENER_ARN_PATTERN,
            "must be the ARN of the ALB's HTTPS listener (…:listener/app/NAME/ID/LISTENER_ID)",
          ),
        ),
        "The ARN of that load balancer's HTTPS listener.",
      ),
      listenerRulePriority: required(
        int(1, 50000),
        "Priority of the host-header rule on the shared listener; unique per listener.",
      ),
      /**
       * Attach the certificate to the listener as an SNI certificate. Turn off when the
       * certificate is the listener's default one already: AWS refuses to remove a
       * listener's default certificate, so destroy would fail.
       */
      attachCertificate: v.optional(v.boolean(), true),
    }),
  ],
  'mode must be "create" or "existing"',
);

const certificate = v.variant(
  "mode",
  [
    strict({
      /** Request an ACM certificate for the domain, validated through DNS records in the hosted zone. */
      mode: v.literal("create"),
      /**
       * Bounded wait for ACM to issue the certificate. With the zone delegated, Route 53
       * validation takes 1–5 min; 15 min fails fast enough to point at a missing NS
       * delegation instead of hanging for the 75 min peers report.
       */
      validationTimeout,
    }),
    strict({
      /** Use an issued ACM certificate covering the domain, in the environment's region. */
      mode: v.literal("existing"),
      arn: required(
        v.pipe(
          v.string(),
          v.regex(
            CERTIFICATE_ARN_PATTERN,
            "must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
          ),
        ),
        "The issued ACM certificate's ARN.",
      ),
    }),
  ],
  'mode must be "create" or "existing"',
);

const targetHealthCheck = strict({
  /** 5 s (ALB minimum): AWS suggests 5 s × 2 for fast-starting apps; the 30 s default makes every deploy minutes slower. */
  intervalSeconds: v.optional(int(5, 300), 5),
  /** 4 s: must be below the interval; /healthcheck answers in milliseconds, so 4 s only catches a hung process. */
  timeoutSeconds: v.optional(int(2, 120), 4),
  /** 2 (minimum): a new task is in service ~10 s after it listens instead of 5 × 30 s = 150 s. */
  healthyThreshold: v.optional(int(2, 10), 2),
  /** 2 (minimum): a broken task is out of rotation in ~10 s. */
  unhealthyThreshold: v.optional(int(2, 10), 2),
});

/**
 * Where the app reports the commit it was built from, for the smoke test: a
 * top-level field of the health endpoint's JSON body, or a response header.
 */
const commitFrom = v.union(
  [
    strict({
      jsonField: required(
        v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "must be a JSON field name like commit")),
        "The top-level field of the health path's JSON body that holds the commit, e.g. commit.",
      ),
    }),
    strict({
      header: required(
        v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name like X-Commit")),
        "The response header that holds the commit, e.g. X-Commit.",
      ),
    }),
  ],
  "must be { jsonField: NAME } or { header: NAME }",
);

const smokeTest = strict({
  /**
   * Where the app reports its commit; leave out when it does not. With it, the
   * smoke test requires the deployed commit there; without it, the evidence is
   * a 200 from the health path after the new deployment completed with its
   * tasks healthy in the target group.
   */
  commitFrom: v.optional(commitFrom),
});

const envVarName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));

/**
 * A check whose message depends on the value: `explain` returns what is wrong,
 * or undefined when the value is fine.
 * @param explain The rule, as a function from the value to its problem.
 */
function explained<T>(explain: (value: T) => string | undefined) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const message = explain(dataset.value);
    if (message !== undefined) addIssue({ message });
  });
}

/** One segment of an SSM parameter name: what Parameter Store allows between slashes. */
const SSM_SEGMENT = "[A-Za-z0-9_.-]+";
/** An SSM parameter name: a path "/app/db-url" (any depth) or a top-level name "db-url". */
export const SSM_PARAMETER_NAME_PATTERN = new RegExp(`^(?:(?:/${SSM_SEGMENT})+|${SSM_SEGMENT})$`);
/** An SSM parameter ARN; groups: region, account, the name without its leading slash. */
export const SSM_PARAMETER_ARN_PATTERN = new RegExp(
  `^${ARN_PARTITION}:ssm:([a-z0-9-]+):(\\d{12}):parameter/(${SSM_SEGMENT}(?:/${SSM_SEGMENT})*)$`,
);
/** Parameter Store's limit on a name, ARN included (1011 characters). */
const SSM_NAME_MAX = 1011;

/** The characters Secrets Manager allows in a secret's name (no `*` or `?`, so a name can never widen an IAM pattern). */
const SECRET_NAME_CHARS = "[A-Za-z0-9/_+=.@-]";
/** A Secrets Manager secret name (1–512 characters). */
export const SECRET_NAME_PATTERN = new RegExp(`^${SECRET_NAME_CHARS}{1,512}$`);
/**
 * A secret's full ARN: the name, a hyphen and the six random characters AWS
 * appends. Groups: region, account, name, suffix.
 */
export const SECRET_ARN_PATTERN = new RegExp(
  `^${ARN_PARTITION}:secretsmanager:([a-z0-9-]+):(\\d{12}):secret:(${SECRET_NAME_CHARS}{1,512})-([A-Za-z0-9]{6})$`,
);
/**
 * A name ending like an ARN's random suffix ("-" and six letters or digits).
 * AWS advises against such names: given by name (a partial ARN), Secrets
 * Manager may take the ending for the suffix and resolve another secret or none.
 */
const SUFFIX_LIKE_ENDING = /-[A-Za-z0-9]{6}$/;
/** A KMS key ARN (not an alias: IAM matches Decrypt on the key's ARN). Groups: region, account. */
export const KMS_KEY_ARN_PATTERN = new RegExp(
  `^${ARN_PARTITION}:kms:([a-z0-9-]+):(\\d{12}):key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`,
);

/**
 * What is wrong with an `ssm` reference, if anything.
 * @param value The configured name or ARN.
 */
function ssmProblem(value: string): string | undefined {
  if (/^arn:[^:]*:secretsmanager:/.test(value))
    return 'is a Secrets Manager ARN: write { secretsManager: "…" } for a secret';
  if (value.length > SSM_NAME_MAX) return `has ${value.length} characters; Parameter Store allows ${SSM_NAME_MAX}`;
  if (SSM_PARAMETER_NAME_PATTERN.test(value) || SSM_PARAMETER_ARN_PATTERN.test(value)) return undefined;
  if (/^[A-Za-z0-9_.-]+\//.test(value)) return `a parameter path starts with "/": write "/${value}"`;
  return 'must be an SSM parameter: a path like "/app/db-url" (letters, digits, "_", ".", "-" between slashes) or its ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/app/db-url)';
}

/**
 * What is wrong with a `secretsManager` reference, if anything.
 * @param value The configured name or ARN.
 */
function secretProblem(value: string): string | undefined {
  if (value.startsWith("arn:")) {
    if (/^arn:[^:]*:ssm:/.test(value)) return 'is an SSM parameter ARN: write { ssm: "…" } for a parameter';
    if (SECRET_ARN_PATTERN.test(value)) return undefined;
    return "must be the secret's full ARN, ending in the six characters AWS appends to the name (arn:aws:secretsmanager:REGION:ACCOUNT:secret:prod/db-AbCdEf), or the secret's name";
  }
  if (!SECRET_NAME_PATTERN.test(value)) {
    return 'must be a Secrets Manager secret name like "prod/db" (1–512 letters, digits and / _ + = . @ -) or its full ARN';
  }
  if (SUFFIX_LIKE_ENDING.test(value)) {
    return `ends like the random suffix of a secret's ARN ("-" and six characters), so Secrets Manager may resolve another secret by this name; give the secret's full ARN instead`;
  }
  return undefined;
}

/**
 * Where one environment variable's value comes from: an SSM parameter or a
 * Secrets Manager secret (optionally one JSON key of it). Only the name or ARN
 * is configured: the value never passes through this repository, the plan or
 * the state. ECS reads it when a task starts, with the execution role.
 *
 * The shape, `{ ssm: NAME_OR_ARN }` or `{ secretsManager: NAME_OR_ARN, key? }`:
 * - the store is named by the field, not guessed from the string (a Secrets
 *   Manager name may look like a parameter path), and the two stores are
 *   charged differently (see docs/infrastructure.md), so it should be explicit;
 * - a name is enough in the environment's account and region; an ARN names
 *   another region (ECS reads secrets of its own account only);
 * - `key` picks one field of a secret that holds JSON (ECS's
 *   `…:secret:NAME:KEY::` form); parameters hold one value, so no key;
 * - `kmsKeyArn` names the customer-managed KMS key the value is encrypted
 *   with; leave it out for the AWS-managed key (aws/ssm, aws/secretsmanager).
 *   The execution role may decrypt with exactly that key, and only through
 *   that store.
 * Plain JSON with one-word field names, so it reads the same in a YAML file.
 */
const secretReference = v.pipe(
  v.strictObject(
    {
      /** An SSM Parameter Store parameter (SecureString, String or StringList): its name ("/app/db-url") or ARN. */
      ssm: v.optional(v.pipe(v.string(), explained(ssmProblem))),
      /** A Secrets Manager secret: its name ("prod/db") or its full ARN (with the 6-character suffix). */
      secretsManager: v.optional(v.pipe(v.string(), explained(secretProblem))),
      /** One JSON key of the secret's value (Secrets Manager only). */
      key: v.optional(
        v.pipe(
          v.string(),
          v.regex(
            /^[^:]{1,256}$/,
            'must be a JSON key of the secret: 1–256 characters without ":" (ECS separates the parts of valueFrom with ":")',
          ),
        ),
      ),
      /** The customer-managed KMS key of the value (default: the store's AWS-managed key). */
      kmsKeyArn: v.optional(
        v.pipe(
          v.string(),
          v.regex(
            KMS_KEY_ARN_PATTERN,
            "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); an alias does not work: IAM matches kms:Decrypt on the key's ARN",
          ),
        ),
      ),
    },
    "unknown field; allowed fields: ssm or secretsManager, key (secretsManager only), kmsKeyArn",
  ),
  v.check(
    (r) => (r.ssm === undefined) !== (r.secretsManager === undefined),
    'must name exactly one store: { ssm: "/app/db-url" } or { secretsManager: "prod/db" }',
  ),
  v.forward(
    v.check(
      (r) => r.key === undefined || r.ssm === undefined,
      "an SSM parameter holds one value and has no JSON keys; drop key, or keep the JSON in Secrets Manager ({ secretsManager: …, key: … })",
    ),
    ["key"],
  ),
);

/**
 * Application Auto Scaling of the service: target tracking on average CPU and
 * on ALB requests per target, between minCount and maxCount tasks. When
 * enabled, the autoscaler owns the running count: `desiredCount` is not used,
 * the service starts at minCount, and deploys never reset the count.
 */
const autoscaling = strict({
  /**
   * Off by default: a fixed desiredCount keeps cost and deploy time predictable; turn it
   * on where load varies (the sample's production does, in fargate-pipeline.yaml).
   */
  enabled: v.optional(v.boolean(), false),
  /** 2: one task per availability zone, as for desiredCount: losing a zone or a task leaves the service up. */
  minCount: v.optional(int(1, 1000), 2),
  /** 10: a cost ceiling at 5 × the minimum; raise it once a load test shows what one task serves. */
  maxCount: v.optional(int(1, 1000), 10),
  /**
   * 70 % of the task's CPU: leaves 30 % headroom for the minute a new task needs to start and
   * pass its health checks. Higher saves money but lets a spike saturate the tasks before help arrives.
   */
  cpuTargetPercent: v.optional(
    v.pipe(
      v.number("must be a percentage from 1 to 100"),
      v.minValue(1, "must be a percentage from 1 to 100"),
      v.maxValue(100, "must be a percentage from 1 to 100"),
    ),
    70,
  ),
  /**
   * 1000 requests per task per minute (~17 per second; ALBRequestCountPerTarget is a
   * per-minute sum): far below what a 0.25 vCPU Node task serves for a light handler,
   * so a burst of requests scales out before the CPU average shows it. Measure and raise.
   */
  requestsPerTarget: v.optional(int(1, 1000000), 1000),
  /**
   * 60 s (AWS's default is 300 s): about the time a new task takes to start and register,
   * so a second step out follows soon when the first was not enough.
   */
  scaleOutCooldownSeconds: v.optional(int(0, 3600), 60),
  /**
   * 300 s (AWS's default): scale in slowly; a task removed too early comes back as a cold
   * start in the next spike.
   */
  scaleInCooldownSeconds: v.optional(int(0, 3600), 300),
});

const service = strict({
  /** 2 tasks: one per availability zone, so losing a zone or a task leaves the service up. */
  desiredCount: v.optional(
    v.pipe(
      v.number("must be a whole number of at least 1"),
      v.integer("must be a whole number of at least 1"),
      v.minValue(1, "must be at least 1 (use destroy to remove the service)"),
      v.maxValue(1000, "must be at most 1000"),
    ),
    2,
  ),
  /** 256 CPU units (0.25 vCPU): the sample app idles at < 1 % of it; raise for real load. */
  cpu: v.optional(v.number(), 256),
  /** 512 MiB: the smallest Fargate size; Node's heap for the sample app stays < 100 MiB. */
  memory: v.optional(v.number(), 512),
  /** The image's architecture; must match the image the pipeline builds (linux/amd64 by default). */
  cpuArchitecture: v.optional(v.picklist(["X86_64", "ARM64"], 'must be "X86_64" or "ARM64"'), "X86_64"),
  /** 8080: unprivileged, so the container runs as user 1000 without extra capabilities. */
  containerPort: v.optional(int(1024, 65535), 8080),
  /** The app's health endpoint, used by the ALB and by the container health check. */
  healthCheckPath: v.optional(
    v.pipe(v.string(), v.regex(/^\/[A-Za-z0-9._~/-]*$/, "must be a URL path starting with /")),
    "/healthcheck",
  ),
  /**
   * 10 s: ECS ignores failing ALB checks for this long after a task starts. The app
   * listens in < 3 s; 10 s covers the first two 5 s checks. Longer only delays the
   * detection of a broken deploy.
   */
  healthCheckGracePeriodSeconds: v.optional(int(0, 2147483647), 10),
  /** 100 %: never fewer healthy tasks than desired during a deploy (new tasks start before old ones stop). */
  deploymentMinimumHealthyPercent: v.optional(int(0, 100), 100),
  /** 200 %: a whole new set of tasks starts at once, so a deploy takes one round of starts, not N. */
  deploymentMaximumPercent: v.optional(int(100, 200), 200),
  /** 30 s: the app drains in ≤ 20 s after SIGTERM; 30 s leaves margin before SIGKILL (Fargate allows up to 120 s). */
  stopTimeoutSeconds: v.optional(int(2, 120), 30),
  /**
   * 15 s: the ALB stops routing to a draining task at once and waits this long for
   * in-flight requests (the app's take < 1 s). AWS's 300 s default adds ~5 min to every deploy.
   */
  deregistrationDelaySeconds: v.optional(int(0, 3600), 15),
  /** ALB target health check timing; see each field. */
  targetHealthCheck: v.optional(targetHealthCheck, {}),
  /** ECS Exec into running tasks: off by default (it needs SSM permissions and opens a shell path into production). */
  enableExecuteCommand: v.optional(v.boolean(), false),
  /** CloudWatch Container Insights for the cluster: "enabled" (per-task metrics), "enhanced" or "disabled". */
  containerInsights: v.optional(
    v.picklist(["enabled", "enhanced", "disabled"], 'must be "enabled", "enhanced" or "disabled"'),
    "enabled",
  ),
  /** 30 days of task logs: enough to debug last month's deploys; CloudWatch only accepts some values. */
  logRetentionDays: v.optional(
    v.picklist(
      LOG_RETENTION_DAYS,
      `must be one of ${LOG_RETENTION_DAYS.join(", ")} (the periods CloudWatch Logs accepts)`,
    ),
    30,
  ),
  /**
   * Name prefix of the target group (name_prefix: at most 6 characters). The name must
   * change when the group is replaced, so Terraform appends a random suffix; the
   * prefix lets the deploy role's policy scope target groups by name.
   */
  targetGroupNamePrefix: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[a-z0-9][a-z0-9-]{0,5}$/, "must be 1–6 characters: lower-case letters, digits, hyphens"),
    ),
  ),
  /** What the smoke test after each rollout checks besides a 200 from healthCheckPath. */
  smokeTest: v.optional(smokeTest, {}),
  /** Extra plain environment variables for the container (never secrets: they are visible in the task definition). */
  environment: v.optional(v.record(envVarName, v.string()), {}),
  /**
   * Secret environment variables: name → where ECS reads the value when a task starts
   * (see secretReference). Names and ARNs only; the values stay in AWS.
   */
  secrets: v.optional(v.record(envVarName, secretReference), {}),
  /** Autoscaling of the task count (off by default; see each field). */
  autoscaling: v.optional(autoscaling, {}),
});

const registry = strict({
  /** Keep the last 30 images: ~30 deploys of rollback history; older ones cost storage and scan time. */
  keepLastImages: v.optional(int(1, 10000), 30),
  /** Untagged images (pushes by digest superseded, failed pushes) go after 7 days. */
  expireUntaggedAfterDays: v.optional(int(1, 3650), 7),
  /** Let destroy delete the repository with its images. Off: images outlive an accidental destroy. */
  forceDelete: v.optional(v.boolean(), false),
});

/** An IAM OIDC provider's ARN, to reuse the account's provider of that issuer (IAM allows one per issuer). */
const oidcProviderArn = v.pipe(
  v.string(),
  v.regex(OIDC_PROVIDER_ARN_PATTERN, "must be an IAM OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/ISSUER)"),
);

/** A branch name as git allows it in a ref (no wildcard: IAM would read `*` as one). */
const branchName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9._/-]+$/, "must be a branch name (letters, digits, . _ / -)"),
);

/** An audience (the token's `aud`): the provider's client id, and what the trust policy requires. */
const audience = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]{1,255}$/, "must be an audience: 1–255 visible characters, no spaces"),
);

/** An issuer: an https URL with no query, fragment or trailing slash, as the tokens' `iss` spells it. */
const issuerUrl = v.pipe(
  v.string(),
  v.regex(
    /^https:\/\/[a-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*$/,
    "must be the issuer's https URL as its tokens' iss claim spells it, e.g. https://gitlab.example.com (no trailing slash)",
  ),
);

/** A list of `sub` values: exact, or patterns that keep at least two parts of the subject fixed (see subjectProblem). */
function subjects(what: string) {
  return required(
    v.pipe(
      v.array(v.pipe(v.string(), explained(subjectProblem)), "must be a list of subjects (the tokens' sub claim)"),
      v.minLength(1, "must list at least one subject: a role that trusts no subject is one nobody can assume"),
    ),
    what,
  );
}

/** GitHub Actions as the CI (also the older top-level `github:`). */
const githubForm = strict({
  /** GitHub Actions (token.actions.githubusercontent.com): deploy jobs in a GitHub environment, plans on pull requests and pushes. */
  provider: v.literal("github"),
  repository: required(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be "OWNER/REPO" as on GitHub')),
    '"OWNER/REPO": the GitHub repository whose workflows may assume the deploy and plan roles.',
  ),
  /** The GitHub environment whose jobs deploy (default: the environment's name). */
  environment: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,255}$/, "must be a GitHub environment name"))),
  /** The branch whose pushes run the checks and plans (default "main"). */
  branch: v.optional(branchName, "main"),
  /** Reuse this account's GitHub OIDC provider (one per account) instead of creating it. */
  oidcProviderArn: v.optional(oidcProviderArn),
});

/**
 * Which CI may assume the environment's deploy and plan roles with its OIDC
 * tokens (no keys in CI): `provider` says whose tokens, the other fields which
 * jobs. Leave `ci` out, or write `{ provider: none }`, for an environment
 * without CI roles: a laptop or any CI deploys with keys or a web-identity
 * token of a role you manage. The exact `sub` conditions and why:
 * docs/ci.md.
 */
const ci = v.variant(
  "provider",
  [
    githubForm,
    strict({
      /** GitLab CI/CD (`id_tokens`), gitlab.com or a self-managed instance: deploy jobs on the deploy branch, plans on every branch of the project (merge requests run on theirs). */
      provider: v.literal("gitlab"),
      project: required(
        v.pipe(
          v.string(),
          v.regex(
            /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/,
            'must be the project\'s full path "GROUP/PROJECT" (subgroups too: "GROUP/SUBGROUP/PROJECT")',
          ),
        ),
        '"GROUP/PROJECT": the GitLab project whose pipelines may assume the deploy and plan roles (its full path, subgroups included).',
      ),
      /** The GitLab instance, the tokens' issuer (default https://gitlab.com). */
      url: v.optional(issuerUrl, "https://gitlab.com"),
      /** The `aud` the jobs' `id_tokens` request (default sts.amazonaws.com). */
      audience: v.optional(audience, "sts.amazonaws.com"),
      /** The branch whose pipelines deploy: protect it (default "main"). */
      branch: v.optional(branchName, "main"),
      /** Reuse this account's OIDC provider for the instance instead of creating it. */
      oidcProviderArn: v.optional(oidcProviderArn),
    }),
    strict({
      /** Any other OIDC issuer (Buildkite, CircleCI, a Kubernetes cluster…): its URL, audience and the subjects each role trusts. */
      provider: v.literal("oidc"),
      issuer: required(issuerUrl, "The issuer's https URL, as its tokens' iss claim spells it."),
      /** The `aud` the tokens carry (default sts.amazonaws.com). */
      audience: v.optional(audience, "sts.amazonaws.com"),
      deploySubjects: subjects("The `sub` claims that may assume the deploy role: exact, or patterns (docs/ci.md)."),
      planSubjects: subjects(
        "The `sub` claims that may assume the read-only plan role: exact, or patterns (docs/ci.md).",
      ),
      /** Reuse this account's OIDC provider for the issuer instead of creating it. */
      oidcProviderArn: v.optional(oidcProviderArn),
    }),
    strict({
      /** No CI roles: deploys use keys or a web-identity token of a role you manage (overrides a `ci` of `defaults`). */
      provider: v.literal("none"),
    }),
  ],
  'provider must be "github", "gitlab", "oidc" or "none"',
);

/** The older spelling of `ci: { provider: github, … }`, kept so that existing files work; write one of the two. */
const github = v.omit(githubForm, ["provider"]);

const state = strict({
  /** State bucket; default "<serviceName>-tfstate-<account>-<region>" (created by `bootstrap`, not by this stack). */
  bucket: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)",
      ),
    ),
  ),
  /** Region of the state bucket; default: the environment's region. */
  region: v.optional(region),
});

/** A shared environment's name: like an environment's, it is part of the names of what it creates. */
const sharedName = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9]{1,11}$/, "must be 2–12 lower-case letters or digits, starting with a letter"),
);

/**
 * One DNS label: the part of the host before the shared environment's domain.
 * `pr-N-…` is left to previews (a service named so would take a pull request's host).
 */
const hostLabel = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "must be one DNS label: lower-case letters, digits, hyphens"),
  v.check((label) => !/^pr-\d+-/.test(label), "labels pr-N-… are the previews' hosts; choose another"),
);

/** A listener rule's path pattern: up to 128 characters of a URL path, `*` and `?` as wildcards. */
const pathPattern = v.pipe(
  v.string(),
  v.regex(
    /^\/[A-Za-z0-9._~/*?&=%:@!$'()+,;-]{0,127}$/,
    'must be a URL path pattern like "/api/*" (up to 128 characters)',
  ),
);

/**
 * Attach the service to a shared environment (README, "Shared environments"):
 * its name, or { environment, host, paths }. The service then creates no
 * network, load balancer or certificate of its own: it answers on
 * `<host>.<the shared environment's domain>` through a rule on the shared load
 * balancer, and reads everything else the platform published (SSM parameters).
 */
const sharedAttachment = v.union(
  [
    v.pipe(
      sharedName,
      v.transform((environment) => ({ environment })),
    ),
    strict({
      environment: required(
        sharedName,
        "The shared environment's name (a key of sharedEnvironments: in the platform team's file).",
      ),
      /** The host's first label (default: serviceName): the service answers on <host>.<the shared domain>. */
      host: v.optional(hostLabel),
      /** Path patterns the rule also requires (default: every path of the host), e.g. ["/api/*"]. */
      paths: v.optional(v.array(pathPattern, "must be a list of path patterns")),
    }),
  ],
  "must be a shared environment's name, or { environment: NAME, host: LABEL, paths: [PATTERN, …] }",
);

/**
 * A preview of a pull request: set by the module's `preview` function (never
 * in the file). The environment's service, deployed again as a small service of
 * its own on the same shared environment (see config/preview.ts).
 */
const preview = strict({
  pullRequest: required(int(1, 9_999_999), "The pull request's number."),
});

/** The schema of one environment as the configuration file gives it (before cross-field checks). */
export const EnvironmentSchema = strict({
  name: required(
    v.pipe(
      v.string(),
      v.regex(/^[a-z][a-z0-9]{1,11}$/, "must be 2–12 lower-case letters or digits, starting with a letter"),
    ),
    "The environment's name: lower-case letters and digits, part of every resource name.",
  ),
  /** The application's name: prefix of every resource name. */
  serviceName: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/,
        "must be 2–20 lower-case letters, digits or hyphens, starting with a letter",
      ),
    ),
    "fargate-pipeline",
  ),
  /** The AWS account the environment lives in; the provider refuses any other. Required except for `local`. */
  accountId: v.optional(accountId),
  region: required(region, "The AWS region the environment lives in, e.g. eu-west-1."),
  /** The two availability zones of the public subnets, in the region (explicit: a data source's order can shift). Required unless `shared`; not with it. */
  availabilityZones: v.optional(pair("must be a list of exactly two availability zones")),
  /** The name the service answers on (HTTPS), e.g. app.example.com. Required unless `shared`; not with it (the host is then under the shared environment's domain). */
  domain: v.optional(domainName),
  /** The Route 53 zone of the domain: { mode: create, name: ZONE } or { mode: existing, zoneId: ID }. Required unless `shared`; not with it. */
  hostedZone: v.optional(hostedZone),
  /** Attach to a shared environment instead of creating a network, load balancer and certificate: its name, or { environment, host, paths }. */
  shared: v.optional(sharedAttachment),
  /** Set by the module's `preview` function only: this environment's service as a pull request's preview. */
  preview: v.optional(preview),
  network: v.optional(network, {}),
  loadBalancer: v.optional(loadBalancer, { mode: "create" }),
  certificate: v.optional(certificate, { mode: "create" }),
  service: v.optional(service, {}),
  registry: v.optional(registry, {}),
  /** Which CI may assume the deploy and plan roles with its OIDC tokens; left out: none (no CI roles). */
  ci: v.optional(ci),
  /** The older spelling of `ci: { provider: github, … }`, still read; write one of the two. */
  github: v.optional(github),
  state: v.optional(state, {}),
  /** Tags on every resource (added to Project, Environment, ManagedBy, Stack). */
  tags: v.optional(v.record(v.string(), v.string()), {}),
  /**
   * Applied to the AWS emulator (moto), not to AWS: the stacks then also carry the
   * emulator-only settings of src/emulator.ts (EMULATOR_UNHELD_FIELDS). Set by
   * `local` and by emulatorOverrides(); never set it for an environment in AWS.
   */
  emulator: v.optional(v.boolean(), false),
});

/** An environment as written in the configuration file: optional fields may be left out. */
export type EnvironmentInput = v.InferInput<typeof EnvironmentSchema>;

/** An environment after defaults (still to be cross-checked and resolved). */
export type EnvironmentParsed = v.InferOutput<typeof EnvironmentSchema>;

/**
 * The access logs of a shared environment's load balancer: a bucket the stack
 * creates (SSE-S3, public access blocked, ELB's log delivery allowed) and keeps
 * for the given days.
 */
const accessLogs = strict({
  /** 90 days: a quarter of request history for incident reviews; S3 Standard costs ~$0.023 per GB-month. */
  retentionDays: v.optional(int(1, 3650), 90),
});

/**
 * One shared environment, owned by the platform team (README, "Shared
 * environments"): a network, an ECS cluster, a load balancer with its HTTPS
 * listener (default: 404) and a wildcard certificate for `*.<domain>`, which
 * many services attach to (`environments.NAME.shared`). Its outputs are
 * published as SSM parameters for them to read.
 */
export const SharedEnvironmentSchema = strict({
  name: required(
    sharedName,
    "The shared environment's name (its key under sharedEnvironments:): part of what it creates, and what services attach to.",
  ),
  /** The AWS account it lives in (services that attach live there too: a listener rule forwards to target groups of its own account only). */
  accountId: v.optional(accountId),
  region: required(region, "The AWS region the shared environment lives in, e.g. eu-west-1."),
  availabilityZones: required(
    pair("must be a list of exactly two availability zones"),
    "The two availability zones of the public subnets, in the region.",
  ),
  domain: required(
    domainName,
    "The environment's domain: services answer on <host>.<domain>, under one wildcard certificate for *.<domain>.",
  ),
  hostedZone: required(
    hostedZone,
    "The Route 53 zone of the domain: { mode: create, name: ZONE } or { mode: existing, zoneId: ID }.",
  ),
  network: v.optional(network, {}),
  /** The load balancer: an internet-facing ALB, HTTPS listener with a fixed 404 by default, HTTP redirected to HTTPS. */
  loadBalancer: v.optional(
    strict({
      /** TLS policy of the HTTPS listener; see DEFAULT_TLS_POLICY for the choice. */
      tlsPolicy,
      /** Refuse to delete the ALB (destroy then fails until it is turned off). */
      deletionProtection: v.optional(v.boolean(), false),
      /** Access logs to an S3 bucket the stack creates (off unless set). */
      accessLogs: v.optional(accessLogs),
    }),
    {},
  ),
  /** The wildcard certificate (*.<domain>), validated through DNS records in the hosted zone. */
  certificate: v.optional(
    strict({
      /** Bounded wait for ACM to issue the certificate (see the environments' certificate.validationTimeout). */
      validationTimeout,
    }),
    {},
  ),
  /** CloudWatch Container Insights for the shared cluster: "enabled" (per-task metrics), "enhanced" or "disabled". */
  containerInsights: v.optional(
    v.picklist(["enabled", "enhanced", "disabled"], 'must be "enabled", "enhanced" or "disabled"'),
    "enabled",
  ),
  /** Where its state lives: default bucket "fargate-pipeline-shared-<account>-<region>" (created by `platform … apply`). */
  state: v.optional(state, {}),
  /** Tags on every resource (added to Project, Environment, ManagedBy, Stack). */
  tags: v.optional(v.record(v.string(), v.string()), {}),
  /** Applied to the AWS emulator (moto), not to AWS: set by emulatorOverrides(); never set it for AWS. */
  emulator: v.optional(v.boolean(), false),
});

/** A shared environment as written. */
export type SharedEnvironmentInput = v.InferInput<typeof SharedEnvironmentSchema>;

/** A shared environment after defaults. */
export type SharedEnvironmentParsed = v.InferOutput<typeof SharedEnvironmentSchema>;
