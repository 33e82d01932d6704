#!/usr/bin/env bash
# Behind `npm run demo`, `npm test`, `npm run soak` and `npm run bench`: installs whatever is missing (npm packages now;
# the temporal CLI, the Kubernetes binaries and etcd, the node's Debian runtime and the local images on first use,
# cached in ~/.cache/mpdflow), then runs the command.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fresh when node_modules holds every version package-lock.json pins, whoever installed it (a user's own `npm ci` too).
if ! node tools/deps-fresh.mjs .; then
  echo "[mpdflow] installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

command="${1:?usage: tools/run.sh demo|test|soak|bench [args...]}"
shift
# bin/mpdflow.js runs the compiled code, as production does: build it (incremental, seconds when little changed).
echo "[mpdflow] building dist/ (tsc)..." >&2
node tools/build.mjs
case "$command" in
  demo)
    exec node bin/mpdflow.js demo "$@"
    ;;
  test)
    echo "[mpdflow] type-checking (tsc --noEmit)..." >&2
    npx --no-install tsc --noEmit -p tsconfig.json
    echo "[mpdflow] linting (eslint)..." >&2
    npx --no-install eslint --max-warnings 0 .
    exec node --import tsx test/run.ts "$@"
    ;;
  soak)
    exec node --import tsx bench/soak/main.ts "$@"
    ;;
  bench)
    exec node --import tsx bench/main.ts "$@"
    ;;
  *)
    echo "unknown command: $command" >&2
    exit 2
    ;;
esac
