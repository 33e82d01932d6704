#!/usr/bin/env bash
# Regenerates the wrapper modules (go.mod/go.sum) that pin the Kubernetes binaries and etcd.
# Run only when bumping versions.env; the generated files are committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

gen_kubernetes() {
  local dir="$here/kubernetes"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init mpdflow.local/tools/kube/kubernetes >/dev/null 2>&1 && go mod edit -go=1.24.0
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  # Kubernetes points its staging modules at ./staging; a wrapper must point each at its published v0 tag.
  local staging="v0.${KUBERNETES_VERSION#v1.}"
  grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$gomod" | awk '{print $1}' | while read -r m; do
    go mod edit -replace "${m}=${m}@${staging}"
  done
  # Every command build.sh builds is a tool of the module, so go.sum covers all their packages.
  local cmd
  for cmd in $KUBERNETES_COMMANDS; do
    go get -tool "k8s.io/kubernetes/cmd/${cmd}@${KUBERNETES_VERSION}"
  done
  go mod tidy
}

gen_etcd() {
  local dir="$here/etcd"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init mpdflow.local/tools/kube/etcd >/dev/null 2>&1 && go mod edit -go=1.24.0
  go get -tool "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
  go mod tidy
}

gen_kubernetes
gen_etcd
