/**
 * One ECR login per opened environment: the push and the stand-in's pull back
 * share it; a failed login is not kept, so a retry logs in again.
 */
import type { Container } from "@dagger.io/dagger";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { AwsAuth } from "../../../src/aws/auth.js";
import type { EcrLogin } from "../../../src/build/publish.js";

const ecrLogin = vi.fn<(auth: unknown, action: string) => Promise<EcrLogin>>();
const publishImage = vi.fn<(image: unknown, address: string) => Promise<string>>();
vi.mock("../../../src/build/publish.js", () => ({ ecrLogin, publishImage }));
const { ecrImages } = await import("../../../src/env/images.js");

const AUTH = { region: "eu-west-1" } as unknown as AwsAuth;
const IMAGE = {} as Container;
const login = (password: string) =>
  ({ registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", username: "AWS", password }) as unknown as EcrLogin;

describe("ecrImages", () => {
  beforeEach(() => {
    ecrLogin.mockReset();
    publishImage.mockReset();
    publishImage.mockImplementation((_image, address) => Promise.resolve(`${address}@sha256:${"0".repeat(64)}`));
  });

  it("logs in once per opened environment, however often it pushes", async () => {
    ecrLogin.mockResolvedValue(login("token-1"));
    const images = ecrImages(AUTH, []);
    const [a, b] = await Promise.all([images.push(IMAGE, "app", "t1"), images.push(IMAGE, "app", "t2")]);
    await images.push(IMAGE, "app", "t3");
    expect(a).toBe(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:t1@sha256:${"0".repeat(64)}`);
    expect(b).toContain("/app:t2@");
    expect(ecrLogin).toHaveBeenCalledTimes(1);
    expect(ecrLogin).toHaveBeenCalledWith(AUTH, "deploy");
  });

  it("logs in again for another environment (another call)", async () => {
    ecrLogin.mockResolvedValueOnce(login("token-1")).mockResolvedValueOnce(login("token-2"));
    await ecrImages(AUTH, []).push(IMAGE, "app", "t1");
    await ecrImages(AUTH, []).push(IMAGE, "app", "t1");
    expect(ecrLogin).toHaveBeenCalledTimes(2);
  });

  it("forgets a failed login, so the next attempt logs in again", async () => {
    ecrLogin.mockRejectedValueOnce(new Error("ExpiredTokenException")).mockResolvedValueOnce(login("token-2"));
    const images = ecrImages(AUTH, []);
    await expect(images.push(IMAGE, "app", "t1")).rejects.toThrow("ExpiredTokenException");
    await expect(images.push(IMAGE, "app", "t1")).resolves.toContain("/app:t1@");
    expect(ecrLogin).toHaveBeenCalledTimes(2);
  });
});
