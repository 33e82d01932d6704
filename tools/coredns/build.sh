#!/usr/bin/env bash
# Builds CoreDNS (the cluster DNS) from its Go module at the pinned version into the user cache, once per version.
# main.go here picks the plugins the local cluster uses; go.mod/go.sum pin every module (regenerate with
# `go get github.com/coredns/coredns@$COREDNS_VERSION && go mod tidy` when bumping versions.env).
# Prints the binary's path on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../kube/versions.env
source "$here/../kube/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
# Keyed by the version and by this module's own files (its plugin list).
key="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
out="$cache_root/coredns/${COREDNS_VERSION}-$key"
bin="$out/coredns"
mkdir -p "$out"
if [[ -x "$bin" ]]; then
  echo "$bin"; exit 0
fi
exec 9>"$out/.build.lock"
if ! flock -n 9; then
  echo "[mpdflow] another process is building CoreDNS into $out; waiting for it..." >&2
  flock 9
fi
if [[ -x "$bin" ]]; then
  echo "$bin"; exit 0
fi
grep -qF "github.com/coredns/coredns ${COREDNS_VERSION}" "$here/go.mod" || {
  echo "[mpdflow] tools/coredns/go.mod does not require CoreDNS ${COREDNS_VERSION} (versions.env): regenerate it" >&2
  exit 2
}
echo "[mpdflow] building CoreDNS ${COREDNS_VERSION} from Go modules (a cold build takes minutes on 2 cores)..." >&2
start=$SECONDS
CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local \
  go build -C "$here" -trimpath -ldflags "-s -w" -o "$bin.tmp" .
mv "$bin.tmp" "$bin"
echo "[mpdflow] CoreDNS built in $((SECONDS - start))s" >&2
echo "$bin"
