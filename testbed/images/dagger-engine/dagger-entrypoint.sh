#!/bin/sh
# Starts the Dagger engine under tini (the engine image's entrypoint).
set -e

# Started without --privileged (see _dagger_run_flags in testbed/lib/dagger.sh),
# docker mounts /sys and the cgroup v1 controllers read-only; the engine creates
# a cgroup for every container it runs, so make them writable as --privileged would.
if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && awk '$3 == "cgroup" && $4 ~ /^ro,/ {found=1} END {exit !found}' /proc/mounts; then
  mount -o remount,bind,rw /sys
  awk '$3 == "cgroup" {print $2}' /proc/mounts | while read -r m; do mount -o remount,bind,rw "$m"; done
fi

# On cgroup v2 hosts, let the engine create child cgroups: move this container's
# processes out of its root cgroup into a leaf, then delegate every controller.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
fi

# The engine keeps a SQLite database per client: the usual limit of 1024 open
# files is far too low.
# Without CAP_SYS_RESOURCE only the hard limit can be reached: take that.
# shellcheck disable=SC3045 # /bin/sh is Debian's dash, which has ulimit -n/-Hn
if ! ulimit -n 1048576 2>/dev/null; then
  ulimit -n "$(ulimit -Hn)"
  echo "open-files limit: $(ulimit -n) (the most this host allows)" >&2
fi

exec tini -- dagger-engine --config /etc/dagger/engine.toml "$@"
