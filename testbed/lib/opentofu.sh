# OpenTofu and the AWS provider, built from the Go module proxy and cached.
#
# Sourced by testbed/up (functions only). Run directly, it builds in the
# foreground: `bash testbed/lib/opentofu.sh build` (opentofu_build_start runs the
# same in the background).
#
# Cache layout (one directory per component and version):
#   $TESTBED_CACHE/opentofu-$OPENTOFU_VERSION/tofu
#   $TESTBED_CACHE/aws-provider-<commit>/terraform-provider-aws
#   $TESTBED_CACHE/tf-mirror/<registry host>/hashicorp/aws/$AWS_PROVIDER_VERSION/linux_amd64/...
#   $TESTBED_CACHE/tf-mirror/tofu.rc         (the CLI config: TF_CLI_CONFIG_FILE)
# GOMODCACHE and GOCACHE stay at Go's defaults, so an interrupted or repeated
# build reuses every package already compiled.
# shellcheck shell=bash

# Run directly, it needs what testbed/up would have loaded.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  # shellcheck source=testbed/lib/common.sh
  . "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fi

TOFU_HOME=$TESTBED_CACHE/opentofu-$OPENTOFU_VERSION
TOFU_BIN=$TOFU_HOME/tofu
AWS_PROVIDER_HOME=$TESTBED_CACHE/aws-provider-$AWS_PROVIDER_COMMIT
AWS_PROVIDER_BUILT=$AWS_PROVIDER_HOME/terraform-provider-aws
TF_MIRROR=$TESTBED_CACHE/tf-mirror
TF_CLI_CONFIG=$TF_MIRROR/tofu.rc
# The mirror answers for both registry host names so that a configuration
# written for either (cdktf writes the short "hashicorp/aws" source, which tofu
# expands to its own registry) installs the same binary with no network.
TF_MIRROR_HOSTS=(registry.opentofu.org registry.terraform.io)
OPENTOFU_BUILD_JOB=opentofu-build
# The official images' names and tags (opentofu/opentofu:<version> on GitHub's
# container registry, and the -minimal variant holding only the binary), as
# products pull them.
OPENTOFU_IMAGE=opentofu/opentofu:$OPENTOFU_VERSION
OPENTOFU_MINIMAL_IMAGE=opentofu/opentofu:$OPENTOFU_VERSION-minimal
# Inside the image: a directory tofu searches for providers even without a CLI
# config (XDG data dir + terraform/plugins), and the CLI config naming it.
IMAGE_PROVIDER_DIR=/usr/local/share/terraform/plugins

# _go_env: the environment of every build here. CGO off: static binaries that
# run in any image (the official releases are built the same way). GOTOOLCHAIN
# auto: a module may ask for a newer Go, which the go command then fetches.
_go_env() {
  export CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-auto} GOFLAGS=${GOFLAGS:--buildvcs=false}
}

# _progress_build TOTAL CMD...: runs a `go build -v` style CMD; each package it
# compiles prints one line, so "[n/TOTAL]" on stderr (the job's log) is its
# progress (packages already in Go's build cache are not printed).
_progress_build() {
  local total=$1; shift
  local n=0 line
  "$@" 2>&1 | while IFS= read -r line; do
    n=$((n + 1))
    printf '[%s] [%d/%d] %s\n' "$(_ts)" "$n" "$total" "$line" >&2
  done
  return "${PIPESTATUS[0]}"
}

# _tofu ARGS...: runs the built tofu with the test bed's CLI config (machines may
# export TF_CLI_CONFIG_FILE naming a file that does not exist).
_tofu() {
  local rc=$TF_CLI_CONFIG
  [ -f "$rc" ] || rc=/dev/null
  TF_CLI_CONFIG_FILE=$rc "$TOFU_BIN" "$@"
}

# tofu_build: builds tofu $OPENTOFU_VERSION into $TOFU_BIN unless it is there.
tofu_build() {
  [ -x "$TOFU_BIN" ] && return 0
  _go_env
  local start dir src
  start=$(date +%s)
  step "building OpenTofu $OPENTOFU_VERSION from the Go module proxy"
  dir=$(go mod download -json "github.com/opentofu/opentofu@v$OPENTOFU_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "go mod download of github.com/opentofu/opentofu@v$OPENTOFU_VERSION failed (is the Go module proxy reachable?)"
  # Its go.mod has replace directives (nested modules), so `go install mod@v`
  # refuses it: build inside a writable copy of the module instead.
  mkdir -p "$TOFU_HOME"
  src=$TOFU_HOME/src
  rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  local total
  total=$(cd "$src" && go list -deps ./cmd/tofu | wc -l)
  log "compiling ./cmd/tofu ($total packages; progress in $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log)"
  # version.dev=no: report "OpenTofu v$OPENTOFU_VERSION" rather than a dev build.
  (cd "$src" && _progress_build "$total" \
    go build -v -trimpath -ldflags '-s -w -X github.com/opentofu/opentofu/version.dev=no' -o "$TOFU_BIN.partial" ./cmd/tofu) \
    || die "building tofu failed; see $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log"
  mv "$TOFU_BIN.partial" "$TOFU_BIN"
  rm -rf "$src"
  log "tofu built in $(elapsed_since "$start"): $(_tofu version | head -1)"
}

# aws_provider_build: builds the AWS provider at $AWS_PROVIDER_MODULE_VERSION
# (commit $AWS_PROVIDER_COMMIT) into $AWS_PROVIDER_BUILT unless it is there.
aws_provider_build() {
  [ -x "$AWS_PROVIDER_BUILT" ] && return 0
  _go_env
  local start mod=github.com/hashicorp/terraform-provider-aws total dir
  start=$(date +%s)
  step "building the AWS provider ($mod@$AWS_PROVIDER_MODULE_VERSION) from the Go module proxy"
  dir=$(go mod download -json "$mod@$AWS_PROVIDER_MODULE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "go mod download of $mod@$AWS_PROVIDER_MODULE_VERSION failed (is the Go module proxy reachable?)"
  mkdir -p "$AWS_PROVIDER_HOME"
  total=$(cd "$dir" && go list -deps . | wc -l)
  log "compiling $mod ($total packages, ~1 h cold on 2 cores; progress in $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log)"
  # No replace directives: `go install mod@version` builds it from the module
  # cache as is. ProviderVersion names what was really built (it only shows in
  # the provider's log line and User-Agent).
  GOBIN=$AWS_PROVIDER_HOME/bin _progress_build "$total" \
    go install -v -trimpath -ldflags "-s -w -X $mod/version.ProviderVersion=$AWS_PROVIDER_BUILD_LABEL" "$mod@$AWS_PROVIDER_MODULE_VERSION" \
    || die "building the AWS provider failed; see $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log (rerun resumes from Go's build cache)"
  mv "$AWS_PROVIDER_HOME/bin/terraform-provider-aws" "$AWS_PROVIDER_BUILT"
  rmdir "$AWS_PROVIDER_HOME/bin"
  log "AWS provider built in $(elapsed_since "$start"): $(du -h "$AWS_PROVIDER_BUILT" | cut -f1)"
}

# aws_provider_mirror_path HOST: where the mirror keeps the provider for HOST.
aws_provider_mirror_path() {
  echo "$TF_MIRROR/$1/hashicorp/aws/$AWS_PROVIDER_VERSION/linux_amd64/terraform-provider-aws_v$AWS_PROVIDER_VERSION"
}

# aws_provider_install: puts the built provider into the filesystem mirror
# and writes the CLI config naming it.
aws_provider_install() {
  [ -x "$AWS_PROVIDER_BUILT" ] || die "the AWS provider is not built yet; run: bash $TESTBED_DIR/lib/opentofu.sh build"
  _mirror_layout "$TF_MIRROR"
  tf_cli_config "$TF_MIRROR" >"$TF_CLI_CONFIG"
}

# _mirror_layout DIR: lays the built provider out as a filesystem mirror in DIR:
# a hard link (no second copy of the binary) for the first registry host, a
# relative symlink to it for the others.
_mirror_layout() {
  local dir=$1 host first dest rel
  first=${TF_MIRROR_HOSTS[0]}
  rel=$(aws_provider_mirror_path "$first")
  rel=${rel#"$TF_MIRROR/"}
  for host in "${TF_MIRROR_HOSTS[@]}"; do
    dest=$(aws_provider_mirror_path "$host")
    dest=$dir/${dest#"$TF_MIRROR/"}
    mkdir -p "$(dirname "$dest")"
    rm -f "$dest"
    if [ "$host" = "$first" ]; then
      ln "$AWS_PROVIDER_BUILT" "$dest"
    else
      # From .../<host>/hashicorp/aws/<version>/<platform>/ up to the mirror root.
      ln -s "../../../../../$rel" "$dest"
    fi
  done
}

# tf_cli_config MIRROR_DIR: prints a CLI config that installs hashicorp/aws only
# from MIRROR_DIR (never the network) and every other provider as usual. The
# hosts are listed: tofu allows a wildcard host only in "*/*/*".
tf_cli_config() {
  local h patterns=""
  for h in "${TF_MIRROR_HOSTS[@]}"; do patterns+="${patterns:+, }\"$h/hashicorp/aws\""; done
  cat <<EOF
# Written by testbed/lib/opentofu.sh. hashicorp/aws comes from the local
# filesystem mirror (built from source at commit $AWS_PROVIDER_COMMIT);
# every other provider is installed as usual.
provider_installation {
  filesystem_mirror {
    path    = "$1"
    include = [$patterns]
  }
  direct {
    exclude = [$patterns]
  }
}
EOF
}

# opentofu_images: builds and pushes the OpenTofu image (tofu + the AWS provider
# in a mirror + the CLI config) and the -minimal one (needs images.sh).
opentofu_images() {
  local ctx=$TESTBED_CACHE/image-contexts/opentofu
  rm -rf "$ctx" && mkdir -p "$ctx/dist/plugins"
  cp "$TESTBED_DIR/images/opentofu/Dockerfile" "$ctx/"
  ln "$TOFU_BIN" "$ctx/dist/tofu"
  _mirror_layout "$ctx/dist/plugins"
  tf_cli_config "$IMAGE_PROVIDER_DIR" >"$ctx/dist/tofu.rc"
  # shellcheck disable=SC2034 # read by image_build_push
  local IMAGE_BUILD_ARGS=("AWS_PROVIDER_VERSION=$AWS_PROVIDER_VERSION" "PROVIDER_DIR=$IMAGE_PROVIDER_DIR")
  image_build_push "$ctx" "$OPENTOFU_IMAGE"
  rm -rf "$ctx"

  ctx=$TESTBED_CACHE/image-contexts/opentofu-minimal
  rm -rf "$ctx" && mkdir -p "$ctx/dist"
  cp "$TESTBED_DIR/images/opentofu/Dockerfile.minimal" "$ctx/Dockerfile"
  ln "$TOFU_BIN" "$ctx/dist/tofu"
  # shellcheck disable=SC2034 # read by image_build_push
  IMAGE_BUILD_ARGS=()
  image_build_push "$ctx" "$OPENTOFU_MINIMAL_IMAGE"
  rm -rf "$ctx"
}

# opentofu_build: the background job: tofu first (minutes), then the provider
# (about an hour cold), one compile at a time, niced by the caller.
opentofu_build() {
  tofu_build
  aws_provider_build
  aws_provider_install
  log "OpenTofu build job done"
}

# opentofu_build_start: starts opentofu_build in the background unless all is
# built or the job already runs. Progress: $TESTBED_LOGS/opentofu-build.log.
opentofu_build_start() {
  if [ -x "$TOFU_BIN" ] && [ -x "$AWS_PROVIDER_BUILT" ]; then return 0; fi
  if pid_alive "$OPENTOFU_BUILD_JOB"; then
    log "OpenTofu/AWS provider build already running (pid $(cat "$TESTBED_STATE/$OPENTOFU_BUILD_JOB.pid")); progress: tail -f $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log"
    return 0
  fi
  # nice 19: the machine is shared; the build must not starve the engine build or tests.
  # Sourced, not run as a script: bash reads a sourced file whole, so editing
  # or updating the checkout while the job runs cannot change what it runs.
  # shellcheck disable=SC2016 # $1 expands in the job's shell
  start_bg "$OPENTOFU_BUILD_JOB" nice -n 19 bash -c 'set -euo pipefail; . "$1/common.sh"; . "$1/opentofu.sh"; opentofu_build' \
    opentofu-build "$TESTBED_DIR/lib"
  log "started the OpenTofu/AWS provider build in the background (pid $(cat "$TESTBED_STATE/$OPENTOFU_BUILD_JOB.pid")); progress: tail -f $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log"
}

# opentofu_wait: waits for the background build job; fails if it failed.
opentofu_wait() {
  local pidf=$TESTBED_STATE/$OPENTOFU_BUILD_JOB.pid
  if pid_alive "$OPENTOFU_BUILD_JOB"; then
    log "waiting for the OpenTofu/AWS provider build (pid $(cat "$pidf")); progress: tail -f $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log"
    while pid_alive "$OPENTOFU_BUILD_JOB"; do
      sleep 30
      log "  $(_opentofu_progress)"
    done
  fi
  if [ ! -x "$TOFU_BIN" ] || [ ! -x "$AWS_PROVIDER_BUILT" ]; then
    die "the OpenTofu/AWS provider build did not finish; see $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log"
  fi
}

# _opentofu_progress: one line: the last [n/total] the build job logged.
_opentofu_progress() {
  local last
  last=$(grep -o '^\[[0-9:]*\] \[[0-9]*/[0-9]*\]' "$TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log" 2>/dev/null | tail -1 | cut -d' ' -f2)
  echo "compiled ${last:-[0/?]} packages of the current binary"
}

# opentofu_up [--wait]: starts the build if anything is missing; records
# TOFU_BIN once tofu is built and TF_CLI_CONFIG_FILE/AWS_PROVIDER_COMMIT once
# the provider is in the mirror, then builds the images. With --wait (or
# WAIT_PROVIDER=1, what `testbed/up --wait-provider` exports), blocks until
# both binaries are built.
opentofu_up() {
  opentofu_build_start
  if [ "${1:-}" = --wait ] || [ "${WAIT_PROVIDER:-0}" = 1 ]; then opentofu_wait; fi
  if [ -x "$TOFU_BIN" ]; then
    env_set TOFU_BIN "$TOFU_BIN"
  fi
  if [ -x "$AWS_PROVIDER_BUILT" ]; then
    aws_provider_install
    env_set TF_CLI_CONFIG_FILE "$TF_CLI_CONFIG"
    env_set AWS_PROVIDER_COMMIT "$AWS_PROVIDER_COMMIT"
    if declare -F image_build_push >/dev/null; then
      opentofu_images
    else
      warn "images.sh is not loaded: the $OPENTOFU_IMAGE image was not built"
    fi
  else
    warn "the AWS provider is still building (~1 h cold): tofu tests and the $OPENTOFU_IMAGE image wait for it; follow: tail -f $TESTBED_LOGS/$OPENTOFU_BUILD_JOB.log, then rerun testbed/up (or use testbed/up --wait-provider)"
  fi
}

# opentofu_down: stops the background build if `up` started it (a rerun resumes
# from Go's build cache). Nothing else of this component runs.
opentofu_down() {
  if pid_alive "$OPENTOFU_BUILD_JOB"; then
    # The job is a process group (setsid): stop the go command and compilers too.
    local pid
    pid=$(cat "$TESTBED_STATE/$OPENTOFU_BUILD_JOB.pid")
    log "stopping the OpenTofu/AWS provider build (process group $pid)"
    kill -- "-$pid" 2>/dev/null || true
  fi
  stop_pid "$OPENTOFU_BUILD_JOB"
}

# opentofu_status: one line per sub-component.
opentofu_status() {
  local building="" state img
  pid_alive "$OPENTOFU_BUILD_JOB" && building="building: $(_opentofu_progress)"
  if [ -x "$TOFU_BIN" ]; then state="built (cached)"; else state=${building:-not built}; fi
  status_row opentofu "$OPENTOFU_VERSION" "$state"
  if [ -x "$AWS_PROVIDER_BUILT" ] && [ -x "$(aws_provider_mirror_path "${TF_MIRROR_HOSTS[0]}")" ]; then
    state="built, in mirror"
  elif [ -x "$AWS_PROVIDER_BUILT" ]; then
    state="built, not in mirror yet (run testbed/up)"
  elif [ -n "$building" ] && [ -x "$TOFU_BIN" ]; then
    state=$building
  elif [ -n "$building" ]; then
    state="queued after tofu"
  else
    state="not built"
  fi
  status_row aws-provider "$AWS_PROVIDER_VERSION (src ${AWS_PROVIDER_COMMIT:0:12})" "$state"
  if declare -F _mirror_has >/dev/null; then
    for img in "$OPENTOFU_IMAGE" "$OPENTOFU_MINIMAL_IMAGE"; do
      if _mirror_has "$img" 2>/dev/null; then state="image in mirror"; else state="image missing"; fi
      status_row "${img%%:*}" "${img#*:}" "$state"
    done
  fi
}

# Run directly: the background build job.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    build) opentofu_build ;;
    *) echo "usage: $0 build   (builds tofu and the AWS provider in the foreground)" >&2; exit 2 ;;
  esac
  exit 0
fi
