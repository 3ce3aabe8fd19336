"""The WSGI application: a greeting and the health endpoint the load balancer and the smoke test ask."""

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def create_app(environ: Mapping[str, str] | None = None) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Builds the app; `environ` (default: the process environment) gives APP_VERSION and GIT_COMMIT."""
    env = os.environ if environ is None else environ
    version = env.get("APP_VERSION", "0.0.0-dev")
    commit = env.get("GIT_COMMIT", "unknown")

    def app(request: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = request.get("PATH_INFO", "/")
        if path == "/healthz":
            status, body = "200 OK", {"status": "ok", "version": version, "commit": commit}
        elif path == "/":
            status, body = "200 OK", {"message": "hello from pip-demo"}
        else:
            status, body = "404 Not Found", {"error": "not found"}
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app


application = create_app()
