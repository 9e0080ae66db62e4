"""The poller against real agents on loopback: discovery, polls, and every failure class."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time

import pytest

from collectors.client import PysnmpClient
from collectors.poller import PollJob, poll_many, poll_one
from collectors.profiles import load_profile
from demo.udp_agents import loopback_endpoints
from inventory.choices import PollFailure, SnmpAuthProtocol, SnmpPrivProtocol
from inventory.monitoring.observations import DeviceObservation
from tests.snmp_fixtures import (
    OTHER_AUTH_KEY,
    SWITCH,
    Lab,
    community,
    lab_fixture,  # noqa: F401  (the lab fixture)
    target,
    v3_credentials,
    with_client,
)

PROFILE = load_profile()


def run_jobs(jobs: list[PollJob], concurrency: int = 8) -> list[DeviceObservation]:
    async def body(client: PysnmpClient) -> list[DeviceObservation]:
        await client.register([job.target for job in jobs])
        return await poll_many(client, PROFILE, jobs, concurrency=concurrency)

    return with_client(body)


def test_discovery_reads_the_system_group_and_every_interface(lab: Lab) -> None:
    [obs] = run_jobs([PollJob(target(1, lab.switch, community()), discover=True)])
    assert obs.failure is None and obs.answered
    assert obs.sys_descr == SWITCH.sys_descr
    assert obs.sys_object_id == SWITCH.sys_object_id
    assert obs.sys_name == SWITCH.sys_name
    assert obs.sys_uptime_ticks == SWITCH.sys_uptime
    assert obs.response_ms is not None and obs.response_ms > 0
    by_index = {i.if_index: i for i in obs.interfaces}
    assert sorted(by_index) == [1, 2, 3, 4]
    assert by_index[1].name == "GE0/0/1" and by_index[1].alias == "上联 电信"
    assert by_index[1].oper_up is True and by_index[1].speed_mbps == 1000
    assert by_index[1].in_octets == 2**64 - 1000 and by_index[1].in_errors == 3
    assert by_index[2].oper_up is False and by_index[2].admin_up is True
    assert by_index[3].admin_up is False
    assert by_index[4].descr == "Ten-GigabitEthernet0/0/1"
    assert by_index[4].speed_mbps is None  # the agent has no ifHighSpeed.4: skipped


def test_poll_reads_only_the_monitored_interfaces(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="collectors.poller")
    [obs] = run_jobs([PollJob(target(1, lab.switch, community()), if_indexes=(1, 4, 9))])
    assert obs.answered
    assert [i.if_index for i in obs.interfaces] == [1, 4]  # 9 does not exist: absent
    first = obs.interfaces[0]
    assert first.oper_up is True and first.speed_mbps == 1000
    assert first.out_octets == 123_456_789
    assert first.name is None  # names come from discovery, not from every poll
    assert obs.sys_descr is None and obs.sys_uptime_ticks == SWITCH.sys_uptime
    assert "device 1 has no ifHighSpeed.4, ifAdminStatus.9" in caplog.text


@pytest.mark.parametrize(
    ("endpoint", "failure"),
    [
        ("dead", PollFailure.TIMEOUT),
        ("garbage", PollFailure.MALFORMED),
        # The kernel answers a closed port with ICMP port unreachable: v2c's socket reads
        # it from its error queue (IP_RECVERR), v3 discovery's connected socket as an error.
        ("closed", PollFailure.UNREACHABLE),
        ("closed-v3", PollFailure.UNREACHABLE),
    ],
)
def test_failures_are_classified(lab: Lab, endpoint: str, failure: PollFailure) -> None:
    where = getattr(lab, endpoint.removesuffix("-v3"))
    creds = community()
    if endpoint.endswith("-v3"):
        creds = v3_credentials("campus", SnmpAuthProtocol.SHA, SnmpPrivProtocol.NONE)
    [obs] = run_jobs([PollJob(target(1, where, creds, timeout=0.3), if_indexes=(1,))])
    assert obs.failure is failure and not obs.answered
    assert obs.interfaces == [] and obs.detail


def test_wrong_community_is_an_auth_failure_not_down(lab: Lab) -> None:
    jobs = [
        PollJob(target(1, lab.switch, community("wrong"), timeout=0.3), if_indexes=(1,)),
        PollJob(target(2, lab.switch, community("wrong"), timeout=0.3), suspect=True),
        PollJob(target(3, lab.dead, community(), timeout=0.3), suspect=True),
    ]
    wrong, wrong_suspect, dead = run_jobs(jobs)
    assert wrong.failure is PollFailure.AUTH_FAILURE
    assert "SNMPv3 discovery" in (wrong.detail or "")
    assert wrong_suspect.failure is PollFailure.AUTH_FAILURE
    assert dead.failure is PollFailure.TIMEOUT


def test_v3_wrong_keys_are_auth_failures(lab: Lab) -> None:
    creds = v3_credentials(
        "campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128, auth_key=OTHER_AUTH_KEY
    )
    [obs] = run_jobs([PollJob(target(1, lab.switch, creds, timeout=0.5), if_indexes=(1,))])
    assert obs.failure is PollFailure.AUTH_FAILURE


def test_no_credentials(lab: Lab) -> None:
    [obs] = run_jobs([PollJob(target(1, lab.switch, None), if_indexes=(1,))])
    assert obs.failure is PollFailure.NO_CREDENTIALS


def test_dead_devices_do_not_hold_slots(lab: Lab) -> None:
    """Ten dead v2c devices cost about one wait, not ten, even with a concurrency of one."""
    dead = [
        PollJob(target(k, lab.dead, community(), timeout=0.5, retries=1), if_indexes=(1,))
        for k in range(1, 11)
    ]
    live = PollJob(target(100, lab.switch, community()), if_indexes=(1,))

    async def body(client: PysnmpClient) -> tuple[list[DeviceObservation], float]:
        await client.register([job.target for job in (*dead, live)])
        started = time.monotonic()
        found = await poll_many(client, PROFILE, [*dead, live], concurrency=1)
        return found, time.monotonic() - started

    observations, elapsed = with_client(body)
    assert [o.failure for o in observations[:-1]] == [PollFailure.TIMEOUT] * 10
    assert observations[-1].answered
    # Each dead device waits 1 s for its GET and 1 s for the SNMPv3 probe that follows.
    # One at a time that would take 10 × 2 s; side by side, about 2 s.
    assert elapsed < 5


def test_a_bug_in_polling_one_device_does_not_end_the_cycle(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> list[DeviceObservation]:
        ok = PollJob(target(1, lab.switch, community()), if_indexes=(1,))
        unregistered = PollJob(target(2, lab.switch, community()), if_indexes=(1,))
        await client.register([ok.target])  # 2 is not registered: the client raises KeyError
        return await poll_many(client, PROFILE, [unregistered, ok])

    broken, fine = with_client(body)
    assert broken.failure is PollFailure.MALFORMED
    assert broken.detail == "collector error: KeyError"
    assert fine.answered


def test_poll_one_and_poll_many_agree(lab: Lab) -> None:
    job = PollJob(target(1, lab.switch, community()), if_indexes=(1, 2))

    async def body(client: PysnmpClient) -> tuple[DeviceObservation, DeviceObservation]:
        await client.register([job.target])
        single = await poll_one(client, PROFILE, job)
        seen: list[DeviceObservation] = []
        [many] = await poll_many(client, PROFILE, [job], on_done=seen.append)
        assert seen == [many]
        return single, many

    single, many = with_client(body)
    assert single.interfaces == many.interfaces


def test_poll_many_rejects_no_concurrency() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(poll_many(PysnmpClient(), PROFILE, [], concurrency=0))


class _LateFirstAnswer:
    """A UDP relay to a real agent that drops the first datagram it gets: the agent looks
    alive to SNMPv3 discovery but our first GET goes unanswered, as on a busy machine."""

    def __init__(self, agent: tuple[str, int], endpoint: tuple[str, int]) -> None:
        self.agent = agent
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(endpoint)
        self.sock.settimeout(0.1)
        self.received = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
            upstream.settimeout(2)
            while not self.stop.is_set():
                try:
                    data, client = self.sock.recvfrom(65535)
                except TimeoutError:
                    continue
                self.received += 1
                if self.received == 1:
                    continue
                upstream.sendto(data, self.agent)
                with contextlib.suppress(TimeoutError):
                    self.sock.sendto(upstream.recvfrom(65535)[0], client)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def test_a_late_answer_is_asked_again_not_taken_for_a_wrong_community(lab: Lab) -> None:
    relay = _LateFirstAnswer(lab.switch, loopback_endpoints(1)[0])
    try:
        where = relay.sock.getsockname()
        job = PollJob(target(1, where, community(), timeout=0.3, retries=0), if_indexes=(1,))
        [obs] = run_jobs([job])
    finally:
        relay.close()
    assert obs.answered, obs  # GET dropped, the v3 probe answered, the second GET answered
    assert relay.received == 3
    assert [i.if_index for i in obs.interfaces] == [1]
