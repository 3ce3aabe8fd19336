"""The app's endpoints, called as WSGI does (no server, no port), with the standard library's unittest."""

import json
import unittest
from typing import Any

from app.wsgi import create_app


def call(path: str, environ: dict[str, str] | None = None) -> tuple[str, Any]:
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    body = b"".join(create_app(environ or {})({"PATH_INFO": path}, start_response))
    return seen["status"], json.loads(body)


class WsgiTest(unittest.TestCase):
    def test_healthz_reports_status_version_and_commit(self) -> None:
        status, body = call("/healthz", {"APP_VERSION": "1.2.3", "GIT_COMMIT": "abc123"})
        self.assertEqual(status, "200 OK")
        self.assertEqual(body, {"status": "ok", "version": "1.2.3", "commit": "abc123"})

    def test_index_greets(self) -> None:
        self.assertEqual(call("/"), ("200 OK", {"message": "hello from pip-demo"}))

    def test_unknown_path_is_404(self) -> None:
        self.assertEqual(call("/nope")[0], "404 Not Found")


if __name__ == "__main__":
    unittest.main()
