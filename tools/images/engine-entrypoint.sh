#!/bin/sh
# The engine container: one PostgreSQL postmaster on its own data directory under the (shared) volume.
#   ENGINE_DATA_ROOT  where the volume is mounted (default /data)
#   ENGINE_INSTANCE_ID  the instance; its data lives in $ENGINE_DATA_ROOT/<id>/pgdata (default: the pod's hostname)
#   ENGINE_PORT  the port (default 5432);  ENGINE_ROLE=ro  makes every transaction read-only
# Two postmasters on one data directory corrupt it, and a shared volume invites exactly that (a restarted pod
# beside its terminating predecessor, a pod on another node): an exclusive lock on <id>/engine.lock is held for
# the postmaster's whole life (its processes inherit the descriptor), and a second one waits for it.
set -eu
port="${ENGINE_PORT:-5432}"
root="${ENGINE_DATA_ROOT:-/data}"
instance="${ENGINE_INSTANCE_ID:-$(hostname)}"
dir="$root/$instance"
export PGDATA="$dir/pgdata"
version="$(cat /etc/mpdflow/engine-version)"
mkdir -p "$dir"
chown postgres:postgres "$dir"
exec 9>>"$dir/engine.lock"
# A stop signal while waiting ends the wait at once: the shell runs a trap during `wait`, not during a foreground
# command. The lock taken by the background flock belongs to descriptor 9, which this shell shares.
trap 'echo "engine: stopped while waiting for the lock on $dir" >&2; exit 143' INT TERM
flock -w "${ENGINE_LOCK_TIMEOUT_SECONDS:-120}" 9 &
if ! wait $!; then
  echo "engine: $dir is still locked by another postmaster after ${ENGINE_LOCK_TIMEOUT_SECONDS:-120}s" >&2
  exit 1
fi
trap - INT TERM
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "engine $version: initializing $PGDATA" >&2
  rm -rf "$PGDATA"
  su -p -s /bin/sh postgres -c "initdb -D '$PGDATA' --username=postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null"
  echo "host all all 0.0.0.0/0 trust" >>"$PGDATA/pg_hba.conf"
fi
echo "$version" >"$dir/engine-version"
readonly_opt=""
[ "${ENGINE_ROLE:-rw}" = ro ] && readonly_opt="-c default_transaction_read_only=on"
echo "engine $version: starting postgres on port $port, data $PGDATA, role ${ENGINE_ROLE:-rw}" >&2
# exec all the way: the postmaster is the container's PID 1 and gets the stop signal (SIGINT: fast shutdown).
exec su -p -s /bin/sh postgres -c "exec postgres -D '$PGDATA' -p $port -c listen_addresses='*' \
  -c unix_socket_directories=/var/run/postgresql -c shared_buffers=16MB -c max_connections=30 \
  -c fsync=off -c synchronous_commit=off -c log_min_messages=warning \
  -c mpdflow.engine_version=$version $readonly_opt"
