"""Service-level tests of SNMP credentials, devices and links, without HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import (
    ChangeAction,
    DeviceStatus,
    Lifecycle,
    SnmpPrivProtocol,
    SnmpVersion,
    UserRole,
)
from inventory.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inventory.models import ChangeRecord, Device, NetworkLink, School, SnmpCredential
from inventory.secretbox import SecretBox
from inventory.services import credentials, devices, links, schools
from inventory.services.common import PageRequest
from inventory.services.devices import DeviceFilter
from inventory.services.links import LinkFilter
from tests.conftest import COUNTY, OTHER_COUNTY

SCHOOL = "2153010001"
OTHER_SCHOOL = "2153220001"


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([SecretBox.generate_key()])


@pytest.fixture
def school(session: Session, actor: Actor) -> School:
    schools.create_school(
        session,
        actor,
        {"code": OTHER_SCHOOL, "name": "双柏中学", "type_code": "342", "region_code": OTHER_COUNTY},
    )
    return schools.create_school(
        session,
        actor,
        {"code": SCHOOL, "name": "鹿城小学", "type_code": "211", "region_code": COUNTY},
    )


def _v3(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "v3-authpriv",
        "version": "v3",  # plain strings are accepted, as a loader would pass them
        "username": "monitor",
        "auth_protocol": "sha256",
        "auth_key": "auth-key-0001",
        "priv_protocol": "aes256",
        "priv_key": "priv-key-0001",
    }
    data.update(overrides)
    return data


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- credentials ------------------------------------------------------------------------------


def test_credential_secrets_are_encrypted_and_revealed_only_on_request(
    session: Session, actor: Actor, box: SecretBox
) -> None:
    credential = credentials.create_credential(session, actor, box, _v3())
    session.commit()
    assert credential.version is SnmpVersion.V3
    assert credential.priv_protocol is SnmpPrivProtocol.AES256
    assert credential.auth_key_enc and "auth-key-0001" not in credential.auth_key_enc
    assert credential.secrets_updated_at is not None
    plain = credentials.reveal(box, credential)
    assert (plain.auth_key, plain.priv_key, plain.community) == (
        "auth-key-0001",
        "priv-key-0001",
        None,
    )
    assert (plain.username, plain.auth_protocol.value if plain.auth_protocol else None) == (
        "monitor",
        "sha256",
    )
    shown = repr(plain) + str(plain)
    assert "auth-key-0001" not in shown and "priv-key-0001" not in shown
    assert "'***'" in shown and "monitor" in shown
    with pytest.raises(AttributeError):
        plain.auth_key = "x"  # type: ignore[misc]


def test_credential_rules_are_reported_together(
    session: Session, actor: Actor, box: SecretBox
) -> None:
    with pytest.raises(InvalidInput) as info:
        credentials.create_credential(
            session,
            actor,
            box,
            {"name": "x", "version": "v3", "auth_key": "short", "community": "public"},
        )
    assert set(info.value.fields) == {"username", "auth_protocol", "auth_key", "community"}
    assert "short" not in str(info.value.fields)  # a rejected secret is not quoted back
    with pytest.raises(InvalidInput) as info:
        credentials.create_credential(session, actor, box, {"name": "x", "version": "v9"})
    assert set(info.value.fields) == {"version"}
    assert _count(session, SnmpCredential) == 0


def test_rotation_stamps_secrets_updated_at_only_when_a_secret_changes(
    session: Session, actor: Actor, box: SecretBox
) -> None:
    credential = credentials.create_credential(
        session, actor, box, {"name": "v2c", "version": "v2c", "community": "public-1"}
    )
    session.commit()
    first = credential.secrets_updated_at
    credentials.update_credential(session, actor, box, credential.id, {"notes": "机房"})
    credentials.update_credential(session, actor, box, credential.id, {"community": "public-1"})
    assert credential.secrets_updated_at == first
    credentials.update_credential(session, actor, box, credential.id, {"community": "public-2"})
    assert first is not None and credential.secrets_updated_at is not None
    assert credential.secrets_updated_at > first
    assert credentials.reveal(box, credential).community == "public-2"
    actions = session.scalars(sa.select(ChangeRecord.action).order_by(ChangeRecord.id)).all()
    assert actions == [ChangeAction.CREATE, ChangeAction.UPDATE, ChangeAction.UPDATE]


def test_an_unreadable_stored_secret_counts_as_changed(
    session: Session, actor: Actor, box: SecretBox
) -> None:
    credential = credentials.create_credential(
        session, actor, box, {"name": "v2c", "version": "v2c", "community": "public-1"}
    )
    new_box = SecretBox([SecretBox.generate_key()])  # the old key is gone
    credentials.update_credential(session, actor, new_box, credential.id, {"community": "public-1"})
    assert credentials.reveal(new_box, credential).community == "public-1"


@pytest.mark.parametrize("role", [UserRole.REGION_ADMIN, UserRole.SCHOOL_STAFF, UserRole.VIEWER])
def test_only_admins_change_credentials(
    session: Session, actor: Actor, box: SecretBox, role: UserRole
) -> None:
    credential = credentials.create_credential(session, actor, box, _v3())
    someone = Actor(user_id=None, name="someone", role=role)
    with pytest.raises(PermissionDenied):
        credentials.create_credential(session, someone, box, _v3(name="other"))
    with pytest.raises(PermissionDenied):
        credentials.update_credential(session, someone, box, credential.id, {"notes": "x"})
    with pytest.raises(PermissionDenied):
        credentials.delete_credential(session, someone, credential.id)
    page = credentials.list_credentials(session, someone, PageRequest())
    assert [c.name for c in page.items] == ["v3-authpriv"]


def test_credential_in_use_conflicts_and_unknown_is_not_found(
    session: Session, actor: Actor, box: SecretBox, school: School
) -> None:
    credential = credentials.create_credential(session, actor, box, _v3())
    devices.create_device(
        session,
        actor,
        SCHOOL,
        {
            "name": "gw",
            "role": "gateway",
            "mgmt_address": "10.0.0.1",
            "credential_id": credential.id,
        },
    )
    with pytest.raises(Conflict):
        credentials.delete_credential(session, actor, credential.id)
    with pytest.raises(NotFound):
        credentials.get_credential(session, actor, 4242)
    with pytest.raises(Conflict):
        credentials.create_credential(session, actor, box, _v3())


def test_security_level(session: Session, actor: Actor, box: SecretBox) -> None:
    no_priv = _v3(name="np")
    del no_priv["priv_protocol"], no_priv["priv_key"]
    made = [
        credentials.create_credential(session, actor, box, _v3()),
        credentials.create_credential(session, actor, box, no_priv),
        credentials.create_credential(
            session, actor, box, {"name": "v1", "version": "v1", "community": "c"}
        ),
    ]
    assert [credentials.security_level(c) for c in made] == ["authPriv", "authNoPriv", "community"]
    assert made[1].priv_protocol is SnmpPrivProtocol.NONE


# --- devices ----------------------------------------------------------------------------------


def test_device_defaults_apply_on_create_only(
    session: Session, actor: Actor, school: School
) -> None:
    device = devices.create_device(
        session,
        actor,
        SCHOOL,
        {"name": "core", "role": "core_switch", "mgmt_address": " 2001:DB8::0:1 "},
    )
    assert (device.status, device.snmp_port, device.polling_enabled) == (
        DeviceStatus.ACTIVE,
        161,
        True,
    )
    assert device.mgmt_address == "2001:db8::1"
    devices.update_device(
        session,
        actor,
        device.id,
        {"status": "offline", "snmp_port": 1161, "polling_enabled": False},
    )
    devices.update_device(session, actor, device.id, {"name": "core-1"})
    session.commit()
    session.expire_all()
    stored = devices.get_device(session, actor, device.id)
    assert (stored.name, stored.status, stored.snmp_port, stored.polling_enabled) == (
        "core-1",
        DeviceStatus.OFFLINE,
        1161,
        False,
    )


def test_device_rules_are_reported_together(session: Session, actor: Actor, school: School) -> None:
    with pytest.raises(InvalidInput) as info:
        devices.create_device(
            session,
            actor,
            SCHOOL,
            {
                "role": "router",
                "mgmt_address": "not-an-address",
                "snmp_port": 70000,
                "credential_id": 4242,
                "sys_object_id": "1.3.x",
            },
        )
    assert set(info.value.fields) == {
        "name",
        "role",
        "mgmt_address",
        "snmp_port",
        "credential_id",
        "sys_object_id",
    }
    with pytest.raises(NotFound):
        devices.create_device(
            session,
            actor,
            "2153019999",
            {"name": "x", "role": "gateway", "mgmt_address": "1.1.1.1"},
        )
    assert _count(session, Device) == 0


def test_duplicate_address_conflicts(session: Session, actor: Actor, school: School) -> None:
    data = {"name": "gw", "role": "gateway", "mgmt_address": "10.0.0.1"}
    devices.create_device(session, actor, SCHOOL, data)
    with pytest.raises(Conflict) as info:
        devices.create_device(session, actor, OTHER_SCHOOL, {**data, "name": "gw2"})
    assert set(info.value.fields) == {"mgmt_address"}


def test_deleting_a_device_detaches_and_logs_its_links(
    session: Session, actor: Actor, school: School
) -> None:
    device = devices.create_device(
        session, actor, SCHOOL, {"name": "gw", "role": "gateway", "mgmt_address": "10.0.0.1"}
    )
    link = links.create_link(
        session,
        actor,
        SCHOOL,
        {
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": 1000,
            "up_mbps": 1000,
            "device_id": device.id,
            "interface_name": "GE0/0/1",
        },
    )
    session.commit()
    devices.delete_device(session, actor, device.id)
    session.commit()
    session.expire_all()
    kept = links.get_link(session, actor, link.id)
    assert (kept.device_id, kept.interface_name, kept.device) == (None, None, None)
    records = session.scalars(
        sa.select(ChangeRecord)
        .where(ChangeRecord.action != ChangeAction.CREATE)
        .order_by(ChangeRecord.id)
    ).all()
    assert [(r.action, r.object_type) for r in records] == [
        (ChangeAction.UPDATE, "network_link"),
        (ChangeAction.DELETE, "device"),
    ]
    assert records[0].before is not None and records[0].before["device_id"] == device.id
    assert records[0].after is not None and records[0].after["interface_name"] is None


def test_device_list_filters(session: Session, actor: Actor, school: School) -> None:
    devices.create_device(
        session, actor, SCHOOL, {"name": "a", "role": "gateway", "mgmt_address": "10.0.0.1"}
    )
    devices.create_device(
        session,
        actor,
        OTHER_SCHOOL,
        {"name": "b", "role": "olt", "mgmt_address": "10.0.0.2", "polling_enabled": False},
    )

    def names(**kwargs: Any) -> list[str]:
        return [
            d.name
            for d in devices.list_devices(
                session, actor, DeviceFilter(**kwargs), PageRequest()
            ).items
        ]

    assert names() == ["a", "b"]
    assert names(region="532300") == ["a", "b"]
    assert names(region=COUNTY) == ["a"]
    assert names(polling_enabled=False) == ["b"]
    assert names(q="10.0.0.2") == ["b"]
    with pytest.raises(InvalidInput):
        names(school="2153019999")


# --- links ------------------------------------------------------------------------------------


def _link(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "internet",
        "carrier": "unicom",
        "medium": "fibre",
        "down_mbps": 500,
        "up_mbps": 50,
        "commissioned_on": date(2023, 9, 1),
    }
    data.update(overrides)
    return data


def test_link_rules_are_reported_together(session: Session, actor: Actor, school: School) -> None:
    theirs = devices.create_device(
        session, actor, OTHER_SCHOOL, {"name": "gw", "role": "gateway", "mgmt_address": "10.0.0.9"}
    )
    with pytest.raises(InvalidInput) as info:
        links.create_link(
            session,
            actor,
            SCHOOL,
            _link(
                carrier=None,
                down_mbps=0,
                decommissioned_on=date(2020, 1, 1),
                device_id=theirs.id,
            ),
        )
    assert set(info.value.fields) == {
        "carrier",
        "down_mbps",
        "decommissioned_on",
        "device_id",
        "interface_name",
    }
    assert _count(session, NetworkLink) == 0


def test_archive_link(session: Session, actor: Actor, school: School) -> None:
    link = links.create_link(session, actor, SCHOOL, _link())
    with pytest.raises(InvalidInput):
        links.archive_link(session, actor, link.id, date(2023, 8, 31))
    links.archive_link(session, actor, link.id, date(2024, 7, 1))
    links.archive_link(session, actor, link.id, date(2025, 1, 1))  # already by then: no-op
    assert link.decommissioned_on == date(2024, 7, 1)
    assert link.status is Lifecycle.CLOSED
    actions = session.scalars(
        sa.select(ChangeRecord.action)
        .where(ChangeRecord.object_type == "network_link")
        .order_by(ChangeRecord.id)
    ).all()
    assert actions == [ChangeAction.CREATE, ChangeAction.ARCHIVE]
    with pytest.raises(NotFound):
        links.archive_link(session, actor, 4242)


def test_link_status_filter_as_of_a_given_day(
    session: Session, actor: Actor, school: School
) -> None:
    links.create_link(session, actor, SCHOOL, _link(decommissioned_on=date(2024, 7, 1)))

    def total(status: Lifecycle, day: date) -> int:
        return links.list_links(session, actor, LinkFilter(status=status), PageRequest(), day).total

    assert total(Lifecycle.PLANNED, date(2023, 1, 1)) == 1
    assert total(Lifecycle.ACTIVE, date(2023, 9, 1)) == 1
    assert total(Lifecycle.ACTIVE, date(2024, 7, 1)) == 0
    assert total(Lifecycle.CLOSED, date(2024, 7, 1)) == 1


def test_link_change_shares_the_transaction(session: Session, actor: Actor, school: School) -> None:
    session.commit()
    links.create_link(session, actor, SCHOOL, _link())
    session.rollback()
    assert _count(session, NetworkLink) == 0
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(ChangeRecord)
            .where(ChangeRecord.object_type == "network_link")
        )
        == 0
    )


def test_viewers_cannot_write_devices_or_links(session: Session, school: School) -> None:
    viewer = Actor(user_id=None, name="v", role=UserRole.VIEWER)
    with pytest.raises(PermissionDenied):
        devices.create_device(
            session, viewer, SCHOOL, {"name": "x", "role": "gateway", "mgmt_address": "1.1.1.1"}
        )
    with pytest.raises(PermissionDenied):
        links.create_link(session, viewer, SCHOOL, _link())
