# actionlint: the GitHub Actions linter the unit tier runs on .github/workflows
# (scripts/test/actionlint.test.ts), built from the Go module proxy and cached.
#
# Sourced by testbed/up (functions only) and by scripts/actionlint.sh.
#
# Cache layout: $TESTBED_CACHE/actionlint-$ACTIONLINT_VERSION/actionlint
# shellcheck shell=bash

# 1.7.12: the newest release the Go module proxy serves. Pinned because each
# release adds rules: a newer linter may fail workflows an older one passed.
# testbed/versions.env may set it (it is sourced first); this is the default.
ACTIONLINT_VERSION=${ACTIONLINT_VERSION:-1.7.12}
ACTIONLINT_HOME=$TESTBED_CACHE/actionlint-$ACTIONLINT_VERSION
ACTIONLINT_BIN=$ACTIONLINT_HOME/actionlint
ACTIONLINT_MODULE=github.com/rhysd/actionlint
# The image `check` lints workflows with (dagger/src/check/workflows.ts ACTIONLINT_IMAGE),
# pushed to the mirror under the official image's name and tag.
ACTIONLINT_IMAGE=rhysd/actionlint:$ACTIONLINT_VERSION

# actionlint_build: builds actionlint $ACTIONLINT_VERSION into $ACTIONLINT_BIN
# unless it is there (~1 min cold on 2 cores, then cached).
actionlint_build() {
  [ -x "$ACTIONLINT_BIN" ] && return 0
  command -v go >/dev/null 2>&1 \
    || die "building actionlint needs Go (>= 1.25): install it, or point ACTIONLINT_BIN at an actionlint $ACTIONLINT_VERSION binary"
  local start partial=$ACTIONLINT_HOME/bin.partial
  start=$(date +%s)
  log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
  mkdir -p "$ACTIONLINT_HOME"
  rm -rf "$partial"
  # Its go.mod has no replace directives, so `go install module@version` builds
  # it exactly as released (and `actionlint -version` reports that version).
  # CGO off: a static binary; GOTOOLCHAIN auto: go.mod may ask for a newer Go.
  # GOFLAGS is reset so a caller's -mod=vendor or similar cannot leak in.
  GOBIN=$partial CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-auto} GOFLAGS='' nice -n 10 \
    go install -trimpath -ldflags '-s -w' "$ACTIONLINT_MODULE/cmd/actionlint@v$ACTIONLINT_VERSION" \
    || die "building actionlint $ACTIONLINT_VERSION failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  mv "$partial/actionlint" "$ACTIONLINT_BIN"
  rmdir "$partial"
  log "actionlint built in $(elapsed_since "$start"): $("$ACTIONLINT_BIN" -version | head -1)"
}

# actionlint_image: the image `check` runs, from the binary above and Debian's
# ShellCheck (needs images.sh: image_build_push).
actionlint_image() {
  # A fixed context path: image_build_push names its log after the directory.
  local ctx=$TESTBED_CACHE/image-contexts/actionlint
  rm -rf "$ctx" && mkdir -p "$ctx/dist"
  cp "$TESTBED_DIR/images/actionlint/Dockerfile" "$ctx/"
  cp "$ACTIONLINT_BIN" "$ctx/dist/actionlint"
  # shellcheck disable=SC2034 # read by image_build_push
  local IMAGE_BUILD_ARGS=()
  image_build_push "$ctx" "$ACTIONLINT_IMAGE"
  rm -rf "$ctx"
}

# actionlint_up: builds actionlint if missing, installs shellcheck (actionlint
# runs it on every `run:` script; without it that check is silently skipped),
# records ACTIONLINT_BIN for the tests, and puts the image `check` runs in the mirror.
actionlint_up() {
  apt_install shellcheck
  actionlint_build
  env_set ACTIONLINT_BIN "$ACTIONLINT_BIN"
  if declare -F image_build_push >/dev/null; then
    actionlint_image
  else
    warn "images.sh is not loaded: the $ACTIONLINT_IMAGE image was not built"
  fi
}

# actionlint_down: nothing to stop (a linter, not a service).
actionlint_down() { :; }

# actionlint_status: one line per sub-component.
actionlint_status() {
  local state="not built (testbed/up or scripts/actionlint.sh builds it)"
  [ -x "$ACTIONLINT_BIN" ] && state="built (cached)"
  status_row actionlint "$ACTIONLINT_VERSION" "$state"
  state="missing (apt-get install shellcheck)"
  command -v shellcheck >/dev/null 2>&1 && state="installed ($(shellcheck --version | sed -n 's/^version: //p'))"
  status_row shellcheck "(Debian)" "$state"
  state="image missing"
  declare -F _mirror_has >/dev/null && _mirror_has "$ACTIONLINT_IMAGE" 2>/dev/null && state="image in mirror"
  status_row rhysd/actionlint "$ACTIONLINT_VERSION" "$state"
}
