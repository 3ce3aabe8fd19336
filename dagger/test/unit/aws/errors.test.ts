/**
 * AWS credentials: missing ones are named with the flags to pass; rejected ones
 * too, and no credential value ever appears in a message. The STS client talks
 * to a loopback server that answers like STS does for a bad key.
 */
import type { Secret } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { callerIdentity, explainAwsError, resolveAwsAuth } from "../../../src/aws/auth.js";
import { ecrTag, registryHost } from "../../../src/build/publish.js";
import { useLoopbackAws } from "../../fixtures/aws/loopback-aws.js";

/** A stand-in for a Dagger Secret (only plaintext() is used). */
const secret = (value: string) => ({ plaintext: async () => value }) as unknown as Secret;

const KEY_ID = "AKIAEXAMPLEKEYID1234";
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

// What STS answers for an unknown access key id (HTTP 403, query-protocol XML).
const INVALID_TOKEN_XML = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>4c8a9b2e-0000-0000-0000-000000000000</RequestId>
</ErrorResponse>`;

const sts = useLoopbackAws(
  () => ({ status: 403, contentType: "text/xml", body: INVALID_TOKEN_XML }),
  (req, body) => `${req.headers.authorization ?? ""} ${body}`,
);

describe("resolveAwsAuth", () => {
  it("says how to chain credentials when there are none", async () => {
    await expect(resolveAwsAuth({ region: "eu-west-1" }, "publish-ecr")).rejects.toThrow(
      /publish-ecr needs AWS credentials; chain one of these after `environment --name <env>`:\n\s+with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY/,
    );
  });

  it("a file: secret's trailing newline is not part of the credential (env: and file: give the same value)", async () => {
    const auth = await resolveAwsAuth(
      { accessKeyId: secret(`${KEY_ID}\n`), secretAccessKey: secret(`${SECRET_KEY}\r\n`), region: "eu-west-1" },
      "publish-ecr",
    );
    expect(auth.credentials).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY });
  });

  it("says which secret is empty (an unset environment variable)", async () => {
    await expect(
      resolveAwsAuth(
        { accessKeyId: secret(""), secretAccessKey: secret(SECRET_KEY), region: "eu-west-1" },
        "publish-ecr",
      ),
    ).rejects.toThrow(
      /--access-key-id of with-aws-credentials is empty \(is the environment variable set, or the file written\?\)/,
    );
  });

  it("reads the session token only when given", async () => {
    const auth = await resolveAwsAuth(
      { accessKeyId: secret(KEY_ID), secretAccessKey: secret(SECRET_KEY), region: "eu-west-1" },
      "x",
    );
    expect(auth).toEqual({ region: "eu-west-1", credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY } });
  });
});

describe("callerIdentity with credentials AWS rejects", () => {
  it("fails naming the flags to pass, without any credential value in the message", async () => {
    const auth = await resolveAwsAuth(
      {
        accessKeyId: secret(KEY_ID),
        secretAccessKey: secret(SECRET_KEY),
        sessionToken: secret(TOKEN),
        region: "eu-west-1",
        endpoint: sts.endpoint,
      },
      "publish-ecr",
    );
    const err = await callerIdentity(auth, "publish-ecr").then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(sts.requests.length).toBeGreaterThan(0); // the SDK really called the endpoint, signed with the key id
    expect(sts.requests[0]).toContain(KEY_ID);
    expect(err?.message).toMatch(
      /STS GetCallerIdentity failed: the AWS endpoint http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(InvalidClientTokenId/,
    );
    expect(err?.message).toContain("--secret-access-key env:AWS_SECRET_ACCESS_KEY");
    for (const value of [KEY_ID, SECRET_KEY, TOKEN]) expect(err?.message).not.toContain(value);
  });
});

describe("explainAwsError", () => {
  const auth = { region: "eu-west-1", credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY } };

  it("removes credential values that an error message repeats", () => {
    const msg = explainAwsError(
      Object.assign(new Error(`key ${KEY_ID} with ${SECRET_KEY} is bad`), { name: "SignatureDoesNotMatch" }),
      auth,
      "x",
    );
    expect(msg).not.toContain(KEY_ID);
    expect(msg).not.toContain(SECRET_KEY);
    expect(msg).toContain("***");
  });

  it("tells a missing permission apart from a bad credential", () => {
    const msg = explainAwsError(
      Object.assign(new Error("not authorized to perform: ecr:GetAuthorizationToken"), {
        name: "AccessDeniedException",
      }),
      auth,
      "ECR GetAuthorizationToken",
    );
    expect(msg).toMatch(/not allowed to do this.*ecr:GetAuthorizationToken/);
  });

  it("says the endpoint is unreachable on network errors", () => {
    const msg = explainAwsError(
      Object.assign(new Error("getaddrinfo ENOTFOUND sts.eu-west-1.amazonaws.com"), { code: "ENOTFOUND" }),
      auth,
      "STS",
    );
    expect(msg).toMatch(/could not reach AWS in eu-west-1/);
  });
});

describe("registry addresses and ECR tags", () => {
  it("reads the registry host of an address as Docker does", () => {
    expect(registryHost("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:abc")).toBe(
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    );
    expect(registryHost("localhost:5000/app:1")).toBe("localhost:5000");
    expect(registryHost("team/app:1")).toBe("docker.io");
  });

  it("tags ECR images with the commit unless a tag is given, and refuses the default 'unknown'", () => {
    expect(ecrTag(undefined, "3f2a1b")).toBe("3f2a1b");
    expect(ecrTag("v1.2.3", "3f2a1b")).toBe("v1.2.3");
    expect(() => ecrTag(undefined, "unknown")).toThrow(/pass --git-commit \$\(git rev-parse HEAD\)/);
  });
});
