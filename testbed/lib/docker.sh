# Docker engine from Debian's docker.io, started by the test bed.
# shellcheck shell=bash

# Debian's client matches Debian's daemon (20.10) and drives its built-in BuildKit;
# a newer client elsewhere on PATH may lack buildx and fall back to the legacy builder.
DOCKER=${DOCKER:-/usr/bin/docker}
export DOCKER_BUILDKIT=1
DOCKERD_CONFIG=$TESTBED_STATE/dockerd.json

# docker_cli ARGS...: Debian's docker client.
docker_cli() { "$DOCKER" "$@"; }

docker_running() { docker_cli info >/dev/null 2>&1; }

docker_up() {
  apt_install docker.io iptables
  if docker_running; then
    pid_alive dockerd || log "dockerd already running (not started by the test bed; leaving it as is)"
    return 0
  fi
  # Pulls of public images (docker.io) go to the test bed's mirror registry.
  cat >"$DOCKERD_CONFIG" <<JSON
{
  "registry-mirrors": ["http://127.0.0.1:${MIRROR_PORT:-5000}"],
  "insecure-registries": ["127.0.0.1:${MIRROR_PORT:-5000}", "127.0.0.1:${REGISTRY_PORT:-5001}"],
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "2"}
}
JSON
  log "starting dockerd"
  start_bg dockerd dockerd --config-file "$DOCKERD_CONFIG" --pidfile "$TESTBED_STATE/dockerd.self.pid"
  wait_for 60 dockerd docker_running || die "dockerd did not answer within 60 s; see $TESTBED_LOGS/dockerd.log"
}

docker_down() {
  pid_alive dockerd || return 0
  stop_pid dockerd
}

# docker_bridge_gateway: the host's address on docker0, as containers see it.
docker_bridge_gateway() {
  local gw
  # Docker 20.10 leaves Gateway empty in the default bridge's IPAM config: read docker0.
  gw=$(docker_cli network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}' 2>/dev/null || true)
  [ -n "$gw" ] || gw=$(ip -4 -o addr show docker0 2>/dev/null | awk '{sub(/\/.*/, "", $4); print $4; exit}')
  [ -n "$gw" ] || die "cannot find the docker bridge gateway address (is dockerd up? is docker0 there?)"
  echo "$gw"
}

docker_status() {
  local state=stopped version=-
  if docker_running; then
    version=$(docker_cli version -f '{{.Server.Version}}' 2>/dev/null || echo '?')
    if pid_alive dockerd; then state="running (pid $(cat "$TESTBED_STATE/dockerd.pid"))"; else state="running (not started by testbed)"; fi
  fi
  status_row docker "$version" "$state"
}
