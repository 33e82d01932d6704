#!/usr/bin/env bash
# Builds the local node's images as OCI image tarballs from this machine's Debian files (no registry involved):
#   localhost/mpdflow/pause:1              the pod sandbox: busybox sleeping forever
#   localhost/mpdflow/engine:v1, :v2       PostgreSQL 15 run by Patroni (Debian's packages), two engine versions
#   localhost/mpdflow/cluster-manager:v1   busybox httpd + a loop publishing the topology ConfigMap
#   localhost/mpdflow/coredns:1            the cluster DNS: CoreDNS built by tools/coredns/build.sh, alone
# Reproducible: the layer tar is sorted, dated 1970, owners numeric (root, postgres 999), and no config carries a clock.
# Cached by content: an image is rebuilt only when the hash of its staged root filesystem and config changes.
# A fingerprint of the inputs (these scripts and the versions of the installed Debian packages the files come from)
# skips even the staging when nothing changed.
# Prints, on its last line, a file of `reference=tarball<TAB>manifest digest` lines.
set -euo pipefail
umask 022
export LC_ALL=C
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../kube/versions.env
source "$here/../kube/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/images"
mkdir -p "$out"
pgbin="/usr/lib/postgresql/${POSTGRESQL_MAJOR}/bin"
busybox="$(command -v busybox || true)"
[[ -x "$pgbin/postgres" && -n "$busybox" ]] || {
  echo "[mpdflow] images need busybox-static and postgresql-${POSTGRESQL_MAJOR}: run tools/node/install.sh first" >&2
  exit 3
}
coredns="$(bash "$here/../coredns/build.sh" | tail -n 1)"
fingerprint="$( { cat "$here"/*.sh "$here"/*.py "$here/../kube/versions.env"; echo "$coredns"; dpkg-query -W -f '${Package}=${Version}\n'; } | sha256sum | cut -c1-16)"
# shellcheck source=oci.sh
source "$here/oci.sh"
if list_complete "$out/images-$fingerprint.env"; then
  echo "$out/images-$fingerprint.env"; exit 0
fi
exec 9>"$out/.build.lock"
flock 9
if list_complete "$out/images-$fingerprint.env"; then
  echo "$out/images-$fingerprint.env"; exit 0
fi

work="$(mktemp -d "$out/.stage.XXXXXX")"
trap 'rm -rf "$work"' EXIT
list="$work/images.env"

# --- the sandbox ("pause") image: a process that sleeps until the sandbox is killed.
root="$work/pause"
busybox_root "$root"
archive pause localhost/mpdflow/pause:1 '{"Entrypoint":["/bin/sleep","infinity"],"WorkingDir":"/"}' "$root"

# --- the cluster manager: reads its topology ConfigMap (mounted at /etc/mpdflow/topology) and answers /healthz.
root="$work/cluster-manager"
busybox_root "$root"
mkdir -p "$root/usr/local/bin" "$root/www"
cp "$here/cluster-manager.sh" "$root/usr/local/bin/cluster-manager"
chmod 755 "$root/usr/local/bin/cluster-manager"
archive cluster-manager localhost/mpdflow/cluster-manager:v1 \
  '{"Entrypoint":["/usr/local/bin/cluster-manager"],"Env":["PATH=/bin","CM_PORT=8080","CM_TOPOLOGY_DIR=/etc/mpdflow/topology"],"ExposedPorts":{"8080/tcp":{}},"WorkingDir":"/"}' "$root"

# --- the cluster DNS: the static CoreDNS binary, run as nobody on unprivileged ports (its Service maps 53 to them).
root="$work/coredns"
mkdir -p "$root/etc/coredns" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$coredns" "$root/coredns"
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
archive coredns localhost/mpdflow/coredns:1 \
  '{"Entrypoint":["/coredns"],"Cmd":["-conf","/etc/coredns/Corefile"],"User":"65534:65534","ExposedPorts":{"1053/udp":{},"1053/tcp":{}},"WorkingDir":"/"}' "$root"

# --- the engine: PostgreSQL run by Patroni, on a Debian root filesystem built by engine-rootfs.sh (cached).
engine_root="$work/engine-base"
mkdir -p "$engine_root"
rootfs="$("$here/engine-rootfs.sh")"   # its own line: a failed build stops this one (set -e)
tar -xf "${rootfs:?the engine root filesystem was not built}" -C "$engine_root"
mkdir -p "$engine_root/usr/local/bin" "$engine_root/data" "$engine_root/etc/mpdflow"
cp "$here/engine-entrypoint.sh" "$engine_root/usr/local/bin/engine-entrypoint"
cp "$here/patroni-launcher.py" "$engine_root/usr/local/bin/patroni-launcher"
chmod 755 "$engine_root/usr/local/bin/engine-entrypoint" "$engine_root/usr/local/bin/patroni-launcher"
pg_version="$(awk -v p="postgresql-${POSTGRESQL_MAJOR}" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Version:" { print $2; exit }' "$engine_root/var/lib/dpkg/status")"
# Two versions in one archive: the same base layer (stored and imported once) and a layer with the version file.
engine_images=()
for version in v1 v2; do
  root="$work/engine-$version"
  mkdir -p "$root/etc/mpdflow"
  echo "$version" >"$root/etc/mpdflow/engine-version"
  engine_images+=("localhost/mpdflow/engine:$version" \
    "{\"Entrypoint\":[\"/usr/local/bin/engine-entrypoint\"],\"Env\":[\"PATH=/usr/local/bin:/usr/lib/postgresql/${POSTGRESQL_MAJOR}/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TZ=UTC\",\"PGUSER=postgres\",\"PGHOST=/var/run/postgresql\",\"ENGINE_PORT=5432\",\"ENGINE_DATA_ROOT=/data\"],\"ExposedPorts\":{\"5432/tcp\":{},\"8008/tcp\":{}},\"StopSignal\":\"SIGTERM\",\"WorkingDir\":\"/\",\"Labels\":{\"org.opencontainers.image.version\":\"$version\",\"io.mpdflow.postgresql\":\"$pg_version\"}}" \
    "$engine_root:$root")
done
archive engine "${engine_images[@]}"

mv "$list" "$out/images-$fingerprint.env"
# Archives and lists no current list names go after a while (a concurrent run may still be importing them).
# (mpdflow's own image is tools/images/mpdflow/build.sh's to sweep: its list would name an archive gone.)
find "$out" -maxdepth 1 \( \( -name 'mpdflow-*.tar' ! -name 'mpdflow-mpdflow-*' \) -o -name 'images-*.env' \) -mmin +10 -print | while read -r old; do
  grep -qF "$old" "$out/images-$fingerprint.env" || [[ "$old" == "$out/images-$fingerprint.env" ]] || rm -f "$old"
done
echo "$out/images-$fingerprint.env"
