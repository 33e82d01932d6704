#!/usr/bin/env bash
# Builds the pinned Helm from its Go module (tools/helm/module) into the user cache, once per version, like the
# Kubernetes binaries (tools/kube/build.sh). Prints the directory holding `helm` on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/helm/$HELM_VERSION"
mkdir -p "$out"
if [[ -x "$out/helm" ]]; then echo "$out"; exit 0; fi

# One build at a time per cache dir, so parallel test runs wait instead of racing.
exec 9>"$out/.build.lock"
if ! flock -n 9; then
  echo "[mpdflow] another process is building into $out; waiting for it..." >&2
  flock 9
fi
if [[ -x "$out/helm" ]]; then echo "$out"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local
echo "[mpdflow] building helm $HELM_VERSION from Go modules (a cold build takes minutes on 2 cores)..." >&2
start=$SECONDS
ticker=
trap '[[ -n "$ticker" ]] && kill "$ticker" 2>/dev/null || true' EXIT
( exec 9>&-; while sleep 60; do echo "[mpdflow] still building helm ($((SECONDS - start))s)..." >&2; done ) &
ticker=$!
go build -C "$here/module" -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" -o "$out/helm.tmp" helm.sh/helm/v3/cmd/helm
mv "$out/helm.tmp" "$out/helm"
echo "[mpdflow] helm built in $((SECONDS - start))s" >&2
echo "$out"
