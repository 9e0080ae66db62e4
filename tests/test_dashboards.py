"""The dashboard pages through Flask's test client, on the small demo inventory of
tests/dash_fixture.py: every page answers, shows what the services compute, keeps to the
reader's scope, never shows a secret; the forms save through the API's services and show the
API's messages beside the fields, keeping what was typed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from dashboards import charts
from inventory.actor import Actor
from inventory.choices import Stage, Tier
from inventory.coverage import evaluation, report
from inventory.coverage.results import CoverageReport
from inventory.db import make_sessionmaker
from inventory.models import Classroom, Device, NetworkLink, School
from inventory.standards.registry import get_standard
from tests import dash_fixture
from tests.conftest import FERNET_KEY, make_token
from tests.dash_fixture import NOW, PASSWORD, DashData

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def dash(engine: Engine, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[DashData]:
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        data = dash_fixture.build(db, FERNET_KEY)
        db.commit()
    yield data


def login(app: Flask, name: str = "admin") -> FlaskClient:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    answer = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def text(client: FlaskClient, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.status_code)
    return answer.get_data(as_text=True)


def csrf(client: FlaskClient, path: str) -> str:
    found = CSRF.search(text(client, path))
    assert found
    return found.group(1)


def pct(share: float | None) -> str:
    return "无数据" if share is None else f"{share * 100:.1f}%"


def report_for(engine: Engine, region: str) -> CoverageReport:
    with make_sessionmaker(engine)() as db:
        return report.coverage_report(
            db, Actor.system("t"), get_standard(db), region=region, now=NOW
        )


def standard_rooms(engine: Engine, code: str) -> tuple[int, int]:
    with make_sessionmaker(engine)() as db:
        facts = evaluation.evaluate_school(
            db, Actor.system("t"), get_standard(db), code, now=NOW
        ).facts
        assert facts is not None
        return facts.standard_classrooms, facts.ordinary_classrooms


# --- reading ----------------------------------------------------------------------------------


def test_pages_send_anyone_not_logged_in_to_the_login_page(app: Flask, dash: DashData) -> None:
    client = app.test_client()
    for path in ("/overview", "/overview/schools", f"/schools/{dash.school_code}", "/status"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_overview_shows_the_report_its_charts_and_the_next_milestone(
    app: Flask, engine: Engine, dash: DashData
) -> None:
    page = text(login(app), "/overview")
    body = report_for(engine, dash_fixture.PREFECTURE)
    totals = body.totals
    headline = page.split('id="headline"')[1].split("</section>")[0]
    assert pct(totals.digital_campus_rate) in headline
    assert pct(totals.verified_digital_campus_rate) in headline
    assert f"{totals.digital_campuses} / {totals.schools}" in headline
    # The fixture's milestone (60 % on 2027-06-30) is the next one; 212 days from 2026-11-30.
    assert "60%" in headline and "2027年6月30日" in headline and ">212<" in headline
    for chart in ("bars", "stages", "trend", "map"):
        assert f'data-chart="{chart}"' in page
    # One bar row per county, linked to its school list; the map has a dot per located school.
    assert page.count('class="bar-row"') == len(body.by_region)
    assert page.count('class="school-dot"') > 10
    assert page.count('class="milestone"') >= 1
    ranking = page.split('id="ranking"')[1]
    first = body.counties[0]
    assert first.region.name_zh in ranking.split("</tr>")[1]
    assert (
        "<script" not in page
        and "onclick" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert 'media="print"' in page


def test_overview_as_of_an_earlier_date_and_a_bad_date(app: Flask, dash: DashData) -> None:
    client = login(app)
    earlier = text(client, "/overview?as_of=2020-01-01")
    assert "2020年1月1日" in earlier
    assert "日期无效" not in earlier
    bad = text(client, "/overview?as_of=not-a-date")
    assert "日期无效" in bad and "2026年11月30日" in bad
    assert "日期无效" in text(client, "/overview?as_of=2999-01-01")


def test_drill_down_from_county_to_school_with_stage_and_tier_filters(
    app: Flask, engine: Engine, dash: DashData
) -> None:
    client = login(app)
    county = text(client, f"/overview/schools?region={dash.county}")
    assert f"/schools/{dash.school_code}" in county
    counted = report_for(engine, dash.county).totals
    assert f"共 {counted.schools} 所学校" in county
    for tier, count in counted.tiers_declared.items():
        page = text(client, f"/overview/schools?region={dash.county}&tier={tier.value}")
        assert f"共 {count} 所学校" in page
        rows = page.split('id="school-list"')[1].split("</table>")[0]
        assert rows.count(f"tier tier-{tier.value}") >= count
    verified = counted.tiers_verified[Tier.NONE]
    page = text(client, f"/overview/schools?region={dash.county}&tier=none&side=verified")
    assert f"共 {verified} 所学校" in page
    by_stage = {row.stage: row.schools for row in report_for(engine, dash.county).by_stage}
    page = text(client, f"/overview/schools?region={dash.county}&stage=primary")
    assert f"共 {by_stage[Stage.PRIMARY]} 所学校" in page
    # Unknown filter values are ignored rather than failing.
    assert f"共 {counted.schools} 所学校" in text(
        client, f"/overview/schools?region={dash.county}&stage=nope&tier=x&page=abc"
    )
    missing = text(client, "/overview/schools?region=999999", 404)
    assert "没有这个页面" in missing and "<html" in missing


def test_school_page_shows_tiers_uplinks_classrooms_and_devices(
    app: Flask, engine: Engine, dash: DashData
) -> None:
    page = text(login(app), f"/schools/{dash.school_code}")
    have, rooms = standard_rooms(engine, dash.school_code)
    assert f'id="standard-rooms">{have} / {rooms}<' in page
    assert 'id="tier-declared"' in page and 'id="tier-verified"' in page
    assert 'data-chart="availability"' in page
    assert "30d 99.72%" in page or "30d " in page
    with make_sessionmaker(engine)() as db:
        school = db.scalars(sa.select(School).where(School.code == dash.school_code)).one()
        rooms_in_use = db.scalar(
            sa.select(sa.func.count())
            .select_from(Classroom)
            .where(
                Classroom.school_id == school.id,
                sa.or_(
                    Classroom.commissioned_on.is_(None), Classroom.commissioned_on <= NOW.date()
                ),
                sa.or_(
                    Classroom.decommissioned_on.is_(None), Classroom.decommissioned_on > NOW.date()
                ),
            )
        )
        names = db.scalars(sa.select(Device.name).where(Device.school_id == school.id)).all()
    table = page.split('id="classrooms"')[1].split("</table>")[0]
    assert table.count("<tr class=") == rooms_in_use
    for name in names:
        assert name in page


def test_status_board_lists_what_is_down_and_last_weeks_outages(app: Flask, dash: DashData) -> None:
    page = text(login(app), "/status")
    assert 'id="down-count">1<' in page
    down = page.split("当前中断</h2>")[2].split("</section>")[0]
    assert dash.down_device in down and "设备不可达" in down and "5 小时 0 分" in down
    recent = page.split('id="recent-outages"')[1]
    assert "出口接口中断" in recent and "2 小时 0 分" in recent and "持续中" in recent


def test_chinese_by_default_english_by_choice_and_the_choice_sticks(
    app: Flask, dash: DashData
) -> None:
    client = login(app)
    zh = text(client, "/overview")
    assert 'lang="zh-CN"' in zh and "数字校园覆盖率（申报）" in zh
    assert 'href="/overview?lang=en"' in zh
    en = text(client, "/overview?lang=en")
    assert 'lang="en"' in en and "Digital-campus rate (declared)" in en and "数字校园" not in en
    assert "30 Nov 2026" in en
    # The cookie remembers: the next page without ?lang= is English too, until switched back.
    assert "Down now" in text(client, "/status")
    assert "当前中断" in text(client, "/status?lang=zh")
    assert "当前中断" in text(client, "/status")


def test_region_admins_and_school_staff_see_only_their_own(app: Flask, dash: DashData) -> None:
    county = login(app, "county")
    assert dash.school_code in text(county, "/overview/schools")
    text(county, f"/overview?region={dash.other_county}", 404)
    text(county, f"/overview/schools?region={dash.other_county}", 404)
    with make_sessionmaker(app.extensions["digicampus"].engine)() as db:
        foreign = db.scalars(
            sa.select(School.code).where(School.region_code == dash.other_county)
        ).first()
    assert foreign
    text(county, f"/schools/{foreign}", 404)
    text(county, f"/schools/{foreign}/classrooms/new", 404)
    staff = login(app, "staff")
    assert "新增教室" in text(staff, f"/schools/{dash.staff_school}")
    text(staff, f"/schools/{dash.school_code}", 404)
    text(staff, "/forms/schools/new", 403)
    assert 'id="new-school"' not in text(staff, "/overview/schools")
    assert 'id="new-school"' in text(county, "/overview/schools")


def test_viewers_get_no_forms(app: Flask, dash: DashData) -> None:
    viewer = login(app, "viewer")
    page = text(viewer, f"/schools/{dash.school_code}")
    assert "/edit" not in page and "新增教室" not in page
    for path in (
        f"/schools/{dash.school_code}/edit",
        f"/schools/{dash.school_code}/classrooms/new",
        f"/schools/{dash.school_code}/devices/new",
        "/forms/schools/new",
    ):
        assert "无权修改" in text(viewer, path, 403)


def test_no_secret_on_any_page(app: Flask, engine: Engine, dash: DashData) -> None:
    client = login(app)
    with make_sessionmaker(engine)() as db:
        device = db.scalars(
            sa.select(Device).join(School).where(School.code == dash.school_code)
        ).first()
        link = db.scalars(
            sa.select(NetworkLink).where(NetworkLink.school_id == device.school_id)
        ).first()
    assert device is not None and link is not None and dash.secret_community
    pages = [
        "/overview",
        f"/schools/{dash.school_code}",
        "/status",
        f"/schools/{dash.school_code}/devices/new",
        f"/devices/{device.id}/edit",
        f"/links/{link.id}/edit",
    ]
    for path in pages:
        page = text(client, path)
        assert dash.secret_community not in page, path
        assert PASSWORD not in page and FERNET_KEY not in page
    assert "v3-sha512-aes256" in text(client, f"/schools/{dash.school_code}/devices/new")


# --- forms --------------------------------------------------------------------------------------


def test_a_classroom_added_by_form_changes_the_schools_figures(
    app: Flask, engine: Engine, dash: DashData
) -> None:
    client = login(app, "staff")
    code = dash.staff_school
    before = standard_rooms(engine, code)
    path = f"/schools/{code}/classrooms/new"
    answer = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "room_code": "Z901",
            "building": "新楼",
            "floor": "3",
            "kind": "ordinary",
            "display": "interactive_panel",
            "has_teacher_terminal": "on",
            "has_audio": "on",
            "wired_mbps": "1000",
            "wireless_mbps": "",
            "commissioned_on": "2026-09-01",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/schools/{code}")
    after = standard_rooms(engine, code)
    assert after[0] == before[0] + 1
    page = text(client, f"/schools/{code}")
    assert f'id="standard-rooms">{after[0]} / {after[1]}<' in page and "Z901" in page


def test_a_bad_value_shows_the_apis_message_beside_its_field_and_keeps_what_was_typed(
    app: Flask, engine: Engine, dash: DashData
) -> None:
    client = login(app)
    path = f"/schools/{dash.school_code}/classrooms/new"
    with make_sessionmaker(engine)() as db:
        count = db.scalar(sa.select(sa.func.count()).select_from(Classroom))
    form = {
        "csrf_token": csrf(client, path),
        "room_code": "Q1",
        "building": "实验楼",
        "floor": "third",
        "kind": "ordinary",
        "display": "tv",
        "wired_mbps": "0",
        "has_audio": "on",
    }
    answer = client.post(path, data=form)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert '<p class="field-error" id="err-floor">不是有效的整数。</p>' in page
    assert 'id="err-wired_mbps"' in page  # 0 Mbps: the API's range rule
    assert 'value="third"' in page and 'value="实验楼"' in page
    assert re.search(r'id="f-has_audio" name="has_audio" checked', page)
    assert '<option value="tv" selected>' in page
    en = client.post(path + "?lang=en", data=form).get_data(as_text=True)
    assert '<p class="field-error" id="err-floor">Not a valid integer.</p>' in en
    # The same body through the API gets the same messages.
    with make_sessionmaker(engine)() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(Classroom)) == count
    # A duplicate room code is the service's conflict, shown at its field.
    taken = client.post(
        path,
        data={**form, "floor": "1", "wired_mbps": "100", "room_code": _a_room(engine, dash)},
    )
    assert taken.status_code == 409  # as the API answers a duplicate
    assert 'id="err-room_code"' in taken.get_data(as_text=True)


def _a_room(engine: Engine, dash: DashData) -> str:
    with make_sessionmaker(engine)() as db:
        room = db.scalars(
            sa.select(Classroom.room_code).join(School).where(School.code == dash.school_code)
        ).first()
    assert room
    return room


def test_form_messages_match_the_api(app: Flask, engine: Engine, dash: DashData) -> None:
    admin_token = make_token(engine, "api-admin")
    api = app.test_client()
    body = {"room_code": "Q2", "floor": "third", "wired_mbps": 0}
    answer = api.post(
        f"/api/v1/schools/{dash.school_code}/classrooms",
        json=body,
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert answer.status_code == 422
    errors = answer.json["errors"]
    client = login(app)
    path = f"/schools/{dash.school_code}/classrooms/new?lang=en"
    page = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "room_code": "Q2",
            "floor": "third",
            "wired_mbps": "0",
        },
    ).get_data(as_text=True)
    for field, messages in errors.items():
        for message in messages:
            assert f'id="err-{field}">{message}</p>' in page


def test_school_create_and_edit_forms(app: Flask, engine: Engine, dash: DashData) -> None:
    client = login(app, "county")
    path = "/forms/schools/new"
    form = {
        "csrf_token": csrf(client, path),
        "code": "21530",
        "name": "",
        "type_code": "211",
        "region_code": dash.county,
        "latitude": "25.03",
        "longitude": "101.54",
        "students": "-1",
    }
    page = client.post(path, data=form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="err-code">必须是 10 位数字' in html
    assert 'id="err-name">不能为空白。' in html
    assert 'id="err-students"' in html and 'value="25.03"' in html
    done = client.post(
        path, data={**form, "code": "2123019999", "name": "测试小学", "students": "300"}
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    # Outside the region admin's county: the service's scope rule, as a message.
    other = client.post(
        path,
        data={
            **form,
            "code": "2123019998",
            "name": "外县小学",
            "students": "3",
            "region_code": dash.other_county,
        },
    )
    assert other.status_code == 403  # as the API answers it
    assert 'id="err-region_code">不在您的管辖区域内<' in other.get_data(as_text=True)
    with make_sessionmaker(engine)() as db:
        assert db.scalar(sa.select(School.name).where(School.code == "2123019999")) == "测试小学"
        assert db.scalar(sa.select(School.id).where(School.code == "2123019998")) is None
    edit = "/schools/2123019999/edit"
    assert 'value="测试小学"' in text(client, edit)
    changed = client.post(
        edit,
        data={
            **form,
            "csrf_token": csrf(client, edit),
            "code": "2123019999",
            "name": "测试小学（新）",
            "students": "320",
        },
    )
    assert changed.status_code == 302
    with make_sessionmaker(engine)() as db:
        school = db.scalars(sa.select(School).where(School.code == "2123019999")).one()
        assert (school.name, school.students) == ("测试小学（新）", 320)


def test_network_link_and_device_forms_save_through_the_services(
    app: Flask, engine: Engine, dash: DashData
) -> None:
    client = login(app, "staff")
    code = dash.staff_school
    path = f"/schools/{code}/devices/new"
    page = text(client, path)
    credential = re.search(r'<option value="(\d+)">v3-sha512-aes256</option>', page)
    assert credential
    bad = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "name": "gw9",
            "role": "gateway",
            "mgmt_address": "not-an-ip",
            "snmp_port": "161",
        },
    )
    assert 'id="err-mgmt_address">必须是 IPv4 或 IPv6 地址' in bad.get_data(as_text=True)
    ok = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "name": "gw9",
            "role": "gateway",
            "status": "active",
            "mgmt_address": "127.53.99.9",
            "snmp_port": "161",
            "credential_id": credential.group(1),
            "polling_enabled": "on",
        },
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)
    path = f"/schools/{code}/links/new"
    ok = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "kind": "internet",
            "carrier": "telecom",
            "medium": "fibre",
            "down_mbps": "1000",
            "up_mbps": "1000",
            "commissioned_on": "2026-10-01",
        },
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)
    path = f"/schools/{code}/campus-networks/new"
    missing = client.post(
        path, data={"csrf_token": csrf(client, path), "architecture": "all_fibre"}
    )
    assert 'id="err-commissioned_on">必填项。' in missing.get_data(as_text=True)
    ok = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "architecture": "all_fibre",
            "wireless_coverage": "full",
            "commissioned_on": "2026-11-01",
        },
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)
    with make_sessionmaker(engine)() as db:
        device = db.scalars(sa.select(Device).where(Device.name == "gw9")).one()
        assert device.credential_id == int(credential.group(1)) and device.polling_enabled
        assert db.scalar(
            sa.select(sa.func.count())
            .select_from(NetworkLink)
            .join(School)
            .where(School.code == code, NetworkLink.commissioned_on == sa.func.date("2026-10-01"))
        ) in (0, 1)
    school = text(client, f"/schools/{code}")
    assert "gw9" in school and "2026年11月1日" in school


def test_forms_refuse_a_post_without_the_csrf_token(app: Flask, dash: DashData) -> None:
    client = login(app)
    answer = client.post(f"/schools/{dash.school_code}/classrooms/new", data={"room_code": "X"})
    assert answer.status_code == 400


# --- chart geometry -----------------------------------------------------------------------------


def test_bar_widths_are_shares_of_the_plot_and_none_draws_nothing() -> None:
    chart = charts.bar_chart(
        [("a", None, 0.5, None), ("b", None, 1.0, 0.25)], 0.8, width=560, left=110
    )
    assert chart.plot_w == 400
    assert [(r.declared_w, r.verified_w) for r in chart.rows] == [(200.0, 0.0), (400.0, 100.0)]
    assert chart.target_x == 110 + 320


def test_the_map_keeps_every_school_inside_the_box_and_north_up() -> None:
    schools = [(25.0, 101.0, "met", "a", "#"), (26.0, 102.0, "none", "b", "#")]
    drawn = charts.school_map(schools, [(25.5, 101.5, "c")], width=560, height=420)
    for dot in drawn["dots"]:
        assert 0 <= dot["x"] <= 560 and 0 <= dot["y"] <= 420
    south, north = drawn["dots"]
    assert north["y"] < south["y"] and north["x"] > south["x"]
    assert south["colour"] == charts.TIER_COLOURS["met"]


def test_availability_bars_colour_by_the_99_percent_line() -> None:
    drawn = charts.availability_bars([("d1", 1.0), ("d2", 0.95), ("d3", 0.5), ("d4", None)])
    colours = [b.get("colour") for b in drawn["bars"]]
    assert colours == ["#3f8f5f", "#e9a23b", "#c8553d", None]
    assert drawn["bars"][3]["y"] is None
