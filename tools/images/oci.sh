# Shared by the image builders (sourced, not run): copying host files into a root filesystem and writing
# deterministic OCI image archives. The sourcing script sets `work` (a scratch directory), `out` (the archive cache)
# and `list` (the file of `reference=archive<TAB>digest` lines that archive() appends to).

# A list is good while every archive it names is there (another checkout's build may have swept one).
list_complete() {
  [[ -f "$1" ]] && ! cut -d= -f2- "$1" | cut -f1 | while read -r tarball; do [[ -f "$tarball" ]] || echo missing; done | grep -q .
}

# Copies a host file into a root filesystem at the same path (following symlinks).
put() {
  local root="$1" file="$2"
  mkdir -p "$root$(dirname "$file")"
  cp -L --preserve=mode "$file" "$root$file"
}
# Copies ELF binaries and every shared library they load (as the dynamic loader resolves them here).
put_elf() {
  local root="$1"; shift
  local file lib
  for file in "$@"; do
    put "$root" "$file"
    while read -r lib; do
      [[ -n "$lib" ]] && put "$root" "$lib"
    done < <(ldd "$file" 2>/dev/null | awk '/=> \// { print $3 } /ld-linux/ && !/=>/ { print $1 }')
  done
}
busybox_root() {
  local root="$1"; shift
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  local applet
  for applet in sh sleep cat ls mkdir rm mv cp chown chmod echo env hostname id kill ps test true false cmp tr \
    date wc grep sed awk basename dirname httpd su "$@"; do
    ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

# Writes a deterministic OCI image archive DEST holding one or more images, each given as three arguments:
# REF, CONFIG (a JSON object for the image's "config") and ROOTS (colon-separated, one layer per root).
# Images of one archive that share a root share that layer's blob, stored once.
oci_archive() {
  local dest="$1"; shift
  local dir="$work/oci.$$"
  rm -rf "$dir" && mkdir -p "$dir/blobs/sha256"
  local tarflags=(--sort=name --mtime=@0 --numeric-owner --format=posix
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
  local manifests=""
  while (($#)); do
    local ref="$1" config="$2" roots="$3"; shift 3
    local root sha size diff_ids="" layers=""
    local -a root_list
    IFS=: read -r -a root_list <<<"$roots"
    for root in "${root_list[@]}"; do
      tar "${tarflags[@]}" -C "$root" -cf "$dir/layer.tar" .
      sha="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
      size="$(stat -c %s "$dir/layer.tar")"
      mv "$dir/layer.tar" "$dir/blobs/sha256/$sha"
      diff_ids+="${diff_ids:+,}\"sha256:$sha\""
      layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$sha\",\"size\":$size}"
    done
    printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
      "$config" "$diff_ids" >"$dir/config.json"
    local config_sha config_size
    config_sha="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
    config_size="$(stat -c %s "$dir/config.json")"
    mv "$dir/config.json" "$dir/blobs/sha256/$config_sha"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
      "$config_sha" "$config_size" "$layers" >"$dir/manifest.json"
    local manifest_sha manifest_size
    manifest_sha="$(sha256sum "$dir/manifest.json" | cut -d' ' -f1)"
    manifest_size="$(stat -c %s "$dir/manifest.json")"
    mv "$dir/manifest.json" "$dir/blobs/sha256/$manifest_sha"
    manifests+="${manifests:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_sha\",\"size\":$manifest_size,\"annotations\":{\"io.containerd.image.name\":\"$ref\",\"org.opencontainers.image.ref.name\":\"${ref##*:}\"}}"
  done
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "$manifests" >"$dir/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  tar "${tarflags[@]}" -C "$dir" -cf "$dest.tmp" oci-layout index.json blobs
  mv "$dest.tmp" "$dest"
  rm -rf "$dir"
}

# Builds one archive NAME of images (REF CONFIG ROOTS triples, as oci_archive takes them) unless an archive of
# identical content exists, and appends `ref=archive<TAB>manifest digest` for each of its images to the list.
archive() {
  local name="$1"; shift
  local hash root
  hash="$( { local -a args=("$@") roots; local i
    for ((i = 0; i < ${#args[@]}; i += 3)); do
      printf '%s\n' "${args[i]}" "${args[i+1]}"
      IFS=: read -r -a roots <<<"${args[i+2]}"
      for root in "${roots[@]}"; do
        echo layer
        (cd "$root" && find . -printf '%p %y %m %U:%G %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
      done
    done; } | sha256sum | cut -c1-16)"
  local dest="$out/mpdflow-$name-$hash.tar"
  if [[ ! -f "$dest" ]]; then
    echo "[mpdflow] building the $name image archive ..." >&2
    oci_archive "$dest" "$@"
    echo "[mpdflow] $name: $(du -h "$dest" | cut -f1) ($dest)" >&2
  fi
  local index
  index="$(tar -xOf "$dest" index.json)"
  local i
  for ((i = 1; i <= $#; i += 3)); do
    local ref="${!i}"
    local digest
    digest="$(grep -o "\"digest\":\"sha256:[0-9a-f]*\",\"size\":[0-9]*,\"annotations\":{\"io.containerd.image.name\":\"$ref\"" <<<"$index" | cut -d'"' -f4)"
    printf '%s=%s\t%s\n' "$ref" "$dest" "$digest" >>"$list"
  done
}
