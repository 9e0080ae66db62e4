"""Campus networks: a history per school, one row per state, each in force from its date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import CampusArchitecture, WirelessCoverage
from inventory.errors import duplicate
from inventory.models import CampusNetwork, School
from inventory.models.network import CAMPUS_NETWORK_FIELDS
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    add_object,
    change_object,
    coerce_enums,
    delete_object,
    get_in_scope,
    merged,
    paginate,
    raise_if,
    school_by_code,
    school_children,
)

SORTABLE: dict[str, SqlColumn] = {
    "school_code": School.code,
    "commissioned_on": CampusNetwork.commissioned_on,
    "architecture": CampusNetwork.architecture,
    "backbone_mbps": CampusNetwork.backbone_mbps,
    "wireless_coverage": CampusNetwork.wireless_coverage,
    "updated_at": CampusNetwork.updated_at,
}

# Applied on create only: a correction never resets what it does not mention.
DEFAULTS: dict[str, Any] = CAMPUS_NETWORK_FIELDS.defaults
ENUMS: dict[str, type[CampusArchitecture] | type[WirelessCoverage]] = {
    "architecture": CampusArchitecture,
    "wireless_coverage": WirelessCoverage,
}
REQUIRED = CAMPUS_NETWORK_FIELDS.not_null


@dataclass(frozen=True)
class CampusNetworkFilter:
    """What a campus-network list may be narrowed by; every field is optional.

    Without ``as_of`` the list holds every state of the history; with it, only the state in
    force on that date for each school (schools without a network by then are left out).
    """

    school: str | None = None
    region: str | None = None
    architecture: CampusArchitecture | None = None
    wireless_coverage: WirelessCoverage | None = None
    as_of: date | None = None


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
    stmt = school_children(session, actor, CampusNetwork, flt.school, flt.region)
    if flt.as_of is not None:
        current = _in_force(flt.as_of)
        stmt = stmt.join(
            current,
            sa.and_(
                current.c.school_id == CampusNetwork.school_id,
                current.c.since == CampusNetwork.commissioned_on,
            ),
        )
    if flt.architecture:
        stmt = stmt.where(CampusNetwork.architecture == flt.architecture)
    if flt.wireless_coverage:
        stmt = stmt.where(CampusNetwork.wireless_coverage == flt.wireless_coverage)
    return paginate(session, stmt, page, SORTABLE, "school_code", CampusNetwork.id)


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
    return get_in_scope(session, actor, CampusNetwork, network_id, "campus network")


def _check(
    session: Session, values: Mapping[str, Any], school_id: int, network_id: int | None
) -> None:
    errors = {key: ["is required"] for key in REQUIRED if values.get(key) is None}
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


def create_campus_network(
    session: Session, actor: Actor, school_code: str, data: Mapping[str, Any]
) -> CampusNetwork:
    """Record a state of a school's campus network (the first one, or an upgrade)."""
    actor.require_write()
    school = school_by_code(session, actor, school_code, write=True)
    errors: dict[str, list[str]] = {}
    values = coerce_enums({**DEFAULTS, **data}, ENUMS, errors)
    raise_if(errors)
    _check(session, values, school.id, None)
    return add_object(session, actor, CampusNetwork(school=school, **values))


def update_campus_network(
    session: Session, actor: Actor, network_id: int, changes: Mapping[str, Any]
) -> CampusNetwork:
    """Correct some fields of one campus-network state; the others keep their values."""
    actor.require_write()
    network = get_in_scope(session, actor, CampusNetwork, network_id, "campus network", write=True)
    errors: dict[str, list[str]] = {}
    changes = coerce_enums(changes, ENUMS, errors)
    raise_if(errors)
    _check(session, merged(network, changes), network.school_id, network.id)
    change_object(session, actor, network, changes)
    return network


def delete_campus_network(session: Session, actor: Actor, network_id: int) -> None:
    """Delete a wrongly entered state (an upgrade is a new state, not a deletion)."""
    actor.require_write()
    network = get_in_scope(session, actor, CampusNetwork, network_id, "campus network", write=True)
    delete_object(session, actor, network)


# The web layer's handle on campus networks (api/entities.py); the parent is the school's code.
# A state is deleted, never archived: an upgrade is a new state.
from inventory.services.entity import EntityService, school_code  # noqa: E402

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
