#!/usr/bin/env bash
# Builds the pinned Kubernetes binaries and etcd from the wrapper modules into the user cache, once per version.
# Usage: build.sh [binary...]   (default: etcd and every command in KUBERNETES_COMMANDS)
# Prints the directory holding the binaries on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/kube/${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}"
mkdir -p "$out"

# shellcheck disable=SC2206
wanted=(${@:-etcd $KUBERNETES_COMMANDS})
for name in "${wanted[@]}"; do
  if [[ "$name" != etcd && " $KUBERNETES_COMMANDS " != *" $name "* ]]; then
    echo "build.sh: unknown binary '$name' (etcd or one of: $KUBERNETES_COMMANDS)" >&2
    exit 2
  fi
done
all_built() {
  local name
  for name in "${wanted[@]}"; do [[ -x "$out/$name" ]] || return 1; done
}

if all_built; then
  echo "$out"; exit 0
fi

# One build at a time per cache dir, so parallel test runs wait instead of racing.
exec 9>"$out/.build.lock"
if ! flock -n 9; then
  echo "[mpdflow] another process is building into $out; waiting for it..." >&2
  flock 9
fi
if all_built; then
  echo "$out"; exit 0
fi

export CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local
v="${KUBERNETES_VERSION#v}"
pkg=k8s.io/component-base/version
kube_ldflags="-s -w -X ${pkg}.gitVersion=${KUBERNETES_VERSION} -X ${pkg}.gitMajor=${v%%.*}"
minor="${v#*.}"; kube_ldflags+=" -X ${pkg}.gitMinor=${minor%%.*} -X ${pkg}.gitTreeState=clean"

total=0
for name in "${wanted[@]}"; do [[ -x "$out/$name" ]] || total=$((total + 1)); done
n=0
ticker=
trap '[[ -n "$ticker" ]] && kill "$ticker" 2>/dev/null || true' EXIT
for name in "${wanted[@]}"; do
  [[ -x "$out/$name" ]] && continue
  n=$((n + 1))
  if [[ "$name" == etcd ]]; then
    version=$ETCD_VERSION module_dir="$here/etcd" target=go.etcd.io/etcd/server/v3 ldflags="-s -w"
  else
    version=$KUBERNETES_VERSION module_dir="$here/kubernetes" target="k8s.io/kubernetes/cmd/$name" ldflags="$kube_ldflags"
  fi
  echo "[mpdflow] building $name $version from Go modules ($n of $total; a cold build takes minutes on 2 cores)..." >&2
  start=$SECONDS
  # Heartbeat so a long cold build never looks hung (without the lock's fd: a sleeping ticker must not hold it).
  ( exec 9>&-; while sleep 60; do echo "[mpdflow] still building $name ($((SECONDS - start))s)..." >&2; done ) &
  ticker=$!
  go build -C "$module_dir" -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$target"
  kill "$ticker" 2>/dev/null || true
  ticker=
  mv "$out/$name.tmp" "$out/$name"
  echo "[mpdflow] $name built in $((SECONDS - start))s" >&2
done
echo "$out"
