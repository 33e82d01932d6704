#!/usr/bin/env bash
# Builds the pinned Temporal server and its SQL schema tool (`go install` from the Go module proxy) into the user cache,
# once, and prints that directory (holding `server` and `sql`) on the last line. A cached build is reused as is.
# Cold, the build takes tens of minutes (docs/install.md, "Temporal on PostgreSQL"); it needs Go and the Go module proxy.
# `--check` prints the directory when the binaries are cached and exits 1 (building nothing) when they are not.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/temporal/server-${TEMPORAL_SERVER_VERSION}"

built() { [[ -x "$out/server" && -x "$out/sql" ]]; }
if built; then echo "$out"; exit 0; fi
if [[ "${1:-}" == "--check" ]]; then
  echo "[mpdflow] the Temporal server ${TEMPORAL_SERVER_VERSION} is not built: run tools/temporal/build-server.sh (npm run test:temporal-postgres does)" >&2
  exit 1
fi

mkdir -p "$cache_root/temporal"
exec 9>"$cache_root/temporal/.build-server.lock"
flock 9
if built; then echo "$out"; exit 0; fi

command -v go >/dev/null || {
  echo "[mpdflow] building the Temporal server needs Go (https://go.dev/dl/) and access to the Go module proxy" >&2
  exit 3
}
echo "[mpdflow] building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install into $out (cold: tens of minutes)..." >&2
start=$SECONDS
# A line a minute, so a long build is seen to be alive.
( while sleep 60; do echo "[mpdflow] still building the Temporal server ($(((SECONDS - start) / 60)) min)..." >&2; done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true; rm -rf "$out.tmp"' EXIT
rm -rf "$out.tmp"
GOBIN="$out.tmp" CGO_ENABLED=0 GOTOOLCHAIN=local go install \
  "go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}" \
  "go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}" >&2
rm -rf "$out" && mv "$out.tmp" "$out"
echo "[mpdflow] Temporal server ${TEMPORAL_SERVER_VERSION} built in $((SECONDS - start)) s" >&2
echo "$out"
