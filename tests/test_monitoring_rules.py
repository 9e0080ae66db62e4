"""Unit tests of the monitoring rules, with values worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inventory.coverage.reasons import sentence
from inventory.monitoring.availability import Interval, availability, outage_time
from inventory.monitoring.rates import (
    COUNTER32,
    COUNTER64,
    CounterReading,
    elapsed_seconds,
    max_reliable_seconds,
    octet_rate,
    octet_rate_bps,
)
from inventory.monitoring.verification import LinkObservation, verify_uplink

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FIVE_MIN = timedelta(minutes=5)


def reading(octets: int, uptime_s: float | None, at: datetime) -> CounterReading:
    return CounterReading(octets, None if uptime_s is None else int(uptime_s * 100), at)


def test_rate_over_five_minutes() -> None:
    # 3.75 GB in 300 s = 100 Mbit/s
    rate = octet_rate_bps(
        reading(1_000, 86_400, T0), reading(1_000 + 3_750_000_000, 86_700, T0 + FIVE_MIN), 1000
    )
    assert rate == pytest.approx(100e6)


def test_a_32_bit_counter_wraps_at_2_to_the_32() -> None:
    # 100 Mbit/s port, 300 s: 2^32 * 8 / 110e6 = 312 s is the longest safe interval.
    before = reading(COUNTER32 - 1_000_000, 86_400, T0)
    after = reading(2_750_000_000, 86_700, T0 + FIVE_MIN)
    rate = octet_rate(before, after, 100, counter_bits=32)
    assert rate.bps == pytest.approx((1_000_000 + 2_750_000_000) * 8 / 300)
    assert rate.unreliable is False


def test_a_32_bit_rate_that_could_hide_two_wraps_is_marked_unreliable_not_guessed() -> None:
    # 1 Gbit/s for 300 s can carry 37.5 GB: the counter may have wrapped eight times.
    before = reading(1_000, 86_400, T0)
    after = reading(2_000_000, 86_700, T0 + FIVE_MIN)
    rate = octet_rate(before, after, 1000, counter_bits=32)
    assert (rate.bps, rate.unreliable) == (None, True)
    # Without a known speed nothing bounds the wraps either.
    assert octet_rate(before, after, None, counter_bits=32).unreliable is True
    # The same readings of a 64-bit counter are a plain rate.
    assert octet_rate(before, after, 1000).bps == pytest.approx(1_999_000 * 8 / 300)


def test_the_poll_interval_32_bit_counters_need() -> None:
    assert max_reliable_seconds(1000, 32) == pytest.approx(31.2, abs=0.1)
    assert max_reliable_seconds(100, 32) == pytest.approx(312.4, abs=0.1)
    assert max_reliable_seconds(10, 32) == pytest.approx(3124, abs=1)
    assert max_reliable_seconds(None, 32) is None


def test_agent_clock_is_preferred_over_polling_jitter() -> None:
    # We polled 2 s late, the agent says 300 s passed: 300 s is the truth for its counters.
    before, after = reading(0, 1_000, T0), reading(0, 1_300, T0 + FIVE_MIN + timedelta(seconds=2))
    assert elapsed_seconds(before, after) == 300


def test_counter_wrap_gives_the_true_rate() -> None:
    # 1,000,000 octets before the wrap + 2,000,000 after = 3,000,000 octets in 300 s = 80 kbit/s
    before = reading(COUNTER64 - 1_000_000, 86_400, T0)
    after = reading(2_000_000, 86_700, T0 + FIVE_MIN)
    assert octet_rate_bps(before, after, 1000) == pytest.approx(80_000)


def test_counter_reset_without_restart_gives_no_rate() -> None:
    # Counters cleared on the device: the wrapped delta would be ~2**64 octets, absurd.
    assert (
        octet_rate_bps(reading(9_000_000, 86_400, T0), reading(500, 86_700, T0 + FIVE_MIN)) is None
    )


def test_agent_restart_gives_no_rate() -> None:
    # Uptime 120 s after a 300 s interval: the agent restarted, counters restarted from 0.
    before, after = reading(9_000_000, 86_400, T0), reading(8_000_000, 120, T0 + FIVE_MIN)
    assert elapsed_seconds(before, after) is None
    assert octet_rate_bps(before, after, 1000) is None


def test_restart_with_higher_counter_still_gives_no_rate() -> None:
    before, after = reading(1_000, 200, T0), reading(50_000_000, 250, T0 + FIVE_MIN)
    assert octet_rate_bps(before, after, 1000) is None


def test_rate_above_the_negotiated_speed_is_refused() -> None:
    # 10 GB in 300 s is 267 Mbit/s: impossible on a 100 Mbit/s port.
    before, after = reading(0, 1_000, T0), reading(10_000_000_000, 1_300, T0 + FIVE_MIN)
    assert octet_rate_bps(before, after, 100) is None
    assert octet_rate_bps(before, after, 1000) == pytest.approx(10e9 * 8 / 300)


def test_without_uptime_the_wall_clock_is_used() -> None:
    before, after = reading(0, None, T0), reading(37_500_000, None, T0 + FIVE_MIN)
    assert octet_rate_bps(before, after) == pytest.approx(1e6)


def test_readings_out_of_order_give_no_rate() -> None:
    assert octet_rate_bps(reading(0, 1_300, T0 + FIVE_MIN), reading(10, 1_000, T0)) is None


def test_availability_merges_overlaps_and_clips_to_the_window() -> None:
    start, end = T0, T0 + timedelta(days=30)
    outages = [
        Interval(T0 - timedelta(hours=2), T0 + timedelta(hours=1)),  # 1 h inside the window
        Interval(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=3)),
        Interval(T0 + timedelta(days=1, hours=2), T0 + timedelta(days=1, hours=4)),  # overlaps
        Interval(end - timedelta(hours=1), None),  # still open
    ]
    assert outage_time(outages, start, end) == timedelta(hours=6)
    assert availability(outages, start, end) == pytest.approx(1 - 6 / 720)


def test_availability_without_outages_is_one_and_needs_a_window() -> None:
    assert availability([], T0, T0 + timedelta(days=1)) == 1.0
    with pytest.raises(ValueError):
        availability([], T0, T0)


NOW = T0 + timedelta(days=40)
GOOD = LinkObservation(
    monitored=True, last_polled_at=NOW - FIVE_MIN, oper_up=True, speed_mbps=1000, availability=0.999
)


def test_a_healthy_uplink_is_verified() -> None:
    assert verify_uplink(1000, GOOD, NOW).verified


@pytest.mark.parametrize(
    ("seen", "reason"),
    [
        (LinkObservation(monitored=False), "not_monitored"),
        (LinkObservation(monitored=True), "never_polled"),
        (replace(GOOD, last_polled_at=NOW - timedelta(hours=25)), "stale"),
        (replace(GOOD, oper_up=False), "down"),
        (replace(GOOD, speed_mbps=100), "slow"),
        (replace(GOOD, availability=0.972), "unavailable"),
    ],
)
def test_each_failed_condition_is_a_reason(seen: LinkObservation, reason: str) -> None:
    verdict = verify_uplink(1000, seen, NOW)
    assert not verdict.verified
    assert [r[0] for r in verdict.reasons] == [reason]


def test_slow_reason_carries_both_speeds() -> None:
    slow = replace(GOOD, speed_mbps=100)
    assert verify_uplink(1000, slow, NOW).reasons == [
        ("slow", {"measured_mbps": 100, "contracted_mbps": 1000})
    ]


def test_a_device_that_does_not_answer_gives_its_failure_and_since_when_not_down_and_slow() -> None:
    since = NOW - timedelta(hours=5)
    dead = replace(GOOD, oper_up=False, speed_mbps=None, failure="timeout", failing_since=since)
    assert verify_uplink(1000, dead, NOW).reasons == [
        ("poll_failed", {"failure": "timeout", "since": since.isoformat()})
    ]


def test_an_interface_the_discovered_device_lacks_is_named_not_down_and_slow() -> None:
    missing = replace(
        GOOD, oper_up=None, speed_mbps=None, interface_found=False, interface_name="GE9"
    )
    assert verify_uplink(1000, missing, NOW).reasons == [
        ("interface_missing", {"interface": "GE9"})
    ]


@pytest.mark.parametrize(
    ("values", "zh", "en"),
    [
        (
            {"failure": "timeout", "since": "2026-11-01T08:00:00+00:00"},
            "出口设备自 2026年11月1日 16:00 起无响应（超时）",
            "uplink device not answering (timeout) since 1 Nov 2026 16:00",
        ),
        (
            {"failure": "unreachable"},
            "出口设备无响应（不可达）",
            "uplink device not answering (unreachable)",
        ),
        (
            {"failure": "auth_failure"},
            "出口设备有响应但无法读取（认证失败）",
            "uplink device answers but cannot be read (authentication failure)",
        ),
        (
            {"failure": "no_credentials"},
            "出口设备未配置 SNMP 凭据，无法轮询",
            "uplink device has no SNMP credential to be polled with",
        ),
    ],
)
def test_a_failed_poll_reads_as_a_sentence_in_both_languages(
    values: dict[str, str], zh: str, en: str
) -> None:
    assert (sentence("poll_failed", "zh", values), sentence("poll_failed", "en", values)) == (
        zh,
        en,
    )
