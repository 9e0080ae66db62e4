"""Alert pieces without a database: maintenance window times, durations, and messages that
survive the outbox's JSON (the sender re-renders them when it groups)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inventory.alerts.messages import Event, duration, render
from inventory.alerts.places import Place, covers, window_open
from inventory.choices import AlertKind, MessageKind, Severity
from inventory.models.alerts import MaintenanceWindow

T = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)  # a Monday, 00:00 in Chuxiong
PLACE = Place(
    7,
    "5323010007",
    "鹿城小学",
    "Lucheng Primary",
    "/530000/532300/532301/",
    "532301",
    "楚雄市",
    "Chuxiong City",
)


def window(**kwargs: object) -> MaintenanceWindow:
    values: dict[str, object] = {"name": "w", "starts_at": T, "ends_at": T + timedelta(hours=2)}
    values.update(kwargs)
    return MaintenanceWindow(**values)


@pytest.mark.parametrize(
    ("offset", "weekly", "expected"),
    [
        (timedelta(minutes=-1), False, False),
        (timedelta(0), False, True),
        (timedelta(hours=2), False, False),  # the end is outside
        (timedelta(weeks=1, hours=1), False, False),
        (timedelta(weeks=1, hours=1), True, True),
        (timedelta(weeks=3, hours=2, minutes=1), True, False),
        (timedelta(days=3), True, False),
    ],
)
def test_a_window_is_open_from_its_start_to_its_end_and_weekly_ones_every_week(
    offset: timedelta, weekly: bool, expected: bool
) -> None:
    assert window_open(window(weekly=weekly), T + offset) is expected


def test_a_weekly_window_ends_at_its_until() -> None:
    w = window(weekly=True, until=T + timedelta(weeks=2))
    assert window_open(w, T + timedelta(weeks=1, minutes=5))
    assert not window_open(w, T + timedelta(weeks=2, minutes=5))


def test_scopes_are_a_school_a_region_subtree_or_everything() -> None:
    assert covers(None, 7, PLACE) and not covers(None, 8, PLACE)
    assert covers("530000", None, PLACE) and covers("532301", None, PLACE)
    assert not covers("532322", None, PLACE)
    assert not covers("5323", None, PLACE)  # a code, not a prefix of one
    assert covers(None, None, PLACE)


@pytest.mark.parametrize(
    ("minutes", "zh", "en"),
    [(0, "0分钟", "0 min"), (65, "1小时5分钟", "1 h 5 min"), (1500, "1天1小时", "1 d 1 h")],
)
def test_durations_read_in_both_languages(minutes: int, zh: str, en: str) -> None:
    assert duration(timedelta(minutes=minutes), "zh") == zh
    assert duration(timedelta(minutes=minutes), "en") == en


def event(message: MessageKind, alert_id: int = 1, severity: Severity = Severity.WARNING) -> Event:
    return Event(
        message=message,
        alert_id=alert_id,
        rule_id=3,
        kind=AlertKind.UPLINK_DOWN,
        severity=severity,
        place=PLACE,
        object_name="gw GE0/0/1",
        cause="interface down",
        since=T,
        at=T + timedelta(minutes=30),
        resolved_at=T + timedelta(minutes=30) if message is MessageKind.RESOLVED else None,
        url="https://dc.example/schools/5323010007",
    )


def test_an_event_renders_the_same_after_the_outbox_json() -> None:
    events = [event(MessageKind.OPENED), event(MessageKind.RESOLVED, 2)]
    again = [Event.from_json(e.as_json()) for e in events]
    assert again == events
    assert render(again, "en") == render(events, "en")


def test_a_group_names_the_worst_severity_and_counts_schools() -> None:
    subject, body = render(
        [event(MessageKind.OPENED, 1), event(MessageKind.OPENED, 2, Severity.CRITICAL)], "zh"
    )
    assert subject == "[严重] 2 条告警，1 所学校：楚雄市"
    assert body.count("鹿城小学") == 2 and "[查看](https://dc.example/schools/5323010007)" in body
    resolved, _ = render([event(MessageKind.RESOLVED)], "en")
    assert resolved == "[Resolved] uplink down: Lucheng Primary (Chuxiong City)"
