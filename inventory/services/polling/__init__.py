"""Polling, seen from the inventory: which devices are due, and recording what was seen.

Split along its duties; callers keep using ``polling.X`` from here:

* ``leases`` — due devices claimed by one collector at a time, and given back;
* ``plans`` — what to read from each claimed device (its uplinks' interfaces, or discovery);
* ``recording`` — one batch of observations: states, rates, outages, discovery fields;
* ``availability`` — uplink availability from outages, and each uplink's verdict;
* ``rollups`` — hourly rollups and retention;
* ``heartbeats`` — collectors alive or stopped, and what each cycle did;
* ``rules`` — what they share: when a device is down, which interface an uplink names.
"""

from __future__ import annotations

from inventory.services.polling.availability import availabilities, first_polls, outage_intervals
from inventory.services.polling.heartbeats import (
    begin_cycle,
    finish_cycle,
    heartbeat,
    stop_collector,
)
from inventory.services.polling.leases import (
    DueDevice,
    claim_due,
    ensure_states,
    pollable,
    pollable_targets,
    release,
)
from inventory.services.polling.plans import PollPlan, poll_plans
from inventory.services.polling.recording import RecordSummary, StateChange, record_observations
from inventory.services.polling.rollups import Retention, hour_floor, prune, rollup_hours
from inventory.services.polling.rules import DOWN_FAILURES, match_interface

__all__ = [
    "DOWN_FAILURES",
    "DueDevice",
    "PollPlan",
    "RecordSummary",
    "Retention",
    "StateChange",
    "availabilities",
    "begin_cycle",
    "claim_due",
    "ensure_states",
    "finish_cycle",
    "first_polls",
    "heartbeat",
    "hour_floor",
    "match_interface",
    "outage_intervals",
    "poll_plans",
    "pollable",
    "pollable_targets",
    "prune",
    "record_observations",
    "release",
    "rollup_hours",
    "stop_collector",
]
