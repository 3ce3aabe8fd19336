/**
 * One ECR login per deploy: the push and the stand-in's pull back share the
 * open environment's login; a failed login is not kept, so a retry logs in again.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { OpenEnvironment } from "../../../src/env/open.js";
import type { EcrLogin } from "../../../src/build/publish.js";

const ecrLogin = vi.fn<(auth: unknown, action: string) => Promise<EcrLogin>>();
vi.mock("../../../src/build/publish.js", () => ({ ecrLogin, publishImage: vi.fn() }));
const { deployLogin } = await import("../../../src/deploy/image.js");

/** An open environment as far as the login reads it. */
const openEnv = () => ({ mode: "emulator", auth: { region: "eu-west-1" } }) as unknown as OpenEnvironment;
const login = (password: string) =>
  ({ registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", username: "AWS", password }) as unknown as EcrLogin;

describe("deployLogin", () => {
  beforeEach(() => ecrLogin.mockReset());

  it("logs in once per open environment, however often it is asked", async () => {
    ecrLogin.mockResolvedValue(login("token-1"));
    const env = openEnv();
    const [a, b] = await Promise.all([deployLogin(env), deployLogin(env)]);
    expect(await deployLogin(env)).toBe(a);
    expect(b).toBe(a);
    expect(ecrLogin).toHaveBeenCalledTimes(1);
    expect(ecrLogin).toHaveBeenCalledWith(env.auth, "deploy");
  });

  it("logs in again for another environment (another deploy)", async () => {
    ecrLogin.mockResolvedValueOnce(login("token-1")).mockResolvedValueOnce(login("token-2"));
    expect((await deployLogin(openEnv())).password).toBe("token-1");
    expect((await deployLogin(openEnv())).password).toBe("token-2");
    expect(ecrLogin).toHaveBeenCalledTimes(2);
  });

  it("forgets a failed login, so the next attempt logs in again", async () => {
    ecrLogin.mockRejectedValueOnce(new Error("ExpiredTokenException")).mockResolvedValueOnce(login("token-2"));
    const env = openEnv();
    await expect(deployLogin(env)).rejects.toThrow("ExpiredTokenException");
    expect((await deployLogin(env)).password).toBe("token-2");
    expect(ecrLogin).toHaveBeenCalledTimes(2);
  });
});
