"""fargate-pipeline's local emulator: moto's server, its state kept between calls (started by dagger/src/local/state.ts, see there for why)."""
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
