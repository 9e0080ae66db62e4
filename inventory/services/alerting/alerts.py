"""Alerts as people read them: open ones and the history, where their school is in the
actor's scope; and acknowledgement, which stops the repeats and says who took it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import AlertKind, AlertState, Severity
from inventory.errors import Conflict, NotFound, PermissionDenied
from inventory.models import Alert, School
from inventory.models.base import utcnow
from inventory.services.alerting import placement
from inventory.services.common import (
    PageRequest,
    PageResult,
    change_object,
    paginate,
    region_subtree,
    sortable,
)
from inventory.services.entity import EntityService
from inventory.unit_of_work import UnitOfWork

SORTABLE = sortable(
    Alert, "since opened_at resolved_at severity kind state", school_code=School.code
)
SEVERITY_ORDER = list(Severity)


@dataclass(frozen=True)
class AlertFilter:
    """What an alert list may be narrowed by; every field is optional."""

    state: AlertState | None = None
    severity: Severity | None = None  # this severity and above
    kind: AlertKind | None = None
    region: str | None = None  # schools in this region's subtree
    school: str | None = None
    acknowledged: bool | None = None
    since: datetime | None = None  # opened at or after


def list_alerts(
    session: Session, actor: Actor, flt: AlertFilter, page: PageRequest
) -> PageResult[Alert]:
    """One page of the alerts of the schools the actor may read, newest first by default."""
    stmt = (
        sa.select(Alert)
        .join(School, School.id == Alert.school_id)
        .where(Alert.school_id.in_(scope.visible_school_ids(actor)))
    )
    if flt.state is not None:
        stmt = stmt.where(Alert.state == flt.state)
    if flt.severity is not None:
        at_least = SEVERITY_ORDER[SEVERITY_ORDER.index(flt.severity) :]
        stmt = stmt.where(Alert.severity.in_(at_least))
    if flt.kind is not None:
        stmt = stmt.where(Alert.kind == flt.kind)
    if flt.region is not None:
        stmt = stmt.where(School.region_code.in_(region_subtree(session, flt.region)))
    if flt.school is not None:
        stmt = stmt.where(Alert.school_id == placement.school_filter(session, actor, flt.school))
    if flt.acknowledged is not None:
        known = Alert.acknowledged_at.is_not(None)
        stmt = stmt.where(known if flt.acknowledged else sa.not_(known))
    if flt.since is not None:
        stmt = stmt.where(Alert.opened_at >= flt.since)
    return paginate(session, stmt, page, SORTABLE, "-since", Alert.id)


def get_alert(session: Session, actor: Actor, alert_id: int, *, write: bool = False) -> Alert:
    """The alert with this id if its school is in the actor's scope, or NotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None or not scope.school_allowed(session, actor, alert.school_id, write=write):
        raise NotFound(f"no alert with id {alert_id}")
    return alert


def acknowledge_alert(
    session: Session, actor: Actor, alert_id: int, now: datetime | None = None
) -> Alert:
    """Take an open alert on: it is not repeated any more, and the list says who and when.
    Acknowledging again changes nothing; a resolved alert needs none (Conflict)."""
    actor.require_write()
    alert = get_alert(session, actor, alert_id, write=True)
    if alert.acknowledged_at is not None:
        return alert
    if alert.state is not AlertState.OPEN:
        raise Conflict("this alert is resolved: there is nothing left to acknowledge")
    change_object(
        session,
        actor,
        alert,
        {"acknowledged_by": actor.name[:64], "acknowledged_at": now or utcnow()},
    )
    return alert


def acknowledge(uow: UnitOfWork, actor: Actor, alert_id: int, now: datetime | None = None) -> Alert:
    """``acknowledge_alert`` as a use case of its own, in its own transaction."""
    with uow:
        alert = acknowledge_alert(uow.session, actor, alert_id, now)
        uow.commit()
        return alert


def _raised_by_the_monitor(*_args: object) -> Alert:
    raise PermissionDenied("alerts are raised and resolved by the monitor, not by hand")


def _kept(_session: Session, _actor: Actor, _ident: int, _on: date | None) -> None:
    raise PermissionDenied("alerts are the history: they are kept")


SERVICE: EntityService[Alert, AlertFilter, int] = EntityService(
    list_page=list_alerts,
    get=get_alert,
    add=_raised_by_the_monitor,
    change=_raised_by_the_monitor,
    retire=_kept,
)
