"""The alert pages through Flask's test client: each lists what the reader's scope holds, in
Chinese by default and in English by choice; an alert is acknowledged from its page (recording
who and when), a dead letter retried; rules, subscriptions and windows are created and changed
through the generic form view, which never shows a secret or a robot's token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.choices import OutboxState
from inventory.db import make_sessionmaker
from inventory.models import Alert, MaintenanceWindow, OutboxMessage, Subscription
from inventory.services.alerting import placement
from tests import alert_pages_fixture
from tests.alert_pages_fixture import CODES, NOW, ROBOT, SECRET, AlertWorld
from tests.conftest import COUNTY, FERNET_KEY
from tests.test_dashboards import csrf, login, text
from tests.test_forms_registry import form_values

PAGES = (
    "/alerts",
    "/alerts/history",
    "/alerts/rules",
    "/alerts/subscriptions",
    "/alerts/maintenance",
    "/alerts/dead-letters",
)


@pytest.fixture
def world(engine: Engine, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[AlertWorld]:
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        built = alert_pages_fixture.build(db, FERNET_KEY)
        db.commit()
    yield built


def _rows(page: str, attribute: str) -> set[int]:
    return {int(n) for n in re.findall(rf'{attribute}="(\d+)"', page)}


def test_every_alert_page_answers_in_both_languages_and_is_in_the_navigation(
    app: Flask, world: AlertWorld
) -> None:
    client = login(app)
    home = text(client, "/overview")  # where an admin lands (issue 20): the navigation is on it
    assert 'id="nav-alerts"' in home and ">告警<" in home
    for path in PAGES:
        assert 'id="alerts-nav"' in text(client, path)
    assert "未恢复告警" in text(client, "/alerts")
    english = text(client, "/alerts?lang=en")
    assert "Open alerts" in english and ">Acknowledge<" in english and "uplink down" in english
    assert "Dead letters" in text(client, "/alerts/dead-letters?lang=en")


def test_open_alerts_and_history_keep_to_the_readers_scope(app: Flask, world: AlertWorld) -> None:
    everything = {world.alert["in"], world.alert["sibling"], world.alert["out"]}
    assert _rows(text(login(app), "/alerts"), "data-alert") == everything
    county = text(login(app, "county"), "/alerts")
    assert _rows(county, "data-alert") == {world.alert["in"], world.alert["sibling"]}
    staff = login(app, "staff")
    assert _rows(text(staff, "/alerts"), "data-alert") == {world.alert["in"]}
    history = _rows(text(staff, "/alerts/history"), "data-alert")
    assert history == {world.alert["in"], world.resolved_alert}
    resolved = _rows(text(staff, "/alerts/history?state=resolved"), "data-alert")
    assert resolved == {world.resolved_alert}
    assert _rows(text(login(app), f"/alerts?region={COUNTY}"), "data-alert") == {
        world.alert["in"],
        world.alert["sibling"],
    }


def test_an_alert_is_acknowledged_from_its_page_with_who_and_when(
    app: Flask, engine: Engine, world: AlertWorld
) -> None:
    client = login(app, "county")
    alert_id = world.alert["in"]
    page = text(client, "/alerts")
    assert f'id="ack-{alert_id}"' in page
    answer = client.post(
        f"/alerts/{alert_id}/acknowledge",
        data={"csrf_token": csrf(client, "/alerts"), "next": "/alerts?severity=critical"},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/alerts?severity=critical"
    after = text(client, "/alerts")
    assert f'id="ack-{alert_id}"' not in after and 'class="acknowledged">county<' in after
    with engine.connect() as conn:
        who, when = conn.execute(
            sa.select(Alert.acknowledged_by, Alert.acknowledged_at).where(Alert.id == alert_id)
        ).one()
    assert who == "county" and when is not None


def test_viewers_see_alerts_but_no_buttons_and_a_forged_press_changes_nothing(
    app: Flask, engine: Engine, world: AlertWorld
) -> None:
    viewer = login(app, "viewer")
    page = text(viewer, "/alerts")
    assert _rows(page, "data-alert") and "/acknowledge" not in page
    assert "/retry" not in text(viewer, "/alerts/dead-letters")
    token = csrf(viewer, "/alerts")
    forged = viewer.post(f"/alerts/{world.alert['in']}/acknowledge", data={"csrf_token": token})
    assert forged.status_code == 403
    county = login(app, "county")
    out_of_scope = county.post(
        f"/alerts/{world.alert['out']}/acknowledge",
        data={"csrf_token": csrf(county, "/alerts")},
    )
    assert out_of_scope.status_code == 404
    with engine.connect() as conn:
        acknowledged = conn.execute(
            sa.select(Alert.acknowledged_at).where(Alert.acknowledged_at.is_not(None))
        ).all()
    assert acknowledged == []


def test_a_dead_letter_is_retried_from_its_page(
    app: Flask, engine: Engine, world: AlertWorld
) -> None:
    client = login(app, "county")
    page = text(client, "/alerts/dead-letters")
    assert "HTTP 502 Bad Gateway" in page and f'id="retry-{world.dead_letter}"' in page
    token = csrf(client, "/alerts/dead-letters")
    answer = client.post(
        f"/alerts/dead-letters/{world.dead_letter}/retry", data={"csrf_token": token}
    )
    assert answer.status_code == 302
    with engine.connect() as conn:
        state = conn.execute(sa.select(OutboxMessage.state)).scalar_one()
    assert state is OutboxState.PENDING
    assert "没有发送失败的消息" in text(client, "/alerts/dead-letters")
    assert text(login(app, "staff"), "/alerts/dead-letters").count("data-message=") == 0


def test_only_admins_get_the_rule_forms(app: Flask, world: AlertWorld) -> None:
    admin = login(app)
    assert "/alert-rules/" in text(admin, "/alerts/rules")
    county = login(app, "county")
    page = text(county, "/alerts/rules")
    assert "出口中断" in page and "/edit" not in page
    text(county, "/forms/alert-rules/new", 403)
    token = csrf(admin, f"/alert-rules/{world.rule}/edit")
    answer = admin.post(
        f"/alert-rules/{world.rule}/edit",
        data={
            "csrf_token": token,
            "name": "出口中断",
            "kind": "uplink_down",
            "delay_s": "300",
            "severity": "critical",
            "enabled": "on",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/alerts/rules"
    assert "严重" in text(admin, "/alerts/rules")


def test_a_subscription_is_made_through_the_form_and_its_secret_and_token_never_show(
    app: Flask, engine: Engine, world: AlertWorld
) -> None:
    client = login(app, "county")
    form = text(client, "/forms/subscriptions/new")
    assert 'type="password"' in form and 'name="rule_ids" multiple' in form
    assert f'value="{CODES["out"]}"' not in form  # a school outside the county is no choice
    answer = client.post(
        "/forms/subscriptions/new",
        data={
            "csrf_token": csrf(client, "/forms/subscriptions/new"),
            "name": "学校网管",
            "school_code": CODES["sibling"],
            "rule_ids": [str(world.rule)],
            "min_severity": "critical",
            "transport": "feishu",
            "target": "https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d4e5f6a7b8c9d",
            "secret": "feishu-secret-xyz",
            "language": "en",
            "enabled": "on",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/alerts/subscriptions"
    listing = text(client, "/alerts/subscriptions")
    assert "学校网管" in listing and "https://open.feishu.cn/open-apis/bot/v2/hook/***" in listing
    with make_sessionmaker(engine)() as db:
        made = db.scalars(sa.select(Subscription).where(Subscription.name == "学校网管")).one()
        assert [r.id for r in made.rules] == [world.rule] and made.secret_enc
        made_id = made.id
    edit = text(client, f"/subscriptions/{made_id}/edit")
    for page in (listing, edit, text(client, f"/subscriptions/{world.subscription}/edit")):
        assert "feishu-secret-xyz" not in page and SECRET not in page
        assert "0a1b2c3d4e5f" not in page and "feedface" not in page
    # Saving the edit form as shown, renamed only, keeps the real target, the secret, the school
    # and the rules (what a browser posts: every input, each select's chosen options).
    posted = form_values(edit)
    assert posted["school_code"] == CODES["sibling"] and posted["target"].endswith("/***")
    rules = re.search(r'name="rule_ids" multiple[^>]*>(.*?)</select>', edit, re.S)
    assert rules
    chosen = re.findall(r'<option value="(\d+)" selected>', rules.group(1))
    assert chosen == [str(world.rule)]
    answer = client.post(
        f"/subscriptions/{made_id}/edit",
        data={
            **posted,
            "name": "学校网管（改）",
            "rule_ids": chosen,
            "csrf_token": csrf(client, f"/subscriptions/{made_id}/edit"),
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:1000]
    with make_sessionmaker(engine)() as db:
        kept = db.get(Subscription, made_id)
        assert kept is not None and kept.name == "学校网管（改）"
        assert [r.id for r in kept.rules] == [world.rule]
        assert placement.school_code_of(db, kept.school_id) == CODES["sibling"]
    with engine.connect() as conn:
        target, secret = conn.execute(
            sa.select(Subscription.target, Subscription.secret_enc).where(
                Subscription.id == made_id
            )
        ).one()
    assert target.endswith("0a1b2c3d4e5f6a7b8c9d") and secret is not None
    assert ROBOT not in text(login(app), "/alerts/subscriptions")


def test_a_bad_subscription_form_shows_the_message_in_chinese_and_forgets_the_secret(
    app: Flask, world: AlertWorld
) -> None:
    client = login(app, "county")
    answer = client.post(
        "/forms/subscriptions/new",
        data={
            "csrf_token": csrf(client, "/forms/subscriptions/new"),
            "name": "坏的",
            "region_code": COUNTY,
            "transport": "email",
            "target": "not-an-address",
            "secret": "typed-secret-123",
            "language": "zh",
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "必须是以逗号分隔的电子邮件地址" in page and 'value="not-an-address"' in page
    assert "typed-secret-123" not in page


def test_a_maintenance_window_is_planned_on_the_bureaus_clock_through_the_form(
    app: Flask, engine: Engine, world: AlertWorld
) -> None:
    client = login(app, "staff")
    form = text(client, "/forms/maintenance-windows/new")
    assert 'type="datetime-local"' in form
    data = {
        "csrf_token": csrf(client, "/forms/maintenance-windows/new"),
        "name": "机房检修",
        "school_code": CODES["in"],
        "starts_at": "2026-12-12T22:00",
        "ends_at": "2026-12-12T21:00",
    }
    backwards = client.post("/forms/maintenance-windows/new", data=data)
    assert backwards.status_code == 422
    assert "必须晚于开始时间" in backwards.get_data(as_text=True)
    answer = client.post(
        "/forms/maintenance-windows/new", data={**data, "ends_at": "2026-12-13T02:00"}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/alerts/maintenance"
    with engine.connect() as conn:
        starts = conn.execute(sa.select(MaintenanceWindow.starts_at)).scalar_one()
    assert starts.replace(tzinfo=None).isoformat().startswith("2026-12-12T14:00")  # UTC+8
    listing = text(client, "/alerts/maintenance")
    assert "机房检修" in listing and "2026年12月12日 22:00" in listing
    window_id = _rows(listing, "data-window").pop()
    assert 'value="2026-12-12T22:00"' in text(client, f"/maintenance-windows/{window_id}/edit")
    # A school outside the staff's one is no choice, and naming it anyway is unknown.
    refused = client.post(
        "/forms/maintenance-windows/new",
        data={**data, "ends_at": "2026-12-13T02:00", "school_code": CODES["sibling"]},
    )
    assert refused.status_code == 422 and 'id="err-school_code"' in refused.get_data(as_text=True)


def test_a_subscription_is_deleted_from_its_list_only_within_the_readers_scope(
    app: Flask, engine: Engine, world: AlertWorld
) -> None:
    staff = login(app, "staff")
    assert "/delete" not in text(staff, "/alerts/subscriptions")  # the county's is above them
    refused = staff.post(
        f"/alerts/subscriptions/{world.subscription}/delete",
        data={"csrf_token": csrf(staff, "/alerts/subscriptions")},
    )
    assert refused.status_code == 404
    viewer = login(app, "viewer")
    forged = viewer.post(
        f"/alerts/subscriptions/{world.subscription}/delete",
        data={"csrf_token": csrf(viewer, "/alerts/subscriptions")},
    )
    assert forged.status_code == 403
    county = login(app, "county")
    assert f'id="delete-{world.subscription}"' in text(county, "/alerts/subscriptions")
    done = county.post(
        f"/alerts/subscriptions/{world.subscription}/delete",
        data={"csrf_token": csrf(county, "/alerts/subscriptions")},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/alerts/subscriptions"
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Subscription)).scalar() == 0
        # Its undelivered messages went with it.
        assert conn.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar() == 0
