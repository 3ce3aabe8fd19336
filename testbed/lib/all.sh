# Sources every component of the test bed, in bring-up order.
# shellcheck shell=bash
_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_lib/common.sh"
. "$_lib/node.sh"
# Order matters: docker before the registries (gateway address), registries before
# images (push), images before the engine (mirror) and the OpenTofu/moto images.
TESTBED_COMPONENTS=()
for _c in docker registry images opentofu moto dagger actionlint; do
  if [ -f "$_lib/$_c.sh" ]; then
    # shellcheck disable=SC1090
    . "$_lib/$_c.sh"
    TESTBED_COMPONENTS+=("$_c")
  fi
done
unset _c
