"""The Flask application: a greeting and the health endpoint the load balancer and the smoke test ask."""

import os
from collections.abc import Mapping

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Builds the app; `environ` (default: the process environment) gives APP_VERSION and GIT_COMMIT.

    gunicorn calls it as `flask_demo:create_app()`; tests pass their own environment.
    """
    env = os.environ if environ is None else environ
    version = env.get("APP_VERSION", "0.0.0-dev")
    commit = env.get("GIT_COMMIT", "unknown")
    app = Flask(__name__)

    @app.get("/")
    def index() -> ResponseReturnValue:
        return jsonify(message="hello from flask-demo")

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        # The deployed commit, so a smoke test can tell which build answers (the config's commitFrom).
        return jsonify(status="ok", version=version, commit=commit)

    return app
