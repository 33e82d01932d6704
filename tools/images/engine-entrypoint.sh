#!/bin/sh
# The engine container: Patroni (the HA manager) running PostgreSQL on one instance's data directory on the cluster's
# shared volume, with Kubernetes as its store. Its scope is <cluster>-rw: the leader lock lives on the Endpoints of the
# cluster's -rw Service (a Service without selector), so the writer's address changes with the lock, in one write, and
# never points at a dead writer. Member state and the role label (master or replica) are on each pod. tini is PID 1
# (it reaps and passes signals on), Patroni its child and PostgreSQL Patroni's. Patroni 3.0.2 as PID 1 reaps itself, in
# a SIGCHLD handler that logs: a child exiting while the HA loop held the log's lock hung that loop for good (a new
# writer stopped answering right after its promotion in the 25-cluster soak; upstream patroni#3413).
#   ENGINE_DATA_ROOT     where the shared volume is mounted (default /data)
#   ENGINE_INSTANCE_ID   the instance; its data lives in $ENGINE_DATA_ROOT/<id>/pgdata
#   ENGINE_PORT          PostgreSQL's port (default 5432); ENGINE_API_PORT Patroni's REST API (default 8008)
#   ENGINE_CLUSTER       the MPDCluster's name (unset: one standalone PostgreSQL); ENGINE_POD_IP, PATRONI_NAME (the pod's name),
#                        PATRONI_KUBERNETES_NAMESPACE from the downward API
#   ENGINE_SYNCHRONOUS   on (default): one standby is synchronous while there is one; off: asynchronous
#   ENGINE_FSYNC         on (default) or off (tests only, set through the cluster's spec)
#   PATRONI_SUPERUSER_PASSWORD, PATRONI_REPLICATION_PASSWORD, PATRONI_RESTAPI_PASSWORD: from the cluster's Secret
# Two postmasters on one data directory corrupt it, and a shared volume invites exactly that (a restarted pod beside
# its terminating predecessor, a pod on another node): an exclusive lock on <id>/engine.lock is held by Patroni for its
# whole life, and a second one waits for it.
set -eu
port="${ENGINE_PORT:-5432}"
api_port="${ENGINE_API_PORT:-8008}"
root="${ENGINE_DATA_ROOT:-/data}"
instance="${ENGINE_INSTANCE_ID:-$(hostname)}"
cluster="${ENGINE_CLUSTER:-}"
dir="$root/$instance"
version="$(cat /etc/mpdflow/engine-version)"
mkdir -p "$dir" /var/run/postgresql
chown postgres:postgres "$dir" /var/run/postgresql
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
echo "$version" >"$dir/engine-version"

if [ -z "$cluster" ]; then
  # Standalone (no ENGINE_CLUSTER): one PostgreSQL and no HA manager, for what tests a node rather than a cluster.
  export PGDATA="$dir/pgdata"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    setpriv --reuid=postgres --regid=postgres --init-groups initdb -D "$PGDATA" --username=postgres --auth-local=trust \
      --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
  fi
  echo "engine $version: standalone PostgreSQL on port $port, data $PGDATA" >&2
  exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -p "$port" -c listen_addresses='*' \
    -c unix_socket_directories=/var/run/postgresql -c shared_buffers=16MB -c max_connections=30 -c jit=off \
    -c log_min_messages=warning -c mpdflow.engine_version="$version"
fi
pod_ip="${ENGINE_POD_IP:?ENGINE_POD_IP is not set}"

# Server TLS from the cluster's Secret, when mounted: PostgreSQL wants the key private to its owner.
ssl_params=""
if [ -s /etc/mpdflow/tls/tls.crt ] && [ -s /etc/mpdflow/tls/tls.key ]; then
  mkdir -p /var/run/postgresql/tls
  cp /etc/mpdflow/tls/tls.crt /etc/mpdflow/tls/tls.key /var/run/postgresql/tls/
  [ -s /etc/mpdflow/tls/ca.crt ] && cp /etc/mpdflow/tls/ca.crt /var/run/postgresql/tls/
  chown -R postgres:postgres /var/run/postgresql/tls
  chmod 600 /var/run/postgresql/tls/tls.key
  ssl_params="ssl: 'on'
    ssl_cert_file: /var/run/postgresql/tls/tls.crt
    ssl_key_file: /var/run/postgresql/tls/tls.key"
fi
synchronous=true
[ "${ENGINE_SYNCHRONOUS:-on}" = off ] && synchronous=false
fsync="${ENGINE_FSYNC:-on}"

config=/var/run/postgresql/patroni.yml
# No secret in this file: Patroni reads the passwords from its PATRONI_* environment.
cat >"$config" <<EOF
scope: $cluster-rw
kubernetes:
  use_endpoints: true
  pod_ip: $pod_ip
  ports:
    - name: postgresql
      port: $port
  scope_label: mpd.polardb.aliyun.com/ha-scope
  role_label: mpd.polardb.aliyun.com/role
  labels:
    app.kubernetes.io/managed-by: mpdflow
    mpd.polardb.aliyun.com/cluster: $cluster
restapi:
  listen: 0.0.0.0:$api_port
  connect_address: $pod_ip:$api_port
  authentication:
    username: patroni
bootstrap:
  dcs:
    ttl: ${ENGINE_HA_TTL_SECONDS:-10}
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # The API server away (a restart, a network blip) past the TTL: a primary that still reaches every member keeps
    # writing instead of demoting itself.
    failsafe_mode: true
    synchronous_mode: $synchronous
    # Every streaming standby synchronous: any of them may take a planned switch (Patroni hands over only to one in
    # the synchronous set) or a failover, with every acknowledged commit.
    synchronous_node_count: ${ENGINE_SYNCHRONOUS_STANDBYS:-8}
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 64MB
        max_connections: 30
        shared_buffers: 16MB
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - locale: C
    - data-checksums
postgresql:
  listen: 0.0.0.0:$port
  connect_address: $pod_ip:$port
  data_dir: $dir/pgdata
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /var/run/postgresql/pgpass
  use_unix_socket: true
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: /var/run/postgresql
    fsync: '$fsync'
    synchronous_commit: 'on'
    jit: 'off'
    log_min_messages: warning
    mpdflow.engine_version: $version
    $ssl_params
  pg_hba:
    - local all all trust
    - host replication replicator 0.0.0.0/0 scram-sha-256
    - host all all 0.0.0.0/0 scram-sha-256
EOF
chown postgres:postgres "$config"
echo "engine $version: Patroni for $instance of $cluster, PostgreSQL on $pod_ip:$port, data $dir/pgdata" >&2
export PATRONI_RESTAPI_USERNAME=patroni PATRONI_SUPERUSER_USERNAME=postgres PATRONI_REPLICATION_USERNAME=replicator
# pg_rewind and its checks of the leader connect as the superuser: its password, and libpq looking for client
# certificates in postgres's home, not in root's (unreadable to it: every check failed, so no rewind could run).
export PATRONI_REWIND_PASSWORD="${PATRONI_SUPERUSER_PASSWORD:-}" HOME=/var/lib/postgresql
exec tini -- setpriv --reuid=postgres --regid=postgres --init-groups patroni-launcher "$config"
