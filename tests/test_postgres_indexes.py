"""PostgreSQL-only: the indexes coverage queries rely on are usable by the planner."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

pytestmark = pytest.mark.postgres_only


def _plan(engine: Engine, sql: str) -> str:
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))  # tiny tables: force the choice
        return "\n".join(conn.execute(sa.text(f"EXPLAIN {sql}")).scalars())


def test_region_subtree_prefix_match_uses_the_path_index(engine: Engine) -> None:
    # A plain btree index cannot serve LIKE 'prefix%' under a non-C collation;
    # varchar_pattern_ops can. SQLite has no operator classes, hence PostgreSQL only.
    plan = _plan(engine, "SELECT code FROM region WHERE path LIKE '/530000/532300/%'")
    assert "ix_region_path" in plan


def test_schools_of_a_region_subtree_use_the_region_index(engine: Engine) -> None:
    plan = _plan(
        engine,
        "SELECT id FROM school WHERE region_code IN "
        "(SELECT code FROM region WHERE path LIKE '/530000/532300/%')",
    )
    assert "ix_school_region_type" in plan
    assert "ix_region_path" in plan
