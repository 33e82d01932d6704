#!/usr/bin/env bash
# Regenerates the wrapper module that pins Helm (go.mod + go.sum) after HELM_VERSION changes in versions.env.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
dir="$here/module"
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
go mod init mpdflow.local/tools/helm >/dev/null 2>&1
go get -tool "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
go mod tidy
