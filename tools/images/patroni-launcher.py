#!/usr/bin/python3
"""Patroni (Debian's 3.0.2), with its one-second polls of a stopping primary and a promoting standby at 100 ms.

A planned switchover waits on both: the old primary releases the leader key only when its next look at pg_control
sees the shutdown, and the new one publishes its address only when its next look sees the promotion. Each look is a
pg_controldata run; ten a second, for the second or so a switch takes, cost nothing. bench/switchover-timeline.ts
shows where the gap went before and after.
"""
import sys

import patroni.postgresql
import patroni.utils

patroni.postgresql.STOP_POLLING_INTERVAL = 0.1  # read at each poll of a stopping postmaster
patroni.utils.polling_loop.__defaults__ = (0.1,)  # the default interval of every polling_loop, the promote wait's too

# Patroni starts each postmaster through a spawned helper, which imports this file again: only the first one runs Patroni.
if __name__ == '__main__':
    from patroni.__main__ import main

    sys.exit(main())
