"""The alert services called as the typed input says (``SubscriptionValues``,
``MaintenanceValues``): a school named by id is placed exactly as one named by code in the
API, in the actor's scope, and an unknown id is refused on ``school_id``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import TransportKind, UserRole
from inventory.errors import InvalidInput
from inventory.models.alerts import MaintenanceValues, SubscriptionValues
from inventory.secretbox import SecretBox
from inventory.services import schools
from inventory.services.alerting import placement, subscriptions, windows
from tests.conftest import COUNTY, FERNET_KEY, OTHER_COUNTY

BOX = SecretBox([FERNET_KEY])


def _school(session: Session, code: str, county: str) -> int:
    values = {"code": code, "name": f"学校{code[-2:]}", "type_code": "211", "region_code": county}
    return schools.create_school(session, Actor.system("t"), values).id


def test_a_subscription_given_a_school_id_is_placed_on_that_school(session: Session) -> None:
    here = _school(session, "2153010001", COUNTY)
    values: SubscriptionValues = {
        "name": "网管",
        "school_id": here,
        "transport": TransportKind.EMAIL,
        "target": "it@example.org",
    }
    made = subscriptions.create_subscription(session, Actor.system("t"), BOX, values)
    assert (made.school_id, made.region_code) == (here, None)
    with pytest.raises(InvalidInput) as refused:
        subscriptions.create_subscription(
            session, Actor.system("t"), BOX, {**values, "school_id": here + 1000}
        )
    assert "school_id" in refused.value.fields


def test_a_window_given_a_school_outside_the_actors_county_is_unknown(session: Session) -> None:
    there = _school(session, "2153220001", OTHER_COUNTY)
    county = Actor(user_id=None, name="county", role=UserRole.REGION_ADMIN, region_code=COUNTY)
    start = datetime(2030, 1, 1, 14, tzinfo=UTC)
    values: MaintenanceValues = {
        "name": "检修",
        "school_id": there,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
    }
    with pytest.raises(InvalidInput) as refused:
        windows.create_window(session, county, values)
    assert refused.value.fields == {"school_code": ["no school with code '2153220001'"]}
    made = windows.create_window(session, Actor.system("t"), values)
    assert placement.school_code_of(session, made.school_id) == "2153220001"
