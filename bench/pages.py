"""Time the dashboard pages on the demo inventory: one command, medians of N requests.

    .venv/bin/python bench/pages.py --scale 1.0 --runs 5 [--db postgresql+psycopg://...]

Builds a fresh database (SQLite in a temporary folder unless --db names one, whose public
schema is then dropped and recreated), loads the demo at --scale through the services with
the page-test polling states (tests/dash_fixture.py), logs in as admin through the login form
and times each page with Flask's test client (server-side rendering, no network).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inventory import migrate
from inventory.db import make_engine, make_sessionmaker
from inventory.secretbox import SecretBox
from tests import dash_fixture
from web import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/pages.sqlite"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    key = SecretBox.generate_key()
    dash_fixture.SCALE = args.scale
    started = time.perf_counter()
    with make_sessionmaker(engine)() as db:
        data = dash_fixture.build(db, key)
        db.commit()
        schools = db.scalar(sa.text("select count(*) from school"))
    print(
        f"loaded {schools} schools in {time.perf_counter() - started:.0f} s ({engine.dialect.name})"
    )
    app = create_app(
        {
            "DATABASE_URL": url,
            "FERNET_KEYS": key,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "CLOCK": lambda: dash_fixture.NOW,
        }
    )
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    )
    assert token
    client.post(
        "/login",
        data={"name": "admin", "password": dash_fixture.PASSWORD, "csrf_token": token.group(1)},
    )
    pages = {
        "overview (prefecture)": "/overview",
        "overview (county)": f"/overview?region={data.county}",
        "school list (county)": f"/overview/schools?region={data.county}",
        "school list (prefecture, page 1)": "/overview/schools",
        "school page": f"/schools/{data.school_code}",
        "status board": "/status",
        "classroom form": f"/schools/{data.school_code}/classrooms/new",
    }
    print("| page | median ms | min ms | max ms |\n|---|---:|---:|---:|")
    for name, path in pages.items():
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
        print(f"| {name} | {statistics.median(times):.0f} | {min(times):.0f} | {max(times):.0f} |")
    engine.dispose()


if __name__ == "__main__":
    main()
