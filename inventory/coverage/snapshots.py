"""Published reports: a report frozen on publication, immutable, retrievable by id.

A correction to the inventory after publication changes what the live report says about the
past, never what was published. The scheduler calls ``publish_month_end`` (idempotent).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday, scope
from inventory.actor import Actor
from inventory.choices import SnapshotKind, UserRole
from inventory.coverage.report import coverage_report, region_in_scope
from inventory.coverage.trend import previous_month_end
from inventory.errors import NotFound, PermissionDenied
from inventory.models import Region, ReportSnapshot
from inventory.models.base import utcnow
from inventory.services.common import PageRequest, PageResult
from inventory.standards.registry import get_standard
from inventory.unit_of_work import UnitOfWork

SCHEDULER = "scheduler"


def publish(
    session: Session,
    actor: Actor,
    as_of: date,
    *,
    region: str | None = None,
    standard_version: str | None = None,
    kind: SnapshotKind = SnapshotKind.MANUAL,
    now: datetime | None = None,
) -> ReportSnapshot:
    """Compute the report of a region (default: the actor's, or the top) and freeze it.

    Admins publish any region, region admins their subtree; others may not publish.
    """
    actor.require_write()
    if actor.role not in (UserRole.ADMIN, UserRole.REGION_ADMIN):
        raise PermissionDenied("only admins and region admins publish reports")
    now = now or utcnow()
    standard = get_standard(session, standard_version)
    root = region_in_scope(session, actor, region)
    # Frozen as the JSON the API sends: what was published reads the same in any later version.
    body = coverage_report(
        session, actor, standard, region=root.code, as_of=as_of, now=now
    ).as_json()
    snapshot = ReportSnapshot(
        as_of=as_of,
        region_code=root.code,
        standard_version=standard.version,
        kind=kind,
        published_at=now,
        published_by=actor.name,
        body=body,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def publish_report(
    uow: UnitOfWork,
    actor: Actor,
    as_of: date,
    *,
    region: str | None = None,
    standard_version: str | None = None,
    now: datetime | None = None,
) -> ReportSnapshot:
    """Publish a report by hand (see ``publish``) in its own transaction: committed when it is
    stored, nothing written when anything fails."""
    with uow:
        snapshot = publish(
            uow.session,
            actor,
            as_of,
            region=region,
            standard_version=standard_version,
            now=now,
        )
        uow.commit()
    return snapshot


def publish_month_end(session: Session, now: datetime) -> ReportSnapshot | None:
    """Publish the previous month's end report of the top region unless it is published
    already (by this job or by hand); the caller commits. None when there was nothing to do.

    Meant for the scheduler: call it daily or at each month's start; a missed run catches up
    on the next one.
    """
    as_of = previous_month_end(localday.day_of(now))
    actor = Actor.system(SCHEDULER)
    root = region_in_scope(session, actor, None)
    exists = session.scalar(
        sa.select(ReportSnapshot.id).where(
            ReportSnapshot.as_of == as_of, ReportSnapshot.region_code == root.code
        )
    )
    if exists:
        return None
    return publish(session, actor, as_of, region=root.code, kind=SnapshotKind.MONTH_END, now=now)


def _visible(session: Session, actor: Actor) -> sa.ColumnElement[bool]:
    if scope.sees_everything(actor):
        return sa.true()
    if actor.region_code is None:
        return sa.false()
    own = session.get(Region, actor.region_code)
    if own is None:
        return sa.false()
    subtree = sa.select(Region.code).where(Region.path.startswith(own.path))
    return ReportSnapshot.region_code.in_(subtree)


def list_snapshots(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    region: str | None = None,
    as_of: date | None = None,
) -> PageResult[ReportSnapshot]:
    """Published reports the actor may read (their region in its scope), newest first."""
    stmt = sa.select(ReportSnapshot).where(_visible(session, actor))
    if region is not None:
        stmt = stmt.where(ReportSnapshot.region_code == region)
    if as_of is not None:
        stmt = stmt.where(ReportSnapshot.as_of == as_of)
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(ReportSnapshot.as_of.desc(), ReportSnapshot.id.desc())
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page)
    )
    return PageResult(list(rows), total, page.page, page.per_page)


def get_snapshot(session: Session, actor: Actor, snapshot_id: int) -> ReportSnapshot:
    """A published report by id, or NotFound (also when out of the actor's scope)."""
    snapshot = session.scalar(
        sa.select(ReportSnapshot).where(ReportSnapshot.id == snapshot_id, _visible(session, actor))
    )
    if snapshot is None:
        raise NotFound(f"no published report with id {snapshot_id}")
    return snapshot
