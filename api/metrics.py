"""``GET /metrics`` in the Prometheus text format.

Request counts and latency histograms (by method, route and status) are counted in the
worker that served the request. Under gunicorn a scrape reaches one worker at random, so
with ``METRICS_DIR`` set every worker writes its counts to files there (prometheus_client's
multiprocess mode) and a scrape adds up all workers. Without it (one process: ``digicampus
run``) counts stay in memory. Poll-cycle, device and lease figures are read from the
database at scrape time, so every worker answers the same.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from typing import Any

import prometheus_client
from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from api import runtime
from inventory import health
from inventory.models.base import utcnow

EXTENSION = "digicampus_metrics"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
blp = Blueprint("metrics", __name__)


class RequestMetrics:
    """The per-request counters of one app."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        labels = ("method", "endpoint", "status")
        self.requests = Counter(
            "digicampus_http_requests", "HTTP requests served.", labels, registry=registry
        )
        self.latency = Histogram(
            "digicampus_http_request_duration_seconds",
            "Time from the first to the last hook of a request.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )


class DatabaseCollector(Collector):
    """Figures read from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        with self.sessions() as session:
            by_state = health.devices_by_state(session)
            leases = health.lease_counts(session, now)
            seen = health.collectors_seen(session, now)
            cycle = health.newest_cycle(session, now)
        devices = GaugeMetricFamily(
            "digicampus_devices", "Devices by the state of their latest poll.", labels=["state"]
        )
        for state, count in sorted(by_state.items()):
            devices.add_metric([state], count)
        yield devices
        lease = GaugeMetricFamily(
            "digicampus_device_leases",
            "Device leases: held now (active), left by a dead collector (expired).",
            labels=["state"],
        )
        lease.add_metric(["active"], leases["active"])
        lease.add_metric(["expired"], leases["expired"])
        yield lease
        yield GaugeMetricFamily(
            "digicampus_devices_due", "Pollable devices whose next poll is due.", leases["due"]
        )
        yield GaugeMetricFamily(
            "digicampus_collectors_alive",
            "Collector processes with a recent heartbeat.",
            seen.alive,
        )
        if cycle is not None:
            yield GaugeMetricFamily(
                "digicampus_poll_cycle_last_duration_seconds",
                "Duration of the newest finished poll cycle.",
                cycle.seconds or 0.0,
            )
            yield GaugeMetricFamily(
                "digicampus_poll_cycle_last_finished_timestamp_seconds",
                "When the newest poll cycle finished (Unix time).",
                cycle.finished_at.timestamp(),
            )
            polled = GaugeMetricFamily(
                "digicampus_poll_cycle_last_devices",
                "Devices polled by the newest finished cycle, by result.",
                labels=["result"],
            )
            polled.add_metric(["ok"], cycle.ok)
            polled.add_metric(["failed"], cycle.devices - cycle.ok)
            yield polled


# prometheus_client types most of itself but not its multiprocess helpers: hence the ignores.
def _use_directory(path: str) -> None:
    """Switch prometheus_client to files in ``path`` before the first metric is made."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    if not getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


def init_app(app: Flask) -> None:
    """Make this app's request metrics and serve /metrics."""
    directory = app.config["METRICS_DIR"]
    if directory:
        _use_directory(directory)
        counters = RequestMetrics(registry=None)  # scrapes read the files, not a registry
    else:
        registry = CollectorRegistry()
        counters = RequestMetrics(registry)
    app.extensions[EXTENSION] = {
        "counters": counters,
        "directory": directory,
        "registry": None if directory else registry,
    }
    app.register_blueprint(blp)


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """Count one request of the current app."""
    counters: RequestMetrics = current_app.extensions[EXTENSION]["counters"]
    labels = (method, endpoint, str(status))
    counters.requests.labels(*labels).inc()
    counters.latency.labels(*labels).observe(seconds)


def _authorized() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@blp.get("/metrics")
def metrics_page() -> Any:
    """Prometheus metrics (a bearer token when METRICS_TOKEN is set)."""
    if not _authorized():
        return (
            {"code": 401, "status": "Unauthorized", "message": "a valid bearer token is required"},
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    state = current_app.extensions[EXTENSION]
    registry = CollectorRegistry()
    if state["directory"]:
        multiprocess.MultiProcessCollector(registry, path=state["directory"])  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(state["registry"]))
    registry.register(DatabaseCollector(runtime.runtime().sessions))
    return Response(
        prometheus_client.generate_latest(registry),
        content_type=prometheus_client.CONTENT_TYPE_LATEST,
    )


class _Forward(Collector):
    """The app's in-memory registry, as one collector of the scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


def mark_worker_dead(pid: int, directory: str) -> None:
    """gunicorn's child_exit hook: drop a dead worker's live gauges (counters stay summed)."""
    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def clear_directory(directory: str) -> int:
    """Remove the files of an earlier run (gunicorn's on_starting hook); returns how many."""
    removed = 0
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
            removed += 1
    return removed
