"""Each entity's typed input (``ClassroomValues``...) and its field table name the same fields
with the same types: a field added to, removed from or retyped in one and not the other stops
the import of the models, naming the field."""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import date
from typing import Any, TypedDict

import pytest

from inventory import fieldspec as spec
from inventory.models.network import (
    CAMPUS_NETWORK_FIELDS,
    CREDENTIAL_FIELDS,
    DEVICE_FIELDS,
    LINK_FIELDS,
    CampusNetworkValues,
    CredentialValues,
    DeviceValues,
    LinkValues,
)
from inventory.models.regions import REGION_FIELDS, RegionValues
from inventory.models.schools import (
    CLASSROOM_FIELDS,
    SCHOOL_FIELDS,
    ClassroomValues,
    SchoolValues,
)
from inventory.services import (
    campus_networks,
    classrooms,
    credentials,
    devices,
    links,
    regions,
    schools,
)

BOUND: list[tuple[spec.FieldTable, type, tuple[str, ...]]] = [
    (SCHOOL_FIELDS, SchoolValues, ()),
    (CLASSROOM_FIELDS, ClassroomValues, ()),
    (CAMPUS_NETWORK_FIELDS, CampusNetworkValues, ()),
    (LINK_FIELDS, LinkValues, ("device_id",)),
    (DEVICE_FIELDS, DeviceValues, ("credential_id",)),
    (CREDENTIAL_FIELDS, CredentialValues, ()),
    (REGION_FIELDS, RegionValues, ()),
]


def _without(values: type, key: str) -> type:
    hints = {k: v for k, v in typing.get_type_hints(values).items() if k != key}
    return TypedDict(f"{values.__name__}WithoutIt", hints, total=False)


@pytest.mark.parametrize(
    ("fields", "values", "references"), BOUND, ids=[fields.entity for fields, _, _ in BOUND]
)
def test_each_typed_input_has_exactly_its_tables_fields_and_references(
    fields: spec.FieldTable, values: type, references: tuple[str, ...]
) -> None:
    assert set(typing.get_type_hints(values)) == set(fields) | set(references)
    assert not values.__required_keys__


def test_a_field_added_to_the_table_only_is_refused_by_name() -> None:
    with pytest.raises(spec.TableMismatch, match="ClassroomValues lacks projector"):
        spec.table(
            "classroom",
            ClassroomValues,
            **CLASSROOM_FIELDS.fields,
            projector=spec.Field(spec.Flag(), default=False),
        )


def test_a_field_left_out_of_the_typed_input_is_refused_by_name() -> None:
    fewer = _without(ClassroomValues, "building")
    with pytest.raises(spec.TableMismatch, match="lacks building of the classroom table"):
        spec.table("classroom", fewer, **CLASSROOM_FIELDS.fields)


def test_a_field_in_the_typed_input_only_is_refused_by_name() -> None:
    fields = {k: f for k, f in CLASSROOM_FIELDS.items() if k != "notes"}
    with pytest.raises(spec.TableMismatch, match="ClassroomValues has notes, which the"):
        spec.table("classroom", ClassroomValues, **fields)


def test_a_reference_must_be_declared_on_both_sides() -> None:
    with pytest.raises(spec.TableMismatch, match="LinkValues has device_id"):
        spec.table("network_link", LinkValues, **LINK_FIELDS.fields)
    with pytest.raises(spec.TableMismatch, match="lacks device_id"):
        spec.table(
            "network_link",
            _without(LinkValues, "device_id"),
            references=("device_id",),
            **LINK_FIELDS.fields,
        )


class _Retyped(TypedDict, total=False):
    opened: str | None  # the rule is a date
    size: int  # the rule lets it be empty
    name: str


def test_a_type_or_nullability_that_disagrees_with_the_rule_is_refused_by_name() -> None:
    with pytest.raises(spec.TableMismatch) as refused:
        spec.table(
            "thing",
            _Retyped,
            opened=spec.Field(spec.Day(date(2000, 1, 1), date(2001, 1, 1))),
            size=spec.Field(spec.Whole(0, 9)),
            name=spec.Field(spec.Text(9), required=True),
        )
    message = str(refused.value)
    assert "_Retyped.opened must be date | None" in message
    assert "_Retyped.size must be int | None" in message
    assert "_Retyped.name" not in message


class _Total(TypedDict):
    name: str


def test_a_typed_input_must_let_a_patch_leave_any_field_out() -> None:
    with pytest.raises(spec.TableMismatch, match="must be total=False"):
        spec.table("thing", _Total, name=spec.Field(spec.Text(9), required=True))


SERVICES: list[tuple[Callable[..., Any], str, type]] = [
    (schools.create_school, "data", SchoolValues),
    (schools.update_school, "changes", SchoolValues),
    (classrooms.create_classroom, "data", ClassroomValues),
    (classrooms.update_classroom, "changes", ClassroomValues),
    (campus_networks.create_campus_network, "data", CampusNetworkValues),
    (campus_networks.update_campus_network, "changes", CampusNetworkValues),
    (links.create_link, "data", LinkValues),
    (links.update_link, "changes", LinkValues),
    (devices.create_device, "data", DeviceValues),
    (devices.update_device, "changes", DeviceValues),
    (credentials.create_credential, "data", CredentialValues),
    (credentials.update_credential, "changes", CredentialValues),
    (regions.create_region, "data", RegionValues),
    (regions.update_region, "changes", RegionValues),
]


@pytest.mark.parametrize(
    ("service", "parameter", "values"), SERVICES, ids=lambda x: getattr(x, "__name__", x)
)
def test_services_take_the_typed_input_of_their_entity(
    service: Callable[..., Any], parameter: str, values: type
) -> None:
    assert typing.get_type_hints(service)[parameter] is values
