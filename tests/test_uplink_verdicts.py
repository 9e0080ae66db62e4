"""What a new user sees of an uplink whose device is dead or whose interface is mistyped,
against real agents (snmpsim and a silent UDP port, as in tests/test_cycle.py).

* A dead device's uplink says its device is not answering (the failure) and since when, in
  its verdict and in its school's reasons — not "never polled".
* Before discovery any interface name is taken, and the verdict says the device has no
  such interface (not "down" and "slow", never "None Mbps"); once the interfaces are
  discovered, an unknown name is a 422 listing the known ones — by the API, the page form
  and the spreadsheet import alike, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import OutageCause, UserRole
from inventory.coverage.evaluation import evaluate_school
from inventory.models import NetworkLink, User
from inventory.models.base import utcnow
from inventory.models.polling import DeviceState, LinkVerification, Outage
from inventory.secretbox import SecretBox
from inventory.services import accounts, credentials, devices, links, schools
from inventory.standards.registry import get_standard
from tests.conftest import COUNTY, ApiClient
from tests.test_cycle import COMMUNITY, Agents, agents, box, run  # noqa: F401  (fixtures)

DEAD_SCHOOL, TYPO_SCHOOL = "2153010021", "2153010022"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _school_with_uplink(
    session: Session,
    actor: Actor,
    code: str,
    where: tuple[str, int],
    credential: int,
    interface: str,
) -> tuple[int, int]:
    """A school with one device at ``where`` carrying a 1000 Mbps uplink on ``interface``."""
    schools.create_school(
        session,
        actor,
        {"code": code, "name": f"测试学校{code[-2:]}", "type_code": "211", "region_code": COUNTY},
    )
    device = devices.create_device(
        session,
        actor,
        code,
        {
            "name": f"gw{code[-2:]}",
            "role": "gateway",
            "mgmt_address": where[0],
            "snmp_port": where[1],
            "credential_id": credential,
        },
    )
    link = links.create_link(
        session,
        actor,
        code,
        {
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": 1000,
            "up_mbps": 1000,
            "device_id": device.id,
            "interface_name": interface,
            "circuit_id": f"CX-{code}",
        },
    )
    session.commit()
    return device.id, link.id


@pytest.fixture
def credential(session: Session, actor: Actor, box: SecretBox) -> int:  # noqa: F811
    found = credentials.create_credential(
        session, actor, box, {"name": "v2c", "version": "v2c", "community": COMMUNITY}
    )
    session.commit()
    return found.id


def _verified_reasons(session: Session, actor: Actor, code: str) -> list[Any]:
    standard = get_standard(session)
    return list(evaluate_school(session, actor, standard, code, now=utcnow()).verified.reasons)


def _browser(app: Flask, session: Session) -> FlaskClient:
    """A browser signed in as an admin."""
    if not session.scalar(sa.select(sa.func.count()).select_from(User).where(User.name == "pa")):
        accounts.create_user(
            session, Actor.system("t"), "pa", UserRole.ADMIN, None, password=PASSWORD
        )
        session.commit()
    client: FlaskClient = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    client.post("/login", data={"name": "pa", "password": PASSWORD, "csrf_token": token.group(1)})
    return client


def _page(app: Flask, session: Session, path: str) -> str:
    """``path`` as an admin sees it in a browser."""
    answer = _browser(app, session).get(path)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_a_dead_devices_uplink_says_its_device_is_not_answering_and_since_when(
    engine: Engine,
    app: Flask,
    session: Session,
    actor: Actor,
    agents: Agents,  # noqa: F811
    box: SecretBox,  # noqa: F811
    credential: int,
) -> None:
    device, link = _school_with_uplink(
        session, actor, DEAD_SCHOOL, agents.dead, credential, "GE0/0/1"
    )
    run(engine, box, cycles=2, force=True, device_ids=[device])
    session.expire_all()
    state = session.get_one(DeviceState, device)
    assert (state.consecutive_failures, state.last_ok_at) == (2, None)  # polled twice, dead
    assert state.failure is not None
    outage = session.scalars(
        sa.select(Outage).where(Outage.device_id == device, Outage.cause == OutageCause.UNREACHABLE)
    ).one()
    verdict = session.get_one(LinkVerification, link)
    assert verdict.last_polled_at == state.last_polled_at
    assert verdict.reasons[0] == {
        "code": "poll_failed",
        "failure": state.failure.value,
        "since": outage.started_at.isoformat(),
    }
    assert "never_polled" not in [r["code"] for r in verdict.reasons]

    reasons = _verified_reasons(session, actor, DEAD_SCHOOL)
    assert reasons[0].code == "poll_failed"
    assert "出口设备自" in reasons[0].zh and "起无响应" in reasons[0].zh
    assert "not answering" in reasons[0].en and " since " in reasons[0].en
    page = _page(app, session, f"/schools/{DEAD_SCHOOL}?lang=zh")
    assert reasons[0].zh in page and "尚未被轮询" not in page and "设备无响应" in page


def test_a_mistyped_interface_before_discovery_says_not_found_then_is_refused(
    engine: Engine,
    app: Flask,
    session: Session,
    actor: Actor,
    api: ApiClient,
    agents: Agents,  # noqa: F811
    box: SecretBox,  # noqa: F811
    credential: int,
) -> None:
    # Before discovery nothing is known of the device's interfaces: the name is taken.
    device, link = _school_with_uplink(
        session, actor, TYPO_SCHOOL, agents.core, credential, "GE0/0/9"
    )
    run(engine, box, cycles=1, force=True, device_ids=[device])
    session.expire_all()
    verdict = session.get_one(LinkVerification, link)
    assert [r["code"] for r in verdict.reasons] == ["interface_missing", "unavailable"]
    assert verdict.reasons[0]["interface"] == "GE0/0/9"
    reasons = _verified_reasons(session, actor, TYPO_SCHOOL)
    assert (reasons[0].zh, reasons[0].en) == (
        "设备上未找到接口 GE0/0/9",
        "interface GE0/0/9 not found on the device",
    )
    for lang in ("zh", "en"):
        page = _page(app, session, f"/schools/{TYPO_SCHOOL}?lang={lang}")
        assert reasons[0].sentence(lang) in page
        assert not re.search(r"\bNone\b", page)
        assert "&lt; 签约" not in page and "&lt; contracted" not in page  # no "slow" reason

    # Discovered now (GE0/0/1 and GE0/0/2): an unknown name is refused, listing them.
    known = "GE0/0/1, GE0/0/2"
    answer = api.patch(f"/api/v1/links/{link}", json={"interface_name": "GE0/0/8"})
    assert answer.status_code == 422
    assert answer.json["errors"]["interface_name"] == [
        f"device gw22 has no interface GE0/0/8; its interfaces: {known}"
    ]
    created = api.post(
        f"/api/v1/schools/{TYPO_SCHOOL}/links",
        json={
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": 100,
            "up_mbps": 100,
            "device_id": device,
            "interface_name": "ge0/0/1",
        },
    )
    assert created.status_code == 422, created.json
    assert session.scalar(sa.select(sa.func.count()).select_from(NetworkLink)) == 1
    # The page form says it in Chinese.
    browser = _browser(app, session)
    form = f"/schools/{TYPO_SCHOOL}/links/new?lang=zh"
    token = CSRF.search(browser.get(form).get_data(as_text=True))
    assert token
    refused = browser.post(
        form,
        data={
            "csrf_token": token.group(1),
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": "100",
            "up_mbps": "100",
            "device_id": str(device),
            "interface_name": "GE0/0/8",
        },
    ).get_data(as_text=True)
    assert f"设备 gw22 没有接口 GE0/0/8；它的接口：{known}" in refused
    assert session.scalar(sa.select(sa.func.count()).select_from(NetworkLink)) == 1
    assert api.patch(f"/api/v1/links/{link}", json={"interface_name": "GE0/0/1"}).status_code == 200

    # The spreadsheet import: export, mistype the interface, import → the row is refused.
    exported = api.get(f"/api/v1/exports/links.csv?school={TYPO_SCHOOL}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    column = next(i for i, cell in enumerate(rows[-1]) if cell == "GE0/0/1")
    rows[-1][column] = "GE0/0/7"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    imported = api.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(out.getvalue().encode("utf-8")), "links.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 422, imported.json
    assert known in str(imported.json)
    session.expire_all()
    assert session.get_one(NetworkLink, link).interface_name == "GE0/0/1"
