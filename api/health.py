"""``GET /healthz``: database reachable, schema at the newest revision, a collector alive, the
newest poll cycle recent. 200 when all hold, 503 otherwise; no token needed.

It answers counts, ages and revision ids only: never a host name, a collector name, a
database URL or an error text (those can carry user names and addresses).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app

from api import runtime
from inventory import health, migrate
from inventory.models.base import utcnow

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__)


def _seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds(), 1)


def report() -> dict[str, Any]:
    """Every check with its verdict; ``status`` is "ok" only if all of them pass."""
    rt = runtime.runtime()
    now = utcnow()
    checks: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    try:
        with rt.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            checks["database"] = {
                "ok": True,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            current = migrate.current_revision_on(connection)
        head = current_app.extensions["digicampus_head_revision"]
        checks["migrations"] = {"ok": current == head, "current": current, "head": head}
        with rt.sessions() as session:
            seen = health.collectors_seen(session, now)
            cycle = health.newest_cycle(session, now)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("health check: database error %s", exc.__class__.__name__)
        checks.setdefault("database", {"ok": False})
        checks.setdefault("migrations", {"ok": False})
        return {"status": "unhealthy", "checks": checks}
    checks["collectors"] = {
        "ok": seen.alive > 0,
        "alive": seen.alive,
        "newest_heartbeat_age_s": _seconds(seen.newest_heartbeat_age),
    }
    max_age = float(current_app.config["HEALTH_MAX_CYCLE_AGE_S"])
    checks["last_cycle"] = {
        "ok": cycle is not None and cycle.age.total_seconds() <= max_age,
        "age_s": _seconds(cycle.age) if cycle else None,
        "max_age_s": max_age,
        "seconds": cycle.seconds if cycle else None,
        "devices": cycle.devices if cycle else None,
        "ok_devices": cycle.ok if cycle else None,
    }
    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "unhealthy", "checks": checks}


@blp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Service health for load balancers and monitoring (503 when unhealthy)."""
    body = report()
    return body, 200 if body["status"] == "ok" else 503


def init_app(app: Flask) -> None:
    """Serve /healthz; the newest revision is read once (it is a file lookup)."""
    app.extensions["digicampus_head_revision"] = migrate.head_revision()
    app.register_blueprint(blp)
