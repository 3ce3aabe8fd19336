"""A private Python package index for the engine tests: the PEP 503 "simple" API
pip reads, behind HTTP Basic authentication, serving one wheel it builds at start
from ./acme_greeting (standard library only: no install, no network).

    INDEX_USER=ci INDEX_TOKEN=… python index.py   # listens on :8080

Without the right credentials every path answers 401, as a company's index does:
a build that reaches it without the secret fails."""

import base64
import hashlib
import hmac
import io
import os
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAME, VERSION = "acme-greeting", "1.0.0"
DIST = NAME.replace("-", "_")
WHEEL = f"{DIST}-{VERSION}-py3-none-any.whl"
HERE = Path(__file__).parent


def record_hash(data: bytes) -> str:
    """A RECORD entry's hash: sha256, urlsafe base64 without padding (the wheel spec)."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel() -> bytes:
    """The package as a wheel: its module, METADATA, WHEEL and RECORD (fixed timestamps: the same bytes each time)."""
    info = f"{DIST}-{VERSION}.dist-info"
    files = {
        f"{DIST}/__init__.py": (HERE / DIST / "__init__.py").read_bytes(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: fargate-pipeline-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in files.items()) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


WHEEL_BYTES = build_wheel()
EXPECTED = "Basic " + base64.b64encode(f"{os.environ['INDEX_USER']}:{os.environ['INDEX_TOKEN']}".encode()).decode()


class Index(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if not hmac.compare_digest(self.headers.get("Authorization", ""), EXPECTED):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private index"')
            self.end_headers()
            return
        sha = hashlib.sha256(WHEEL_BYTES).hexdigest()
        pages = {
            "/simple/": f'<a href="/simple/{NAME}/">{NAME}</a>'.encode(),
            f"/simple/{NAME}/": f'<a href="/files/{WHEEL}#sha256={sha}">{WHEEL}</a>'.encode(),
            f"/files/{WHEEL}": WHEEL_BYTES,
        }
        body = pages.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream" if self.path.endswith(".whl") else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 8080), Index).serve_forever()
