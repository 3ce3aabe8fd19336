"""The service: GET / greets with the private acme-greeting package, GET /healthcheck
reports the build (version and commit), and SIGTERM drains the server before it exits.
Standard library only besides acme-greeting, so the private index is its one source."""

import json
import os
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from acme_greeting import greet


class Handler(BaseHTTPRequestHandler):
    """Answers the two routes; anything else is a 404."""

    server_version = "private-deps"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == "/healthcheck":
            self._json(
                200,
                {
                    "status": "ok",
                    "version": os.environ.get("APP_VERSION", "0.0.0-dev"),
                    "commit": os.environ.get("GIT_COMMIT", "unknown"),
                },
            )
        elif self.path == "/":
            self._json(200, {"message": greet("Fargate")})
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        print(f"{self.address_string()} {format % args}", flush=True)


def make_server(port: int) -> ThreadingHTTPServer:
    """The server on all interfaces at the port (0: any free one, for tests)."""
    return ThreadingHTTPServer(("0.0.0.0", port), Handler)


def main() -> None:
    server = make_server(int(os.environ.get("PORT", "8080")))
    # SIGTERM (ECS stopping the task): stop accepting, finish the requests in flight, exit.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening on :{server.server_address[1]}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
