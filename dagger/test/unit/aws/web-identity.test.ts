/**
 * The second form of AWS credentials: an OIDC web-identity token and the role
 * to assume with it (STS AssumeRoleWithWebIdentity). Wrong combinations of
 * flags fail before any request, saying what to pass; the exchange is sent
 * unsigned with a session long enough for a deploy; each answer STS gives a
 * token it refuses is explained with its usual causes — and neither the token
 * nor a credential ever appears in a message. STS is a loopback server that
 * answers the way STS does; every function that takes AWS credentials has the
 * two flags, appended after the existing ones.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { Secret } from "@dagger.io/dagger";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  AWS_CREDENTIAL_FLAGS,
  explainAwsError,
  resolveAwsAuth,
  roleSessionName,
  tokenClaims,
  WEB_IDENTITY_SESSION_SECONDS,
} from "../../../src/aws/auth.js";
import { type DescribedModule, describeModule, scanModule, SCAN_TIMEOUT_MS } from "../../../scripts/introspect.mjs";

/** A stand-in for a Dagger Secret (only plaintext() is used). */
const secret = (value: string) => ({ plaintext: async () => value }) as unknown as Secret;

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const SIGNATURE = "c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1ub3QtdG8tYmUtc2hvd24";
/** A token shaped like a GitHub Actions ID token (the signature is what must never leak). */
const TOKEN = [
  b64url({ alg: "RS256", typ: "JWT" }),
  b64url({
    iss: "https://token.actions.githubusercontent.com",
    aud: "sts.amazonaws.com",
    sub: "repo:acme/shop:environment:production",
  }),
  SIGNATURE,
].join(".");
const ROLE = "arn:aws:iam::210987654321:role/fargate-pipeline-production-deploy";
const TEMP = {
  keyId: "ASIAEXAMPLETEMPKEY12",
  secret: "tEmPsEcReTkEyExAmPlE/0123456789abcdefghij",
  session: "IQoJb3JpZ2luX2VjEXAMPLESESSION",
};

/** STS's query-protocol error document. */
const stsError = (code: string, message: string) => `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>
  <RequestId>4c8a9b2e-0000-0000-0000-000000000000</RequestId>
</ErrorResponse>`;

const ASSUMED = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>${TEMP.keyId}</AccessKeyId>
      <SecretAccessKey>${TEMP.secret}</SecretAccessKey>
      <SessionToken>${TEMP.session}</SessionToken>
      <Expiration>2030-01-01T01:00:00Z</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>repo:acme/shop:environment:production</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:fargate-pipeline-deploy</AssumedRoleId>
      <Arn>arn:aws:sts::210987654321:assumed-role/fargate-pipeline-production-deploy/fargate-pipeline-deploy</Arn>
    </AssumedRoleUser>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>5d9b0c3f-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`;

/** The next answer of the fake STS: status and body. */
let answer: { status: number; body: string } = { status: 200, body: ASSUMED };
const requests: { authorization?: string; form: URLSearchParams }[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        form: new URLSearchParams(body),
      });
      res.writeHead(answer.status, { "content-type": "text/xml" }).end(answer.body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

beforeEach(() => {
  requests.length = 0;
  answer = { status: 200, body: ASSUMED };
});

/** The message of a rejected promise; fails when the promise resolves. */
async function failure(p: Promise<unknown>): Promise<string> {
  const result = await p.then(
    () => new Error("expected a failure, but it resolved"),
    (e: unknown) => e,
  );
  if (result instanceof Error && result.message === "expected a failure, but it resolved") throw result;
  return result instanceof Error ? result.message : String(result);
}

/** Every credential-like value of this file: none may appear in a message. */
const HIDDEN = [
  TOKEN,
  SIGNATURE,
  TEMP.keyId,
  TEMP.secret,
  TEMP.session,
  "AKIAEXAMPLEKEYID1234",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
];

describe("web-identity arguments: what is missing or contradictory is said before any request", () => {
  const keys = {
    accessKeyId: secret("AKIAEXAMPLEKEYID1234"),
    secretAccessKey: secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
  };

  it("refuses access keys and a web-identity token together, naming the flags of each", async () => {
    const msg = await failure(
      resolveAwsAuth(
        { ...keys, webIdentityToken: secret(TOKEN), roleArn: ROLE, region: "eu-west-1", endpoint },
        "deploy",
      ),
    );
    expect(msg).toBe(
      "deploy: give one kind of AWS credentials, not both: access keys (with-aws-credentials --access-key-id, --secret-access-key) or a web-identity token and role (with-web-identity --token, --role-arn). " +
        "Drop with-aws-credentials to assume the role with the token, or drop with-web-identity to use the keys.",
    );
    // A session token alone with a role is the same contradiction.
    await expect(
      resolveAwsAuth({ sessionToken: secret("x"), roleArn: ROLE, region: "eu-west-1", endpoint }, "plan"),
    ).rejects.toThrow(
      /^plan: give one kind of AWS credentials, not both: access keys \(with-aws-credentials --session-token\) or a web-identity token and role \(with-web-identity --role-arn\)/,
    );
    expect(requests).toEqual([]);
  });

  it("a token needs the role to assume, and a role needs the token", async () => {
    const noRole = await failure(
      resolveAwsAuth({ webIdentityToken: secret(TOKEN), region: "eu-west-1", endpoint }, "deploy"),
    );
    expect(noRole).toMatch(
      /^deploy: missing --role-arn \(a web-identity token is exchanged for the credentials of a role, so it needs the role to assume\)\. Pass:\n/,
    );
    expect(noRole).toContain(
      "  with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN (or file:PATH) --role-arn arn:aws:iam::<account>:role/<role>",
    );
    const noToken = await failure(resolveAwsAuth({ roleArn: ROLE, region: "eu-west-1", endpoint }, "plan"));
    expect(noToken).toMatch(
      /^plan: missing --token \(a role is assumed with a web-identity token \(from the CI's OIDC issuer\), so it needs the token\)/,
    );
    expect(noToken).toContain("  with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN (or file:PATH)");
    // … and says the keys are the alternative.
    expect(noToken).toMatch(/or access keys instead:\n {2}with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID /);
    expect(requests).toEqual([]);
  });

  it("needs a region for STS", async () => {
    await expect(
      resolveAwsAuth({ webIdentityToken: secret(TOKEN), roleArn: ROLE, endpoint }, "publish-ecr"),
    ).rejects.toThrow(/^publish-ecr: missing the region \(STS needs a region\)/);
  });

  it("refuses a role ARN that is not an IAM role's, before sending the token anywhere", async () => {
    for (const bad of [
      "fargate-pipeline-production-deploy",
      "arn:aws:iam::2109876543:role/x",
      "arn:aws:iam::210987654321:user/ci",
    ]) {
      const msg = await failure(
        resolveAwsAuth({ webIdentityToken: secret(TOKEN), roleArn: bad, region: "eu-west-1", endpoint }, "deploy"),
      );
      expect(msg).toBe(
        `deploy: with-web-identity --role-arn "${bad}" is not an IAM role ARN; pass one like arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints the deploy and plan roles' ARNs).`,
      );
    }
    expect(requests).toEqual([]);
  });

  it("says an empty token is an unset variable or unwritten file, and how CI provides one", async () => {
    for (const empty of ["", "\n", "  "]) {
      const msg = await failure(
        resolveAwsAuth({ webIdentityToken: secret(empty), roleArn: ROLE, region: "eu-west-1", endpoint }, "deploy"),
      );
      expect(msg).toMatch(
        /^deploy: with-web-identity --token is empty \(is the environment variable set, or the file written\?\)/,
      );
      expect(msg).toContain("GitHub Actions: the job needs `permissions: id-token: write`");
      expect(msg).toContain("GitLab CI: `id_tokens:` with `aud: sts.amazonaws.com`");
    }
    expect(requests).toEqual([]);
  });

  it("lists both forms when no credentials are given at all", async () => {
    const msg = await failure(resolveAwsAuth({ region: "eu-west-1" }, "status"));
    expect(msg).toBe(
      `status needs AWS credentials; chain one of these after \`environment --name <env>\`:\n${AWS_CREDENTIAL_FLAGS.map((f) => `  ${f}`).join("\n")}`,
    );
    expect(msg).toMatch(
      /--session-token[^\n]*\n[^\n]*or, instead of the keys, an OIDC token[^\n]*\n {2}with-web-identity --token env:[^\n]* --role-arn arn:aws:iam::/,
    );
  });
});

describe("the exchange (STS AssumeRoleWithWebIdentity)", () => {
  it("is sent unsigned, for the role, with the session name and duration, and returns the role's temporary credentials", async () => {
    // A token file ends with a newline: it is not part of the token.
    const auth = await resolveAwsAuth(
      { webIdentityToken: secret(`${TOKEN}\n`), roleArn: ROLE, region: "eu-west-1", endpoint },
      "deploy",
    );
    expect(auth).toEqual({
      region: "eu-west-1",
      endpoint,
      credentials: { accessKeyId: TEMP.keyId, secretAccessKey: TEMP.secret, sessionToken: TEMP.session },
      webIdentity: {
        roleArn: ROLE,
        sessionName: "fargate-pipeline-deploy",
        expiration: new Date("2030-01-01T01:00:00Z"),
      },
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.authorization).toBeUndefined(); // unsigned: the token is the proof, no AWS credentials are needed
    expect(Object.fromEntries(requests[0]!.form)).toMatchObject({
      Action: "AssumeRoleWithWebIdentity",
      RoleArn: ROLE,
      RoleSessionName: "fargate-pipeline-deploy",
      WebIdentityToken: TOKEN,
      DurationSeconds: String(WEB_IDENTITY_SESSION_SECONDS),
    });
    expect(WEB_IDENTITY_SESSION_SECONDS).toBe(3600); // a role's default MaxSessionDuration, and the infra roles'
  });

  it("names the session after the function, in the characters and length STS accepts", () => {
    expect(roleSessionName("publish-ecr")).toBe("fargate-pipeline-publish-ecr");
    expect(roleSessionName("a b/c:d")).toBe("fargate-pipeline-a-b-c-d");
    expect(roleSessionName("x".repeat(100))).toHaveLength(64);
  });

  /** What resolveAwsAuth says when STS answers `code: message` for the exchange. */
  async function refused(status: number, code: string, message: string): Promise<string> {
    answer = { status, body: stsError(code, message) };
    const msg = await failure(
      resolveAwsAuth({ webIdentityToken: secret(TOKEN), roleArn: ROLE, region: "eu-west-1", endpoint }, "deploy"),
    );
    for (const value of HIDDEN) expect(msg).not.toContain(value);
    return msg;
  }

  it("InvalidIdentityToken: the account's OIDC provider or the token's audience, with the token's issuer and audience", async () => {
    // STS may repeat what it was sent; the token must still not show.
    const msg = await refused(
      400,
      "InvalidIdentityToken",
      `No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com (token ${TOKEN})`,
    );
    expect(msg).toMatch(
      /^deploy: STS AssumeRoleWithWebIdentity failed: the AWS endpoint http:\/\/127\.0\.0\.1:\d+ does not accept the web-identity token for arn:aws:iam::210987654321:role\/fargate-pipeline-production-deploy \(InvalidIdentityToken/,
    );
    expect(msg).toContain("No OpenIDConnect provider found in your account");
    expect(msg).toContain("***");
    expect(msg).toContain(
      "The token says iss=https://token.actions.githubusercontent.com, aud=sts.amazonaws.com, sub=repo:acme/shop:environment:production.",
    );
    expect(msg).toContain("the account has no IAM OIDC identity provider for token.actions.githubusercontent.com");
    expect(msg).toContain("request the token for sts.amazonaws.com");
  });

  it("AccessDenied: the trust policy's sub and aud conditions, the provider, the role", async () => {
    const msg = await refused(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    expect(msg).toMatch(
      /^deploy: STS AssumeRoleWithWebIdentity failed: the trust policy of arn:aws:iam::210987654321:role\/fargate-pipeline-production-deploy does not let this token assume it \(AccessDenied: Not authorized/,
    );
    expect(msg).toContain("sub=repo:acme/shop:environment:production");
    expect(msg).toContain("the trust policy's `sub` condition does not match the token's sub");
    expect(msg).toContain("repo:OWNER/REPO:environment:production");
    expect(msg).toContain("the trust policy's `aud` condition is not sts.amazonaws.com");
    expect(msg).toContain("OIDC provider for token.actions.githubusercontent.com (or that provider is missing)");
  });

  it("ExpiredToken: request a fresh token right before the call", async () => {
    const msg = await refused(
      400,
      "ExpiredTokenException",
      "Token expired: current date/time 1735689900 must be before the expiration date/time 1735689600",
    );
    expect(msg).toMatch(
      /^deploy: STS AssumeRoleWithWebIdentity failed: the web-identity token has expired \(ExpiredTokenException: Token expired/,
    );
    expect(msg).toContain("request a fresh one right before the call");
  });

  it("a role whose sessions are shorter than a deploy needs: raise its maximum session duration", async () => {
    const msg = await refused(
      400,
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    expect(msg).toContain(`allows shorter sessions than the ${WEB_IDENTITY_SESSION_SECONDS} s a deploy may need`);
    expect(msg).toContain(`Set the role's maximum session duration to at least ${WEB_IDENTITY_SESSION_SECONDS} s`);
  });

  it("a token that is not a JWT: says so instead of inventing claims", async () => {
    answer = {
      status: 400,
      body: stsError("InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"),
    };
    const opaque = "glcbt-64_not-an-oidc-id-token";
    const msg = await failure(
      resolveAwsAuth({ webIdentityToken: secret(opaque), roleArn: ROLE, region: "eu-west-1", endpoint }, "deploy"),
    );
    expect(msg).toContain("The token is not a JWT: was the right variable passed?");
    expect(msg).not.toContain(opaque);
  });

  it("an unreachable STS: the region and endpoint to check", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const msg = await failure(
      resolveAwsAuth(
        { webIdentityToken: secret(TOKEN), roleArn: ROLE, region: "eu-west-1", endpoint: `http://127.0.0.1:${port}` },
        "deploy",
      ),
    );
    expect(msg).toMatch(
      /^deploy: STS AssumeRoleWithWebIdentity failed: could not reach the AWS endpoint http:\/\/127\.0\.0\.1:\d+ .*Check the environment's region and the endpoint http:\/\/127\.0\.0\.1:\d+/,
    );
    for (const value of HIDDEN) expect(msg).not.toContain(value);
  });
});

describe("later calls with the role's temporary credentials", () => {
  const auth = {
    region: "eu-west-1",
    credentials: { accessKeyId: TEMP.keyId, secretAccessKey: TEMP.secret, sessionToken: TEMP.session },
    webIdentity: { roleArn: ROLE, sessionName: "fargate-pipeline-deploy" },
  };

  it("a missing permission is the role's to grant, not an access key's", () => {
    const msg = explainAwsError(
      Object.assign(new Error("not authorized to perform: ecs:DescribeServices"), { name: "AccessDeniedException" }),
      auth,
      "status: ECS DescribeServices",
    );
    expect(msg).toContain(`Grant the permission named above to the role ${ROLE} (with-web-identity --role-arn).`);
  });

  it("expired temporary credentials: run again with a fresh token", () => {
    const msg = explainAwsError(
      Object.assign(new Error(`The security token ${TEMP.session} expired`), { name: "ExpiredTokenException" }),
      auth,
      "deploy: ECS DescribeServices",
    );
    expect(msg).toMatch(
      /rejected the temporary credentials of arn:aws:iam::210987654321:role\/fargate-pipeline-production-deploy .*run again with a fresh with-web-identity --token/,
    );
    for (const value of HIDDEN) expect(msg).not.toContain(value);
  });
});

describe("tokenClaims", () => {
  it("reads iss, aud (a list joined) and sub, and nothing else", () => {
    const t = `${b64url({ alg: "RS256" })}.${b64url({ iss: "https://gitlab.com", aud: ["sts.amazonaws.com", "other"], sub: "project_path:acme/shop:ref_type:branch:ref:main", jti: "secret-ish" })}.sig`;
    expect(tokenClaims(t)).toEqual({
      iss: "https://gitlab.com",
      aud: "sts.amazonaws.com,other",
      sub: "project_path:acme/shop:ref_type:branch:ref:main",
    });
    expect(tokenClaims("not-a-jwt")).toEqual({});
    expect(tokenClaims("a.%%%.c")).toEqual({});
  });
});

describe("the web-identity form is chained like the keys (the CLI's functions)", () => {
  let mod: DescribedModule;
  beforeAll(async () => {
    mod = describeModule(await scanModule());
  }, SCAN_TIMEOUT_MS);

  it("with-web-identity takes the token (a Secret) and the role, both required, and returns the Environment", () => {
    const env = mod.objects.find((o) => o.name === "Environment");
    const f = env?.functions.find((x) => x.name === "withWebIdentity");
    expect(f?.returns).toBe("Environment");
    expect(f?.args.map((a) => ({ name: a.name, flag: a.flag, type: a.type, required: a.required }))).toEqual([
      { name: "token", flag: "--token", type: "Secret", required: true },
      { name: "roleArn", flag: "--role-arn", type: "String", required: true },
    ]);
    for (const a of f?.args ?? []) expect(a.description, a.flag).toMatch(/\S{10}/);
  });
});
