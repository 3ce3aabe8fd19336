# Images for the test bed, built from Debian packages and registry packages,
# pushed to the mirror registry under the public names the product uses.
# shellcheck shell=bash

BASE_IMAGE=fp-testbed/debian:$DEBIAN_SUITE
REGISTRY_IMAGE_TAGS=("library/registry:2" "library/registry:2.8")
# The tags the apps' Dockerfiles use (node:24.21.0-bookworm-slim, …) and the ones `check` picks
# from the version a project asks for (node:24-slim, python:3.13-slim, golang:1.26.8, …): the
# official images carry both, the test bed pushes one build under each.
NODE_IMAGE_TAGS=("library/node:$NODE_VERSION-$DEBIAN_SUITE-slim" "library/node:${NODE_VERSION%%.*}-$DEBIAN_SUITE-slim"
  "library/node:$NODE_VERSION-slim" "library/node:${NODE_VERSION%%.*}-slim")
PYTHON_IMAGE_TAGS=("library/python:$PYTHON_VERSION-slim-$DEBIAN_SUITE" "library/python:$PYTHON_VERSION-slim")
PYTHON_NEXT_IMAGE_TAGS=("library/python:$PYTHON_NEXT_VERSION-slim-$PYTHON_NEXT_SUITE" "library/python:$PYTHON_NEXT_VERSION-slim")
GO_IMAGE_TAGS=("library/golang:$GO_VERSION-$DEBIAN_SUITE" "library/golang:${GO_VERSION%.*}-$DEBIAN_SUITE"
  "library/golang:$GO_VERSION" "library/golang:${GO_VERSION%.*}")

# _apt_mirror: the Debian mirror the host's apt uses (so images use the same one).
_apt_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$uri" ] || uri=$(awk '$1=="deb" && $3 ~ /^[a-z]+$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "$uri"
}

# images_rootfs [SUITE]: a cached debootstrap minbase rootfs tarball of a Debian release
# (default $DEBIAN_SUITE) with the host's CA bundle.
images_rootfs() {
  local suite=${1:-$DEBIAN_SUITE}
  local tarball=$TESTBED_CACHE/rootfs-$suite-minbase.tar
  [ -s "$tarball" ] && return 0
  apt_install debootstrap
  local dir t0
  t0=$(date +%s)
  dir=$(mktemp -d "$TESTBED_CACHE/rootfs.XXXX")
  log "debootstrap $suite (minbase) — about 30-60 s"
  # shellcheck disable=SC2046
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$dir" $(_apt_mirror) \
    >"$TESTBED_LOGS/debootstrap-$suite.log" 2>&1 || die "debootstrap $suite failed; see $TESTBED_LOGS/debootstrap-$suite.log"
  # The proxy's CA: every image we build trusts what the host trusts.
  cp "$HOST_CA_DIR"/*.crt "$dir/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$dir" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the rootfs"
  # Slim like the official debian:*-slim images: no docs, man pages or locales,
  # now or from packages installed later.
  cat >"$dir/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CFG
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/lintian/*
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log
  tar -C "$dir" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
  rm -rf "$dir"
  log "rootfs ready in $(elapsed_since "$t0"): $(du -h "$tarball" | cut -f1)"
}

# images_base [SUITE]: the docker image every test bed image of that Debian release starts FROM
# (fp-testbed/debian:SUITE; default $DEBIAN_SUITE, $BASE_IMAGE).
images_base() {
  local suite=${1:-$DEBIAN_SUITE}
  local tarball=$TESTBED_CACHE/rootfs-$suite-minbase.tar image=fp-testbed/debian:$suite
  images_rootfs "$suite"
  local want have
  want=$(sha256sum "$tarball" | cut -c1-16)
  have=$(docker_cli image inspect -f '{{index .Config.Labels "fp.testbed.rootfs"}}' "$image" 2>/dev/null || true)
  [ "$want" = "$have" ] && return 0
  log "importing $image"
  docker_cli import --change "LABEL fp.testbed.rootfs=$want" --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$image" >/dev/null
}

# _mirror_has NAME:TAG: true when the mirror registry serves that tag.
_mirror_has() {
  local name=${1%:*} tag=${1##*:}
  curl -sf -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$MIRROR_PORT/v2/$name/manifests/$tag"
}

# image_build_push CONTEXT_DIR NAME:TAG... : builds CONTEXT_DIR (FROM $IMAGE_BASE, default
# $BASE_IMAGE, via build arg BASE_IMAGE) unless an identical build was already pushed, then
# pushes it to the mirror under each NAME:TAG. Extra build args: IMAGE_BUILD_ARGS array.
image_build_push() {
  local ctx=$1; shift
  local first=$1 inputs stamp t0 n logf base=${IMAGE_BASE:-$BASE_IMAGE}
  logf=$TESTBED_LOGS/image-$(echo "$first" | tr '/:' '__').log
  inputs=$( { (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum); \
              printf '%s\n' "${IMAGE_BUILD_ARGS[@]:-}" "$(docker_cli image inspect -f '{{.Id}}' "$base")"; } | sha256sum | cut -c1-16)
  stamp=$TESTBED_CACHE/images/$(echo "$first" | tr '/:' '__').stamp
  mkdir -p "$TESTBED_CACHE/images"
  local all=1
  for n in "$@"; do _mirror_has "$n" || all=0; done
  if [ "$all" = 1 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
    log "image $first up to date"
    return 0
  fi
  t0=$(date +%s)
  log "building image $first"
  local args=(--build-arg "BASE_IMAGE=$base")
  local a
  for a in "${IMAGE_BUILD_ARGS[@]:-}"; do [ -n "$a" ] && args+=(--build-arg "$a"); done
  docker_cli build "${args[@]}" -t "127.0.0.1:$MIRROR_PORT/$first" "$ctx" >"$logf" 2>&1 \
    || die "building $first failed; see $logf"
  for n in "$@"; do
    docker_cli tag "127.0.0.1:$MIRROR_PORT/$first" "127.0.0.1:$MIRROR_PORT/$n"
    docker_cli push "127.0.0.1:$MIRROR_PORT/$n" >>"$logf" 2>&1 \
      || die "pushing $n to the mirror failed; see $logf"
  done
  echo "$inputs" >"$stamp"
  docker_cli image prune -f >/dev/null 2>&1 || true # the previous build of this image, now untagged
  log "image $first built and pushed in $(elapsed_since "$t0") ($(docker_cli image inspect -f '{{.Size}}' "127.0.0.1:$MIRROR_PORT/$first" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# images_node: the Node base image, laid out like the official node:*-slim image.
images_node() {
  local ctx bin
  bin=$(node_ensure)
  ctx=$(mktemp -d)
  cp "$TESTBED_DIR/images/node/"* "$ctx/"
  mkdir -p "$ctx/dist" && cp "$bin/node" "$ctx/dist/node" && cp "$(npm_tarball)" "$ctx/dist/npm.tgz"
  cp "$(corepack_tarball)" "$ctx/dist/corepack.tgz"
  # (an array cannot be passed as a command prefix: set it for the call, then restore)
  # The registry without its trailing slash: yarn berry appends paths to it as it is.
  local registry
  registry=$(PATH="$bin:$PATH" npm config get registry) || die "npm config get registry failed"
  local IMAGE_BUILD_ARGS=("NODE_VERSION=$NODE_VERSION" "NPM_REGISTRY=${registry%/}")
  image_build_push "$ctx" "${NODE_IMAGE_TAGS[@]}"
  rm -rf "$ctx"
}

# images_python: the Python base image, laid out like the official python:*-slim-bookworm,
# from Debian's python3 (bookworm's is the PYTHON_VERSION release line).
images_python() {
  # shellcheck disable=SC2034 # read by image_build_push
  local IMAGE_BUILD_ARGS=("PYTHON_VERSION=$PYTHON_VERSION")
  image_build_push "$TESTBED_DIR/images/python" "${PYTHON_IMAGE_TAGS[@]}"
}

# images_python_next: the newer Python image, python:$PYTHON_NEXT_VERSION-slim-$PYTHON_NEXT_SUITE,
# from that Debian release's python3 (same recipe), for apps that ask for a newer Python.
images_python_next() {
  images_base "$PYTHON_NEXT_SUITE"
  # shellcheck disable=SC2034 # read by image_build_push
  local IMAGE_BUILD_ARGS=("PYTHON_VERSION=$PYTHON_NEXT_VERSION") IMAGE_BASE=fp-testbed/debian:$PYTHON_NEXT_SUITE
  image_build_push "$TESTBED_DIR/images/python" "${PYTHON_NEXT_IMAGE_TAGS[@]}"
}

# go_toolchain_dir: the official Go $GO_VERSION toolchain for linux/amd64, as the Go module
# proxy serves it (module golang.org/toolchain), downloaded into the Go module cache once.
go_toolchain_dir() {
  local mod=golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-amd64 json dir
  json=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$mod") || die "go mod download $mod failed (is the Go module proxy reachable?)"
  dir=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  { [ -n "$dir" ] && [ -f "$dir/bin/go" ]; } || die "go mod download $mod printed no toolchain directory: $json"
  echo "$dir"
}

# images_go: the Go base image, laid out like the official golang:*-bookworm.
images_go() {
  # A fixed context path: image_build_push names its log after the image, and hashes the context.
  local ctx=$TESTBED_CACHE/image-contexts/go
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$TESTBED_DIR/images/go/Dockerfile" "$ctx/"
  cp -r "$(go_toolchain_dir)" "$ctx/go" && chmod -R u+w "$ctx/go"
  # shellcheck disable=SC2034 # read by image_build_push
  local IMAGE_BUILD_ARGS=("GO_VERSION=$GO_VERSION")
  image_build_push "$ctx" "${GO_IMAGE_TAGS[@]}"
  rm -rf "$ctx"
}

# images_registry: the OCI registry image the product runs for the `local` environment.
images_registry() {
  image_build_push "$TESTBED_DIR/images/registry" "${REGISTRY_IMAGE_TAGS[@]}"
}

images_up() {
  images_base
  images_node
  images_python
  images_python_next
  images_go
  images_registry
}

images_status() {
  local state=missing
  status_row base-image "$DEBIAN_SUITE minbase" "$(docker_cli image inspect "$BASE_IMAGE" >/dev/null 2>&1 && echo built || echo missing)"
  _mirror_has "${NODE_IMAGE_TAGS[0]}" 2>/dev/null && state="in mirror"
  status_row node-image "${NODE_IMAGE_TAGS[0]#library/}" "$state"
  state=missing; _mirror_has "${PYTHON_IMAGE_TAGS[0]}" 2>/dev/null && state="in mirror"
  status_row python-image "${PYTHON_IMAGE_TAGS[0]#library/}" "$state"
  state=missing; _mirror_has "${PYTHON_NEXT_IMAGE_TAGS[0]}" 2>/dev/null && state="in mirror"
  status_row python-image "${PYTHON_NEXT_IMAGE_TAGS[0]#library/}" "$state"
  state=missing; _mirror_has "${GO_IMAGE_TAGS[1]}" 2>/dev/null && state="in mirror"
  status_row go-image "${GO_IMAGE_TAGS[1]#library/}" "$state"
  state=missing; _mirror_has "${REGISTRY_IMAGE_TAGS[0]}" 2>/dev/null && state="in mirror"
  status_row registry-image "${REGISTRY_IMAGE_TAGS[0]#library/}" "$state"
}
