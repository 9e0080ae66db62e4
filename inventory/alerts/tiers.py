"""The ``tier_dropped`` rule: a school whose verified tier is lower today than yesterday.

Checked once a day (the collectors' daily alert job), not per poll batch: a tier is a day's
verdict. The alert stays open until the school is back at the tier it had before the drop,
which its cause keeps ("met → basic").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday
from inventory.actor import Actor
from inventory.alerts.evaluation import AlertSettings, Evaluation, event_of, queue_messages
from inventory.alerts.messages import Event
from inventory.alerts.places import in_maintenance, places, windows_now
from inventory.alerts.rules import enabled_rules
from inventory.choices import TIERS, AlertKind, AlertState, MessageKind, Tier
from inventory.coverage.schools import Selection, school_rows
from inventory.models.alerts import Alert
from inventory.standards.registry import get_standard

Levels = Callable[[Session, date, datetime], dict[int, int]]
ARROW = " → "


def verified_levels(session: Session, day: date, now: datetime) -> dict[int, int]:
    """Each counted school's verified tier level (0–3) on ``day``, by school id."""
    standard = get_standard(session)
    rows = school_rows(standard, Selection("/", day, now, Actor.system("alerts")))
    return {
        school_id: int(level or 0)
        for school_id, level in session.execute(sa.select(rows.c.school_id, rows.c.tier_verified))
    }


def before_drop(alert: Alert) -> int:
    """The tier level the school had before the drop, from the alert's cause."""
    try:
        return Tier(alert.cause.split(ARROW)[0]).level
    except ValueError:
        return len(TIERS) - 1


def check_tiers(
    session: Session,
    now: datetime,
    settings: AlertSettings | None = None,
    levels: Levels = verified_levels,
) -> Evaluation:
    """Open a tier alert for each school whose verified tier dropped since yesterday by the
    rule's threshold (levels, default 1); resolve those back at their former tier. The caller
    commits."""
    settings = settings or AlertSettings()
    result = Evaluation()
    rules = enabled_rules(session).get(AlertKind.TIER_DROPPED, [])
    open_alerts = {
        (a.rule_id or 0, a.school_id): a
        for a in session.scalars(
            sa.select(Alert).where(
                Alert.kind == AlertKind.TIER_DROPPED, Alert.state == AlertState.OPEN
            )
        )
    }
    if not rules and not open_alerts:
        return result
    today = localday.day_of(now)
    now_levels = levels(session, today, now)
    then_levels = levels(session, today - timedelta(days=1), now)
    dropped = {
        school_id: (then_levels[school_id], level)
        for school_id, level in now_levels.items()
        if then_levels.get(school_id, 0) > level
    }
    where = places(session, set(dropped) | {school for _, school in open_alerts})
    windows = windows_now(session, now)
    events: list[Event] = []
    opened: list[Alert] = []
    for rule in rules:
        for school_id, (before, after) in dropped.items():
            if before - after < (rule.threshold or 1) or (rule.id, school_id) in open_alerts:
                continue
            place = where[school_id]
            alert = Alert(
                rule_id=rule.id,
                kind=rule.kind,
                severity=rule.severity,
                school_id=school_id,
                county_code=place.county_code,
                object_key=f"school:{school_id}",
                object_name=place.school_zh,
                cause=f"{TIERS[before].value}{ARROW}{TIERS[after].value}",
                since=localday.start_of(today),
                opened_at=now,
                state=AlertState.OPEN,
                planned=in_maintenance(windows, place, now),
                repeat_s=rule.repeat_s,
            )
            session.add(alert)
            opened.append(alert)
            result.opened += 1
    for alert in open_alerts.values():
        if now_levels.get(alert.school_id, 0) >= before_drop(alert):
            alert.state, alert.resolved_at = AlertState.RESOLVED, now
            result.resolved += 1
            if alert.last_sent_at is not None:
                place = where[alert.school_id]
                events.append(event_of(alert, MessageKind.RESOLVED, place, now, settings))
    session.flush()
    for alert in opened:
        place = where[alert.school_id]
        if in_maintenance(windows, place, now):
            result.held += 1
            continue
        events.append(event_of(alert, MessageKind.OPENED, place, now, settings))
        alert.last_sent_at = now
    result.messages = queue_messages(session, events, now, settings)
    return result
