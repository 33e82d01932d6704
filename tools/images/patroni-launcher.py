#!/usr/bin/python3
"""Patroni (Debian's 3.0.2), with changes to a planned switchover (measured by bench/switchover-timeline.ts) and one
to failover safety (below, at the /sync record).

Its one-second polls of a stopping primary and a promoting standby run at 20 ms (its other waits at 100 ms).

A planned switchover waits on both: the old primary releases the leader key only when its next look at pg_control
sees the shutdown, and the new one publishes its address only when its next look sees the promotion. Each look is a
pg_controldata run (a few ms); fifty a second, for the few hundred ms a switch takes, cost little.
bench/switchover-timeline.ts shows where the gap went before and after; docs/performance.md has the figures.
"""
import logging
import sys
import time

import patroni.postgresql
import patroni.utils
from patroni.dcs.kubernetes import Kubernetes
from patroni.ha import Failsafe, Ha

patroni.postgresql.STOP_POLLING_INTERVAL = 0.02  # read at each poll of a stopping postmaster
patroni.utils.polling_loop.__defaults__ = (0.1,)  # every other wait (a start's pg_isready polls): ten a second


def _wait_promote_briskly(postgresql, wait_seconds):
    """Patroni's wait for the promotion to show in pg_control, looking every 20 ms instead of every second."""
    deadline = time.time() + wait_seconds
    while time.time() < deadline:
        if postgresql.controldata().get('Database cluster state') == 'in production':
            postgresql.set_role('master')
            return True
        time.sleep(0.02)
    return None


patroni.postgresql.Postgresql._wait_promote = _wait_promote_briskly

# Through a switchover the writer's Endpoints keep the old writer's address until the new one publishes its own,
# instead of going empty in between. A client then meets the stopped primary's refusal (a TCP reset, answered at
# once) rather than kube-proxy's reject of a Service with no endpoint, whose ICMP answer reaches a client on the same
# kernel while its connect still holds the socket and is ignored: each connect then waits out TCP's 1 s SYN
# retransmit. Only a graceful demote (the old writer lives on as a standby) and the switchover's candidate keep it;
# a failover, or a writer that shuts down with its pod, empties the Endpoints as Patroni always did.
_map_subsets = Kubernetes._map_subsets
_demote = Ha.demote
_acquire_lock = Ha.acquire_lock


def _map_subsets_through_handover(dcs, endpoints, ips):
    if not ips and getattr(dcs, 'mpdflow_handover', False):
        return
    _map_subsets(dcs, endpoints, ips)


def _demote_keeping_address(ha, mode):
    ha.dcs.mpdflow_handover = mode == 'graceful'
    try:
        return _demote(ha, mode)
    finally:
        ha.dcs.mpdflow_handover = False


def _acquire_lock_keeping_address(ha):
    failover = ha.cluster and ha.cluster.failover
    ha.dcs.mpdflow_handover = bool(failover and failover.leader and failover.candidate == ha.state_handler.name)
    try:
        return _acquire_lock(ha)
    finally:
        ha.dcs.mpdflow_handover = False


Kubernetes._map_subsets = _map_subsets_through_handover
Ha.demote = _demote_keeping_address
Ha.acquire_lock = _acquire_lock_keeping_address

# In synchronous mode only the /sync key's leader and standbys may be promoted automatically, but only while the key
# names a leader: with none, any replica within maximum_lag_on_failover may. Patroni 3.0.2 names one when a standby is
# made synchronous or a replica promotes, never at bootstrap. So a new cluster's first writer, cut off before its
# first replica finished cloning (an API server outage during a create), had that replica promoted over it and lost
# the commits it had acknowledged alone (the fault soak, docs/soak.md). The writer now names itself before it takes
# the leader lock at bootstrap, and any writer whose key names no one, or someone else, names itself first.
logger = logging.getLogger('patroni.mpdflow')
_post_bootstrap = Ha.post_bootstrap
_process_sync_replication = Ha.process_sync_replication


def _claim_sync_key(ha):
    """Names this node the synchronous leader, no standby yet (Patroni's own first write on a promotion)."""
    try:
        if ha.dcs.write_sync_state(ha.state_handler.name, None, index=ha.cluster.sync.index if ha.cluster else None):
            logger.info('named %s the synchronous leader', ha.state_handler.name)
            return True
    except Exception as error:  # the next cycle tries again
        logger.warning('could not name %s the synchronous leader: %s', ha.state_handler.name, error)
    return False


def _post_bootstrap_as_sync_leader(ha):
    if not ha.is_synchronous_mode():
        return _post_bootstrap(ha)
    take_leader = ha.dcs.take_leader

    def take_leader_named_in_sync_key():
        _claim_sync_key(ha)
        return take_leader()

    ha.dcs.take_leader = take_leader_named_in_sync_key
    try:
        return _post_bootstrap(ha)
    finally:
        del ha.dcs.take_leader


def _process_sync_replication_as_sync_leader(ha):
    # Called only on the lock holder. The key written, this cycle's pick waits for the next one (it needs the new index).
    if ha.is_synchronous_mode() and ha.cluster.sync.leader != ha.state_handler.name:
        _claim_sync_key(ha)
        return None
    return _process_sync_replication(ha)


Ha.post_bootstrap = _post_bootstrap_as_sync_leader
Ha.process_sync_replication = _process_sync_replication_as_sync_leader

# A replica remembers the writer that last called it during an API server outage (POST /failsafe), and Patroni 3.0.2
# keeps that name after the replica is itself promoted: at its next outage as the writer it read the old writer as the
# lock owner and demoted itself (the 25-cluster soak, pc-7: three demotions, then no writer; upstream #2803, fixed in
# 3.2.0). Whatever a writer remembered goes when it reaches the store again, and a forgotten writer names no leader.
_failsafe_leader = Failsafe.leader


def _set_is_active_forgetting(failsafe, value):
    with failsafe._lock:
        failsafe._last_update = value
        if not value:
            failsafe._name = failsafe._conn_url = failsafe._api_url = failsafe._slots = None


def _remembered_leader(failsafe):
    with failsafe._lock:
        return _failsafe_leader.fget(failsafe) if failsafe._name else None


Failsafe.set_is_active = _set_is_active_forgetting
Failsafe.leader = property(_remembered_leader)

# Patroni starts each postmaster through a spawned helper, which imports this file again: only the first one runs Patroni.
if __name__ == '__main__':
    from patroni.__main__ import main

    sys.exit(main())
