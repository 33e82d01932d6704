#!/usr/bin/env bash
# The engine image's root filesystem: Debian with PostgreSQL and Patroni (the HA manager that runs PostgreSQL in each
# engine pod) behind tini, installed by mmdebstrap from Debian's packages, then trimmed of what neither uses (LLVM for JIT, perl,
# apt's lists, the `main` cluster the package's install script creates). Cached by its inputs: this script and the pins
# it reads from versions.env (not the others: a new kubelet pin rebuilds nothing here). Prints the tarball's path last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../kube/versions.env
source "$here/../kube/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/images"
mkdir -p "$out"
key="$( { cat "$0"; echo "$DEBIAN_SUITE $POSTGRESQL_MAJOR $PATRONI_DEB_VERSION $MMDEBSTRAP_DEB_VERSION"; } | sha256sum | cut -c1-16)"
dest="$out/engine-rootfs-$key.tar"
[[ -f "$dest" ]] && { echo "$dest"; exit 0; }
exec 8>"$out/.engine-rootfs.lock"
flock 8
[[ -f "$dest" ]] && { echo "$dest"; exit 0; }
command -v mmdebstrap >/dev/null || { echo "[mpdflow] the engine image needs mmdebstrap: run tools/node/install.sh first" >&2; exit 3; }

packages="postgresql-${POSTGRESQL_MAJOR},patroni=${PATRONI_DEB_VERSION},python3-psycopg2,tini,util-linux,ca-certificates,iproute2"
echo "[mpdflow] building the engine's root filesystem from Debian packages ($packages; minutes, once)..." >&2
started=$SECONDS
trim='cd "$1" && rm -rf usr/lib/x86_64-linux-gnu/libLLVM-* usr/lib/x86_64-linux-gnu/libz3.so* usr/lib/postgresql/*/lib/llvmjit* \
  usr/lib/postgresql/*/lib/bitcode usr/share/perl usr/lib/x86_64-linux-gnu/perl usr/share/i18n var/cache/apt/* var/lib/apt/lists/* \
  var/log/* var/lib/postgresql/*/main etc/postgresql/*/main usr/share/doc usr/share/man usr/share/info'
mmdebstrap --mode=root --format=tar --variant=essential --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="$trim" \
  "$DEBIAN_SUITE" "$dest.tmp" >"$out/engine-rootfs.log" 2>&1 || {
  echo "[mpdflow] mmdebstrap failed; its log ends:" >&2
  tail -20 "$out/engine-rootfs.log" >&2
  rm -f "$dest.tmp"
  exit 1
}
mv "$dest.tmp" "$dest"
echo "[mpdflow] engine root filesystem: $(du -h "$dest" | cut -f1) in $((SECONDS - started)) s" >&2
echo "$dest"
