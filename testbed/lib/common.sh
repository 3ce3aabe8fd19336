# Shared helpers for the test bed scripts. Source it; it defines no side effects
# beyond variables and functions.
# shellcheck shell=bash

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$TESTBED_DIR/.." && pwd)
export REPO_DIR
# shellcheck source=testbed/versions.env
. "$TESTBED_DIR/versions.env"

# Builds are cached here, one directory per component and version, so a rerun of
# `up` (or a fresh clone on the same machine) reuses them.
TESTBED_CACHE=${TESTBED_CACHE:-/var/cache/fargate-pipeline-testbed}
# Runtime state: PID files, logs, credentials and the env file tests read.
TESTBED_STATE=${TESTBED_STATE:-/var/lib/fargate-pipeline-testbed}
TESTBED_ENV_FILE=$TESTBED_STATE/env
TESTBED_LOGS=$TESTBED_STATE/logs

mkdir -p "$TESTBED_CACHE" "$TESTBED_STATE" "$TESTBED_LOGS"

# The host's CA bundle: this machine reaches package registries through a
# TLS-intercepting proxy, so every container we build must trust it.
HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
HOST_CA_DIR=${HOST_CA_DIR:-/usr/local/share/ca-certificates}

_ts() { date +%H:%M:%S; }
log() { printf '[%s] %s\n' "$(_ts)" "$*" >&2; }
step() { printf '\n[%s] == %s\n' "$(_ts)" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$(_ts)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(_ts)" "$*" >&2; exit 1; }

# need_root: the test bed installs Debian packages and runs dockerd.
need_root() { [ "$(id -u)" = 0 ] || die "the test bed needs root (it installs packages and starts dockerd); rerun with sudo"; }

APT_UPDATED=$TESTBED_STATE/.apt-updated
# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
  local missing=()
  local p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ ! -f "$APT_UPDATED" ] || [ -n "$(find "$APT_UPDATED" -mmin +720 2>/dev/null)" ]; then
    apt-get update -qq && touch "$APT_UPDATED"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$TESTBED_LOGS/apt.log" 2>&1 \
    || die "apt-get install ${missing[*]} failed; see $TESTBED_LOGS/apt.log"
}

# pid_alive NAME: true when the process recorded in $TESTBED_STATE/NAME.pid runs.
pid_alive() {
  local f=$TESTBED_STATE/$1.pid
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# start_bg NAME CMD...: starts CMD detached, logs to $TESTBED_LOGS/NAME.log,
# records its PID so that `down` stops exactly what `up` started.
start_bg() {
  local name=$1; shift
  setsid "$@" >"$TESTBED_LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$TESTBED_STATE/$name.pid"
}

# stop_pid NAME: stops the process `up` recorded under NAME (TERM, then KILL).
stop_pid() {
  local f=$TESTBED_STATE/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$f"
}

# wait_for SECONDS DESCRIPTION CMD...: polls CMD until it succeeds.
wait_for() {
  local secs=$1; shift 2 # $2 describes what we wait for (for the reader)
  local deadline=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# env_set KEY VALUE: records KEY=VALUE in the env file tests read.
env_set() {
  local key=$1 value=$2
  touch "$TESTBED_ENV_FILE"
  grep -v "^$key=" "$TESTBED_ENV_FILE" >"$TESTBED_ENV_FILE.tmp" || true
  printf '%s=%s\n' "$key" "$value" >>"$TESTBED_ENV_FILE.tmp"
  mv "$TESTBED_ENV_FILE.tmp" "$TESTBED_ENV_FILE"
}

# elapsed_since EPOCH: "N s" since EPOCH.
elapsed_since() { echo "$(( $(date +%s) - $1 )) s"; }

# status_row COMPONENT VERSION STATE: one line of `testbed/status`, in its columns.
status_row() { printf '%-24s %-28s %s\n' "$1" "$2" "$3"; }
