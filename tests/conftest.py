"""Test harness: a real database (SQLite, or PostgreSQL when DIGICAMPUS_TEST_DATABASE_URL says),
migrated once per session with Alembic and emptied of non-reference rows after every test."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory import localday, migrate, reference
from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.db import make_engine, make_sessionmaker
from inventory.models import Base, User
from inventory.secretbox import SecretBox
from inventory.services import accounts
from web import create_app

TEST_DB_ENV = "DIGICAMPUS_TEST_DATABASE_URL"
# Every app, command and child process of the run keeps its instance folder here: never in the
# tester's home or the checkout.
os.environ["DIGICAMPUS_HOME"] = tempfile.mkdtemp(prefix="digicampus-home-")
FERNET_KEY = SecretBox.generate_key()
REFERENCE_TABLES = {"region", "school_type"}
REFERENCE_REGIONS = [row["code"] for row in reference.region_rows()]
COUNTY = "532301"  # 楚雄市
OTHER_COUNTY = "532322"  # 双柏县


# Test tiers (README, "Development"): each runs alone with ``pytest -m unit|integration|browser``.
# A test's tier follows from what it uses, so a new test lands in the right one by default:
# the browser's fixture or module makes it a browser test; the database (the ``engine``
# fixture, which ``app``, ``api``, ``session``… need), real SNMP agents or sockets make it an
# integration test; anything else is a unit test, which gets neither database nor network
# (``_unit_tests_use_no_network`` fails a unit test that opens a socket). A test may also be
# marked with its tier explicitly.
TIERS = ("unit", "integration", "browser")
BROWSER_FIXTURES = {"browser"}
INTEGRATION_FIXTURES = {"engine", "database_url", "lab", "mutable_device", "corpus", "cli_app"}
# Modules whose tests start servers, agents or the installed command themselves (gunicorn,
# snmpsim, UDP agents, a webhook receiver, ``digicampus`` in a child process).
INTEGRATION_MODULES = {
    "test_bench_snmp_cycle",
    "test_cycle",
    "test_demo_agents",
    "test_gunicorn",
    "test_gunicorn_edge",
    "test_instance_folder",
    "test_snmp_client",
    "test_snmp_simulation",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(tier) for tier in TIERS):
            continue
        names = set(getattr(item, "fixturenames", ()))
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        elif names & INTEGRATION_FIXTURES or module in INTEGRATION_MODULES:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def _unit_tests_use_no_network(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError(
            "a unit test opened a network socket: mark it integration (tests/conftest.py)"
        )

    for method in ("bind", "connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, method, refuse)


def pytest_report_header() -> str:
    return f"database: {_url_for_display()}"


def _url_for_display() -> str:
    return os.environ.get(TEST_DB_ENV) or "SQLite (temporary file)"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return (
        os.environ.get(TEST_DB_ENV) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    # Pre-ping, as the app's engine: a test that terminates backends (test_hostile_input) must
    # not leave dead pooled connections for the cleanup after it.
    engine = make_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # a clean slate whatever an earlier run left behind
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    on_postgres = os.environ.get(TEST_DB_ENV, "").startswith("postgresql")
    if request.node.get_closest_marker("postgres_only") and not on_postgres:
        pytest.skip("needs PostgreSQL (set DIGICAMPUS_TEST_DATABASE_URL); SQLite lacks the feature")


@pytest.fixture(autouse=True)
def _default_zone() -> Iterator[None]:
    """The bureau's zone is process-wide: a test that builds an app in another zone must not
    move the days of the tests after it."""
    yield
    localday.configure(localday.DEFAULT_ZONE)


@pytest.fixture(autouse=True)
def _empty_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    # Only after tests that use the database: a unit test never opens it.
    if "engine" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("engine")
    yield
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "region":
                conn.execute(table.delete().where(table.c.code.not_in(REFERENCE_REGIONS)))
            elif table.name not in REFERENCE_TABLES:
                conn.execute(table.delete())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for service tests; the test commits what it wants kept."""
    with make_sessionmaker(engine)() as db:
        yield db


@pytest.fixture
def actor() -> Actor:
    return Actor.system("tester")


@pytest.fixture(scope="session")
def app(database_url: str, engine: Engine) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "test-secret-key",
        }
    )
    yield app
    app.extensions["digicampus"].engine.dispose()


class ApiClient:
    """A test client that sends the bearer token and JSON, and remembers every response."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token
        self.responses: list[Any] = []

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.responses.append(response)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self._call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._call("DELETE", path, **kwargs)


def make_token(
    engine: Engine,
    name: str,
    role: UserRole = UserRole.ADMIN,
    *,
    region: str | None = None,
    schools: Sequence[str] = (),
    password: str | None = None,
) -> str:
    """A user with this role and scope (region code, school codes) and a token for it.

    Without a scope a region admin gets COUNTY; school staff without schools (which the
    services refuse to create) are inserted as they are and see nothing.
    """
    if role is UserRole.REGION_ADMIN and region is None:
        region = COUNTY
    with make_sessionmaker(engine)() as db, db.begin():
        system = Actor.system("tests")
        if role is UserRole.SCHOOL_STAFF and not schools:
            user = User(name=name, role=role)
            db.add(user)
            db.flush()
        else:
            user = accounts.create_user(
                db, system, name, role, region, schools=schools, password=password
            )
        return accounts.issue_token(db, system, user).secret


def client_for(
    app: Flask,
    engine: Engine,
    name: str,
    role: UserRole,
    *,
    region: str | None = None,
    schools: Sequence[str] = (),
) -> ApiClient:
    """An API client acting as a new user with this role and scope."""
    token = make_token(engine, name, role, region=region, schools=schools)
    return ApiClient(app.test_client(), token)


@pytest.fixture
def admin_token(engine: Engine) -> str:
    return make_token(engine, "admin")


@pytest.fixture
def api(app: Flask, admin_token: str) -> ApiClient:
    """An authenticated admin client."""
    return ApiClient(app.test_client(), admin_token)


@pytest.fixture
def anon(app: Flask) -> ApiClient:
    """A client without a token."""
    return ApiClient(app.test_client(), None)


def school_data(**overrides: Any) -> dict[str, Any]:
    """A valid school body; override what the test is about."""
    data: dict[str, Any] = {
        "code": "2153010001",
        "name": "楚雄市鹿城小学",
        "type_code": "211",
        "region_code": COUNTY,
        "students": 1200,
        "teachers": 70,
        "ordinary_classrooms": 24,
        "opened_on": "1985-09-01",
    }
    data.update(overrides)
    return data


@pytest.fixture
def school(api: ApiClient) -> dict[str, Any]:
    """A school created through the API."""
    response = api.post("/api/v1/schools", json=school_data())
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body
