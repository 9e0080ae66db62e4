"""Where an alert is: its school and county, and which scopes (subscriptions, maintenance
windows) take it in. Scopes are region subtrees or one school, as roles are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from inventory.choices import RegionLevel
from inventory.models import Region, School
from inventory.models.alerts import MaintenanceWindow

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Place:
    """A school as messages name it, with the chain of regions it lies in."""

    school_id: int
    school_code: str
    school_zh: str
    school_en: str
    region_path: str
    county_code: str | None
    county_zh: str
    county_en: str

    def name(self, lang: str) -> str:
        return self.school_en if lang == "en" else self.school_zh

    def county(self, lang: str) -> str:
        return self.county_en if lang == "en" else self.county_zh


def places(session: Session, school_ids: Iterable[int]) -> dict[int, Place]:
    """The places of these schools, by school id."""
    ids = set(school_ids)
    if not ids:
        return {}
    schools = list(
        session.scalars(sa.select(School).where(School.id.in_(ids)).options(orm.lazyload("*")))
    )
    paths = {
        r.code: r
        for r in session.scalars(
            sa.select(Region).where(Region.code.in_({s.region_code for s in schools}))
        )
    }
    chain_codes = {c for r in paths.values() for c in r.path.strip("/").split("/") if c}
    regions = {
        r.code: r for r in session.scalars(sa.select(Region).where(Region.code.in_(chain_codes)))
    }
    found: dict[int, Place] = {}
    for school in schools:
        own = paths[school.region_code]
        chain = [regions[c] for c in own.path.strip("/").split("/") if c in regions]
        county = next((r for r in chain if r.level is RegionLevel.COUNTY), own)
        found[school.id] = Place(
            school.id,
            school.code,
            school.name,
            school.name_en or school.name,
            own.path,
            county.code,
            county.name_zh,
            county.name_en,
        )
    return found


def covers(region_code: str | None, school_id: int | None, place: Place) -> bool:
    """Whether a scope (a region subtree, one school, or neither: everything) holds a place."""
    if school_id is not None:
        return place.school_id == school_id
    if region_code is not None:
        return f"/{region_code}/" in place.region_path
    return True


def window_open(window: MaintenanceWindow, at: datetime) -> bool:
    """Whether ``at`` falls inside the window (a weekly one: any of its weekly repeats)."""
    if at < window.starts_at:
        return False
    if not window.weekly:
        return at < window.ends_at
    if window.until is not None and at >= window.until:
        return False
    # The bureau's zone keeps no daylight saving, so a week is always 7 × 24 hours.
    return (at - window.starts_at) % WEEK < window.ends_at - window.starts_at


def windows_now(session: Session, at: datetime) -> list[MaintenanceWindow]:
    """The maintenance windows that may be open at ``at`` (then ask ``window_open``)."""
    return list(
        session.scalars(
            sa.select(MaintenanceWindow).where(
                MaintenanceWindow.starts_at <= at,
                sa.or_(MaintenanceWindow.weekly.is_(True), MaintenanceWindow.ends_at > at),
            )
        )
    )


def in_maintenance(windows: Iterable[MaintenanceWindow], place: Place, at: datetime) -> bool:
    """Whether a maintenance window covering the place is open at ``at``."""
    return any(covers(w.region_code, w.school_id, place) and window_open(w, at) for w in windows)
