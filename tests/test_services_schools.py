"""Service-level tests of schools and the change log, without HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import ChangeAction, Lifecycle, UserRole
from inventory.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inventory.models import ChangeRecord, School
from inventory.services import schools
from inventory.services.common import PageRequest
from inventory.services.schools import SchoolFilter
from tests.conftest import COUNTY


def _data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "2153010001",
        "name": "鹿城小学",
        "type_code": "211",
        "region_code": COUNTY,
        "opened_on": date(1990, 9, 1),
    }
    data.update(overrides)
    return data


def test_the_change_record_shares_the_transaction(session: Session, actor: Actor) -> None:
    schools.create_school(session, actor, _data())
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(School)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ChangeRecord)) == 0


def test_create_logs_the_actor_and_the_batch(session: Session, actor: Actor) -> None:
    batch = actor.in_batch()
    school = schools.create_school(session, batch, _data())
    session.commit()
    record = session.scalars(sa.select(ChangeRecord)).one()
    assert (record.action, record.object_type, record.object_id) == (
        ChangeAction.CREATE,
        "school",
        str(school.id),
    )
    assert record.actor_name == "tester"
    assert batch.batch_id is not None
    assert record.batch_id == batch.batch_id
    assert record.after is not None and record.after["opened_on"] == "1990-09-01"


def test_all_rule_violations_are_reported_together(session: Session, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as info:
        schools.create_school(
            session,
            actor,
            _data(type_code="999", region_code="532300", closed_on=date(1980, 1, 1)),
        )
    assert set(info.value.fields) == {"type_code", "region_code", "closed_on"}


def test_duplicates_conflict_and_unknowns_are_not_found(session: Session, actor: Actor) -> None:
    schools.create_school(session, actor, _data())
    with pytest.raises(Conflict):
        schools.create_school(session, actor, _data(name="another"))
    with pytest.raises(NotFound):
        schools.update_school(session, actor, "2153019999", {"name": "x"})


def test_viewers_cannot_write(session: Session) -> None:
    viewer = Actor(user_id=None, name="v", role=UserRole.VIEWER)
    with pytest.raises(PermissionDenied):
        schools.create_school(session, viewer, _data())


def test_archive_keeps_the_school_and_logs_an_archive(session: Session, actor: Actor) -> None:
    schools.create_school(session, actor, _data())
    archived = schools.archive_school(session, actor, "2153010001", date(2024, 7, 1))
    assert archived.closed_on == date(2024, 7, 1)
    actions = session.scalars(sa.select(ChangeRecord.action).order_by(ChangeRecord.id)).all()
    assert actions == [ChangeAction.CREATE, ChangeAction.ARCHIVE]
    with pytest.raises(InvalidInput):
        schools.archive_school(session, actor, "2153010001", date(1980, 1, 1))


def test_status_filter_as_of_a_given_day(session: Session, actor: Actor) -> None:
    schools.create_school(session, actor, _data(closed_on=date(2024, 7, 1)))
    active_2023 = schools.list_schools(
        session, actor, SchoolFilter(status=Lifecycle.ACTIVE), PageRequest(), date(2023, 1, 1)
    )
    active_2025 = schools.list_schools(
        session, actor, SchoolFilter(status=Lifecycle.ACTIVE), PageRequest(), date(2025, 1, 1)
    )
    assert (active_2023.total, active_2025.total) == (1, 0)
