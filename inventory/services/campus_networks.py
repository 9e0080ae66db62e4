"""Campus networks: a history per school, one row per state, each in force from its date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import CampusArchitecture, WirelessCoverage
from inventory.errors import duplicate
from inventory.models import CampusNetwork, School
from inventory.models.network import CAMPUS_NETWORK_FIELDS, CampusNetworkValues
from inventory.services import children
from inventory.services.common import (
    PageRequest,
    PageResult,
    delete_object,
    get_in_scope,
    raise_if,
    sortable,
)
from inventory.services.entity import EntityService, school_code


@dataclass(frozen=True)
class CampusNetworkFilter(children.SchoolChildFilter):
    """What a campus-network list may be narrowed by; every field is optional.

    Without ``as_of`` the list holds every state of the history; with it, only the state in
    force on that date for each school (schools without a network by then are left out).
    """

    architecture: CampusArchitecture | None = None
    wireless_coverage: WirelessCoverage | None = None
    as_of: date | None = None


SORTABLE = sortable(
    CampusNetwork,
    "commissioned_on architecture backbone_mbps wireless_coverage updated_at",
    school_code=School.code,
)


def _in_force(as_of: date) -> sa.Subquery:
    """Per school, the date of the state in force on ``as_of``."""
    return (
        sa.select(
            CampusNetwork.school_id.label("school_id"),
            sa.func.max(CampusNetwork.commissioned_on).label("since"),
        )
        .where(CampusNetwork.commissioned_on <= as_of)
        .group_by(CampusNetwork.school_id)
        .subquery("in_force")
    )


def list_campus_networks(
    session: Session, actor: Actor, flt: CampusNetworkFilter, page: PageRequest
) -> PageResult[CampusNetwork]:
    """One page of campus-network states matching ``flt``."""
    stmt = children.select_children(session, actor, CAMPUS_NETWORK, flt)
    if flt.as_of is not None:
        current = _in_force(flt.as_of)
        stmt = stmt.join(
            current,
            sa.and_(
                current.c.school_id == CampusNetwork.school_id,
                current.c.since == CampusNetwork.commissioned_on,
            ),
        )
    stmt = children.where_equal(
        stmt,
        (CampusNetwork.architecture, flt.architecture),
        (CampusNetwork.wireless_coverage, flt.wireless_coverage),
    )
    return children.page_of(session, CAMPUS_NETWORK, stmt, page)


def campus_network_on(session: Session, school_id: int, day: date) -> CampusNetwork | None:
    """The school's campus network in force on ``day``, or None if it had none yet."""
    return session.scalar(
        sa.select(CampusNetwork)
        .where(CampusNetwork.school_id == school_id, CampusNetwork.commissioned_on <= day)
        .order_by(CampusNetwork.commissioned_on.desc())
        .limit(1)
    )


def get_campus_network(session: Session, actor: Actor, network_id: int) -> CampusNetwork:
    """The campus-network state with this id, or NotFound."""
    return children.get_child(session, actor, CAMPUS_NETWORK, network_id)


def _check(
    session: Session,
    actor: Actor,
    values: CampusNetworkValues,
    errors: children.Errors,
    school_id: int,
    network_id: int | None,
) -> None:
    raise_if(errors)
    children.check_required(CAMPUS_NETWORK_FIELDS, values, errors)
    raise_if(errors)
    day = values["commissioned_on"]
    clash = session.scalar(
        sa.select(CampusNetwork.id).where(
            CampusNetwork.school_id == school_id,
            CampusNetwork.commissioned_on == day,
            CampusNetwork.id != (network_id or -1),
        )
    )
    if clash is not None:
        raise duplicate(
            "commissioned_on",
            f"this school already has a campus network commissioned on {day.isoformat()}",
        )


CAMPUS_NETWORK = children.Child(
    CampusNetwork, "campus network", CAMPUS_NETWORK_FIELDS, _check, SORTABLE
)


def create_campus_network(
    session: Session, actor: Actor, school_code: str, data: CampusNetworkValues
) -> CampusNetwork:
    """Record a state of a school's campus network (the first one, or an upgrade)."""
    return children.create_child(session, actor, CAMPUS_NETWORK, school_code, data)


def update_campus_network(
    session: Session, actor: Actor, network_id: int, changes: CampusNetworkValues
) -> CampusNetwork:
    """Correct some fields of one campus-network state; the others keep their values."""
    return children.update_child(session, actor, CAMPUS_NETWORK, network_id, changes)


def delete_campus_network(session: Session, actor: Actor, network_id: int) -> None:
    """Delete a wrongly entered state (an upgrade is a new state, not a deletion)."""
    actor.require_write()
    network = get_in_scope(session, actor, CampusNetwork, network_id, "campus network", write=True)
    delete_object(session, actor, network)


# The web layer's handle on campus networks (api/entities.py); the parent is the school's code.
# A state is deleted, never archived: an upgrade is a new state.
SERVICE: EntityService[CampusNetwork, CampusNetworkFilter, int] = EntityService(
    list_page=list_campus_networks,
    get=get_campus_network,
    add=lambda session, actor, school, data: create_campus_network(
        session, actor, school_code(school), data
    ),
    change=update_campus_network,
    retire=lambda session, actor, network_id, _on: delete_campus_network(
        session, actor, network_id
    ),
)
