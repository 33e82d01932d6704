#!/usr/bin/env bash
# Installs the local node's runtime from Debian packages on first use: containerd, runc, the CNI plugins, nftables,
# busybox-static, PostgreSQL 15 and mmdebstrap (the image inputs). Versions: tools/kube/versions.env.
# Checks first that this machine can run containers at all (root, cgroups) and says what to do when not.
# Prints, on its last line, a file of KEY=VALUE lines naming the binaries found.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../kube/versions.env
source "$here/../kube/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"

fail() {
  echo "[mpdflow] the local Kubernetes node cannot run here: $1" >&2
  echo "[mpdflow] $2" >&2
  exit 3
}

if [[ "$(id -u)" != 0 ]]; then
  fail "it runs containers (containerd, runc, mounts, network namespaces, cgroups) and this is not root (uid $(id -u))." \
    "Run it as root (CI runs as root), or point KUBECONFIG (and TEMPORAL_ADDRESS) at an existing cluster instead."
fi
if [[ ! -d /sys/fs/cgroup ]] || { [[ ! -f /sys/fs/cgroup/cgroup.controllers ]] && [[ ! -d /sys/fs/cgroup/memory ]]; }; then
  fail "no cgroup hierarchy is mounted at /sys/fs/cgroup (neither cgroup v2 nor v1 with a memory controller)." \
    "Mount cgroups (e.g. 'mount -t cgroup2 none /sys/fs/cgroup'), or use an existing cluster through KUBECONFIG."
fi
if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  fail "cgroup v2 is mounted but its memory controller is not enabled." \
    "Enable the memory and cpu controllers at the root of /sys/fs/cgroup, or use an existing cluster through KUBECONFIG."
fi

# package=pinned-version (empty: whatever the machine has, else the mirror's candidate)
packages=(
  "containerd=$CONTAINERD_DEB_VERSION"
  "runc=$RUNC_DEB_VERSION"
  "containernetworking-plugins=$CNI_PLUGINS_DEB_VERSION"
  "nftables=$NFTABLES_DEB_VERSION"
  "busybox-static=$BUSYBOX_STATIC_DEB_VERSION"
  "postgresql-${POSTGRESQL_MAJOR}="
  "postgresql-client-${POSTGRESQL_MAJOR}="
  "mmdebstrap=$MMDEBSTRAP_DEB_VERSION"
)
installed_version() { dpkg-query -W -f '${db:Status-Status} ${Version}' "$1" 2>/dev/null | awk '$1 == "installed" { print $2 }' || true; }

missing=()
for entry in "${packages[@]}"; do
  pkg="${entry%%=*}" want="${entry#*=}"
  have="$(installed_version "$pkg")"
  if [[ -z "$have" ]]; then
    missing+=("$entry")
  elif [[ -n "$want" && "$have" != "$want" ]]; then
    echo "[mpdflow] note: $pkg $have is installed, versions.env pins $want; using the installed one" >&2
  fi
done

if ((${#missing[@]})); then
  mkdir -p "$cache_root/node"
  exec 9>"$cache_root/node/.install.lock"
  flock 9
  echo "[mpdflow] installing the node runtime from Debian packages: ${missing[*]%%=} ..." >&2
  start=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get update -qq >&2; then
    fail "apt-get update failed." "Check that the Debian mirror in /etc/apt/sources.list is reachable."
  fi
  args=()
  for entry in "${missing[@]}"; do
    pkg="${entry%%=*}" want="${entry#*=}"
    if [[ -n "$want" ]] && apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$want"; then
      args+=("$pkg=$want")
    else
      [[ -n "$want" ]] && echo "[mpdflow] warning: the mirror no longer carries $pkg $want; installing its candidate" >&2
      args+=("$pkg")
    fi
  done
  # No service of these packages may start on the host: the stack starts its own containerd on its own socket.
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  status=0
  log="$cache_root/node/apt-install.log"
  apt-get install -y -qq --no-install-recommends "${args[@]}" >"$log" 2>&1 || status=$?
  [[ -n "$own_policy" ]] && rm -f "$policy"
  if ((status != 0)); then
    tail -n 20 "$log" >&2
    fail "apt-get install ${args[*]} failed (exit $status)." "The whole output is in $log."
  fi
  echo "[mpdflow] node runtime installed in $((SECONDS - start))s" >&2
fi

find_bin() {
  local name="$1"; shift
  local dir
  for dir in "$@"; do
    if [[ -x "$dir/$name" ]]; then echo "$dir/$name"; return 0; fi
  done
  fail "$name was not found after installing its package (looked in $*)." "Reinstall the package that ships it."
}
out="$cache_root/node/runtime.env"
mkdir -p "$cache_root/node"
{
  echo "containerd=$(find_bin containerd /usr/bin /usr/local/bin)"
  echo "containerdShim=$(find_bin containerd-shim-runc-v2 /usr/bin /usr/local/bin)"
  echo "ctr=$(find_bin ctr /usr/bin /usr/local/bin)"
  echo "runc=$(find_bin runc /usr/sbin /usr/bin /usr/local/sbin)"
  echo "cniBinDir=$(dirname "$(find_bin bridge /usr/lib/cni /opt/cni/bin)")"
  echo "nft=$(find_bin nft /usr/sbin /sbin /usr/bin)"
  echo "busybox=$(find_bin busybox /bin /usr/bin)"
  echo "postgresBinDir=$(dirname "$(find_bin postgres "/usr/lib/postgresql/${POSTGRESQL_MAJOR}/bin")")"
  for pkg in containerd runc containernetworking-plugins nftables busybox-static "postgresql-${POSTGRESQL_MAJOR}"; do
    echo "version.$pkg=$(installed_version "$pkg")"
  done
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
