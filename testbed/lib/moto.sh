# moto, the AWS emulator, on the host's loopback for tests that call the AWS SDK
# (and OpenTofu's AWS provider) directly. From PyPI (moto[server]) into a venv
# of Debian's python3, cached per version. Sourced by testbed/up: functions only.
# shellcheck shell=bash

MOTO_HOME=$TESTBED_CACHE/moto-$MOTO_VERSION
MOTO_WHEELS=$TESTBED_CACHE/moto-$MOTO_VERSION-wheels
# The official image's name and tag, as products pull it.
MOTO_IMAGE=motoserver/moto:$MOTO_VERSION
# Listens on all interfaces like the registries: tests on the host use loopback,
# and OpenTofu/the module's containers in the Dagger engine reach it through the
# docker bridge gateway (MOTO_ENGINE_ENDPOINT) — the e2e flows against a shared,
# long-lived emulator. 5050: the mirror registry has 5000, moto's own default.
MOTO_BIND=0.0.0.0
MOTO_PORT=5050
MOTO_ENDPOINT=http://127.0.0.1:$MOTO_PORT
# 5 s: certificates requested with DNS validation turn ISSUED after this wait;
# moto's 60 s default adds a minute to every apply that creates one.
MOTO_ACM_VALIDATION_WAIT=${MOTO_ACM_VALIDATION_WAIT:-5}

# moto_wheels: downloads moto[server]==$MOTO_VERSION and its dependencies from
# PyPI as wheels for Debian's python3 into $MOTO_WHEELS (cached): the host venv
# and the image install the same files from there.
moto_wheels() {
  [ -f "$MOTO_WHEELS/.complete" ] && return 0
  # Debian's python3 rather than whatever python3 is first on PATH: present on
  # every Debian machine, and the same interpreter the moto image uses.
  apt_install python3 python3-venv python3-pip
  log "downloading moto[server]==$MOTO_VERSION and its dependencies from PyPI"
  rm -rf "$MOTO_WHEELS" && mkdir -p "$MOTO_WHEELS"
  # --cert: PyPI is reached through a TLS-intercepting proxy whose CA only the
  # host bundle has. --only-binary: wheels install with no compiler in the image.
  /usr/bin/python3 -m pip download --quiet --no-input --disable-pip-version-check --cert "$HOST_CA_BUNDLE" \
    --only-binary=:all: --dest "$MOTO_WHEELS" "moto[server]==$MOTO_VERSION" >"$TESTBED_LOGS/moto-install.log" 2>&1 \
    || die "pip download moto[server]==$MOTO_VERSION failed; see $TESTBED_LOGS/moto-install.log"
  touch "$MOTO_WHEELS/.complete"
}

# moto_install: installs moto[server]==$MOTO_VERSION into a venv at $MOTO_HOME
# unless a complete install is there (an interrupted one is redone).
moto_install() {
  [ -f "$MOTO_HOME/.complete" ] && return 0
  moto_wheels
  local start
  start=$(date +%s)
  log "installing moto $MOTO_VERSION into $MOTO_HOME"
  rm -rf "$MOTO_HOME"
  /usr/bin/python3 -m venv "$MOTO_HOME" \
    || die "could not create a Python venv; is Debian's python3-venv installed?"
  "$MOTO_HOME/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    --no-index --find-links "$MOTO_WHEELS" "moto[server]==$MOTO_VERSION" >>"$TESTBED_LOGS/moto-install.log" 2>&1 \
    || die "installing moto[server]==$MOTO_VERSION from $MOTO_WHEELS failed; see $TESTBED_LOGS/moto-install.log"
  touch "$MOTO_HOME/.complete"
  log "moto $MOTO_VERSION installed in $(elapsed_since "$start")"
}

# moto_image: the emulator image, pushed as the official image's name and tag
# (needs images.sh: image_build_push).
moto_image() {
  moto_wheels
  # A fixed context path: image_build_push names its log after the directory.
  local ctx=$TESTBED_CACHE/image-contexts/moto
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$TESTBED_DIR/images/moto/Dockerfile" "$ctx/"
  cp -r "$MOTO_WHEELS" "$ctx/wheels" && rm -f "$ctx/wheels/.complete"
  # A local array: bash does not pass arrays to a function as `VAR=(..) func`.
  # shellcheck disable=SC2034 # read by image_build_push
  local IMAGE_BUILD_ARGS=("MOTO_VERSION=$MOTO_VERSION")
  image_build_push "$ctx" "$MOTO_IMAGE"
  rm -rf "$ctx"
}

# moto_answers: true when moto answers on $MOTO_ENDPOINT (its own health path).
moto_answers() {
  curl -fsS --max-time 2 "$MOTO_ENDPOINT/moto-api/" >/dev/null 2>&1
}

# moto_up: installs and starts moto on $MOTO_ENDPOINT, waits until it answers,
# records MOTO_ENDPOINT.
moto_up() {
  moto_install
  if pid_alive moto; then
    log "moto already running (pid $(cat "$TESTBED_STATE/moto.pid")) on $MOTO_ENDPOINT"
  else
    if moto_answers; then
      die "something that is not ours already answers on $MOTO_ENDPOINT; stop it or free port $MOTO_PORT"
    fi
    # PYTHONUNBUFFERED: request lines reach the log as they happen.
    PYTHONUNBUFFERED=1 MOTO_ACM_VALIDATION_WAIT=$MOTO_ACM_VALIDATION_WAIT \
      start_bg moto "$MOTO_HOME/bin/moto_server" -H "$MOTO_BIND" -p "$MOTO_PORT"
    # 30 s: moto starts in ~2 s; a slow first import of its services can take ~10 s.
    wait_for 30 "moto on $MOTO_ENDPOINT" moto_answers \
      || die "moto did not answer on $MOTO_ENDPOINT within 30 s; see $TESTBED_LOGS/moto.log"
    log "moto $MOTO_VERSION answers on $MOTO_ENDPOINT (pid $(cat "$TESTBED_STATE/moto.pid"))"
  fi
  env_set MOTO_ENDPOINT "$MOTO_ENDPOINT"
  env_set MOTO_ENGINE_ENDPOINT "http://$(docker_bridge_gateway):$MOTO_PORT"
  # Each e2e lane starts a moto of its own from this install (scripts/lane-emulator.mjs), with the same wait.
  env_set MOTO_SERVER "$MOTO_HOME/bin/moto_server"
  env_set MOTO_ACM_VALIDATION_WAIT "$MOTO_ACM_VALIDATION_WAIT"
  if declare -F image_build_push >/dev/null; then
    moto_image
  else
    warn "images.sh is not loaded: the $MOTO_IMAGE image was not built"
  fi
}

# moto_down: stops the moto that moto_up started (and only that one).
moto_down() {
  stop_pid moto
}

# moto_status: one line.
moto_status() {
  local state
  if pid_alive moto; then
    if moto_answers; then state="running on $MOTO_ENDPOINT (pid $(cat "$TESTBED_STATE/moto.pid"))"; else state="started, not answering"; fi
  elif [ -f "$MOTO_HOME/.complete" ]; then
    state="installed, stopped"
  else
    state="not installed"
  fi
  status_row moto "$MOTO_VERSION" "$state"
  if declare -F _mirror_has >/dev/null; then
    if _mirror_has "$MOTO_IMAGE" 2>/dev/null; then state="image in mirror"; else state="image missing"; fi
    status_row "${MOTO_IMAGE%%:*}" "${MOTO_IMAGE#*:}" "$state"
  fi
}
