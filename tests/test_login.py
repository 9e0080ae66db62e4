"""Password login for the pages: session cookie, CSRF, rate limit, logout, landing page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from inventory.actor import Actor
from inventory.choices import ChangeAction, UserRole
from inventory.db import make_sessionmaker
from inventory.models import ChangeRecord, User
from inventory.models.accounts import LoginAttempt
from inventory.services import accounts, schools
from tests.conftest import COUNTY, FERNET_KEY, school_data
from web import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE = "/status"  # a page that needs a login: 200 with one, a redirect to /login without


def make_user(
    engine: Engine,
    name: str = "alice",
    role: UserRole = UserRole.REGION_ADMIN,
    password: str | None = PASSWORD,
    **scope: Any,
) -> int:
    if role is UserRole.REGION_ADMIN:
        scope.setdefault("region_code", COUNTY)
    with make_sessionmaker(engine)() as db, db.begin():
        user = accounts.create_user(
            db,
            Actor.system("tests"),
            name,
            role,
            scope.get("region_code"),
            schools=scope.get("schools", ()),
            password=password,
        )
        return user.id


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = CSRF.search(page.get_data(as_text=True))
    assert match, "no CSRF field in the form"
    return match.group(1)


def login(client: FlaskClient, name: str = "alice", password: str = PASSWORD, **kwargs: Any) -> Any:
    token = csrf_of(client)
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token}, **kwargs
    )


@pytest.fixture
def clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The time logins see: ``clock[0]``, moved by the test."""
    now = [datetime(2025, 3, 1, 8, 0, tzinfo=UTC)]
    monkeypatch.setitem(app.config, "CLOCK", lambda: now[0])
    return now


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def actions(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ChangeRecord.action, ChangeRecord.actor_name, ChangeRecord.object_repr)
            .where(
                ChangeRecord.action.in_(
                    [ChangeAction.LOGIN, ChangeAction.LOGIN_FAILED, ChangeAction.LOGOUT]
                )
            )
            .order_by(ChangeRecord.id)
        ).all()
    return [(row.action.value, row.actor_name, row.object_repr) for row in rows]


# --- the pages --------------------------------------------------------------------------------


def test_login_page_is_chinese_by_default_with_an_english_switch(client: FlaskClient) -> None:
    zh = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and "用户名" in zh and "密码" in zh
    assert 'href="/login?lang=en"' in zh
    en = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in en and "Password" in en and "用户名" not in en
    assert 'action="/login?lang=en"' in en  # the language survives the post


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient) -> None:
    for path in ("/", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login")


def test_a_region_admin_lands_on_the_status_board_of_the_region(
    client: FlaskClient, engine: Engine, clock: list[datetime]
) -> None:
    make_user(engine)
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/status"
    board = client.get("/status").get_data(as_text=True)
    assert "alice" in board and "区域管理员" in board  # who is signed in, in the header
    assert 'action="/logout"' in board
    assert "/admin/users" not in board  # not an admin
    assert client.get("/login").headers["Location"] == "/"  # already logged in
    assert client.get("/").headers["Location"] == "/status"  # / has no page of its own
    assert client.get("/?lang=en").headers["Location"] == "/status?lang=en"
    english = client.get("/status?lang=en").get_data(as_text=True)
    assert "region admin" in english


@pytest.mark.parametrize(
    ("role", "landing"),
    [(UserRole.ADMIN, "/overview"), (UserRole.VIEWER, "/overview")],
)
def test_admins_and_viewers_land_on_the_overview(
    client: FlaskClient, engine: Engine, role: UserRole, landing: str
) -> None:
    make_user(engine, "lead", role)
    assert login(client, "lead").headers["Location"] == landing
    assert client.get("/?lang=en").headers["Location"] == landing + "?lang=en"


def test_school_staff_land_on_their_school(
    client: FlaskClient, engine: Engine, actor: Actor
) -> None:
    with make_sessionmaker(engine)() as db, db.begin():
        schools.create_school(db, actor, school_data(opened_on=None))
    make_user(engine, "sam", UserRole.SCHOOL_STAFF, schools=["2153010001"])
    response = login(client, "sam")
    assert response.headers["Location"] == "/schools/2153010001"
    html = client.get("/schools/2153010001").get_data(as_text=True)
    assert "楚雄市鹿城小学" in html and "学校信息员" in html


def test_school_staff_of_several_schools_land_on_their_list(
    client: FlaskClient, engine: Engine, actor: Actor
) -> None:
    with make_sessionmaker(engine)() as db, db.begin():
        schools.create_school(db, actor, school_data(opened_on=None))
        schools.create_school(
            db, actor, school_data(code="2153010002", name="楚雄市第二小学", opened_on=None)
        )
    make_user(engine, "sam", UserRole.SCHOOL_STAFF, schools=["2153010001", "2153010002"])
    assert login(client, "sam").headers["Location"] == "/overview/schools"
    listing = client.get("/overview/schools").get_data(as_text=True)
    assert "2153010001" in listing and "2153010002" in listing


def test_wrong_password_is_refused_and_logged_without_the_typed_name(
    client: FlaskClient, engine: Engine
) -> None:
    make_user(engine)
    wrong = login(client, password="not the password")
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert client.get(PAGE).status_code == 302  # not logged in
    unknown = login(client, name="nobody-at-all")
    assert unknown.status_code == 401
    assert login(client).status_code == 302
    user_id = make_user(engine, "bob")  # ids differ between databases: compare by pattern
    assert user_id
    assert [(a, who, what.split(",")[-1]) for a, who, what in actions(engine)] == [
        ("login_failed", "anonymous", " region_admin)"),
        ("login_failed", "anonymous", "unknown account"),
        ("login", "alice", " region_admin)"),
    ]
    with engine.connect() as conn:
        dump = str(conn.execute(sa.select(ChangeRecord.__table__)).all())
        dump += str(conn.execute(sa.select(LoginAttempt.__table__)).all())
    assert "nobody-at-all" not in dump  # a name nobody has may be a password typed too early


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"password": "a brand new secret"}], ids=["disabled", "pw"]
)
def test_disabling_or_a_new_password_ends_page_sessions(
    client: FlaskClient, engine: Engine, change: dict[str, Any]
) -> None:
    user_id = make_user(engine)
    assert login(client).status_code == 302
    assert client.get(PAGE).status_code == 200
    with make_sessionmaker(engine)() as db, db.begin():
        accounts.update_user(db, Actor.system("tests"), user_id, change)
    assert client.get(PAGE).status_code == 302


def test_accounts_without_a_password_cannot_log_in(client: FlaskClient, engine: Engine) -> None:
    make_user(engine, password=None)
    assert login(client, password="").status_code == 401
    assert login(client, password="anything at all").status_code == 401


def test_logout_ends_the_session_and_is_logged(client: FlaskClient, engine: Engine) -> None:
    make_user(engine)
    login(client)
    token = csrf_of(client, PAGE)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert client.get(PAGE).status_code == 302
    assert [a for a, _, _ in actions(engine)] == ["login", "logout"]


def test_a_session_lasts_at_most_twelve_hours(
    client: FlaskClient, engine: Engine, clock: list[datetime]
) -> None:
    make_user(engine)
    login(client)
    clock[0] += timedelta(hours=11, minutes=59)
    assert client.get(PAGE).status_code == 200
    clock[0] += timedelta(minutes=2)
    assert client.get(PAGE).status_code == 302


def test_passwords_are_stored_with_scrypt(engine: Engine) -> None:
    make_user(engine)
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(User.password_hash))
    assert stored is not None and stored.startswith("scrypt$32768$8$1$")
    assert PASSWORD not in stored
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.verify_password(stored, PASSWORD + "x")
    assert not accounts.verify_password("md5$abc", PASSWORD)
    assert accounts.hash_password(PASSWORD) != stored  # salted


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("forged", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
def test_forged_form_posts_are_rejected(
    client: FlaskClient, engine: Engine, forged: str | None
) -> None:
    make_user(engine)
    csrf_of(client)  # the session has a token; the forged form does not carry it
    data = {"name": "alice", "password": PASSWORD}
    if forged is not None:
        data["csrf_token"] = forged
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.get(PAGE).status_code == 302  # not logged in

    login(client)
    form = {} if forged is None else {"csrf_token": forged}
    assert client.post("/logout", data=form).status_code == 400
    assert client.get(PAGE).status_code == 200  # still logged in
    assert [a for a, _, _ in actions(engine)] == ["login"]


def test_a_token_from_another_session_does_not_pass(app: Flask, engine: Engine) -> None:
    make_user(engine)
    attacker, victim = app.test_client(), app.test_client()
    stolen = csrf_of(attacker)
    login(victim)
    response = victim.post("/logout", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert victim.get(PAGE).status_code == 200


def test_a_post_without_any_session_is_rejected(client: FlaskClient) -> None:
    response = client.post("/login", data={"name": "a", "password": "b", "csrf_token": "x"})
    assert response.status_code == 400


def test_login_renews_the_csrf_token(client: FlaskClient, engine: Engine) -> None:
    make_user(engine)
    before = csrf_of(client)
    login(client)
    assert csrf_of(client, PAGE) != before


def test_the_api_does_not_need_csrf_tokens(api: Any) -> None:
    # Bearer tokens are not sent by browsers on their own: no CSRF risk, no CSRF field.
    response = api.post("/api/v1/schools", json=school_data())
    assert response.status_code == 201


# --- rate limit -------------------------------------------------------------------------------


def _fail(client: FlaskClient, times: int, name: str = "alice", **kwargs: Any) -> list[int]:
    return [login(client, name, "wrong password!", **kwargs).status_code for _ in range(times)]


def test_the_eleventh_wrong_password_in_a_minute_is_refused(
    client: FlaskClient, engine: Engine, clock: list[datetime]
) -> None:
    make_user(engine)
    start = clock[0]
    for second in range(10):
        clock[0] = start + timedelta(seconds=second * 5)
        assert _fail(client, 1) == [401]
    clock[0] = start + timedelta(seconds=55)
    refused = login(client, password="wrong password!")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "一分钟" in refused.get_data(as_text=True)
    assert login(client).status_code == 429  # the right password too, until the minute passes
    assert client.get(PAGE).status_code == 302
    clock[0] = start + timedelta(seconds=60, microseconds=1)  # the first failure has aged out
    assert login(client).status_code == 302
    assert client.get(PAGE).status_code == 200
    failed = [a for a, _, _ in actions(engine)].count("login_failed")
    assert failed == 12  # ten wrong, two refused: every failed login is in the change log


def test_the_limit_is_per_address_too(app: Flask, engine: Engine, clock: list[datetime]) -> None:
    make_user(engine)
    make_user(engine, "bob")
    guesser = app.test_client()
    elsewhere = {"REMOTE_ADDR": "10.20.30.40"}
    for n in range(10):
        assert _fail(guesser, 1, name=f"user{n}") == [401]  # ten accounts, one address
    assert login(guesser, "bob").status_code == 429
    assert login(app.test_client(), "bob", environ_base=elsewhere).status_code == 302
    # ... and per account, from any address
    assert _fail(app.test_client(), 10, "alice", environ_base=elsewhere) == [401] * 10
    assert (
        login(app.test_client(), "alice", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        == 429
    )


def test_every_worker_shares_the_count(
    app: Flask, engine: Engine, database_url: str, clock: list[datetime]
) -> None:
    """Failures seen by one app process count in another: the attempts are in the database."""
    make_user(engine)
    other = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "test-secret-key",
            "CLOCK": lambda: clock[0],
        }
    )
    try:
        assert _fail(app.test_client(), 5) == [401] * 5
        assert _fail(other.test_client(), 5) == [401] * 5
        assert login(app.test_client()).status_code == 429
        assert login(other.test_client()).status_code == 429
    finally:
        other.extensions["digicampus"].engine.dispose()


def test_a_successful_login_forgets_the_accounts_failures(
    client: FlaskClient, engine: Engine, clock: list[datetime]
) -> None:
    make_user(engine)
    assert _fail(client, 9) == [401] * 9
    assert login(client).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_of(client, PAGE)})
    # The address still has its 9 failures: one more is allowed, then the 11th is refused.
    assert _fail(client, 2) == [401, 429]


def test_old_attempts_are_pruned(
    client: FlaskClient, engine: Engine, clock: list[datetime]
) -> None:
    _fail(client, 3, "ghost")
    clock[0] += timedelta(hours=2)
    _fail(client, 1, "ghost")
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1


# --- cookie -----------------------------------------------------------------------------------


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def test_session_cookie_is_httponly_lax_and_not_secure_over_http(
    client: FlaskClient, engine: Engine
) -> None:
    make_user(engine)
    cookie = _session_cookie(login(client))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert "Expires" not in cookie  # gone when the browser closes; the server caps it at 12 h


def test_session_cookie_is_secure_over_https(app: Flask, engine: Engine) -> None:
    make_user(engine)
    client = app.test_client()
    page = client.get("/login", base_url="https://campus.example")
    token = CSRF.search(page.get_data(as_text=True))
    assert token
    response = client.post(
        "/login",
        data={"name": "alice", "password": PASSWORD, "csrf_token": token.group(1)},
        base_url="https://campus.example",
    )
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_when_configured(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert "Secure" in _session_cookie(client.get("/login"))


# --- the admins' users page -------------------------------------------------------------------


def test_admins_see_every_user_on_the_users_page(client: FlaskClient, engine: Engine) -> None:
    make_user(engine, "root", UserRole.ADMIN)
    make_user(engine, "reader", UserRole.VIEWER, password=None)
    login(client, "root")
    page = client.get("/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "root" in html and "reader" in html and "管理员" in html and "只读" in html
    assert "scrypt" not in html and "password_hash" not in html
    assert 'href="/admin/users"' in client.get(PAGE).get_data(as_text=True)


def test_the_users_page_is_for_admins_only(client: FlaskClient, engine: Engine) -> None:
    make_user(engine)
    login(client)
    assert client.get("/admin/users").status_code == 403
