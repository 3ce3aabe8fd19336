# Two local OCI registries from Debian's docker-registry, run on the host:
#  - the mirror (anonymous pulls, like the public registries it stands in for):
#    holds the public images the product uses, under their public names;
#  - the private registry (htpasswd auth): the publish target, standing in for ECR.
# Both listen on all interfaces so the Dagger engine container reaches them
# through the docker bridge gateway.
# shellcheck shell=bash

MIRROR_PORT=${MIRROR_PORT:-5000}
REGISTRY_PORT=${REGISTRY_PORT:-5001}
REGISTRY_USER=${REGISTRY_USER:-testbed}
REGISTRY_PASSWORD_FILE=$TESTBED_STATE/registry-password
REGISTRY_HTPASSWD=$TESTBED_STATE/registry.htpasswd
# Mirror contents are rebuilt from packages, so they live in the cache.
MIRROR_DATA=$TESTBED_CACHE/registry-mirror
REGISTRY_DATA=$TESTBED_STATE/registry-private

_registry_config() { # NAME PORT DATA [htpasswd]
  local f=$TESTBED_STATE/registry-$1.yml
  {
    printf 'version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$3"
    printf 'http:\n  addr: 0.0.0.0:%s\n  headers:\n    X-Content-Type-Options: [nosniff]\n' "$2"
    if [ -n "${4:-}" ]; then
      printf 'auth:\n  htpasswd:\n    realm: fargate-pipeline-testbed\n    path: %s\n' "$4"
    fi
  } >"$f"
  echo "$f"
}

_registry_answers() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/" | grep -qE '^(200|401)$'; }

registry_up() {
  apt_install docker-registry apache2-utils curl
  mkdir -p "$MIRROR_DATA" "$REGISTRY_DATA"
  if [ ! -s "$REGISTRY_PASSWORD_FILE" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$REGISTRY_PASSWORD_FILE")
  fi
  if [ ! -s "$REGISTRY_HTPASSWD" ] || ! htpasswd -vb "$REGISTRY_HTPASSWD" "$REGISTRY_USER" "$(cat "$REGISTRY_PASSWORD_FILE")" >/dev/null 2>&1; then
    (umask 077; htpasswd -Bbn "$REGISTRY_USER" "$(cat "$REGISTRY_PASSWORD_FILE")" >"$REGISTRY_HTPASSWD")
  fi
  local cfg
  if ! _registry_answers "$MIRROR_PORT"; then
    cfg=$(_registry_config mirror "$MIRROR_PORT" "$MIRROR_DATA")
    start_bg registry-mirror docker-registry serve "$cfg"
  fi
  if ! _registry_answers "$REGISTRY_PORT"; then
    cfg=$(_registry_config private "$REGISTRY_PORT" "$REGISTRY_DATA" "$REGISTRY_HTPASSWD")
    start_bg registry-private docker-registry serve "$cfg"
  fi
  wait_for 20 mirror _registry_answers "$MIRROR_PORT" || die "mirror registry did not start; see $TESTBED_LOGS/registry-mirror.log"
  wait_for 20 registry _registry_answers "$REGISTRY_PORT" || die "private registry did not start; see $TESTBED_LOGS/registry-private.log"
  local gw
  gw=$(docker_bridge_gateway)
  env_set MIRROR_HOST "127.0.0.1:$MIRROR_PORT"
  env_set MIRROR_ENGINE_HOST "$gw:$MIRROR_PORT"
  env_set REGISTRY_HOST "127.0.0.1:$REGISTRY_PORT"
  env_set REGISTRY_ENGINE_HOST "$gw:$REGISTRY_PORT"
  env_set REGISTRY_USER "$REGISTRY_USER"
  env_set REGISTRY_PASSWORD_FILE "$REGISTRY_PASSWORD_FILE"
}

registry_down() {
  stop_pid registry-mirror
  stop_pid registry-private
}

registry_status() {
  local v n port state
  v=$(dpkg-query -W -f '${Version}' docker-registry 2>/dev/null || echo '-')
  for n in mirror private; do
    port=$MIRROR_PORT; [ "$n" = private ] && port=$REGISTRY_PORT
    if _registry_answers "$port"; then
      if pid_alive "registry-$n"; then state="running :$port (pid $(cat "$TESTBED_STATE/registry-$n.pid"))"; else state="answering :$port (not started by testbed)"; fi
    else state=stopped; fi
    status_row "registry-$n" "$v" "$state"
  done
}
