"""Benchmark: the coverage report of a province-sized inventory, on PostgreSQL (or SQLite).

    .venv/bin/python bench/coverage_report.py --url postgresql+psycopg://postgres@127.0.0.1:5432/DB
    .venv/bin/python bench/coverage_report.py --db sqlite

Drops and recreates the database's ``public`` schema (PostgreSQL) or uses a new file in /tmp
(SQLite), migrates, bulk-builds the province of bench/province.py (20,000 schools, 300,000
classrooms, 40,000 links by default), then times ``coverage_report`` for the province
(530000) and for the prefecture of Chuxiong (532300), today (stored verdicts) and on a past
date (rollups), plus one school evaluation and a page of the gap list, ``--runs`` times each
after one warm-up; prints medians, min and max. Goals: province < 1 s, prefecture < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.province import ProvinceSpec, build_province  # noqa: E402
from inventory import migrate  # noqa: E402
from inventory.actor import Actor  # noqa: E402
from inventory.coverage.evaluation import evaluate_school, gap_list  # noqa: E402
from inventory.coverage.report import coverage_report  # noqa: E402
from inventory.db import make_engine, make_sessionmaker  # noqa: E402
from inventory.models import School  # noqa: E402
from inventory.services.common import PageRequest  # noqa: E402
from inventory.standards.loader import default_standard  # noqa: E402


def _time(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm-up: plans cached, pages in memory
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--url", default=os.environ.get("BENCH_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--schools", type=int, default=20_000)
    parser.add_argument("--classrooms", type=int, default=300_000)
    parser.add_argument("--links", type=int, default=40_000)
    args = parser.parse_args()
    if args.db == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    else:
        url = args.url or "postgresql+psycopg://postgres@127.0.0.1:5432/test_coverage"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    spec = ProvinceSpec(schools=args.schools, classrooms=args.classrooms, links=args.links)
    started = time.perf_counter()
    with engine.begin() as conn:
        summary = build_province(conn, spec)
    print(f"built {summary} in {time.perf_counter() - started:.1f} s on {engine.dialect.name}")
    if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    standard = default_standard()
    actor = Actor.system("bench")
    sessions = make_sessionmaker(engine)
    past = date(2024, 12, 31)
    with sessions() as session:
        code = session.scalar(sa.select(School.code).where(School.region_code == "532301").limit(1))
        assert code is not None
        cases: list[tuple[str, Callable[[], Any]]] = [
            (
                "province 530000, today",
                lambda: coverage_report(session, actor, standard, region="530000"),
            ),
            (
                "province 530000, 2024-12-31",
                lambda: coverage_report(session, actor, standard, region="530000", as_of=past),
            ),
            (
                "prefecture 532300, today",
                lambda: coverage_report(session, actor, standard, region="532300"),
            ),
            (
                "prefecture 532300, 2024-12-31",
                lambda: coverage_report(session, actor, standard, region="532300", as_of=past),
            ),
            ("school evaluation", lambda: evaluate_school(session, actor, standard, code)),
            (
                "gap list 532300, page of 50",
                lambda: gap_list(
                    session, actor, standard, region="532300", page=PageRequest(per_page=50)
                ),
            ),
        ]
        schools = coverage_report(session, actor, standard, region="530000").totals.schools
        prefecture = coverage_report(session, actor, standard, region="532300").totals.schools
        print(f"counted schools: province {schools}, prefecture {prefecture}")
        print("| case | median ms | min ms | max ms | runs |")
        print("|---|---:|---:|---:|---:|")
        for name, fn in cases:
            times = _time(fn, args.runs)
            print(
                f"| {name} | {statistics.median(times) * 1000:.0f} | {min(times) * 1000:.0f} | "
                f"{max(times) * 1000:.0f} | {len(times)} |"
            )
    engine.dispose()


if __name__ == "__main__":
    main()
