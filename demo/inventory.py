"""A deterministic synthetic inventory of Chuxiong's ten counties, and its loader.

``generate`` builds plain data (dicts and dataclasses, no ORM objects) from one seeded
``random.Random`` only, so the same seed always gives the same inventory. ``load`` inserts it
through the service layer, so every row is validated and change-logged under one batch id.

At scale 1.0 the demo has about 1,500 schools of every MOE school type, 25,000 classrooms and
3,000 devices, in a deliberate mix of states: some schools fully digital, many partly, some
not at all, with upgrade histories dated 2019–2026 so that coverage "as of" differs by year.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy.orm import Session

from demo.data import (
    DEFAULT_SEED,
    MAX_SCALE,
    PROGRESS_EVERY,
    SNMP_PORT,
    V3_STANDARD,
    V3_STRONG,
    DemoDevice,
    DemoInventory,
    DemoLink,
    DemoSchool,
    DemoSummary,
)
from demo.places import HIGHER, port_patterns
from demo.schools import _Generator
from inventory.actor import Actor
from inventory.models.network import CampusNetworkValues, CredentialValues, DeviceValues, LinkValues
from inventory.models.schools import ClassroomValues, SchoolValues
from inventory.secretbox import SecretBox
from inventory.services import campus_networks, classrooms, credentials, devices, links, schools

__all__ = [
    "DEFAULT_SEED",
    "HIGHER",
    "MAX_SCALE",
    "SNMP_PORT",
    "V3_STANDARD",
    "V3_STRONG",
    "DemoDevice",
    "DemoInventory",
    "DemoLink",
    "DemoSchool",
    "DemoSummary",
    "generate",
    "load",
    "port_patterns",
]


def generate(seed: int = DEFAULT_SEED, scale: float = 1.0) -> DemoInventory:
    """The demo inventory for ``seed``; ``scale`` multiplies the number of schools (1.0 ≈ 1,500)."""
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be in (0, {MAX_SCALE}]")
    return _Generator(seed, scale).run()


# --- loading ------------------------------------------------------------------------------


def load(
    session: Session,
    actor: Actor,
    box: SecretBox,
    inventory: DemoInventory,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Insert ``inventory`` through the services, under one change-log batch; does not commit.

    ``progress(n)`` is called with the number of schools loaded since the previous call.
    """
    batch = actor if actor.batch_id else actor.in_batch()
    assert batch.batch_id is not None
    credential_ids: dict[str, int] = {}
    # The generator's plain dicts are the services' typed inputs (choices given by their
    # stored values, which the services turn into members): this is where they become so.
    for data in inventory.credentials:
        profile = credentials.create_credential(session, batch, box, cast(CredentialValues, data))
        credential_ids[data["name"]] = profile.id
    counts = dict.fromkeys(("campus_networks", "devices", "links", "classrooms"), 0)
    pending = 0
    # Every service flushes what it adds, so each uniqueness check sees all earlier rows; the
    # change records pending in between need no flush of their own before each check query.
    with session.no_autoflush:
        for school in inventory.schools:
            code = school.code
            schools.create_school(session, batch, cast(SchoolValues, school.data))
            for network in school.campus_networks:
                state = cast(CampusNetworkValues, network)
                campus_networks.create_campus_network(session, batch, code, state)
            device_ids: dict[str, int] = {}
            for device in school.devices:
                credential_id = credential_ids[device.credential] if device.credential else None
                device_data = cast(DeviceValues, {**device.data, "credential_id": credential_id})
                created = devices.create_device(session, batch, code, device_data)
                device_ids[device.data["name"]] = created.id
            for link in school.links:
                device_id = device_ids[link.device] if link.device else None
                link_data = cast(LinkValues, {**link.data, "device_id": device_id})
                links.create_link(session, batch, code, link_data)
            for room in school.classrooms:
                classrooms.create_classroom(session, batch, code, cast(ClassroomValues, room))
            counts["campus_networks"] += len(school.campus_networks)
            counts["devices"] += len(school.devices)
            counts["links"] += len(school.links)
            counts["classrooms"] += len(school.classrooms)
            pending += 1
            if progress is not None and pending >= PROGRESS_EVERY:
                progress(pending)
                pending = 0
    session.flush()
    if progress is not None and pending:
        progress(pending)
    return DemoSummary(
        batch_id=batch.batch_id,
        credentials=len(credential_ids),
        schools=len(inventory.schools),
        **counts,
    )
