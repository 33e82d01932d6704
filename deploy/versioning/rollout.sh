#!/usr/bin/env bash
# Rolls out one worker build with Temporal Worker Versioning (docs/deploying-workflow-code.md):
#   deploy/versioning/rollout.sh BUILD_ID IMAGE      start the build beside the others, then make it Current
#   deploy/versioning/rollout.sh --retire BUILD_ID   delete an old build once Temporal reports it drained
# Needs kubectl (the cluster) and the temporal CLI (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, and the TLS flags you use).
set -euo pipefail
cd "$(dirname "$0")"
deployment=mpdflow
namespace=${TEMPORAL_NAMESPACE:-mpdflow}

if [[ "${1:-}" == "--retire" ]]; then
  build="${2:?usage: rollout.sh --retire BUILD_ID}"
  # DRAINED: no open flow is pinned to the build any more (DRAINING: some still are).
  status=$(temporal worker deployment describe-version --namespace "$namespace" --deployment-name "$deployment" --build-id "$build" --output json |
    grep -o 'VERSION_DRAINAGE_STATUS_[A-Z]*' | head -1 || true)
  if [[ "$status" != VERSION_DRAINAGE_STATUS_DRAINED ]]; then
    echo "build $build is not drained (${status:-no drainage status yet: is it still Current?}); flows pinned to it are still open" >&2
    exit 1
  fi
  kubectl -n mpdflow-system delete deployment "mpdflow-worker-$build"
  exit 0
fi

build="${1:?usage: rollout.sh BUILD_ID IMAGE}"
image="${2:?usage: rollout.sh BUILD_ID IMAGE}"
BUILD_ID="$build" IMAGE="$image" envsubst '${BUILD_ID} ${IMAGE}' <worker-build.yaml | kubectl apply --server-side -f -
kubectl -n mpdflow-system rollout status "deployment/mpdflow-worker-$build" --timeout=10m
# Temporal refuses a version whose workers do not poll yet; the rollout above waited for them to be ready.
temporal worker deployment set-current-version --namespace "$namespace" --deployment-name "$deployment" --build-id "$build" --yes
echo "build $build is Current: new flows run on it; running flows finish on the build they started on"
