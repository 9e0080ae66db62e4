"""Load benchmark of the API under gunicorn and PostgreSQL, driven by wrk on loopback.

    .venv/bin/python bench/load_api.py --url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Drops and recreates the database's ``public`` schema, migrates, bulk-builds the province
(bench/province.py: 20,000 schools, 300,000 classrooms, 40,000 uplinks), runs VACUUM
ANALYZE, creates an admin token, starts gunicorn (``--workers``) on a free loopback port and
runs wrk (``apt-get install wrk``) against each case for ``--seconds`` with ``--connections``
keep-alive clients: p50/p99 latency and requests/s, and how many answers were not 2xx.

Cases: list (a page of 50 schools of the province, random page), get (one school by code,
random), create (a classroom, unique room code per request), coverage (the province's
coverage report; the prefecture's too).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.province import ProvinceSpec, build_province  # noqa: E402
from inventory import migrate  # noqa: E402
from inventory.actor import Actor  # noqa: E402
from inventory.choices import UserRole  # noqa: E402
from inventory.db import make_engine, make_sessionmaker  # noqa: E402
from inventory.models import School  # noqa: E402
from inventory.secretbox import SecretBox  # noqa: E402
from inventory.services import accounts  # noqa: E402

LUA_RANDOM_PATH = """
local paths = {%s}
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
LUA_CREATE = """
local counter = 0
local threads = 0
local schools = {%s}
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local school = schools[(counter %% #schools) + 1]
  local body = string.format(
    '{"room_code": "L{nonce}-%%d-%%d", "kind": "ordinary", "wired_mbps": 1000}', tid, counter)
  return wrk.format("POST", "/api/v1/schools/" .. school .. "/classrooms", nil, body)
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare(url: str, key: str, spec: ProvinceSpec) -> tuple[str, list[str]]:
    """A migrated province; an admin token and some school codes."""
    target = sa.engine.make_url(url)
    admin = make_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ):
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        summary = build_province(conn, spec)
    print(f"built {summary} in {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    with make_sessionmaker(engine)() as session:
        system = Actor.system("bench")
        user = accounts.create_user(session, system, "bench-admin", UserRole.ADMIN)
        token = accounts.issue_token(session, system, user, label="load bench").secret
        session.commit()
        codes = list(session.scalars(sa.select(School.code).order_by(School.code)))
    engine.dispose()
    return token, random.Random(1).sample(codes, min(500, len(codes)))


def wrk(port: int, token: str, lua: str, args: argparse.Namespace, work: Path) -> dict[str, float]:
    script = work / "case.lua"
    script.write_text(lua)
    command = ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s"]
    command += ["--latency", "--timeout", "30s", "-s", str(script)]
    command += ["-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json"]
    command.append(f"http://127.0.0.1:{port}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    units = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        return float(match[1]) * units[match[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rps and total, out
    return {
        "p50": latency("50"),
        "p99": latency("99"),
        "rps": float(rps[1]),
        "requests": int(total[1]),
        "non_2xx": int(bad[1]) if bad else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True, help="a PostgreSQL database used for nothing else")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="runs of every case (medians)")
    parser.add_argument("--schools", type=int, default=20_000, help="smaller for a quick try")
    args = parser.parse_args()
    key = SecretBox.generate_key()
    scale = args.schools / 20_000
    spec = ProvinceSpec(
        schools=args.schools, classrooms=int(300_000 * scale), links=int(40_000 * scale)
    )
    token, codes = prepare(args.url, key, spec)
    work = Path(tempfile.mkdtemp(prefix="load-"))
    (work / "metrics").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGICAMPUS_")}
    env.update(
        DIGICAMPUS_DATABASE_URL=args.url,
        DIGICAMPUS_FERNET_KEYS=key,
        DIGICAMPUS_SECRET_KEY=os.urandom(24).hex(),
        DIGICAMPUS_METRICS_DIR=str(work / "metrics"),
        DIGICAMPUS_LOG_LEVEL="WARNING",  # a log line per request would measure the journal
    )
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (work / "gunicorn.log").open("wb")
    serve = [str(gunicorn), "-c", "python:web.gunicorn_conf", "--workers", str(args.workers)]
    server = subprocess.Popen(
        [*serve, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    quoted = ", ".join(f'"{code}"' for code in codes)
    pages = ", ".join(
        f'"/api/v1/schools?region=530000&per_page=50&page={page}"' for page in range(1, 101)
    )
    gets = ", ".join(f'"/api/v1/schools/{code}"' for code in codes)
    cases = [
        (
            "list: GET /schools?region=530000&per_page=50 (random page ≤ 100)",
            LUA_RANDOM_PATH % pages,
        ),
        ("get: GET /schools/{code} (random of 500)", LUA_RANDOM_PATH % gets),
        ("create: POST /schools/{code}/classrooms", LUA_CREATE % quoted),  # {nonce}: per run
        (
            "coverage: GET /coverage?region=530000 (province)",
            LUA_RANDOM_PATH % '"/api/v1/coverage?region=530000"',
        ),
        (
            "coverage: GET /coverage?region=532300 (prefecture)",
            LUA_RANDOM_PATH % '"/api/v1/coverage?region=532300"',
        ),
    ]
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json").close()
                break
            except OSError:
                time.sleep(0.3)
        results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in cases}
        for round_ in range(args.rounds):
            for name, lua in cases:
                # Room codes differ from run to run: a repeated one would be a 409.
                lua = lua.replace("{nonce}", f"{round_}")
                result = wrk(port, token, lua, args, work)
                results[name].append(result)
                print(f"round {round_ + 1} {name}: {result}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    print(
        f"\n{args.workers} gunicorn workers, wrk 2 threads × {args.connections} connections, "
        f"{args.seconds} s per run, {args.rounds} runs per case (medians)\n"
    )
    print("| case | p50 ms | p99 ms | requests/s | requests | not 2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        print(
            f"| {name} | {median([r['p50'] for r in runs]):.1f} | "
            f"{median([r['p99'] for r in runs]):.1f} | {median([r['rps'] for r in runs]):.1f} | "
            f"{sum(int(r['requests']) for r in runs)} | {sum(int(r['non_2xx']) for r in runs)} |"
        )


if __name__ == "__main__":
    main()
