#!/bin/sh
# The cluster manager: reads its topology ConfigMap (mounted at $CM_TOPOLOGY_DIR, one file per key), publishes it
# at http://:$CM_PORT/topology as key=value lines, logs every change, and answers /healthz.
set -u
port="${CM_PORT:-8080}"
topology="${CM_TOPOLOGY_DIR:-/etc/mpdflow/topology}"
mkdir -p /www
echo ok >/www/healthz
publish() {
  : >/www/topology.tmp
  for file in "$topology"/*; do
    [ -f "$file" ] && echo "$(basename "$file")=$(cat "$file")" >>/www/topology.tmp
  done
  if ! cmp -s /www/topology.tmp /www/topology 2>/dev/null; then
    echo "cluster-manager: topology $(tr '\n' ' ' </www/topology.tmp)"
  fi
  mv /www/topology.tmp /www/topology
}
publish
httpd -f -p "$port" -h /www &
server=$!
trap 'kill "$server" 2>/dev/null; exit 0' TERM INT
while kill -0 "$server" 2>/dev/null; do
  publish
  sleep 2 &
  wait $!
done
echo "cluster-manager: the HTTP server exited" >&2
exit 1
