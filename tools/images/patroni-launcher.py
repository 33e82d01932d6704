#!/usr/bin/python3
"""Patroni (Debian's 3.0.2), with two changes to a planned switchover, both measured by bench/switchover-timeline.ts.

Its one-second polls of a stopping primary and a promoting standby run at 100 ms.

A planned switchover waits on both: the old primary releases the leader key only when its next look at pg_control
sees the shutdown, and the new one publishes its address only when its next look sees the promotion. Each look is a
pg_controldata run; ten a second, for the second or so a switch takes, cost nothing. bench/switchover-timeline.ts
shows where the gap went before and after.
"""
import sys

import patroni.postgresql
import patroni.utils
from patroni.dcs.kubernetes import Kubernetes
from patroni.ha import Ha

patroni.postgresql.STOP_POLLING_INTERVAL = 0.1  # read at each poll of a stopping postmaster
patroni.utils.polling_loop.__defaults__ = (0.1,)  # the default interval of every polling_loop, the promote wait's too

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

# Patroni starts each postmaster through a spawned helper, which imports this file again: only the first one runs Patroni.
if __name__ == '__main__':
    from patroni.__main__ import main

    sys.exit(main())
