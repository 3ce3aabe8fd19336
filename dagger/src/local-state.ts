/**
 * The local environment's AWS emulator state, kept between calls: what both
 * stacks created in the emulator, and OpenTofu's state with them (it lives in
 * the emulator's S3), so a call after a successful deploy starts where that
 * deploy left off instead of re-creating everything through the AWS
 * provider's waits.
 *
 * How: the emulator runs moto's own server through a small launcher (Python,
 * below) that, before the port opens, loads a snapshot of moto's service
 * backends from an engine cache volume (`fargate-pipeline-local-emulator-<name>`,
 * next to the registry storage and the ledger), and on request pickles them
 * back there. `startLocalEmulator()` starts it and says what it started from;
 * `save()` is called after a successful deploy or rollback only; `clearLocalState()`
 * is destroy's.
 *
 * Why a snapshot, not moto's recorder (MOTO_ENABLE_RECORDING, replay-recording):
 * - ids: a replay re-creates each resource with a new random id unless moto
 *   is seeded (/moto-api/seed) *and* every request is replayed in the order
 *   its random draws happened; every request (reads too) draws its request id
 *   from that one generator, and OpenTofu sends ten requests at a time, so the
 *   recorded order is not the draw order. Measured on moto 5.2.5: 20 VPCs
 *   created 8 at a time, replayed into a fresh seeded moto, 0 of 20 kept their
 *   id (created one at a time: 20 of 20). OpenTofu's state, which holds those
 *   ids, would then point at resources that no longer exist.
 * - what a replay cannot give back: creation times, ACM certificates that are
 *   issued again only after the validation wait, ECS deployments and S3
 *   object versions with new ids.
 * - cost: the recording holds every request, reads included, so each call
 *   makes the next replay longer; a snapshot's size follows the state, and it
 *   loads in a fraction of a second (the import of moto's EC2 model, ~3 s on
 *   2 cores, is paid by a fresh emulator too).
 * The snapshot's price: pickles load only into the same code, so it records
 * moto's, Python's and cryptography's versions, plus its checksum; any
 * mismatch, or any failure to load, starts the emulator empty and the call
 * says why (both stacks are then created again, and OpenTofu's state with
 * them: nothing claims a deploy that did not happen).
 */
import { randomUUID } from "node:crypto";

import { type CacheVolume, dag, type Service } from "@dagger.io/dagger";

import { EMULATOR_IMAGE, EMULATOR_PORT, type Reachable, reachable } from "./local.js";

/** Where the state volume is mounted in the emulator's container. */
const STATE_DIR = "/state";
/** The launcher's path in the emulator's container. */
const LAUNCHER_PATH = "/opt/fargate-pipeline/local-emulator.py";
/** The launcher's routes (no S3 bucket name can start with "_", so no AWS request is taken for one). */
const STATE_ROUTE = "/_fargate-pipeline/state";

// moto issues ACM certificates after this many seconds (its default, 60 s, would add a minute to every cold local deploy).
const ACM_VALIDATION_WAIT_SECONDS = "2";
// 30 s per state request: a save pickles a few MB in under a second on 2 cores; longer means the emulator hangs.
const STATE_REQUEST_TIMEOUT_MS = 30_000;

/** The cache volume that holds the emulator's state for a --local-state name. */
export function emulatorStateVolume(localState: string): CacheVolume {
  return dag.cacheVolume(`fargate-pipeline-local-emulator-${localState}`);
}

/** What the emulator started from (the launcher's answer to GET /_fargate-pipeline/state). */
export interface EmulatorStart {
  /** restored: the saved state is loaded; empty: there was none; rebuilt: there was one, unusable (see reason). */
  outcome: "restored" | "empty" | "rebuilt";
  /** Why it is empty or rebuilt. */
  reason?: string;
  /** When the state was saved (ISO time). */
  savedAt?: string;
  /** The snapshot's size. */
  bytes?: number;
  /** moto's services in the snapshot (e.g. ec2, elbv2, s3). */
  services?: string[];
  /** Seconds the load took. */
  seconds?: number;
  /** The emulator's moto, Python and cryptography versions, and the snapshot format. */
  versions?: Record<string, string | number>;
}

/** What a save wrote. */
export interface SavedState {
  savedAt: string;
  bytes: number;
  services: string[];
  /** Seconds the save took (the emulator holds requests back meanwhile). */
  seconds: number;
}

/** The local environment's emulator, started, with its state kept between calls. */
export interface LocalEmulator {
  /** The emulator's service (OpenTofu's container binds it). */
  service: Service;
  /** Where this process reaches it. */
  reach: Reachable;
  /** What it started from. */
  start: EmulatorStart;
  /** Keeps the emulator's state for the next call with this --local-state name: call after a successful deploy or rollback only. */
  save: () => Promise<SavedState>;
  /** Stops the tunnel (if any) and the service. */
  close(): Promise<void>;
}

/**
 * The emulator's service for a --local-state name: moto through the launcher,
 * the state volume mounted. A new service per call (runId): two calls never
 * share one.
 *
 * @param localState the --local-state name
 * @param runId unique per call
 */
export function localEmulatorService(localState: string, runId: string): Service {
  return dag
    .container()
    .from(EMULATOR_IMAGE)
    .withNewFile(LAUNCHER_PATH, EMULATOR_LAUNCHER)
    .withMountedCache(STATE_DIR, emulatorStateVolume(localState))
    .withEnvVariable("MOTO_ACM_VALIDATION_WAIT", ACM_VALIDATION_WAIT_SECONDS)
    .withEnvVariable("MOTO_PORT", String(EMULATOR_PORT))
    .withEnvVariable("FP_STATE_DIR", STATE_DIR)
    .withEnvVariable("PYTHONUNBUFFERED", "1")
    .withEnvVariable("FP_RUN", runId)
    .withExposedPort(EMULATOR_PORT)
    .asService({ args: ["sh", "-c", LAUNCH_COMMAND], useEntrypoint: false });
}

/**
 * Starts the local environment's emulator from the state the last successful
 * deploy of this --local-state name saved, and logs what it started from.
 *
 * @param localState the --local-state name
 * @param log prints one progress line
 */
export async function startLocalEmulator(localState: string, log: (line: string) => void): Promise<LocalEmulator> {
  const service = localEmulatorService(localState, randomUUID());
  await service.start();
  let reach: Reachable | undefined;
  try {
    reach = await reachable(service, EMULATOR_PORT);
    const start = (await stateRequest(reach.url, "GET", "")) as EmulatorStart;
    log(describeStart(start, localState));
    const url = reach.url;
    const close = async () => {
      await reach?.close().catch(() => {});
      await service.stop().catch(() => {});
    };
    return { service, reach, start, save: async () => (await stateRequest(url, "POST", "/save")) as SavedState, close };
  } catch (err) {
    await reach?.close().catch(() => {});
    await service.stop().catch(() => {});
    throw err;
  }
}

/**
 * Removes the emulator's saved state and the registry's storage of a
 * --local-state name (destroy): the next deploy starts cold.
 *
 * @param localState the --local-state name
 */
export async function clearLocalState(localState: string): Promise<void> {
  await dag
    .container()
    .from(EMULATOR_IMAGE)
    .withMountedCache(STATE_DIR, emulatorStateVolume(localState))
    .withMountedCache("/var/lib/registry", dag.cacheVolume(`fargate-pipeline-local-registry-${localState}`))
    // A fresh value: the engine must run it, never replay an earlier removal.
    .withEnvVariable("FP_AT", randomUUID())
    .withExec(["sh", "-c", `rm -rf ${STATE_DIR}/* /var/lib/registry/* /var/lib/registry/.[!.]* 2>/dev/null; true`])
    .sync();
}

/**
 * The progress line for what the emulator started from.
 *
 * @param start the launcher's answer
 * @param localState the --local-state name
 */
export function describeStart(start: EmulatorStart, localState: string): string {
  const moto = start.versions?.moto ? `moto ${start.versions.moto}` : "moto";
  switch (start.outcome) {
    case "restored":
      return `local: AWS emulator (${moto}) started from the state saved ${start.savedAt ?? "?"} for "${localState}" (${(start.services ?? []).join(", ")}; ${mb(start.bytes)} loaded in ${start.seconds ?? "?"} s)`;
    case "empty":
      return `local: AWS emulator (${moto}) started empty: no state saved for "${localState}" yet; both stacks are created`;
    case "rebuilt":
      return `local: the AWS emulator's saved state for "${localState}" cannot be used (${start.reason ?? "no reason given"}): it starts empty and both stacks are created again`;
  }
}

/** Bytes as MB, one decimal. */
function mb(bytes: number | undefined): string {
  return bytes === undefined ? "? MB" : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A request to the launcher's state routes; throws with the emulator's own error. */
async function stateRequest(base: string, method: "GET" | "POST", path: string): Promise<unknown> {
  const res = await fetch(`${base}${STATE_ROUTE}${path}`, {
    method,
    signal: AbortSignal.timeout(STATE_REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok || body === undefined) {
    const said = (body as { error?: string } | undefined)?.error ?? text.slice(0, 300);
    throw new Error(`the local AWS emulator answered ${method} ${STATE_ROUTE}${path} with HTTP ${res.status}: ${said}`);
  }
  return body;
}

/**
 * Runs the launcher with the Python that runs moto_server (the first line of
 * that script names it), so the same command works in the official image
 * (/usr/local/bin/python) and in one built from a venv.
 */
const LAUNCH_COMMAND = `moto=$(readlink -f "$(command -v moto_server)") && py=$(sed -n '1s/^#!//p' "$moto") && exec \${py:-python3} ${LAUNCHER_PATH}`;

/**
 * The launcher: moto's server with the state routes, the snapshot's load at
 * start and its save on request (see the file's comment for why).
 */
export const EMULATOR_LAUNCHER = String.raw`"""fargate-pipeline: moto's server, its state kept between calls (written by dagger/src/local-state.ts)."""
import copyreg
import hashlib
import importlib
import io
import json
import os
import pickle
import platform
import signal
import sys
import threading
import time
from datetime import datetime, timezone

import cryptography
import moto
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from moto.core.base_backend import BackendDict
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

STATE_DIR = os.environ.get("FP_STATE_DIR", "/state")
SNAPSHOT = os.path.join(STATE_DIR, "moto-state.pickle")
META = os.path.join(STATE_DIR, "moto-state.json")
ROUTE = "/_fargate-pipeline/state"
# Bumped when what a snapshot holds changes shape: an older one is then rebuilt, never misread.
FORMAT = 2
PORT = int(os.environ.get("MOTO_PORT", "5000"))
# 0.0.0.0 in the service container; tests on the host bind loopback.
HOST = os.environ.get("FP_BIND", "0.0.0.0")
os.environ["MOTO_PORT"] = str(PORT)


def versions():
    """What a snapshot depends on: pickles of moto's objects load only into the same code."""
    return {"format": FORMAT, "moto": moto.__version__, "python": platform.python_version(), "cryptography": cryptography.__version__}


def holder(bd):
    """'module:attribute' of the module global that holds a BackendDict (where restore puts it back)."""
    names = [bd.backend.__module__] + [m for m in list(sys.modules) if m.startswith("moto.")]
    for name in names:
        module = sys.modules.get(name)
        for attr, value in list(vars(module or {}).items()) if module else []:
            if value is bd:
                return f"{name}:{attr}"
    raise RuntimeError(f"no module of moto holds the backends of {bd.service_name}")


# What every BackendDict sets up itself, from code; the rest of its attributes are state kept
# beside the accounts (e.g. S3's bucket_accounts, the one namespace of bucket names).
BACKEND_DICT_SETUP = {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}


def attributes(bd):
    """A BackendDict's own state beyond its accounts."""
    return {k: v for k, v in vars(bd).items() if k not in BACKEND_DICT_SETUP}


def live_backend_dict(key):
    """The BackendDict a holder() key names, imported if need be."""
    name, attr = key.split(":", 1)
    return getattr(importlib.import_module(name), attr)


def _private_key(pem):
    return serialization.load_pem_private_key(pem, None)


def _public_key(pem):
    return serialization.load_pem_public_key(pem)


def _certificate(pem):
    return x509.load_pem_x509_certificate(pem)


def _csr(pem):
    return x509.load_pem_x509_csr(pem)


PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, dsa.DSAPrivateKey)
PUBLIC_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, dsa.DSAPublicKey)
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class StatePickler(pickle.Pickler):
    """Pickles moto's objects, with what pickle cannot do by itself (keys, certificates, locks) as PEM or new locks."""

    def reducer_override(self, obj):
        if isinstance(obj, BackendDict):
            return (live_backend_dict, (holder(obj),))
        if isinstance(obj, LOCK_TYPES):
            return (threading.RLock if isinstance(obj, LOCK_TYPES[1]) else threading.Lock, ())
        if isinstance(obj, PRIVATE_KEYS):
            return (_private_key, (obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),))
        if isinstance(obj, PUBLIC_KEYS):
            return (_public_key, (obj.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),))
        if isinstance(obj, x509.Certificate):
            return (_certificate, (obj.public_bytes(serialization.Encoding.PEM),))
        if isinstance(obj, x509.CertificateSigningRequest):
            return (_csr, (obj.public_bytes(serialization.Encoding.PEM),))
        return NotImplemented


class Gate:
    """Requests run side by side; a save waits until none runs and holds new ones back meanwhile."""

    def __init__(self):
        self._cv = threading.Condition()
        self._running = 0
        self._closed = False

    def enter(self):
        with self._cv:
            while self._closed:
                self._cv.wait()
            self._running += 1

    def leave(self):
        with self._cv:
            self._running -= 1
            self._cv.notify_all()

    def close(self):
        with self._cv:
            self._closed = True
            while self._running:
                self._cv.wait()

    def open(self):
        with self._cv:
            self._closed = False
            self._cv.notify_all()


def write_aside(path, data):
    """Writes a file next to its place, then renames it there: a reader sees the old file or the new, never half."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def save(gate):
    """Pickles every backend in use into STATE_DIR; returns what was written. A save that fails leaves a note instead, so the next start says why it is empty."""
    started = time.monotonic()
    os.makedirs(STATE_DIR, exist_ok=True)
    gate.close()
    try:
        backends = {holder(bd): {"accounts": dict(bd), "attributes": attributes(bd)} for bd in list(BackendDict._instances)}
        buf = io.BytesIO()
        StatePickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(backends)
    except Exception as err:
        write_aside(META, json.dumps({**versions(), "failed": f"{type(err).__name__}: {err}"}).encode())
        raise
    finally:
        gate.open()
    blob = buf.getvalue()
    write_aside(SNAPSHOT, blob)
    meta = {
        **versions(),
        "sha256": sha256(blob),
        "bytes": len(blob),
        "services": sorted({key.split(":", 1)[1].removesuffix("_backends") for key in backends}),
        "savedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    # The metadata goes last and names the snapshot's checksum: a save cut short between the two is caught at load.
    write_aside(META, json.dumps(meta).encode())
    return {**meta, "seconds": round(time.monotonic() - started, 3)}


def restore():
    """Loads the saved state if it can be trusted; otherwise moto stays empty. Returns what happened, and why."""
    started = time.monotonic()
    if not os.path.exists(META) and not os.path.exists(SNAPSHOT):
        return {"outcome": "empty", "reason": "no saved state"}
    try:
        with open(META, "rb") as f:
            meta = json.load(f)
        if meta.get("failed"):
            return {"outcome": "rebuilt", "reason": f"the last save failed: {meta['failed']}"}
        wanted = versions()
        saved = {k: meta.get(k) for k in wanted}
        if saved != wanted:
            diff = ", ".join(f"{k} {saved[k]} (now {wanted[k]})" for k in wanted if saved[k] != wanted[k])
            return {"outcome": "rebuilt", "reason": f"the saved state was written by another emulator: {diff}", "savedAt": meta.get("savedAt")}
        with open(SNAPSHOT, "rb") as f:
            blob = f.read()
        if sha256(blob) != meta.get("sha256"):
            return {"outcome": "rebuilt", "reason": "the saved state does not match its checksum (a save cut short, or a damaged file)", "savedAt": meta.get("savedAt")}
        backends = pickle.loads(blob)
        for key, saved in backends.items():
            bd = live_backend_dict(key)
            bd.clear()
            bd.update(saved["accounts"])
            bd.__dict__.update(saved["attributes"])
            if bd not in BackendDict._instances:
                BackendDict._instances.append(bd)
        return {"outcome": "restored", "savedAt": meta.get("savedAt"), "bytes": len(blob), "services": meta.get("services", []), "seconds": round(time.monotonic() - started, 3)}
    except Exception as err:  # anything at all: the state is not used, and the call says why
        BackendDict.reset()
        return {"outcome": "rebuilt", "reason": f"loading the saved state failed: {type(err).__name__}: {err}"}


def application(gate, moto_app, restored):
    """moto's WSGI application, with the state routes in front and every other request counted by the gate."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == ROUTE and method == "GET":
            return reply(start_response, "200 OK", {**restored, "versions": versions()})
        if path == f"{ROUTE}/save" and method == "POST":
            try:
                return reply(start_response, "200 OK", save(gate))
            except Exception as err:
                return reply(start_response, "500 Internal Server Error", {"error": f"{type(err).__name__}: {err}"})
        gate.enter()
        try:
            return moto_app(environ, start_response)
        finally:
            gate.leave()

    return app


def reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    restored = restore()
    print(f"fargate-pipeline local emulator: {json.dumps(restored)}", flush=True)
    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True
    run_simple(HOST, PORT, application(Gate(), moto_app, restored), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
`;
