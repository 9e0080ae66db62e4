"""digicampus backup / restore: everything comes back equal — change log, users, token
hashes, encrypted SNMP secrets (still decrypting with the same keys), polling state — on
SQLite and PostgreSQL and across them; a wrong file or a non-empty database is refused."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from demo import inventory as demo
from inventory import backup, migrate
from inventory.actor import Actor
from inventory.choices import PollFailure
from inventory.db import make_engine
from inventory.models import (
    Base,
    Collector,
    DeviceState,
    InterfaceState,
    PollCycle,
    PollSample,
    SnmpCredential,
)
from inventory.models.base import utcnow
from inventory.models.polling import apscheduler_jobs
from inventory.secretbox import SecretBox, SecretBoxError
from tests.conftest import FERNET_KEY, ApiClient
from web import create_app

COMMUNITY = "backup-community-s3cret"
AUTH_KEY = "backup-auth-key-s3cret"
PRIV_KEY = "backup-priv-key-s3cret"


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as SQLAlchemy reads it, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


# The largest counter SQLite keeps exact: SQLAlchemy binds NUMERIC as a float there (exact
# up to 2**53); PostgreSQL keeps all 20 digits of a Counter64 (checked on its own below).
SQLITE_EXACT = 2**53


@pytest.fixture
def populated(api: ApiClient, session: Session, app: Flask) -> dict[str, Any]:
    """A small demo inventory through the services, plus accounts, secrets and polling rows."""
    box: SecretBox = app.extensions["digicampus"].secret_box
    demo.load(session, Actor.system("demo"), box, demo.generate(7, 0.01))
    session.commit()
    v2c = api.post(
        "/api/v1/snmp-credentials",
        json={"name": "bk-v2c", "version": "v2c", "community": COMMUNITY},
    ).json
    v3 = api.post(
        "/api/v1/snmp-credentials",
        json={
            "name": "bk-v3",
            "version": "v3",
            "username": "monitor",
            "auth_protocol": "sha256",
            "auth_key": AUTH_KEY,
            "priv_protocol": "aes128",
            "priv_key": PRIV_KEY,
        },
    ).json
    user = api.post(
        "/api/v1/users", json={"name": "county-a", "role": "viewer", "password": "pw-0123456789"}
    )
    assert user.status_code == 201, user.json
    token = api.post("/api/v1/users/me/tokens", json={"label": "to revoke"}).json
    api.delete(f"/api/v1/users/me/tokens/{token['id']}")
    device_id = session.scalar(sa.select(sa.func.min(DeviceState.device_id))) or session.scalar(
        sa.text("SELECT min(id) FROM device")
    )
    now = utcnow()
    session.merge(
        DeviceState(
            device_id=device_id,
            last_polled_at=now,
            reachable=False,
            failure=PollFailure.TIMEOUT,
            lease_owner="c1",
            lease_expires_at=now + timedelta(minutes=2),
            sys_uptime_ticks=2**40,
        )
    )
    session.add_all(
        [
            InterfaceState(
                device_id=device_id,
                if_index=1,
                name="GE0/0/1",
                in_octets=SQLITE_EXACT,
                out_octets=0,
                polled_at=now,
                in_bps=1234.5678901234,
            ),
            PollSample(device_id=device_id, if_index=None, at=now, up=False, response_ms=0.1),
            Collector(name="c1", hostname="h", pid=1, started_at=now, heartbeat_at=now),
            PollCycle(
                collector="c1", started_at=now, finished_at=now, seconds=1.5, failures={"超时": 1}
            ),
        ]
    )
    session.execute(
        apscheduler_jobs.insert().values(id="rollup", next_run_time=1.5e9, job_state=b"\x00\xff")
    )
    session.commit()
    return {"v2c": v2c["id"], "v3": v3["id"]}


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'restored.sqlite'}")
    yield engine
    engine.dispose()


def test_round_trip_into_an_empty_database(
    engine: Engine, populated: dict[str, Any], fresh_sqlite: Engine, tmp_path: Path
) -> None:
    before = snapshot(engine)
    assert before["change_record"] and before["api_token"] and before["snmp_credential"]
    assert before["classroom"] and before["campus_network"] and before["network_link"]
    file = tmp_path / "backup.zip"
    manifest = backup.backup(engine, file)
    assert manifest["revision"] == migrate.head_revision()
    assert {e["name"]: e["rows"] for e in manifest["tables"]} == {
        name: len(rows) for name, rows in before.items()
    }
    backup.restore(fresh_sqlite, file)  # no schema: migrated to the backup's revision first
    assert migrate.current_revision(fresh_sqlite) == manifest["revision"]
    assert snapshot(fresh_sqlite) == before


def test_secrets_come_back_encrypted_and_decrypt_with_the_same_keys(
    engine: Engine, populated: dict[str, Any], fresh_sqlite: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "backup.zip"
    backup.backup(engine, file)
    with zipfile.ZipFile(file) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    for plaintext in (COMMUNITY, AUTH_KEY, PRIV_KEY, FERNET_KEY, "pw-0123456789"):
        assert plaintext.encode() not in everything
    backup.restore(fresh_sqlite, file)
    with Session(fresh_sqlite) as session:
        v2c = session.get(SnmpCredential, populated["v2c"])
        v3 = session.get(SnmpCredential, populated["v3"])
    assert v2c is not None and v3 is not None
    box = SecretBox([FERNET_KEY])
    assert box.decrypt(v2c.community_enc or "") == COMMUNITY
    assert box.decrypt(v3.auth_key_enc or "") == AUTH_KEY
    assert box.decrypt(v3.priv_key_enc or "") == PRIV_KEY
    with pytest.raises(SecretBoxError):
        SecretBox([SecretBox.generate_key()]).decrypt(v2c.community_enc or "")


def test_restore_force_brings_the_database_back_and_new_ids_follow(
    engine: Engine, populated: dict[str, Any], api: ApiClient, tmp_path: Path, is_postgres: bool
) -> None:
    if is_postgres:
        with engine.begin() as connection:
            connection.execute(sa.update(InterfaceState).values(in_octets=2**64 - 1))
    file = tmp_path / "backup.zip"
    backup.backup(engine, file)
    before = snapshot(engine)
    api.post("/api/v1/snmp-credentials", json={"name": "later", "version": "v2c", "community": "x"})
    api.delete(f"/api/v1/snmp-credentials/{populated['v2c']}")
    with pytest.raises(backup.BackupError, match="already holds data"):
        backup.restore(engine, file)
    assert snapshot(engine) != before
    backup.restore(engine, file, force=True)
    assert snapshot(engine) == before
    top = before["interface_state"][0]["in_octets"]
    assert top == (2**64 - 1 if is_postgres else SQLITE_EXACT)
    # PostgreSQL's id sequences were moved past the restored ids: creating works.
    created = api.post(
        "/api/v1/snmp-credentials", json={"name": "after", "version": "v2c", "community": "y"}
    )
    assert created.status_code == 201, created.json
    assert created.json["id"] > max(r["id"] for r in before["snmp_credential"])


def test_across_dialects_and_back(
    engine: Engine, populated: dict[str, Any], fresh_sqlite: Engine, tmp_path: Path
) -> None:
    """The test database (PostgreSQL on the second pass) → SQLite → back, unchanged."""
    before = snapshot(engine)
    backup.backup(engine, tmp_path / "a.zip")
    backup.restore(fresh_sqlite, tmp_path / "a.zip")
    backup.backup(fresh_sqlite, tmp_path / "b.zip")
    backup.restore(engine, tmp_path / "b.zip", force=True)
    assert snapshot(engine) == before
    rows = snapshot(engine)["interface_state"]
    assert rows[0]["in_octets"] == Decimal(SQLITE_EXACT)


def test_a_backup_of_another_revision_is_refused(
    engine: Engine, populated: dict[str, Any], tmp_path: Path
) -> None:
    file = tmp_path / "backup.zip"
    backup.backup(engine, file)
    old = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        migrate.upgrade(old, "0003_polling")
        with pytest.raises(backup.BackupError, match="the database is at 0003_polling"):
            backup.restore(old, file, force=True)
    finally:
        old.dispose()
    future = tmp_path / "future.zip"
    with zipfile.ZipFile(file) as source, zipfile.ZipFile(future, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == backup.MANIFEST:
                data = json.dumps({**json.loads(data), "revision": "9999_future"}).encode()
            target.writestr(name, data)
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        with pytest.raises(backup.BackupError, match="9999_future, unknown to this release"):
            backup.restore(empty, future)
    finally:
        empty.dispose()


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path, fresh_sqlite: Engine) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    with pytest.raises(backup.BackupError, match="not a digicampus backup"):
        backup.restore(fresh_sqlite, junk)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr(backup.MANIFEST, json.dumps({"format": "something-else"}))
    with pytest.raises(backup.BackupError, match="not a digicampus backup"):
        backup.restore(fresh_sqlite, other)


def test_a_restore_that_fails_midway_changes_nothing(
    engine: Engine, populated: dict[str, Any], tmp_path: Path
) -> None:
    file = tmp_path / "backup.zip"
    backup.backup(engine, file)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(file) as source, zipfile.ZipFile(broken, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "tables/classroom.jsonl":
                data += b'{"id": 1}\n'  # a row without the other columns
            target.writestr(name, data)
    before = snapshot(engine)
    with pytest.raises(backup.BackupError, match="table classroom"):
        backup.restore(engine, broken, force=True)
    assert snapshot(engine) == before


def test_the_commands(tmp_path: Path) -> None:
    def cli_app(name: str) -> Flask:
        return create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / name}",
                "FERNET_KEYS": FERNET_KEY,
                "SECRET_KEY": "backup-cli-secret",
            }
        )

    source, target = cli_app("source.sqlite"), cli_app("target.sqlite")
    try:
        runner = source.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        made = runner.invoke(args=["users", "create-admin", "root"])
        assert made.exit_code == 0, made.output
        file = tmp_path / "out.zip"
        result = runner.invoke(args=["backup", str(file)])
        assert result.exit_code == 0, result.output
        assert "revision" in result.output and "Fernet keys are not in the backup" in result.output
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.zip")] == []
        restored = target.test_cli_runner().invoke(args=["restore", str(file)])
        assert restored.exit_code == 0, restored.output
        assert snapshot(target.extensions["digicampus"].engine) == snapshot(
            source.extensions["digicampus"].engine
        )
        again = target.test_cli_runner().invoke(args=["restore", str(file)])
        assert again.exit_code == 1
        assert "already holds data; restore --force replaces it all" in again.output
        forced = target.test_cli_runner().invoke(args=["restore", "--force", str(file)])
        assert forced.exit_code == 0, forced.output
    finally:
        source.extensions["digicampus"].engine.dispose()
        target.extensions["digicampus"].engine.dispose()
