#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the pinned wrapper modules into the user cache, once per version.
# Prints the directory holding both binaries on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/kube/${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}"
mkdir -p "$out"

if [[ -x "$out/kube-apiserver" && -x "$out/etcd" ]]; then
  echo "$out"; exit 0
fi

# One build at a time per cache dir, so parallel test runs wait instead of racing.
exec 9>"$out/.build.lock"
flock 9
if [[ -x "$out/kube-apiserver" && -x "$out/etcd" ]]; then
  echo "$out"; exit 0
fi

export CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local
if [[ ! -x "$out/etcd" ]]; then
  echo "[mpdflow] building etcd ${ETCD_VERSION} from Go modules (cold build, about 2 minutes on 2 cores)..." >&2
  start=$SECONDS
  go build -C "$here/etcd" -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$out/etcd.tmp" "$out/etcd"
  echo "[mpdflow] etcd built in $((SECONDS - start))s" >&2
fi
if [[ ! -x "$out/kube-apiserver" ]]; then
  echo "[mpdflow] building kube-apiserver ${KUBERNETES_VERSION} from Go modules (cold build, several minutes on 2 cores)..." >&2
  start=$SECONDS
  v="${KUBERNETES_VERSION#v}"
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X ${pkg}.gitVersion=${KUBERNETES_VERSION} -X ${pkg}.gitMajor=${v%%.*}"
  minor="${v#*.}"; ldflags+=" -X ${pkg}.gitMinor=${minor%%.*} -X ${pkg}.gitTreeState=clean"
  # Heartbeat so a long cold build never looks hung.
  ( while sleep 60; do echo "[mpdflow] still building kube-apiserver ($((SECONDS - start))s)..." >&2; done ) &
  ticker=$!
  trap 'kill $ticker 2>/dev/null || true' EXIT
  go build -C "$here/apiserver" -trimpath -ldflags "$ldflags" -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"
  echo "[mpdflow] kube-apiserver built in $((SECONDS - start))s" >&2
fi
echo "$out"
