# Shared by the build scripts: where the cache is, timed steps, and cached artefacts.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"

# Built artefacts live outside the clone, one directory per artefact and version key,
# so a second run (or another clone) costs seconds. Go's own caches sit beside them.
CACHE_ROOT=${TSCNI_KIND_CACHE:-/var/cache/tscni-kind}
export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$CACHE_ROOT/go/mod}
export GOCACHE=${GOCACHE_OVERRIDE:-$CACHE_ROOT/go/build}
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
mkdir -p "$CACHE_ROOT"

START_SECONDS=${START_SECONDS:-$SECONDS}
log() { printf '[kind-offline %5ds] %s\n' "$((SECONDS - START_SECONDS))" "$*" >&2; }

# cached NAME KEY FUNCTION: runs FUNCTION OUT (OUT a fresh directory) unless $CACHE_ROOT/NAME-KEY
# is already complete, then prints that directory. A failed build leaves nothing half-made.
cached() {
  local name=$1 key=$2 build=$3 dir="$CACHE_ROOT/$1-$2"
  if [ -f "$dir/.complete" ]; then
    log "$name $key: cached in $dir"
  else
    local started=$SECONDS tmp="$dir.tmp.$$"
    log "$name $key: building"
    rm -rf "$tmp" && mkdir -p "$tmp"
    if ! "$build" "$tmp" >&2; then rm -rf "$tmp"; log "$name $key: FAILED"; return 1; fi
    rm -rf "$dir" && touch "$tmp/.complete" && mv "$tmp" "$dir"
    log "$name $key: built in $((SECONDS - started)) s"
  fi
  printf '%s\n' "$dir"
}

# kubernetes_module_path FIELD: a path of the k8s.io/kubernetes module at the pinned version, downloaded
# into the module cache once: FIELD is Dir (its source tree) or GoMod (its go.mod).
kubernetes_module_path() {
  go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n "s/^\t\"$1\": \"\(.*\)\",\$/\1/p"
}
