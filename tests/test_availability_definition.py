"""Availability has one definition (docs/availability.md): the share of monitored time the
uplink could carry traffic — device answering, interface up. Today's verdict measures it in
time from outages, a past date in polls from hourly rollups; at an even poll interval the two
agree. Slower than the contract is a reason of its own, never unavailability.

Sequences of polls are recorded by hand (tests/test_services_polling.py's fixtures) and every
expected value is computed by hand in the test's comment.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from inventory import localday
from inventory.choices import PollFailure
from inventory.coverage.reasons import sentence
from inventory.coverage.verified import verified_links
from inventory.models import NetworkLink
from inventory.models.polling import LinkVerification
from inventory.monitoring.observations import DeviceObservation
from inventory.monitoring.verification import LinkObservation, VerificationRule, verify_uplink
from inventory.services import polling
from inventory.standards.loader import default_standard
from tests.test_services_polling import T0, network, seen  # noqa: F401  (network: a fixture)

HOUR = timedelta(hours=1)
DAY_D = date(2026, 11, 2)


def _record(session: Session, obs: DeviceObservation, rule: VerificationRule) -> None:
    polling.record_observations(session, [obs], HOUR, obs.at, rule)
    session.commit()


def _two_days_of_hourly_polls(
    session: Session, gateway: int, rule: VerificationRule
) -> tuple[datetime, datetime]:
    """48 hourly polls over the local days D − 1 and D: polls 2 and 3 time out, poll 10 finds
    the interface down, polls 20–22 find it up at 100 Mbps on a 1000 Mbps contract; all
    others up at 1000 Mbps. Returns (first poll, end of D)."""
    start = localday.start_of(DAY_D - timedelta(days=1))
    for n in range(48):
        at = start + n * HOUR
        if n in (2, 3):
            obs = seen(gateway, at, failure=PollFailure.TIMEOUT)
        else:
            obs = seen(gateway, at, oper_up=n != 10, speed=100 if n in (20, 21, 22) else 1000)
        _record(session, obs, rule)
    return start, localday.end_of(DAY_D)


def test_today_and_a_past_date_count_the_same_availability(
    session: Session,
    network: dict[str, Any],  # noqa: F811  (the fixture imported above)
) -> None:
    gw, link = network["gateway"], network["link"]
    rule = VerificationRule(min_availability=0.93)
    start, end = _two_days_of_hourly_polls(session, gw, rule)
    # In time, from outages: unreachable 2 h (polls 2–4), interface down 1 h (polls 10–11);
    # the 3 h slower than the contract (polls 20–23) do not count. 45 h of 48 h.
    uplink = session.get_one(NetworkLink, link)
    available = polling.availabilities(session, [uplink], timedelta(days=30), end)
    assert available[link] == pytest.approx(45 / 48)
    # The verdict written after the last poll (47 h monitored, the same 3 h lost): 44/47.
    verdict = session.get_one(LinkVerification, link)
    assert verdict.availability_30d == pytest.approx(44 / 47)
    assert (verdict.verified, verdict.reasons) == (True, [])  # 93.6 % ≥ 93 %

    # In polls, from rollups: 45 of the device's 48 polls found the interface up: 93.75 %.
    polling.rollup_hours(session, start, end)
    session.commit()
    standard = default_standard()

    def verified_on_d(minimum: float) -> bool:
        tuned = dataclasses.replace(
            standard,
            verification=dataclasses.replace(standard.verification, min_availability=minimum),
        )
        stmt = verified_links(tuned, DAY_D, end + HOUR)
        return link in set(session.scalars(stmt))

    assert verified_on_d(0.93) is True
    assert verified_on_d(0.94) is False  # 93.75 % < 94 %: availability alone decides


def test_an_uplink_that_answers_every_poll_slower_than_contracted_is_available_but_slow(
    session: Session,
    network: dict[str, Any],  # noqa: F811  (the fixture imported above)
) -> None:
    gw, link = network["gateway"], network["link"]
    for n in range(12):  # an hour of 5-minute polls, every one up at 100 Mbps
        _record(session, seen(gw, T0 + n * timedelta(minutes=5), speed=100), VerificationRule())
    verdict = session.get_one(LinkVerification, link)
    assert verdict.availability_30d == 1.0
    assert verdict.reasons == [{"code": "slow", "measured_mbps": 100, "contracted_mbps": 1000}]


def test_a_speed_the_device_does_not_report_is_said_in_words() -> None:
    verdict = verify_uplink(
        1000,
        LinkObservation(monitored=True, last_polled_at=T0, oper_up=True, availability=1.0),
        T0,
    )
    assert verdict.reasons == [("slow", {"measured_mbps": None, "contracted_mbps": 1000})]
    values = {"measured": None, "contracted": 1000}
    assert sentence("slow", "zh", values) == "未报告协商速率（签约 1000 Mbps）"
    assert sentence("slow", "en", values) == "negotiated speed not reported (contracted 1000 Mbps)"
