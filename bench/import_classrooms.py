"""Benchmark: import N classroom rows from an XLSX file, on SQLite or PostgreSQL.

    .venv/bin/python bench/import_classrooms.py --rows 100000 --db sqlite
    .venv/bin/python bench/import_classrooms.py --rows 100000 --db postgresql --runs 3
    .venv/bin/python bench/import_classrooms.py --rows 100000 --db sqlite --format ods

Each run starts from an empty, migrated database, creates the schools (50 classrooms each)
through the services, then measures three imports of the same generated file, each in a fresh
process so that its peak memory (``ru_maxrss``) is its own:

* dry run   — every row validated through the services, then rolled back;
* commit    — the same, committed (all rows created);
* again     — the same file once more (every row unchanged, nothing written);
* update    — the file with one column edited in every row (every row updated).

A fourth process that only imports the code and opens the database gives the baseline memory.
PostgreSQL uses ``--url`` or $BENCH_POSTGRES_URL (default: database helper_import_bench on
127.0.0.1); its ``public`` schema is dropped and recreated. ``--profile`` prints the top of a
cProfile of the commit phase.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/helper_import_bench"
ROOMS_PER_SCHOOL = 50
COUNTIES = ("532301", "532322", "532323", "532324", "532325")
PHASES = ("baseline", "dry-run", "commit", "again", "update")


def _school_code(n: int) -> str:
    return f"21{COUNTIES[n % len(COUNTIES)][2:]}{n:04d}"


def prepare_database(url: str, schools: int) -> None:
    """An empty migrated database with ``schools`` schools, created through the services."""
    import sqlalchemy as sa

    from inventory import migrate
    from inventory.actor import Actor
    from inventory.db import make_engine, make_sessionmaker
    from inventory.services import schools as school_service

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    actor = Actor.system("bench").in_batch()
    with make_sessionmaker(engine)() as session, session.begin():
        for n in range(schools):
            school_service.create_school(
                session,
                actor,
                {
                    "code": _school_code(n),
                    "name": f"基准测试学校{n}",
                    "type_code": "211",
                    "region_code": COUNTIES[n % len(COUNTIES)],
                    "opened_on": date(1990, 9, 1),
                },
            )
    engine.dispose()


def write_file(path: Path, rows: int, wireless_mbps: int = 300) -> None:
    """An XLSX of ``rows`` classrooms in the template's format, written streaming."""
    import openpyxl

    from inventory.spreadsheets.columns import CLASSROOMS

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(CLASSROOMS.title)
    sheet.append([column.header for column in CLASSROOMS.columns])
    kinds = ["普通教室", "普通教室", "普通教室", "计算机教室", "实验室"]
    displays = ["交互式智能平板", "投影+交互白板", "投影仪", "无"]
    for n in range(rows):
        school, room = divmod(n, ROOMS_PER_SCHOOL)
        floor = room // 10 + 1
        sheet.append(
            [
                _school_code(school),
                f"{floor}-{room % 10 + 1:02d}",
                "教学楼A" if room < 25 else "教学楼B",
                floor,
                kinds[n % len(kinds)],
                displays[n % len(displays)],
                "是",
                "是" if n % 3 else "否",
                "是",
                "否",
                1000 if n % 4 else None,
                wireless_mbps,
                date(2020 + n % 5, 9, 1),
                None,
                None,
            ]
        )
    book.save(path)


def run_phase(phase: str, url: str, path: Path, profile: bool) -> dict[str, Any]:
    """One measured phase, in this (fresh) process."""
    if phase == "update":
        path = path.with_name("edited-" + path.name)
    from inventory.actor import Actor
    from inventory.db import make_engine, make_sessionmaker
    from inventory.spreadsheets.columns import CLASSROOMS
    from inventory.spreadsheets.importer import import_sheet
    from inventory.unit_of_work import SessionUnitOfWork

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    out: dict[str, Any] = {"phase": phase}
    if phase == "baseline":
        with sessions() as session:
            session.connection()
    else:
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        started = time.perf_counter()
        with sessions() as session, path.open("rb") as source:
            if profiler:
                profiler.enable()
            result = import_sheet(
                SessionUnitOfWork(session),
                Actor.system("bench"),
                source,
                CLASSROOMS,
                dry_run=phase == "dry-run",
            )
            if profiler:
                profiler.disable()
        out["seconds"] = time.perf_counter() - started
        out.update(
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            errors=result.error_count,
        )
        if profiler:
            import io
            import pstats

            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
            out["profile"] = text.getvalue()
    engine.dispose()
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _child(phase: str, url: str, path: Path, profile: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--url", url, "--file", str(path)]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file, or PG)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the commit phase")
    parser.add_argument(
        "--format",
        choices=("xlsx", "ods", "xls"),
        default="xlsx",
        help="the file as LibreOffice saves it (soffice; .xls holds at most 65,536 rows)",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # a child process: measure one phase and print it as JSON
        print(json.dumps(run_phase(args.phase, args.url, args.file, args.profile)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = workdir / "classrooms.xlsx"
    started = time.perf_counter()
    write_file(path, args.rows)
    write_file(path.with_name("edited-" + path.name), args.rows, wireless_mbps=200)
    if args.format != "xlsx":
        from read_formats import convert

        for source in (path, path.with_name("edited-" + path.name)):
            convert(source, args.format, workdir)
        path = path.with_suffix("." + args.format)
    print(
        f"generated {args.rows} rows: {path.stat().st_size / 2**20:.1f} MiB "
        f"in {time.perf_counter() - started:.1f} s"
    )
    schools = -(-args.rows // ROOMS_PER_SCHOOL)
    results: dict[str, list[dict[str, Any]]] = {phase: [] for phase in PHASES}
    for run in range(1, args.runs + 1):
        if args.db == "sqlite":
            url = args.url or f"sqlite:///{workdir / f'run{run}.sqlite'}"
        else:
            url = args.url or os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
        started = time.perf_counter()
        prepare_database(url, schools)
        print(f"run {run}: {schools} schools created in {time.perf_counter() - started:.1f} s")
        for phase in PHASES:
            profile = args.profile and phase == "commit" and run == 1
            measured = _child(phase, url, path, profile)
            if "profile" in measured:
                print(measured.pop("profile"))
            results[phase].append(measured)
            seconds = f"{measured['seconds']:.1f} s" if "seconds" in measured else "-"
            print(f"  {phase:8} {seconds:>8}  peak {measured['peak_mib']:.0f} MiB  {measured}")
            if phase != "baseline" and measured["errors"]:
                raise SystemExit(f"{phase}: {measured['errors']} rows had errors")

    print()
    print(
        f"{args.rows} classroom rows, {args.db}, {args.runs} run(s); "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(f"{'phase':10} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}  counts")
    for phase in PHASES:
        runs = results[phase]
        peak = statistics.median(r["peak_mib"] for r in runs)
        if phase == "baseline":
            print(f"{phase:10} {'-':>9} {'-':>7} {'-':>7} {peak:9.0f}")
            continue
        seconds = [r["seconds"] for r in runs]
        last = runs[-1]
        counts = (
            f"created {last['created']}, updated {last['updated']}, unchanged {last['unchanged']}"
        )
        print(
            f"{phase:10} {statistics.median(seconds):9.1f} {min(seconds):7.1f} "
            f"{max(seconds):7.1f} {peak:9.0f}  {counts}"
        )


if __name__ == "__main__":
    main()
