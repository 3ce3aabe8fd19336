"""The ASGI app: a greeting and the health endpoint the load balancer and the smoke test ask."""

import os
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from greeting import greet


def create_app(environ: Mapping[str, str] | None = None) -> Starlette:
    """Builds the app; `environ` (default: the process environment) gives APP_VERSION and GIT_COMMIT."""
    env = os.environ if environ is None else environ
    version = env.get("APP_VERSION", "0.0.0-dev")
    commit = env.get("GIT_COMMIT", "unknown")

    async def index(request: Request) -> JSONResponse:
        return JSONResponse({"message": greet(request.query_params.get("name", ""))})

    async def healthz(request: Request) -> JSONResponse:
        # The deployed commit, so a smoke test can tell which build answers (the config's commitFrom).
        return JSONResponse({"status": "ok", "version": version, "commit": commit})

    return Starlette(routes=[Route("/", index), Route("/healthz", healthz)])


app = create_app()
