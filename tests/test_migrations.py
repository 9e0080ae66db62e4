"""Alembic migrations: they build exactly the models' schema, load reference data, and go down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from inventory import migrate
from inventory.db import make_engine
from inventory.models import Base

SCRATCH_SCHEMA = "migration_check"


@pytest.fixture
def scratch_engine(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the same kind as the suite's: a fresh SQLite file, or a PG schema."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
        scratch = make_engine(
            engine.url.render_as_string(hide_password=False),
            connect_args={"options": f"-csearch_path={SCRATCH_SCHEMA}"},
        )
    else:
        scratch = make_engine(f"sqlite:///{tmp_path / 'scratch.sqlite'}")
    yield scratch
    scratch.dispose()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_upgrade_loads_the_region_tree_and_school_types(scratch_engine: Engine) -> None:
    migrate.upgrade(scratch_engine)
    assert migrate.current_revision(scratch_engine) == migrate.head_revision()
    with scratch_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT code, level, parent_code, path FROM region")).all()
        types = conn.execute(
            sa.text("SELECT code, stage, default_scope FROM school_type ORDER BY code")
        ).all()
    by_code = {row.code: row for row in rows}
    assert len(rows) == 12  # Yunnan, Chuxiong, ten counties
    assert by_code["530000"].level == "province"
    assert by_code["532300"].parent_code == "530000"
    assert by_code["532302"].path == "/530000/532300/532302/"  # Lufeng, a city since 2021
    assert sum(row.level == "county" for row in rows) == 10
    assert len(types) == 21
    assert {t.code for t in types if not t.default_scope} == {"111", "119"}


def test_downgrade_to_base_removes_everything_and_upgrade_restores(scratch_engine: Engine) -> None:
    migrate.upgrade(scratch_engine)
    migrate.downgrade(scratch_engine, "base")
    assert migrate.current_revision(scratch_engine) is None
    assert set(sa.inspect(scratch_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM region")).scalar() == 12


def test_coverage_query_indexes_exist(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    indexed = {
        table: {tuple(index["column_names"]) for index in inspector.get_indexes(table)}
        for table in ("school", "classroom", "network_link", "region")
    }
    assert ("region_code", "type_code") in indexed["school"]
    assert ("opened_on", "closed_on") in indexed["school"]
    assert ("school_id", "commissioned_on", "decommissioned_on") in indexed["classroom"]
    assert ("school_id", "commissioned_on", "decommissioned_on") in indexed["network_link"]
    assert ("path",) in indexed["region"]
