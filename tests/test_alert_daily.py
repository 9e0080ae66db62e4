"""The daily alert work (issue 17): the digest per subscription, and schools whose verified
tier dropped since yesterday — on an injected clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import alerts, localday
from inventory.actor import Actor
from inventory.alerts import check_tiers
from inventory.choices import AlertKind, MessageKind, MessageLanguage
from inventory.models import School
from tests.alerts_fixture import T0, build_sites, down, outbox, poll, subscribe, up
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.test_alerts import alerts_of


def test_the_daily_digest_tells_what_went_down_came_back_and_is_still_open_once_a_day(
    session: Session, actor: Actor
) -> None:
    old, new, back, elsewhere = build_sites(session, actor, COUNTY, 4)
    (other,) = build_sites(session, actor, OTHER_COUNTY, 1, first=5)
    digest = subscribe(session, "county digest", region_code=COUNTY, language=MessageLanguage.EN)
    digest.daily_digest = True
    subscribe(session, "no digest", region_code=COUNTY)
    session.commit()
    start = T0 - timedelta(days=2)
    poll(session, start, down(old.gateway, start))
    poll(session, start + timedelta(minutes=15), down(old.gateway, start + timedelta(minutes=15)))
    later = T0 - timedelta(hours=3)
    poll(
        session,
        later,
        down(old.gateway, later),
        down(new.gateway, later),
        down(back.gateway, later),
        down(other.gateway, later),
    )
    at = later + timedelta(minutes=15)
    poll(
        session,
        at,
        down(old.gateway, at),
        down(new.gateway, at),
        down(back.gateway, at),
        down(other.gateway, at),
        up(elsewhere.gateway, at),
    )
    recovered = T0 - timedelta(hours=1)
    poll(session, recovered, up(back.gateway, recovered))
    before = {m.id for m in outbox(session)}
    assert alerts.write_digests(session, T0) == 1
    session.commit()
    assert alerts.write_digests(session, T0 + timedelta(hours=2)) == 0  # same local day
    (message,) = [m for m in outbox(session) if m.id not in before]
    assert (message.subscription_id, message.kind) == (digest.id, MessageKind.DIGEST)
    assert message.subject == "[Daily digest] 2026-11-02"
    told = {(e["school_code"], e["message"]) for e in message.events}
    assert told == {
        (old.code, "repeat"),  # open since before yesterday: still open
        (new.code, "opened"),
        (back.code, "resolved"),
    }
    assert "Still open (1)" in message.body and "Resolved (1)" in message.body


def test_a_school_whose_verified_tier_dropped_is_told_and_resolved_once_back(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    school_id = session.scalar(sa.select(School.id).where(School.code == site.code))
    assert school_id is not None
    today = localday.day_of(T0)
    assert check_tiers(session, T0).opened == 0  # the real verdicts: no tier either day
    by_day = {today - timedelta(days=1): 2, today: 1, today + timedelta(days=1): 1}

    def levels(_: Session, day: date, __: datetime) -> dict[int, int]:
        return {school_id: by_day.get(day, 2)}

    assert check_tiers(session, T0, levels=levels).opened == 1
    session.commit()
    (alert,) = alerts_of(session)
    assert (alert.kind, alert.cause, alert.object_key) == (
        AlertKind.TIER_DROPPED,
        "met → basic",
        f"school:{school_id}",
    )
    (message,) = outbox(session)
    assert "核验等级下降" in message.body and site.name in message.body
    next_day = check_tiers(session, T0 + timedelta(days=1), levels=levels)
    assert (next_day.opened, next_day.resolved) == (0, 0)  # still below its former tier
    back = check_tiers(session, T0 + timedelta(days=2), levels=levels)
    session.commit()
    assert back.resolved == 1
    assert [m.kind for m in outbox(session)] == [MessageKind.OPENED, MessageKind.RESOLVED]
