"""The image's HEALTHCHECK: exits 0 when /healthz answers 200 (the slim image has no curl)."""

import os
import sys
import urllib.request

# 3 s: well inside the HEALTHCHECK's 5 s timeout; the endpoint answers in milliseconds.
TIMEOUT_SECONDS = 3


def main() -> int:
    """Asks the local server's /healthz; 0 on a 200, 1 otherwise."""
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as res:
            return 0 if res.status == 200 else 1
    except OSError as err:
        print(f"healthcheck: {url}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
