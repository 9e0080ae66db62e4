"""API fuzzing for CI: schemathesis over the whole OpenAPI document (/api/v1/openapi.json),
authenticated with an admin token, against gunicorn (2 workers) and PostgreSQL on loopback.

Fails on any 5xx and on any response that breaks its own documented schema. The hooks in
.ci/fuzz_hooks.py add hostile values to the generated cases: lone surrogates, control
characters, NUL, oversized strings and deep nesting. The database
named by the first argument is dropped and created anew: give it one used for nothing else.

    .venv/bin/python .ci/fuzz_api.py postgresql+psycopg://postgres@127.0.0.1:5432/ops_fuzz
"""

from __future__ import annotations

import os
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

from demo import inventory as demo  # noqa: E402
from inventory import migrate  # noqa: E402
from inventory.actor import Actor  # noqa: E402
from inventory.choices import UserRole  # noqa: E402
from inventory.db import make_engine, make_sessionmaker  # noqa: E402
from inventory.models import ApiToken, User  # noqa: E402
from inventory.secretbox import SecretBox  # noqa: E402
from inventory.services import accounts  # noqa: E402

MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "10")  # CI time: about 3 minutes
SEED = os.environ.get("FUZZ_SEED", "20261202")
FUZZ_USER_ID = 1_234_567
FUZZ_TOKEN_ID = 7_654_321


def recreate(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = make_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(url: str, key: str) -> str:
    """Migrate, load a small demo inventory, return an admin token."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with make_sessionmaker(engine)() as session:
        system = Actor.system("fuzz")
        demo.load(session, system, SecretBox([key]), demo.generate(11, 0.01))
        # Ids far from the ones the fuzzer tries first (1, 2, the maximum), so that it does
        # not revoke its own token or disable its own account halfway through the run.
        user = User(id=FUZZ_USER_ID, name="fuzz-admin", role=UserRole.ADMIN)
        session.add(user)
        session.flush()
        secret = accounts.issue_token(session, system, user, label="schemathesis").secret
        session.execute(
            sa.update(ApiToken).where(ApiToken.user_id == FUZZ_USER_ID).values(id=FUZZ_TOKEN_ID)
        )
        session.commit()
    engine.dispose()
    return secret


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main() -> int:
    url = sys.argv[1]
    recreate(url)
    key = SecretBox.generate_key()
    token = prepare(url, key)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    (work / "metrics").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGICAMPUS_")}
    env.update(
        DIGICAMPUS_DATABASE_URL=url,
        DIGICAMPUS_FERNET_KEYS=key,
        DIGICAMPUS_SECRET_KEY=os.urandom(24).hex(),
        DIGICAMPUS_METRICS_DIR=str(work / "metrics"),
        DIGICAMPUS_LOG_LEVEL="WARNING",
    )
    bin_dir = Path(sys.executable).parent
    log = (work / "gunicorn.log").open("wb")
    serve = [str(bin_dir / "gunicorn"), "-c", "python:web.gunicorn_conf", "--workers", "2"]
    server = subprocess.Popen(
        [*serve, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5).close()
                break
            except OSError:
                time.sleep(0.3)
        command = [str(bin_dir / "st"), "run", f"{base}/api/v1/openapi.json"]
        command += ["--url", base]  # the document's paths start with /api/v1
        command += ["--header", f"Authorization: Bearer {token}"]
        command += ["--checks", "not_a_server_error,response_schema_conformance"]
        command += ["--phases", "examples,coverage,fuzzing"]
        command += ["--max-examples", MAX_EXAMPLES, "--seed", SEED]
        # One schemathesis worker: threads parsing at once trip a CPython 3.11 ast bug.
        command += ["--workers", "1"]
        command += ["--request-timeout", "30", "--no-shrink", *sys.argv[2:]]
        started = time.monotonic()
        hooks = {"SCHEMATHESIS_HOOKS": str(ROOT / ".ci" / "fuzz_hooks.py")}
        status = subprocess.call(command, cwd=work, env={**os.environ, **hooks})
        print(f"schemathesis: exit {status} after {time.monotonic() - started:.0f} s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    errors = [
        line
        for line in (work / "gunicorn.log").read_text(errors="replace").splitlines()
        if "unhandled error" in line or "Traceback" in line
    ]
    if errors:
        print("server errors logged:\n" + "\n".join(errors[:20]))
        return status or 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
