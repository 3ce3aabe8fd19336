# The one image recipe for the sample app (app/): deps -> build -> test -> runtime.
#
#   docker build --target test .    lock file check, typecheck, lint and unit tests, with no network
#   docker build --build-arg VERSION=1.2.3 --build-arg GIT_COMMIT=$(git rev-parse HEAD) .
#
# The default target (runtime, the last stage) copies the compiled code from the test stage, so
# building the image always runs the tests: an image whose tests fail cannot be built. Both
# BuildKit and the Dagger engine cache the test stage by its inputs (sources, lock file, base),
# so an unchanged tree is not tested twice, and any change is.
#
# RUN --network=none needs a builder whose Dockerfile frontend knows the flag: the Dagger engine
# (the product path: `dagger call test`) or a recent Docker with BuildKit. Docker 20.10's built-in
# frontend stops at parse time with "dockerfile parse error line N: Unknown flag: network".
# No "# syntax=" line: the builder's own frontend is used, so no frontend image is pulled.
#
# Files a step only reads (the lock file, .npmrc, the root configs) are bind-mounted into that
# step (RUN --mount=type=bind) instead of COPied into the image. A mounted file still keys the
# step's cache by its content, and it costs nothing in the image. It also keeps `dagger call`
# fast: the Dagger engine turns each COPY source into its own copy and checksums the whole
# filesystem after it (0.7 s on the base image, 1.6-1.9 s once node_modules is in), where BuildKit
# copies all sources in one step. With fewer COPY sources and the npm cache out of the layers,
# a cold `dagger call test` + `build` went from 1.37x to 1.10-1.15x the time of `docker build`
# (bench/module.mjs, medians of two runs).

# The official Node image, by tag (a registry mirror or a private copy can be named instead).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------------------------------------
# deps: the app workspace's dependencies, dev ones included, exactly as package-lock.json says.
# Only the manifests reach this step, so it reruns only when they change. The root lock file
# also holds the repository's development tools; `npm ci -w app` installs only what app/ needs
# (the module's dagger/ and dagger/infra/ are npm projects of their own, with their own locks).
FROM ${NODE_IMAGE} AS deps
# No update check: the test stage has no network, and a build should not phone home anyway.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /repo
# The root manifest stays: `npm run -w app` finds the workspace through it.
COPY package.json ./
# npm's download cache is a cache mount, not a layer: 91 MB less in every image built on deps,
# and a lock file change downloads only what changed. Its id is the name of the cache volume
# `check` uses, so the engine can serve this install from what check downloaded.
# npm ci refuses a lock file that does not match the manifests; the wrapper says what to do.
RUN --mount=type=cache,id=fargate-pipeline-npm-cache,target=/root/.npm \
    --mount=type=bind,source=package-lock.json,target=package-lock.json \
    --mount=type=bind,source=.npmrc,target=.npmrc \
    --mount=type=bind,source=app/package.json,target=app/package.json \
    --mount=type=bind,source=app/scripts/npm-ci.sh,target=app/scripts/npm-ci.sh \
    sh app/scripts/npm-ci.sh -w app --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# prod-deps: production dependencies only, reinstalled from the npm cache mount that deps filled.
# --omit=optional as well: with a shared lock file, an optional peer dependency of a production
# package (valibot -> typescript) is marked "devOptional" and --omit=dev alone would install it
# (+23 MB). The app has no optional native dependencies; revisit this if one is added.
# The workspace's own link (node_modules/@fargate-pipeline/app -> ../../app) is dropped: the
# runtime stage puts the app itself at the top of /app. /app is the runtime's tree without its
# code (node_modules and the app's package.json, which declares ESM), for one COPY there.
FROM deps AS prod-deps
RUN --mount=type=cache,id=fargate-pipeline-npm-cache,target=/root/.npm \
    --mount=type=bind,source=package-lock.json,target=package-lock.json \
    --mount=type=bind,source=.npmrc,target=.npmrc \
    --mount=type=bind,source=app/package.json,target=app/package.json \
    npm ci -w app --omit=dev --omit=optional --prefer-offline --no-audit --no-fund \
    && rm -rf node_modules/@fargate-pipeline \
    && mkdir /app && mv node_modules /app/ && cp app/package.json /app/

# ---------------------------------------------------------------------------------------------
# build: TypeScript -> app/dist.
FROM deps AS build
COPY app/ app/
RUN --mount=type=bind,source=tsconfig.base.json,target=tsconfig.base.json \
    npm run build -w app

# ---------------------------------------------------------------------------------------------
# test: the same checks as on a laptop (`npm run typecheck|lint -w app`, `npm test -w app`), with
# no network: a test that needs the network fails here instead of depending on it.
FROM build AS test
RUN --network=none \
    --mount=type=bind,source=tsconfig.base.json,target=tsconfig.base.json \
    npm run typecheck -w app
RUN --network=none \
    --mount=type=bind,source=tsconfig.base.json,target=tsconfig.base.json \
    --mount=type=bind,source=eslint.config.js,target=eslint.config.js \
    npm run lint -w app
# bash with pipefail: the run's output goes to the build log and to /test-report.txt (what
# `dagger call test` returns), and a failing run still fails the step. vitest also writes JUnit
# XML to /test-report.xml, from which `dagger call test` counts and names the tests; a failed
# build keeps no files, so when the tests fail the step prints the XML after vitest's report.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN --network=none \
    --mount=type=bind,source=tsconfig.base.json,target=tsconfig.base.json \
    --mount=type=bind,source=vitest.config.ts,target=vitest.config.ts \
    npm test -w app -- --reporter=default --reporter=junit --outputFile.junit=/test-report.xml 2>&1 \
    | tee /test-report.txt || { cat /test-report.xml; exit 1; }

# ---------------------------------------------------------------------------------------------
# runtime: same base, production dependencies and compiled code only, non-root.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY --from=prod-deps /app/ ./
# From the test stage, not from build: this is what makes the default target run the tests.
COPY --from=test /repo/app/dist ./dist

ARG VERSION=0.0.0-dev
ARG GIT_COMMIT=unknown
# The repository URL, e.g. https://github.com/OWNER/REPO (CI knows it; unset locally).
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="fargate-pipeline sample app" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.source="${SOURCE_URL}"
# APP_VERSION and GIT_COMMIT are what /healthcheck reports, so a deploy can prove which build
# answers. The server validates them (and every other variable) at start.
ENV NODE_ENV=production \
    APP_VERSION="${VERSION}" \
    GIT_COMMIT="${GIT_COMMIT}" \
    PORT=8080

# uid 1000 from the base image: the code and its dependencies stay owned by root, read-only to it.
USER node
EXPOSE 8080
# Docker's own health check (docker run, compose). ECS ignores it: the task definition declares
# the same command. node instead of curl: the slim base has no curl.
# --start-interval=500ms: while the app starts, probe every half second. Without it the first probe
# (at once, before node listens) fails and the next comes a whole --interval later: Dagger, which
# starts a service only once this check passes (the local deploy's stand-in), took 12-17 s to
# start it on 2 cores; 1.5-4 s with it, as with no check at all (bench/stand-in.ts).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --start-interval=500ms --retries=3 CMD ["node", "dist/healthcheck.js"]
# Exec form: node is PID 1 and receives SIGTERM itself (ECS has no --init); server.js drains
# in-flight requests and exits 0 within SHUTDOWN_TIMEOUT_MS (20 s, below the 30 s stop timeout).
CMD ["node", "dist/server.js"]
