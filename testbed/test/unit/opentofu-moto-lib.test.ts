import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const LIB = resolve(import.meta.dirname, "../../lib");
/** The pinned versions (testbed/versions.env), which the status lines must show. */
const PINS = Object.fromEntries(
  readFileSync(resolve(LIB, "../versions.env"), "utf8")
    .split("\n")
    .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => [m[1], m[2]]),
) as Record<string, string>;
/** A pinned version as a literal regular expression fragment. */
const pin = (key: string) => (PINS[key] ?? "MISSING").replaceAll(".", "\\.");

describe("testbed/lib/opentofu.sh and moto.sh", () => {
  let root: string;
  let cache: string;
  let state: string;

  /**
   * Sources common.sh and both component files into a fresh bash with the
   * cache and state directories under a temporary root, then runs SCRIPT.
   * @param script bash run after sourcing.
   */
  const bash = (script: string) =>
    execFileSync(
      "bash",
      [
        "--norc",
        "--noprofile",
        "-c",
        `set -euo pipefail; . "${LIB}/common.sh"; . "${LIB}/opentofu.sh"; . "${LIB}/moto.sh"; ${script}`,
      ],
      {
        env: { PATH: process.env["PATH"], HOME: root, TESTBED_CACHE: cache, TESTBED_STATE: state },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "fp-tb-lib-"));
    cache = join(root, "cache");
    state = join(root, "state");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("defines the contract's functions and does nothing else when sourced", () => {
    const out = bash(
      "for f in opentofu_up opentofu_down opentofu_status moto_up moto_down moto_status; do declare -F $f; done",
    );
    expect(out.trim().split("\n")).toEqual([
      "opentofu_up",
      "opentofu_down",
      "opentofu_status",
      "moto_up",
      "moto_down",
      "moto_status",
    ]);
    // common.sh creates the two roots and the log dir; the components add nothing.
    expect(readdirSync(cache)).toEqual([]);
    expect(readdirSync(state)).toEqual(["logs"]);
    expect(readdirSync(join(state, "logs"))).toEqual([]);
  });

  it("writes a CLI config that takes hashicorp/aws only from the mirror", () => {
    const rc = bash('tf_cli_config "$TF_MIRROR"');
    const mirror = rc.match(/filesystem_mirror\s*\{([^}]*)\}/)?.[1] ?? "";
    const direct = rc.match(/direct\s*\{([^}]*)\}/)?.[1] ?? "";
    expect(mirror).toContain(`path    = "${join(cache, "tf-mirror")}"`);
    const hosts = bash('echo "${TF_MIRROR_HOSTS[@]}"').trim().split(" ");
    // Listed per host: tofu rejects a wildcard host unless namespace and type are wildcards too.
    const patterns = `[${hosts.map((h) => `"${h}/hashicorp/aws"`).join(", ")}]`;
    expect(hosts.length).toBeGreaterThanOrEqual(2);
    expect(mirror).toContain(`include = ${patterns}`);
    expect(direct).toContain(`exclude = ${patterns}`);
  });

  it("lays the provider out under every registry host as one file, at the version cdktf requires", () => {
    const built = bash('echo "$AWS_PROVIDER_BUILT"').trim();
    mkdirSync(join(built, ".."), { recursive: true });
    writeFileSync(built, "#!/bin/sh\n", { mode: 0o755 });
    const out = join(root, "mirror");
    bash(`_mirror_layout "${out}"`);
    const files = bash(
      `for h in "\${TF_MIRROR_HOSTS[@]}"; do p=$(aws_provider_mirror_path "$h"); echo "${out}/\${p#"$TF_MIRROR/"}"; done`,
    )
      .trim()
      .split("\n");
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const v = pin("AWS_PROVIDER_VERSION");
      expect(f).toMatch(new RegExp(`/hashicorp/aws/${v}/linux_amd64/terraform-provider-aws_v${v}$`));
      // Hard link or symlink: the same inode as the built binary, never a copy.
      expect(statSync(realpathSync(f)).ino).toBe(statSync(built).ino);
    }
  });

  it("reports every sub-component with its pinned version when nothing is built", () => {
    const lines = bash("opentofu_status; moto_status").trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^opentofu\\s+${pin("OPENTOFU_VERSION")}\\s+not built$`)),
      expect.stringMatching(
        new RegExp(
          `^aws-provider\\s+${pin("AWS_PROVIDER_VERSION")} \\(src ${pin("AWS_PROVIDER_COMMIT")}\\)\\s+not built$`,
        ),
      ),
      expect.stringMatching(new RegExp(`^moto\\s+${pin("MOTO_VERSION")}\\s+not installed$`)),
    ]);
  });
});
