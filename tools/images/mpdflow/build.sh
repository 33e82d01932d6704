#!/usr/bin/env bash
# Builds mpdflow's own image as an OCI image archive, without a Docker engine: what the Dockerfile makes, from this
# machine's files. Three layers: the Node.js runtime (this machine's node and the libraries it loads), the production
# dependencies (`npm ci --omit=dev`), and the compiled JavaScript (`npm run build` → dist/) with bin/.
# The image runs as uid 1000 and writes only to /tmp (a pod mounts an emptyDir there: read-only root filesystem).
# SWC (the workflow bundler's compiler) copies its native addon into a cache under $HOME and refuses one whose parent
# other users may write; a pod's /tmp emptyDir is such (mode 0777, no sticky bit), but the container has one user.
# Tagged by content: localhost/mpdflow/mpdflow:<hash of the inputs>; an unchanged tree reuses the cached archive.
# Prints, on its last line, a file of one `reference=archive<TAB>manifest digest` line.
set -euo pipefail
umask 022
export LC_ALL=C
here="$(cd "$(dirname "$0")" && pwd)"
root_dir="$(cd "$here/../../.." && pwd)"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
out="$cache_root/images"
mkdir -p "$out"
node_bin="$(command -v node)"

# The inputs: the sources the build compiles, the lockfile, these scripts and the node binary.
fingerprint="$( { cd "$root_dir" && find bin src workflows activities flows -type f -print0 | sort -z | xargs -0 sha256sum
  sha256sum package.json package-lock.json tsconfig.json tsconfig.build.json tools/build.mjs "$here/build.sh" "$here/../oci.sh" "$node_bin"; } \
  | sha256sum | cut -c1-16)"
listed="$out/mpdflow-image-$fingerprint.env"
# shellcheck source=../oci.sh
source "$here/../oci.sh"
if list_complete "$listed"; then echo "$listed"; exit 0; fi
exec 9>"$out/.mpdflow-build.lock"
flock 9
if list_complete "$listed"; then echo "$listed"; exit 0; fi

work="$(mktemp -d "$out/.stage-mpdflow.XXXXXX")"
trap 'rm -rf "$work"' EXIT
list="$work/images.env"

# Production dependencies, cached by the lockfile (the slow part: npm's own cache makes a rebuild offline).
lock_hash="$(cat "$root_dir/package.json" "$root_dir/package-lock.json" | sha256sum | cut -c1-16)"
deps="$out/mpdflow-deps-$lock_hash"
if [[ ! -d "$deps/app/node_modules" ]]; then
  echo "[mpdflow] image: installing production dependencies (npm ci --omit=dev) ..." >&2
  rm -rf "$deps.tmp" && mkdir -p "$deps.tmp/app"
  cp "$root_dir/package.json" "$root_dir/package-lock.json" "$deps.tmp/app/"
  (cd "$deps.tmp/app" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error >&2)
  rm -f "$deps.tmp/app/package.json" "$deps.tmp/app/package-lock.json"
  # Temporal's core bridge ships a binary per platform and its Rust sources: the image keeps linux x86_64's only.
  bridge="$deps.tmp/app/node_modules/@temporalio/core-bridge"
  find "$bridge/releases" -mindepth 1 -maxdepth 1 ! -name x86_64-unknown-linux-gnu -exec rm -rf {} +
  rm -rf "$bridge/sdk-core"
  rm -rf "$deps" && mv "$deps.tmp" "$deps"
fi

echo "[mpdflow] image: compiling (npm run build) ..." >&2
(cd "$root_dir" && npm run --silent build >&2)

# Layer 1: the runtime. No shell, no package manager: node, its libraries, the users, a writable /tmp mount point.
runtime="$work/runtime"
mkdir -p "$runtime/etc" "$runtime/tmp" "$runtime/app"
chmod 1777 "$runtime/tmp"
put_elf "$runtime" "$node_bin"
native="$(find "$deps/app/node_modules" -name '*.node' -type f)"
# The native modules' libraries (Temporal's core bridge) come from the same host as node's.
# shellcheck disable=SC2086
[[ -z "$native" ]] || for lib in $(ldd $native 2>/dev/null | awk '/=> \// { print $3 }' | sort -u); do put "$runtime" "$lib"; done
printf 'root:x:0:0:root:/root:/sbin/nologin\nmpdflow:x:1000:1000:mpdflow:/tmp:/sbin/nologin\n' >"$runtime/etc/passwd"
printf 'root:x:0:\nmpdflow:x:1000:\n' >"$runtime/etc/group"
# Layer 3: the compiled JavaScript.
appdir="$work/app"
mkdir -p "$appdir/app/dist"
cp -r "$root_dir/bin" "$root_dir/package.json" "$root_dir/package-lock.json" "$appdir/app/"
for dir in src workflows activities flows; do cp -r "$root_dir/dist/$dir" "$appdir/app/dist/"; done

reference="localhost/mpdflow/mpdflow:$fingerprint"
archive mpdflow "$reference" \
  "{\"User\":\"1000:1000\",\"Entrypoint\":[\"$node_bin\",\"/app/bin/mpdflow.js\"],\"Cmd\":[\"worker\"],\"Env\":[\"NODE_ENV=production\",\"PATH=/usr/bin:/bin\",\"HOME=/tmp\",\"SWC_NATIVE_BINDING_CACHE_SKIP_SECURITY_CHECK=1\"],\"ExposedPorts\":{\"8080/tcp\":{}},\"WorkingDir\":\"/app\",\"Labels\":{\"org.opencontainers.image.title\":\"mpdflow\"}}" \
  "$runtime:$deps:$appdir"
mv "$list" "$listed"
# Older mpdflow images and lists go after a while (a concurrent run may still be importing them).
find "$out" -maxdepth 1 \( -name 'mpdflow-mpdflow-*.tar' -o -name 'mpdflow-image-*.env' -o -name 'mpdflow-deps-*' \) -mmin +60 -print | while read -r old; do
  grep -qF "$old" "$listed" || [[ "$old" == "$listed" || "$old" == "$deps" ]] || rm -rf "$old"
done
echo "$listed"
