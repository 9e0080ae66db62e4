"""A collector process's schedule: APScheduler 3 on the event loop that owns the SNMP engine.

Two job stores, on purpose:

* ``local`` (in memory) holds this process's own jobs — the poll tick and the heartbeat.
  Every collector process must run them, so they cannot live in a store the processes share
  (APScheduler 3 would hand each run to one of them only).
* ``default`` (the ``apscheduler_jobs`` table of the inventory database) holds the
  maintenance jobs — hourly rollups, retention, the month-end coverage report, and any job
  added with ``add_shared_job``.
  Whichever collector gets to a run first does it; the jobs are idempotent, so the rare
  double run APScheduler allows among several processes changes nothing.

Every job coalesces missed runs into one and never overlaps itself (``max_instances=1``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from collectors.alerts import Sender, Transports
from collectors.client import PysnmpClient
from collectors.cycle import Collector, CycleResult
from collectors.settings import CollectorConfig
from collectors.webhooks import WebhookNotifier
from inventory import alerts, localday
from inventory.coverage import snapshots
from inventory.models.base import utcnow
from inventory.secretbox import SecretBox
from inventory.services import polling

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=30)
# The service whose jobs this process runs; jobs from the shared store find it here.
_running: CollectorService | None = None


class CollectorService:
    """One collector process: its ``Collector`` and its scheduler, on one event loop."""

    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        box: SecretBox,
        config: CollectorConfig,
        *,
        name: str | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.box = box
        self.config = config
        self.name = name
        self.collector: Collector | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.notifier: WebhookNotifier | None = None
        self.sender: Sender | None = None
        self.last_cycle: CycleResult | None = None
        self._cycle: asyncio.Task[Any] | None = None
        self._shared_jobs: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []

    def add_shared_job(self, job_id: str, func: Callable[..., Any], **trigger: Any) -> None:
        """Schedule a module-level function in the shared store (before ``start``)."""
        self._shared_jobs.append((job_id, func, trigger))

    async def start(self) -> None:
        """Create the SNMP client and scheduler on the running loop; the first cycle is due now."""
        global _running
        if _running is not None:
            raise RuntimeError("a collector service is already running in this process")
        if self.config.webhook_url:
            self.notifier = WebhookNotifier(self.config.webhook_url)
        self.collector = Collector(
            self.sessions,
            self.box,
            PysnmpClient(max_in_flight=self.config.cycle.concurrency),
            self.config.cycle,
            name=self.name,
            notify=self.notifier,
            alerting=self.config.alerting,
        )
        self.name = self.collector.name
        self.sender = Sender(
            self.sessions,
            self.box,
            self.name,
            Transports(smtp=self.config.smtp),
            self.config.sender,
        )
        await self.collector.heartbeat()
        scheduler = AsyncIOScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.engine),
                "local": MemoryJobStore(),
            },
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            # Cron times are the bureau's clock: the month-end report follows local midnight.
            timezone=localday.zone(),
        )
        now = utcnow()
        scheduler.add_job(
            poll_tick,
            "interval",
            seconds=self.config.tick.total_seconds(),
            id="poll",
            jobstore="local",
            next_run_time=now,
        )
        scheduler.add_job(
            heartbeat,
            "interval",
            seconds=HEARTBEAT.total_seconds(),
            id="heartbeat",
            jobstore="local",
        )
        scheduler.add_job(
            send_alerts,
            "interval",
            seconds=self.config.send_every.total_seconds(),
            id="send_alerts",
            jobstore="local",
        )
        for job_id, func, trigger in maintenance_jobs():
            scheduler.add_job(func, trigger, id=job_id, replace_existing=True, jobstore="default")
        for job_id, func, trigger in self._shared_jobs:
            scheduler.add_job(func, id=job_id, replace_existing=True, jobstore="default", **trigger)
        _running = self
        self.scheduler = scheduler
        scheduler.start()
        log.info("collector %s started: a poll tick every %s", self.name, self.config.tick)

    async def stop(self) -> None:
        """Stop the scheduler, give back leases, close the client and the webhook thread."""
        global _running
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        cycle, self._cycle = self._cycle, None
        if cycle is not None and not cycle.done():
            cycle.cancel()  # its leases are given back below
            with contextlib.suppress(asyncio.CancelledError):
                await cycle
        if self.collector is not None:
            await self.collector.close()
            self.collector = None
        if self.notifier is not None:
            self.notifier.close()
        if self.sender is not None:
            with contextlib.suppress(Exception):  # a dead database: the lease just expires
                await asyncio.to_thread(self.sender.stop)
            self.sender = None
        if _running is self:
            _running = None
        log.info("collector %s stopped", self.name)


def maintenance_jobs() -> list[tuple[str, Callable[[], Any], CronTrigger]]:
    """The shared jobs and when they run, on the bureau's clock."""
    zone = localday.zone()
    return [
        ("rollup", rollup, CronTrigger(minute=5, timezone=zone)),
        ("prune", prune, CronTrigger(hour=3, minute=17, timezone=zone)),
        # Daily, so a missed month end is caught up; at 00:40 local time the report waits
        # for the rollup (at :05) of the month's last local hour.
        ("publish_reports", publish_reports, CronTrigger(hour=0, minute=40, timezone=zone)),
        # Tier drops and the alert digests, at the start of the working day.
        ("alert_digest", alert_digest, CronTrigger(hour=8, minute=0, timezone=zone)),
    ]


def _service() -> CollectorService:
    if _running is None or _running.collector is None:
        raise RuntimeError("no collector service runs in this process")
    return _running


async def poll_tick() -> None:
    """Poll whatever is due now (the scheduler's job; never overlaps itself)."""
    service = _service()
    assert service.collector is not None
    service._cycle = asyncio.current_task()
    try:
        service.last_cycle = await service.collector.run_cycle()
    except Exception:  # the next tick tries again; the scheduler must not lose the job
        log.exception("poll cycle failed")
    finally:
        service._cycle = None


async def heartbeat() -> None:
    """Tell the database this collector is alive."""
    service = _service()
    assert service.collector is not None
    await service.collector.heartbeat()


async def send_alerts() -> None:
    """Deliver due alert messages, if this collector's sender holds the outbox lease."""
    service = _service()
    if service.sender is None:
        return
    result = await asyncio.to_thread(service.sender.step, utcnow())
    if result.sent or result.failed or result.dead:
        log.info(
            "alert messages: %d sent, %d to retry, %d dead", result.sent, result.failed, result.dead
        )


def _in_session(work: Callable[[Session], Any]) -> Any:
    service = _service()
    with service.sessions() as session:
        result = work(session)
        session.commit()
        return result


async def rollup() -> None:
    """Fold the raw samples of the last hours into hourly rollups (idempotent)."""
    now = utcnow()
    start = polling.hour_floor(now) - timedelta(hours=3)
    written = await asyncio.to_thread(_in_session, lambda s: polling.rollup_hours(s, start, now))
    log.info("hourly rollups: %d rows for the hours since %s", written, start)


async def prune() -> None:
    """Delete polling data past its retention."""
    keep = _service().config.retention
    deleted = await asyncio.to_thread(_in_session, lambda s: polling.prune(s, utcnow(), keep))
    log.info("retention: deleted %s", deleted)


async def publish_reports() -> None:
    """Publish last month's coverage report if nobody has (idempotent)."""
    snapshot = await asyncio.to_thread(
        _in_session, lambda s: snapshots.publish_month_end(s, utcnow())
    )
    if snapshot is not None:
        log.info("published the coverage report as of %s (id %s)", snapshot.as_of, snapshot.id)


async def alert_digest() -> None:
    """The day's alert work: schools whose verified tier dropped since yesterday, then the
    digests (idempotent: one per subscription and local day)."""
    settings = _service().config.alerting
    tiers = await asyncio.to_thread(
        _in_session, lambda s: alerts.check_tiers(s, utcnow(), settings)
    )
    queued = await asyncio.to_thread(
        _in_session, lambda s: alerts.write_digests(s, utcnow(), settings)
    )
    log.info(
        "daily alerts: %d tier drops, %d recovered; %d digests queued",
        tiers.opened,
        tiers.resolved,
        queued,
    )


async def run_until(service: CollectorService, stop: asyncio.Event) -> None:
    """Start ``service``, run until ``stop`` is set, then stop it."""
    await service.start()
    try:
        await stop.wait()
    finally:
        await service.stop()


class BackgroundCollector:
    """The embedded default: a collector service on its own thread and event loop."""

    def __init__(self, service: CollectorService) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="collector", daemon=True)
        self._done: Future[None] = Future()

    def start(self) -> None:
        self._thread.start()
        self._started.wait(30)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self._stop = asyncio.Event()
            self._started.set()
            await run_until(self.service, self._stop)

        try:
            self.loop.run_until_complete(main())
            self._done.set_result(None)
        except BaseException as exc:  # reported by stop(); the web server goes on
            log.exception("the embedded collector stopped")
            self._done.set_exception(exc)
            self._started.set()
        finally:
            self.loop.close()

    def stop(self, wait: float = 30) -> None:
        """Ask the service to stop and wait for it."""
        if self._stop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(wait)
