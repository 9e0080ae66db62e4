"""Poller processes (``collectors.workers``): SNMP in child processes, results back to one writer."""

from __future__ import annotations

import asyncio
import functools
import os
import signal

import pytest

from collectors import settings
from collectors.client import PysnmpClient
from collectors.poller import PollJob
from collectors.profiles import load_profile
from collectors.workers import PollerProcesses
from inventory.choices import PollFailure
from inventory.monitoring.observations import DeviceObservation
from tests.process_tree import survivors
from tests.snmp_fixtures import (
    SWITCH,
    Lab,
    community,
    lab_fixture,  # noqa: F401  (the lab fixture)
    target,
)

PROFILE = load_profile()


def pollers(count: int = 2) -> PollerProcesses:
    return PollerProcesses(
        count, functools.partial(PysnmpClient, max_in_flight=8), PROFILE, concurrency=8
    )


def test_two_poller_processes_poll_each_device_once_and_stop(lab: Lab) -> None:
    jobs = [
        PollJob(target(1, lab.switch, community()), discover=True),
        PollJob(target(2, lab.switch, community(), timeout=2.0), if_indexes=(1, 2)),
        PollJob(target(3, lab.dead, community(), timeout=0.3, retries=0)),
        PollJob(target(4, lab.switch, community("wrong"), timeout=0.5), suspect=True),
    ]

    async def main() -> tuple[list[DeviceObservation], list[int], list[int], frozenset[int]]:
        processes = pollers()
        try:
            registered = await processes.register([j.target for j in jobs])
            assert registered.added == len(jobs)
            pids = processes.pids()
            observations = await asyncio.gather(*(processes.poll(j) for j in jobs))
            assert processes.unregister([3, 99]) == 1
            keys = processes.keys()
        finally:
            await processes.close()
        return list(observations), pids, [os.getpid()], keys

    observations, pids, [me], keys = asyncio.run(main())
    assert len(set(pids)) == 2 and me not in pids  # SNMP ran in two other processes
    discovered, polled, dead, wrong = observations
    assert [o.device_id for o in observations] == [1, 2, 3, 4]
    assert discovered.failure is None and discovered.sys_name == SWITCH.sys_name
    assert {i.if_index for i in discovered.interfaces} == {1, 2, 3, 4}
    assert polled.failure is None and [i.if_index for i in polled.interfaces] == [1, 2]
    assert dead.failure is PollFailure.TIMEOUT
    assert wrong.failure is PollFailure.AUTH_FAILURE
    assert keys == {1, 2, 4}
    assert survivors(pids) == []


def test_a_poller_process_that_dies_fails_its_jobs_and_is_replaced(lab: Lab) -> None:
    dead_job = PollJob(target(2, lab.dead, community(), timeout=30.0, retries=0))
    live_job = PollJob(target(2, lab.switch, community(), timeout=2.0), if_indexes=(1,))

    async def main() -> tuple[DeviceObservation, DeviceObservation, list[int], list[int]]:
        processes = pollers(1)
        try:
            await processes.register([dead_job.target])
            before = processes.pids()
            waiting = asyncio.ensure_future(processes.poll(dead_job))
            await asyncio.sleep(0.5)
            os.kill(before[0], signal.SIGKILL)  # mid-poll: the 30 s timeout is far away
            lost = await asyncio.wait_for(waiting, 60)
            await processes.register([live_job.target])  # the next cycle starts a new one
            after = processes.pids()
            again = await processes.poll(live_job)
        finally:
            await processes.close()
        return lost, again, before, after

    lost, again, before, after = asyncio.run(main())
    assert lost.device_id == 2 and lost.failure is PollFailure.MALFORMED
    assert "poller process ended" in (lost.detail or "")
    assert after != before
    assert again.failure is None and again.interfaces[0].if_index == 1
    assert survivors(after) == []


def test_at_least_one_poller_process() -> None:
    with pytest.raises(ValueError):
        pollers(0)


def test_the_collector_uses_one_poller_process_per_core_unless_told() -> None:
    assert settings.from_config({}).workers == len(os.sched_getaffinity(0))
    assert settings.from_config({"COLLECTOR_WORKERS": "1"}).workers == 1
    with pytest.raises(ValueError, match="DIGICAMPUS_COLLECTOR_WORKERS must be a number"):
        settings.from_config({"COLLECTOR_WORKERS": "0"})
