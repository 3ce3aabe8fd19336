# Dagger CLI and engine for the test bed, built from the Go module proxy (this
# machine reaches no dagger.io downloads and no container registry but our own).
#   dagger_build   source + binaries (CLI, engine, helpers, CNI plugins), cached
#   dagger_image   the engine image fp-testbed/dagger-engine:v$DAGGER_VERSION
#   dagger_up      build what is missing, start the engine container, write env
#   dagger_down    stop and remove the engine container (its cache volume stays)
#   dagger_status  one line per sub-component
# Needs common.sh sourced first (TESTBED_CACHE, log, env_set, ...).
# shellcheck shell=bash

DAGGER_HOME=$TESTBED_CACHE/dagger-$DAGGER_VERSION
DAGGER_SRC=$DAGGER_HOME/src
DAGGER_BIN=$DAGGER_HOME/bin
DAGGER_CLI=$DAGGER_BIN/dagger
DAGGER_IMAGE=fp-testbed/dagger-engine:v$DAGGER_VERSION
DAGGER_CONTAINER=fp-dagger-engine-v$DAGGER_VERSION
# A named volume, so the engine's cache (pulled layers, exec results) survives
# `down`/`up` and engine image rebuilds.
DAGGER_VOLUME=fp-dagger-engine-state
DAGGER_RUNNER_HOST=docker-container://$DAGGER_CONTAINER
DAGGER_IMAGE_CONTEXT=$TESTBED_DIR/images/dagger-engine
# Compiler output; progress lines of a background build: $TESTBED_LOGS/dagger-build.log.
DAGGER_BUILD_LOG=$TESTBED_LOGS/dagger-go-build.log
# CNI plugins: the release the upstream engine image builds (its bridge plugin
# knows the nftables masquerade backend the engine picks on kernels without
# legacy xtables; Debian bookworm ships 1.1.1, which does not).
DAGGER_CNI_PLUGINS_VERSION=${DAGGER_CNI_PLUGINS_VERSION:-1.9.0}
DAGGER_CNI_PLUGINS=(plugins/main/bridge plugins/main/loopback plugins/meta/firewall plugins/ipam/host-local)

# _dagger_go ARGS...: the Go tool, niced (two cores shared with other builds),
# statically linked, with the toolchain go.mod asks for if the local one is older.
_dagger_go() {
  nice -n 10 env CGO_ENABLED=0 GOTOOLCHAIN=auto GOFLAGS="-buildvcs=false -mod=mod" go "$@"
}

# _dagger_mod_dir MODULE@VERSION: downloads a module through the Go module proxy
# and prints its (read-only) directory in the module cache.
_dagger_mod_dir() {
  local json dir
  json=$(cd /tmp && _dagger_go mod download -json "$1") || die "go mod download $1 failed (is the Go module proxy reachable?)"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then die "go mod download $1 printed no directory: $json"; fi
  printf '%s\n' "$dir"
}

# Modules dagger v$DAGGER_VERSION requires that the Go module proxy here does not
# serve (403 "not available" for the pinned versions and for their version lists;
# tuist and dang have no licence file upstream). The test bed
# builds against its own stand-ins in $DAGGER_STUBS (see each file's header):
#   github.com/vito/tuist, .../teav1  the CLI's interactive TUI: headless stand-in
#   github.com/vito/midterm           served at v0.2.3, which lacks the log-pager
#                                     search API: v0.2.3 + search_testbed.go
#   github.com/vito/dang/v2           only core/sdk/dang/v2 (the Dang v2 module
#                                     runtime) uses it: that package is replaced
#                                     by one that returns a clear error
DAGGER_STUBS=$TESTBED_DIR/images/dagger-engine/go-stubs
DAGGER_MIDTERM_VERSION=v0.2.3

# _dagger_build_id: what the cached binaries were built from (version, stand-ins,
# this file's build recipe); a change rebuilds them.
_dagger_build_id() {
  {
    echo "$DAGGER_VERSION $DAGGER_CNI_PLUGINS_VERSION $DAGGER_MIDTERM_VERSION $DAGGER_RUNNER_HOST"
    (cd "$DAGGER_STUBS" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    sed -n '/^dagger_source()/,/^}/p; /^dagger_build()/,/^}/p; /^_dagger_distconsts()/,/^}/p' "${BASH_SOURCE[0]}"
  } | sha256sum | cut -c1-16
}

# dagger_source: a writable copy of github.com/dagger/dagger@v$DAGGER_VERSION with the
# nested modules that its go.mod replaces restored (the module zip leaves them out)
# and the stand-ins above wired in with replace directives.
dagger_source() {
  local id
  id=$(_dagger_build_id)
  [ "$(cat "$DAGGER_SRC/.fp-build-id" 2>/dev/null)" = "$id" ] && return 0
  local v=v$DAGGER_VERSION dir sdk midterm tmp
  log "dagger: preparing the source of github.com/dagger/dagger@$v (Go module proxy)"
  dir=$(_dagger_mod_dir "github.com/dagger/dagger@$v") || exit 1
  tmp=$DAGGER_SRC.partial
  rm -rf "$tmp" && mkdir -p "$DAGGER_HOME"
  cp -r "$dir" "$tmp" && chmod -R u+w "$tmp"

  # The local replace directives this build must satisfy; anything beyond the two
  # we know how to restore means the layout changed: stop instead of guessing.
  local replaces
  replaces=$(grep -o '=> \./[^ ]*' "$tmp/go.mod" | sed 's/=> //' | sort | tr '\n' ' ')
  [ "$replaces" = "./engine/distconsts ./sdk/go " ] \
    || die "dagger $v go.mod replaces unexpected local paths: $replaces; update dagger_source in testbed/lib/dagger.sh"

  # sdk/go is the module dagger.io/dagger at the same version.
  sdk=$(_dagger_mod_dir "dagger.io/dagger@$v") || exit 1
  rm -rf "$tmp/sdk/go" && mkdir -p "$tmp/sdk" && cp -r "$sdk" "$tmp/sdk/go" && chmod -R u+w "$tmp/sdk/go"
  _dagger_distconsts "$tmp/engine/distconsts"

  # Stand-ins for the modules the proxy does not serve.
  mkdir -p "$tmp/.fp-stubs"
  cp -r "$DAGGER_STUBS/tuist" "$tmp/.fp-stubs/tuist"
  midterm=$(_dagger_mod_dir "github.com/vito/midterm@$DAGGER_MIDTERM_VERSION") || exit 1
  cp -r "$midterm" "$tmp/.fp-stubs/midterm" && chmod -R u+w "$tmp/.fp-stubs/midterm"
  grep -q '^	IsAlt bool$' "$tmp/.fp-stubs/midterm/terminal.go" \
    || die "midterm $DAGGER_MIDTERM_VERSION: Terminal struct not as expected; update dagger_source"
  sed -i 's|^	IsAlt bool$|	IsAlt bool\n\n	// Added by the fargate-pipeline test bed (search_testbed.go).\n	SearchMatches []SearchMatch|' \
    "$tmp/.fp-stubs/midterm/terminal.go"
  cp "$DAGGER_STUBS/midterm/search_testbed.go" "$tmp/.fp-stubs/midterm/"
  rm -f "$tmp"/core/sdk/dang/v2/*.go
  cp "$DAGGER_STUBS/dang-v2-sdk/sdk.go" "$tmp/core/sdk/dang/v2/sdk.go"
  (cd "$tmp" && go mod edit \
    -replace github.com/vito/tuist=./.fp-stubs/tuist \
    -replace github.com/vito/tuist/teav1=./.fp-stubs/tuist/teav1 \
    -replace github.com/vito/midterm=./.fp-stubs/midterm \
    -droprequire github.com/vito/dang/v2) || die "go mod edit failed"

  echo "$id" >"$tmp/.fp-build-id"
  rm -rf "$DAGGER_SRC" "$DAGGER_BIN" "$DAGGER_HOME"/cni-* && mv "$tmp" "$DAGGER_SRC"
}

# _dagger_distconsts DIR: writes the module github.com/dagger/dagger/engine/distconsts.
# The Go module proxy does not serve it (any version: "not available"), and it is
# nothing but shared names: where the engine image keeps its helpers, the
# engine's socket and state directory, env var names for bundled SDK content.
# The test bed defines them for the image it builds (testbed/images/dagger-engine);
# the identifiers are the ones the dagger module's code refers to.
_dagger_distconsts() {
  local d=$1
  mkdir -p "$d"
  cat >"$d/go.mod" <<'EOF'
module github.com/dagger/dagger/engine/distconsts

go 1.22
EOF
  cat >"$d/distconsts.go" <<'EOF'
// Package distconsts: names shared by the engine binaries and the engine image,
// as the fargate-pipeline test bed lays out that image. Written by testbed/lib/dagger.sh.
package distconsts

// Engine image layout (testbed/images/dagger-engine/Dockerfile installs these).
const (
	RuncPath                         = "/usr/local/bin/runc"
	DaggerInitPath                   = "/usr/local/bin/dagger-init"
	TiniPath                         = "/usr/local/bin/tini"
	EngineDefaultStateDir            = "/var/lib/dagger"
	EngineContainerBuiltinContentDir = "/usr/local/share/dagger/content"
	EngineCustomCACertsDir           = "/usr/local/share/ca-certificates"
	DefaultEngineSockAddr            = "unix:///run/dagger/engine.sock"
	// The CLI's fallback container name when built without a version tag.
	EngineContainerName = "dagger-engine.dev"
)

// Env vars naming the manifests of SDK content bundled into the image (the test
// bed bundles none).
const (
	GoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
	PythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"
)

// Images the engine refers to by name (the default `dagger terminal` image).
const (
	AlpineVersion  = "3.22.1"
	AlpineImage    = "alpine:" + AlpineVersion
	GolangVersion  = "1.26"
	GolangImage    = "golang:" + GolangVersion + "-alpine"
	BusyboxVersion = "1.37.0"
	BusyboxImage   = "busybox:" + BusyboxVersion
)

// The OCI annotation key for an image's version (image-spec annotations.go).
const OCIVersionAnnotation = "org.opencontainers.image.version"
EOF
}

# _dagger_build_one OUT PKG [GO BUILD FLAGS...]: builds PKG of the dagger source into
# $DAGGER_BIN/OUT unless it is there (written atomically, so an interrupted build
# leaves nothing half-done behind).
_dagger_build_one() {
  local out=$1 pkg=$2; shift 2
  [ -x "$DAGGER_BIN/$out" ] && return 0
  local t0
  t0=$(date +%s)
  log "dagger: building $out ($pkg)"
  mkdir -p "$DAGGER_BIN"
  (cd "$DAGGER_SRC" && _dagger_go build -trimpath "$@" -o "$DAGGER_BIN/.$out.partial" "$pkg") >>"$DAGGER_BUILD_LOG" 2>&1 \
    || die "go build $pkg failed; see $DAGGER_BUILD_LOG"
  mv "$DAGGER_BIN/.$out.partial" "$DAGGER_BIN/$out"
  log "dagger: built $out in $(elapsed_since "$t0")"
}

# dagger_build: the source, then every binary the engine image and the host need.
# Idempotent; cached in $DAGGER_HOME (keyed by version).
dagger_build() {
  local v=v$DAGGER_VERSION t0
  t0=$(date +%s)
  dagger_source
  # Version/Tag are required: the engine refuses modules, and the CLI refuses
  # engines, without a release version. -s -w: the official binaries are stripped too.
  local version_ldflags="-s -w -X github.com/dagger/dagger/engine.Version=$v -X github.com/dagger/dagger/engine.Tag=$v"
  # The CLI finds the test bed's engine even without _EXPERIMENTAL_DAGGER_RUNNER_HOST
  # (its default would be to pull the engine image from a registry we cannot reach).
  _dagger_build_one dagger ./cmd/dagger -ldflags "$version_ldflags -X main.RunnerHost=$DAGGER_RUNNER_HOST"
  # Tags as in the upstream engine build: Dockerfile COPY/ADD --exclude and --parents.
  _dagger_build_one dagger-engine ./cmd/engine -tags dfexcludepatterns,dfparents -ldflags "$version_ldflags"
  _dagger_build_one dial-stdio ./cmd/dialstdio -ldflags "-s -w"
  _dagger_build_one dnsname ./cmd/dnsname -ldflags "-s -w"
  _dagger_build_one dagger-init ./cmd/init -ldflags "-s -w"
  _dagger_cni_plugins
  log "dagger: binaries ready in $DAGGER_BIN ($(elapsed_since "$t0"))"
}

# _dagger_cni_plugins: the CNI plugins the engine's network config uses
# (go install works here: that module has no replace directives).
_dagger_cni_plugins() {
  local dir=$DAGGER_HOME/cni-$DAGGER_CNI_PLUGINS_VERSION p pkgs=() missing=0
  for p in "${DAGGER_CNI_PLUGINS[@]}"; do
    [ -x "$dir/$(basename "$p")" ] || missing=1
    pkgs+=("github.com/containernetworking/plugins/$p@v$DAGGER_CNI_PLUGINS_VERSION")
  done
  [ "$missing" = 0 ] && return 0
  local t0
  t0=$(date +%s)
  log "dagger: building CNI plugins v$DAGGER_CNI_PLUGINS_VERSION"
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  (cd /tmp && nice -n 10 env CGO_ENABLED=0 GOBIN="$dir.partial" GOFLAGS=-buildvcs=false \
    go install -trimpath -ldflags "-s -w" "${pkgs[@]}") >>"$DAGGER_BUILD_LOG" 2>&1 \
    || die "building CNI plugins failed; see $DAGGER_BUILD_LOG"
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  log "dagger: built CNI plugins in $(elapsed_since "$t0")"
}

# dagger_build_start: runs dagger_build in the background (log: $DAGGER_BUILD_LOG,
# PID file: $TESTBED_STATE/dagger-build.pid), so other components come up meanwhile.
dagger_build_start() {
  pid_alive dagger-build && return 0
  _dagger_built && return 0
  log "dagger: building in the background; progress: $TESTBED_LOGS/dagger-build.log"
  # shellcheck disable=SC2016 # expanded by the child bash
  start_bg dagger-build bash -c 'set -euo pipefail; . "$1/common.sh"; . "$1/dagger.sh"; dagger_build' _ "$TESTBED_DIR/lib"
}

# dagger_build_wait: waits for a background build, or builds in the foreground.
dagger_build_wait() {
  if pid_alive dagger-build; then
    log "dagger: waiting for the background build (pid $(cat "$TESTBED_STATE/dagger-build.pid")); progress: $TESTBED_LOGS/dagger-build.log"
    while pid_alive dagger-build; do sleep 5; done
  fi
  _dagger_built || dagger_build
}

# _dagger_built: true when every binary of the current build id is there.
_dagger_built() {
  [ "$(cat "$DAGGER_SRC/.fp-build-id" 2>/dev/null)" = "$(_dagger_build_id)" ] || return 1
  local f
  for f in dagger dagger-engine dial-stdio dnsname dagger-init; do [ -x "$DAGGER_BIN/$f" ] || return 1; done
  local p
  for p in "${DAGGER_CNI_PLUGINS[@]}"; do [ -x "$DAGGER_HOME/cni-$DAGGER_CNI_PLUGINS_VERSION/$(basename "$p")" ] || return 1; done
}

# _dagger_image_inputs: hash of everything the engine image is built from.
_dagger_image_inputs() {
  {
    cat "$DAGGER_SRC/.fp-build-id"
    (cd "$DAGGER_IMAGE_CONTEXT" && sha256sum Dockerfile dagger-entrypoint.sh engine.toml engine.json)
    docker_cli image inspect -f '{{.Id}}' "$BASE_IMAGE"
  } | sha256sum | cut -c1-16
}

# dagger_image: builds $DAGGER_IMAGE FROM the test bed's Debian base image unless an
# image of the same inputs exists.
dagger_image() {
  docker_cli image inspect "$BASE_IMAGE" >/dev/null 2>&1 || images_base
  local inputs have ctx t0
  inputs=$(_dagger_image_inputs)
  have=$(docker_cli image inspect -f '{{index .Config.Labels "fp.testbed.inputs"}}' "$DAGGER_IMAGE" 2>/dev/null || true)
  [ "$have" = "$inputs" ] && return 0
  t0=$(date +%s)
  log "dagger: building the engine image $DAGGER_IMAGE"
  ctx=$(mktemp -d)
  cp "$DAGGER_IMAGE_CONTEXT"/{Dockerfile,dagger-entrypoint.sh,engine.toml,engine.json} "$ctx/"
  cp -r "$DAGGER_BIN" "$ctx/bin" && cp -r "$DAGGER_HOME/cni-$DAGGER_CNI_PLUGINS_VERSION" "$ctx/cni"
  docker_cli build --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "DAGGER_VERSION=$DAGGER_VERSION" \
    --label "fp.testbed.inputs=$inputs" -t "$DAGGER_IMAGE" "$ctx" >"$TESTBED_LOGS/image-dagger-engine.log" 2>&1 \
    || { rm -rf "$ctx"; die "building $DAGGER_IMAGE failed; see $TESTBED_LOGS/image-dagger-engine.log"; }
  rm -rf "$ctx"
  docker_cli image prune -f >/dev/null 2>&1 || true # the previous engine image, now untagged
  log "dagger: engine image built in $(elapsed_since "$t0") ($(docker_cli image inspect -f '{{.Size}}' "$DAGGER_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# _dagger_engine_config: writes the engine.json the container mounts and prints its
# path. Registry names are the engine's view of the host (the docker bridge gateway):
# the mirror (anonymous, public images under their public names) stands in for
# docker.io and ghcr.io; both registries speak plain HTTP.
#
# The garbage collector's limits are absolute sizes. Its defaults are shares of the
# disk (keep 20 % free, among others): on a large disk that other tenants fill — this
# workplace's 270 GB has ~48 GB available, 18 % — the engine is always "short of
# space" and collects nearly everything after each session (its state volume was
# down to 115 MB): no build cache survives from one call to the next, and the local
# environment's cache volumes (registry storage, deployment ledger) are emptied.
# 40 GB for the cache (the test bed's own use is ~10 GB), and stop when 5 GB are
# left, whatever the disk's size.
_dagger_engine_config() {
  local gw f=$TESTBED_STATE/dagger-engine.json
  gw=$(docker_bridge_gateway) || die "could not read the docker bridge gateway (is dockerd up?)"
  local mirror=$gw:$MIRROR_PORT private=$gw:$REGISTRY_PORT
  cat >"$f.tmp" <<JSON
{
  "logLevel": "info",
  "registries": {
    "$mirror": { "http": true },
    "$private": { "http": true },
    "docker.io": { "mirrors": ["$mirror"] },
    "ghcr.io": { "mirrors": ["$mirror"] }
  },
  "gc": { "maxUsedSpace": "40GB", "reservedSpace": "10GB", "minFreeSpace": "5GB" }
}
JSON
  mv "$f.tmp" "$f"
  echo "$f"
}

# _dagger_run_flags: how the engine container gets the rights it needs (it runs
# containers itself: namespaces, mounts, cgroups, CNI bridge and iptables).
# Upstream runs it --privileged. --privileged asks runc for every capability, and
# fails ("unable to apply caps: operation not permitted") where the host's own
# capability bounding set lacks one (this workplace's sandbox has no
# CAP_SYS_RESOURCE); there the same rights are given one by one: every capability
# the host has, no seccomp/AppArmor confinement, unmasked /proc, every device, and
# the entrypoint makes /sys and the cgroup v1 controllers writable.
_dagger_run_flags() {
  local bnd
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  # bit 24: CAP_SYS_RESOURCE, the one capability --privileged needs that this host lacks.
  if (( (16#$bnd >> 24) & 1 )); then
    DAGGER_RUN_FLAGS=(--privileged)
  else
    DAGGER_RUN_FLAGS=(--cap-add ALL --cap-drop SYS_RESOURCE
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined
      --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm')
  fi
}

# _dagger_container_label NAME LABEL: a label of the container (empty when absent).
_dagger_container_label() {
  docker_cli inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
}

# _dagger_engine_remove: stops the engine gracefully, then removes its container.
# (A killed engine marks its cache unclean and wipes it at the next start: about
# a minute lost, and every cached result.)
_dagger_engine_remove() {
  # 60 s: the engine flushes its cache database on SIGTERM in a few seconds.
  docker_cli stop --time 60 "$DAGGER_CONTAINER" >/dev/null 2>&1 || true
  docker_cli rm -f "$DAGGER_CONTAINER" >/dev/null
}

_dagger_engine_running() {
  [ "$(docker_cli inspect -f '{{.State.Running}}' "$DAGGER_CONTAINER" 2>/dev/null)" = true ]
}

# (30 s per try: the CLI itself waits a long time for an engine that is not there.)
# Run from / so that no module in the current directory is looked at.
_dagger_engine_answers() { (cd / && _dagger_cli_timeout 30 core version >/dev/null 2>&1); }

# _dagger_cli_timeout SECONDS ARGS...: the test bed's CLI against the test bed's
# engine, killed after SECONDS.
_dagger_cli_timeout() {
  local secs=$1; shift
  _EXPERIMENTAL_DAGGER_RUNNER_HOST=$DAGGER_RUNNER_HOST DO_NOT_TRACK=1 DAGGER_NO_NAG=1 \
    timeout "$secs" "$DAGGER_CLI" --progress=plain "$@"
}

# 180 s: a cold engine initialises its state and network in a few seconds, and
# one restarted after a kill in about 30 s; a loaded two-core machine has taken
# tens of seconds more.
DAGGER_ANSWER_SECS=180
# How often a wait for the engine says it is still waiting, with the engine's
# latest log line (a silent minute reads as a hang).
DAGGER_WAIT_REPORT_SECS=30

# _dagger_engine_run CONFIG INPUTS: a new engine container on the cache volume.
_dagger_engine_run() {
  log "dagger: starting the engine container $DAGGER_CONTAINER"
  _dagger_run_flags
  docker_cli run -d --name "$DAGGER_CONTAINER" "${DAGGER_RUN_FLAGS[@]}" \
    --label fp.testbed=dagger --label "fp.testbed.inputs=$2" \
    -v "$DAGGER_VOLUME:/var/lib/dagger" -v "$1:/etc/dagger/engine.json:ro" \
    "$DAGGER_IMAGE" >/dev/null || die "docker run $DAGGER_IMAGE failed"
}

# _dagger_engine_log_tail N: the engine's last N log lines, without the
# per-namespace cleanup warnings a restarted engine prints by the hundred.
_dagger_engine_log_tail() {
  docker_cli logs "$DAGGER_CONTAINER" 2>&1 | grep -v 'failed to release network namespace' | tail -n "$1" | cut -c1-300
}

# _dagger_engine_wait SECONDS: polls until the engine answers; every
# DAGGER_WAIT_REPORT_SECS says so with the engine's latest log line. Fails when
# SECONDS pass or the container stops.
_dagger_engine_wait() {
  local secs=$1 start next
  start=$(date +%s)
  next=$(( start + DAGGER_WAIT_REPORT_SECS ))
  while [ $(( $(date +%s) - start )) -lt "$secs" ]; do
    _dagger_engine_answers && return 0
    if ! _dagger_engine_running; then
      log "dagger: the engine container stopped ($(docker_cli inspect -f '{{.State.Status}}, exit code {{.State.ExitCode}}' "$DAGGER_CONTAINER" 2>/dev/null))"
      return 1
    fi
    if [ "$(date +%s)" -ge "$next" ]; then
      log "dagger: waiting for the engine ($(elapsed_since "$start")); its latest log line: $(_dagger_engine_log_tail 1)"
      next=$(( next + DAGGER_WAIT_REPORT_SECS ))
    fi
    sleep 1
  done
  return 1
}

dagger_up() {
  docker_running || die "dockerd is not running: bring the docker component up first (testbed/up)"
  dagger_build_wait
  dagger_image
  local cfg want image_id
  cfg=$(_dagger_engine_config)
  image_id=$(docker_cli image inspect -f '{{.Id}}' "$DAGGER_IMAGE")
  want="$image_id $(sha256sum "$cfg" | cut -c1-16)"
  if docker_cli inspect "$DAGGER_CONTAINER" >/dev/null 2>&1 && [ "$(_dagger_container_label "$DAGGER_CONTAINER" fp.testbed.inputs)" != "$want" ]; then
    log "dagger: engine image or registry config changed: replacing $DAGGER_CONTAINER (cache volume $DAGGER_VOLUME stays)"
    _dagger_engine_remove
  fi
  local t0
  t0=$(date +%s)
  if ! docker_cli inspect "$DAGGER_CONTAINER" >/dev/null 2>&1; then
    _dagger_engine_run "$cfg" "$want"
  elif ! _dagger_engine_running; then
    # `down` removes the container, so a stopped one was ended without it (the
    # machine or session stopped, dockerd was killed): the engine was killed too.
    log "dagger: starting the stopped engine container $DAGGER_CONTAINER (it was not stopped by testbed/down)"
    docker_cli start "$DAGGER_CONTAINER" >/dev/null || die "docker start $DAGGER_CONTAINER failed"
  fi
  if ! _dagger_engine_wait "$DAGGER_ANSWER_SECS"; then
    # A killed engine has been seen never to answer again on its old state. The
    # cache is only a cache: start over without it rather than fail the run.
    log "dagger: the engine did not answer in $(elapsed_since "$t0"); its last log lines:"
    _dagger_engine_log_tail 20 | sed 's/^/    /' >&2
    log "dagger: dropping the engine container and its cache volume $DAGGER_VOLUME, and starting a new engine (its cache starts cold)"
    _dagger_engine_remove
    docker_cli volume rm -f "$DAGGER_VOLUME" >/dev/null || die "cannot remove the volume $DAGGER_VOLUME; see: docker volume inspect $DAGGER_VOLUME"
    _dagger_engine_run "$cfg" "$want"
    _dagger_engine_wait "$DAGGER_ANSWER_SECS" || {
      _dagger_engine_log_tail 40 | sed 's/^/    /' >&2
      die "the Dagger engine does not answer even with a new cache volume; its log is above (all of it: docker logs $DAGGER_CONTAINER)"
    }
  fi
  log "dagger: engine answers ($(elapsed_since "$t0"))"
  env_set _EXPERIMENTAL_DAGGER_RUNNER_HOST "$DAGGER_RUNNER_HOST"
  env_set _EXPERIMENTAL_DAGGER_CLI_BIN "$DAGGER_CLI"
  env_set DAGGER_ENGINE_CONTAINER "$DAGGER_CONTAINER"
  env_set DAGGER_VERSION "$DAGGER_VERSION"
  # No telemetry or cloud nags from a test bed.
  env_set DO_NOT_TRACK 1
  env_set DAGGER_NO_NAG 1
}

# dagger_down: removes the engine container `up` started (its cache volume stays;
# `docker volume rm $DAGGER_VOLUME` drops the cache).
dagger_down() {
  stop_pid dagger-build
  docker_running || return 0
  if [ "$(_dagger_container_label "$DAGGER_CONTAINER" fp.testbed)" = dagger ]; then
    log "dagger: removing the engine container $DAGGER_CONTAINER"
    _dagger_engine_remove
  fi
}

dagger_status() {
  local v=v$DAGGER_VERSION state
  if _dagger_built; then state="built (cached in $DAGGER_HOME)"
  elif pid_alive dagger-build; then state="building (log: $TESTBED_LOGS/dagger-build.log)"
  else state=missing; fi
  status_row dagger-cli "$v" "$state"
  state=missing
  if docker_running && docker_cli image inspect "$DAGGER_IMAGE" >/dev/null 2>&1; then
    state="built $(docker_cli image inspect -f '{{.Size}}' "$DAGGER_IMAGE" | awk '{printf "%.0f MB", $1/1e6}') ($DAGGER_IMAGE)"
  fi
  status_row dagger-engine-image "$v" "$state"
  state=absent
  if docker_running && docker_cli inspect "$DAGGER_CONTAINER" >/dev/null 2>&1; then
    state="$(docker_cli inspect -f '{{.State.Status}} since {{.State.StartedAt}}' "$DAGGER_CONTAINER")"
    state="${state%%.*} ($DAGGER_CONTAINER)"
  fi
  status_row dagger-engine "$v" "$state"
}
