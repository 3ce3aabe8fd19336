#!/usr/bin/env bash
# Lints the GitHub Actions workflows with the pinned actionlint, building it
# first (from the Go module proxy, cached) when it is missing.
#
# Usage: scripts/actionlint.sh [--build-only] [ACTIONLINT ARGS...]
#   --build-only  build (or find) actionlint, print its path, lint nothing
#   no args       lint every workflow in .github/workflows (the unit tier does the same)
#
# The cache is $TESTBED_CACHE (default /var/cache/fargate-pipeline-testbed): set
# TESTBED_CACHE and TESTBED_STATE to writable directories to run it without root.
set -euo pipefail
# shellcheck source=testbed/lib/common.sh
. "$(dirname "$0")/../testbed/lib/common.sh"
# shellcheck source=testbed/lib/actionlint.sh
. "$TESTBED_DIR/lib/actionlint.sh"

actionlint_build
env_set ACTIONLINT_BIN "$ACTIONLINT_BIN"
if [ "${1:-}" = --build-only ]; then
  echo "$ACTIONLINT_BIN"
  exit 0
fi
command -v shellcheck >/dev/null 2>&1 \
  || die "shellcheck is missing: actionlint runs it on every run: script (apt-get install shellcheck)"
cd "$REPO_DIR"
exec "$ACTIONLINT_BIN" -shellcheck "$(command -v shellcheck)" -pyflakes= "$@"
