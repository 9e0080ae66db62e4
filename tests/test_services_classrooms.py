"""Service-level tests of classrooms and campus networks, without HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import (
    CampusArchitecture,
    ChangeAction,
    ClassroomKind,
    DisplayKind,
    Lifecycle,
    UserRole,
    WirelessCoverage,
)
from inventory.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inventory.models import CampusNetwork, ChangeRecord, Classroom, School
from inventory.services import campus_networks, classrooms, schools
from inventory.services.campus_networks import CampusNetworkFilter
from inventory.services.classrooms import ClassroomFilter
from inventory.services.common import PageRequest
from tests.conftest import COUNTY, OTHER_COUNTY

CODE = "2153010001"
OTHER = "2153220001"
VIEWER = Actor(user_id=None, name="v", role=UserRole.VIEWER)


@pytest.fixture
def school(session: Session, actor: Actor) -> School:
    created = schools.create_school(
        session,
        actor,
        {"code": CODE, "name": "鹿城小学", "type_code": "211", "region_code": COUNTY},
    )
    session.commit()
    return created


@pytest.fixture
def other_school(session: Session, actor: Actor) -> School:
    created = schools.create_school(
        session,
        actor,
        {"code": OTHER, "name": "双柏中学", "type_code": "342", "region_code": OTHER_COUNTY},
    )
    session.commit()
    return created


def _room(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"room_code": "A101", "commissioned_on": date(2021, 9, 1)}
    data.update(overrides)
    return data


def _actions(session: Session, object_type: str) -> list[ChangeAction]:
    return list(
        session.scalars(
            sa.select(ChangeRecord.action)
            .where(ChangeRecord.object_type == object_type)
            .order_by(ChangeRecord.id)
        )
    )


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- classrooms -------------------------------------------------------------------------------


def test_create_applies_defaults_and_accepts_stored_enum_strings(
    session: Session, actor: Actor, school: School
) -> None:
    room = classrooms.create_classroom(
        session, actor, CODE, _room(display="interactive_panel", has_audio=True)
    )
    assert room.school_id == school.id
    assert room.kind is ClassroomKind.ORDINARY
    assert room.display is DisplayKind.INTERACTIVE_PANEL
    assert (room.has_audio, room.has_teacher_terminal, room.has_recording) == (True, False, False)
    assert room.status is Lifecycle.ACTIVE
    record = session.scalars(sa.select(ChangeRecord).order_by(ChangeRecord.id)).all()[-1]
    assert (record.action, record.object_type, record.object_id) == (
        ChangeAction.CREATE,
        "classroom",
        str(room.id),
    )
    assert record.after is not None and record.after["display"] == "interactive_panel"


def test_the_change_record_shares_the_transaction(
    session: Session, actor: Actor, school: School
) -> None:
    records = _count(session, ChangeRecord)
    classrooms.create_classroom(session, actor, CODE, _room())
    session.rollback()
    assert _count(session, Classroom) == 0
    assert _count(session, ChangeRecord) == records


def test_all_rule_violations_are_reported_together(
    session: Session, actor: Actor, school: School
) -> None:
    with pytest.raises(InvalidInput) as info:
        classrooms.create_classroom(
            session,
            actor,
            CODE,
            {
                "kind": None,
                "decommissioned_on": date(2020, 1, 1),
                "commissioned_on": date(2021, 1, 1),
            },
        )
    assert set(info.value.fields) == {"room_code", "kind", "decommissioned_on"}
    with pytest.raises(InvalidInput) as bad_enum:
        classrooms.create_classroom(session, actor, CODE, _room(kind="gym", display="hologram"))
    assert set(bad_enum.value.fields) == {"kind", "display"}
    assert _count(session, Classroom) == 0


def test_room_codes_are_unique_per_school(
    session: Session, actor: Actor, school: School, other_school: School
) -> None:
    first = classrooms.create_classroom(session, actor, CODE, _room())
    with pytest.raises(Conflict) as info:
        classrooms.create_classroom(session, actor, CODE, _room(building="B"))
    assert set(info.value.fields) == {"room_code"}
    classrooms.create_classroom(session, actor, OTHER, _room())  # another school: fine
    second = classrooms.create_classroom(session, actor, CODE, _room(room_code="A102"))
    with pytest.raises(Conflict):
        classrooms.update_classroom(session, actor, second.id, {"room_code": "A101"})
    assert second.room_code == "A102"
    assert classrooms.update_classroom(session, actor, first.id, {"room_code": "A101"}) is first


def test_unknowns_are_not_found(session: Session, actor: Actor, school: School) -> None:
    with pytest.raises(NotFound):
        classrooms.create_classroom(session, actor, "2153019999", _room())
    for call in (
        lambda: classrooms.get_classroom(session, actor, 999),
        lambda: classrooms.update_classroom(session, actor, 999, {"floor": 1}),
        lambda: classrooms.archive_classroom(session, actor, 999),
    ):
        with pytest.raises(NotFound):
            call()


def test_viewers_cannot_write(session: Session, actor: Actor, school: School) -> None:
    room = classrooms.create_classroom(session, actor, CODE, _room())
    net = campus_networks.create_campus_network(
        session, actor, CODE, {"architecture": "copper", "commissioned_on": date(2019, 9, 1)}
    )
    for call in (
        lambda: classrooms.create_classroom(session, VIEWER, CODE, _room(room_code="X")),
        lambda: classrooms.update_classroom(session, VIEWER, room.id, {"floor": 2}),
        lambda: classrooms.archive_classroom(session, VIEWER, room.id),
        lambda: campus_networks.create_campus_network(session, VIEWER, CODE, {}),
        lambda: campus_networks.update_campus_network(session, VIEWER, net.id, {}),
        lambda: campus_networks.delete_campus_network(session, VIEWER, net.id),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert classrooms.get_classroom(session, VIEWER, room.id) is room  # reading is fine


def test_update_keeps_unmentioned_fields_and_checks_merged_dates(
    session: Session, actor: Actor, school: School
) -> None:
    room = classrooms.create_classroom(
        session, actor, CODE, _room(kind=ClassroomKind.COMPUTER_LAB, has_visualiser=True)
    )
    classrooms.update_classroom(session, actor, room.id, {"floor": 3})
    assert (room.floor, room.kind, room.has_visualiser) == (3, ClassroomKind.COMPUTER_LAB, True)
    with pytest.raises(InvalidInput) as info:
        classrooms.update_classroom(
            session, actor, room.id, {"decommissioned_on": date(2020, 1, 1)}
        )
    assert set(info.value.fields) == {"decommissioned_on"}
    assert room.decommissioned_on is None
    assert _actions(session, "classroom") == [ChangeAction.CREATE, ChangeAction.UPDATE]


def test_archive_is_logged_once_and_checks_the_commissioning_date(
    session: Session, actor: Actor, school: School
) -> None:
    room = classrooms.create_classroom(session, actor, CODE, _room())
    with pytest.raises(InvalidInput) as info:
        classrooms.archive_classroom(session, actor, room.id, date(2021, 8, 31))
    assert set(info.value.fields) == {"decommissioned_on"}
    classrooms.archive_classroom(session, actor, room.id, date(2024, 7, 1))
    assert room.decommissioned_on == date(2024, 7, 1)
    again = classrooms.archive_classroom(session, actor, room.id, date(2025, 1, 1))
    assert again.decommissioned_on == date(2024, 7, 1)
    earlier = classrooms.archive_classroom(session, actor, room.id, date(2024, 1, 1))
    assert earlier.decommissioned_on == date(2024, 1, 1)  # a correction to an earlier date
    assert _actions(session, "classroom") == [
        ChangeAction.CREATE,
        ChangeAction.ARCHIVE,
        ChangeAction.ARCHIVE,
    ]


def test_archive_defaults_to_today(session: Session, actor: Actor, school: School) -> None:
    room = classrooms.create_classroom(session, actor, CODE, _room(commissioned_on=None))
    classrooms.archive_classroom(session, actor, room.id)
    assert room.decommissioned_on == date.today()
    assert room.status is Lifecycle.CLOSED


def test_status_filter_as_of_a_given_day(session: Session, actor: Actor, school: School) -> None:
    classrooms.create_classroom(session, actor, CODE, _room(decommissioned_on=date(2024, 7, 1)))
    flt = ClassroomFilter(status=Lifecycle.ACTIVE)

    def total(day: date) -> int:
        return classrooms.list_classrooms(session, actor, flt, PageRequest(), day).total

    assert (total(date(2021, 8, 31)), total(date(2023, 1, 1)), total(date(2024, 7, 1))) == (0, 1, 0)
    planned = ClassroomFilter(status=Lifecycle.PLANNED)
    listed = classrooms.list_classrooms(session, actor, planned, PageRequest(), date(2020, 1, 1))
    assert [r.room_code for r in listed.items] == ["A101"]


def test_list_filters_combine(
    session: Session, actor: Actor, school: School, other_school: School
) -> None:
    classrooms.create_classroom(session, actor, CODE, _room(room_code="A1", building="主楼"))
    classrooms.create_classroom(
        session, actor, CODE, _room(room_code="L1", building="实验楼", kind="science_lab")
    )
    classrooms.create_classroom(session, actor, OTHER, _room(room_code="L1", kind="science_lab"))

    def rooms(flt: ClassroomFilter) -> list[tuple[str, str]]:
        page = classrooms.list_classrooms(session, actor, flt, PageRequest(sort="school_code"))
        return [(r.school.code, r.room_code) for r in page.items]

    assert rooms(ClassroomFilter(kind=ClassroomKind.SCIENCE_LAB)) == [(CODE, "L1"), (OTHER, "L1")]
    assert rooms(ClassroomFilter(kind=ClassroomKind.SCIENCE_LAB, region=COUNTY)) == [(CODE, "L1")]
    assert rooms(ClassroomFilter(school=OTHER)) == [(OTHER, "L1")]
    assert rooms(ClassroomFilter(building="主楼")) == [(CODE, "A1")]
    with pytest.raises(InvalidInput):
        rooms(ClassroomFilter(school="2153019999"))
    with pytest.raises(InvalidInput):
        rooms(ClassroomFilter(region="999999"))
    with pytest.raises(InvalidInput):
        classrooms.list_classrooms(session, actor, ClassroomFilter(), PageRequest(sort="notes"))


# --- campus networks --------------------------------------------------------------------------


def _network(
    session: Session, actor: Actor, code: str, architecture: str, day: date, **extra: Any
) -> CampusNetwork:
    return campus_networks.create_campus_network(
        session, actor, code, {"architecture": architecture, "commissioned_on": day, **extra}
    )


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session sends while the test runs."""
    seen: list[str] = []
    engine = session.get_bind()

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listen)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", listen)


def test_campus_network_defaults_required_fields_and_duplicates(
    session: Session, actor: Actor, school: School
) -> None:
    net = _network(session, actor, CODE, "copper", date(2019, 9, 1))
    assert net.architecture is CampusArchitecture.COPPER
    assert net.wireless_coverage is WirelessCoverage.NONE
    with pytest.raises(InvalidInput) as info:
        campus_networks.create_campus_network(session, actor, CODE, {"backbone_mbps": 100})
    assert set(info.value.fields) == {"architecture", "commissioned_on"}
    with pytest.raises(Conflict) as dup:
        _network(session, actor, CODE, "all_fibre", date(2019, 9, 1))
    assert set(dup.value.fields) == {"commissioned_on"}
    with pytest.raises(NotFound):
        _network(session, actor, "2153019999", "copper", date(2019, 9, 1))
    assert _count(session, CampusNetwork) == 1


def test_campus_network_update_checks_merged_values(
    session: Session, actor: Actor, school: School
) -> None:
    old = _network(session, actor, CODE, "copper", date(2019, 9, 1), wireless_coverage="partial")
    new = _network(session, actor, CODE, "all_fibre", date(2024, 3, 1))
    with pytest.raises(Conflict):
        campus_networks.update_campus_network(
            session, actor, new.id, {"commissioned_on": date(2019, 9, 1)}
        )
    with pytest.raises(InvalidInput) as info:
        campus_networks.update_campus_network(session, actor, old.id, {"commissioned_on": None})
    assert set(info.value.fields) == {"commissioned_on"}
    campus_networks.update_campus_network(session, actor, old.id, {"backbone_mbps": 100})
    assert (old.backbone_mbps, old.wireless_coverage) == (100, WirelessCoverage.PARTIAL)
    assert new.commissioned_on == date(2024, 3, 1)


def test_campus_network_delete_is_logged_with_what_it_was(
    session: Session, actor: Actor, school: School
) -> None:
    net = _network(session, actor, CODE, "hybrid", date(2020, 1, 1))
    net_id = net.id
    campus_networks.delete_campus_network(session, actor, net_id)
    session.commit()
    assert session.get(CampusNetwork, net_id) is None
    record = session.scalars(
        sa.select(ChangeRecord).where(ChangeRecord.action == ChangeAction.DELETE)
    ).one()
    assert (record.object_type, record.object_id) == ("campus_network", str(net_id))
    assert record.before is not None and record.before["architecture"] == "hybrid"
    assert record.after is None
    with pytest.raises(NotFound):
        campus_networks.delete_campus_network(session, actor, net_id)


def test_campus_network_on_a_day_follows_the_history(
    session: Session, actor: Actor, school: School
) -> None:
    _network(session, actor, CODE, "copper", date(2019, 9, 1))
    _network(session, actor, CODE, "all_fibre", date(2024, 3, 1))
    _network(session, actor, CODE, "hybrid", date(2021, 9, 1))

    def on(day: date) -> CampusArchitecture | None:
        net = campus_networks.campus_network_on(session, school.id, day)
        return None if net is None else net.architecture

    assert on(date(2019, 8, 31)) is None
    assert on(date(2019, 9, 1)) is CampusArchitecture.COPPER
    assert on(date(2021, 8, 31)) is CampusArchitecture.COPPER
    assert on(date(2023, 12, 31)) is CampusArchitecture.HYBRID
    assert on(date(2024, 3, 1)) is CampusArchitecture.ALL_FIBRE
    assert on(date.today() + timedelta(days=3650)) is CampusArchitecture.ALL_FIBRE


def test_as_of_list_is_computed_in_sql_and_counts_schools(
    session: Session,
    actor: Actor,
    school: School,
    other_school: School,
    statements: list[str],
) -> None:
    _network(session, actor, CODE, "copper", date(2019, 9, 1))
    _network(session, actor, CODE, "all_fibre", date(2024, 3, 1))
    _network(session, actor, OTHER, "hybrid", date(2020, 1, 1))
    _network(session, actor, OTHER, "all_fibre", date(2025, 1, 1))
    session.commit()
    statements.clear()

    def listed(day: date, **kw: Any) -> tuple[int, list[tuple[str, CampusArchitecture]]]:
        flt = CampusNetworkFilter(as_of=day, **kw)
        page = campus_networks.list_campus_networks(session, actor, flt, PageRequest(per_page=1))
        return page.total, [(n.school.code, n.architecture) for n in page.items]

    assert listed(date(2023, 12, 31)) == (2, [(CODE, CampusArchitecture.COPPER)])
    assert listed(date(2024, 3, 1), architecture=CampusArchitecture.ALL_FIBRE) == (
        1,
        [(CODE, CampusArchitecture.ALL_FIBRE)],
    )
    assert listed(date(2025, 6, 1), architecture=CampusArchitecture.ALL_FIBRE)[0] == 2
    assert listed(date(2019, 12, 31), region=OTHER_COUNTY) == (0, [])
    lists = [s.upper() for s in statements if "FROM CAMPUS_NETWORK" in s.upper()]
    assert len(lists) == 8  # count + page per call, nothing loaded to filter in Python
    assert all("GROUP BY" in s and "MAX(" in s for s in lists)
