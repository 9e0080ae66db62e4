"""The poll cycle: claim due devices, poll them concurrently, write what was seen in batches.

A ``Collector`` is one process's polling machinery: its name (the lease owner), one SNMP
client for the life of the process, the sessionmaker and the secret box. A cycle claims due
devices in chunks (leases, so several collectors share the devices and none is polled
twice), feeds them to one ``PollPool``, and records the observations in batches. Database
work runs on one worker thread, so the event loop keeps polling while a batch is written.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from collectors.poller import PollJob, PollPool
from collectors.profiles import Profile, load_profile
from collectors.snmp_types import SnmpClient, SnmpCredentials, Target
from inventory import alerts
from inventory.choices import PollFailure
from inventory.models.base import utcnow
from inventory.monitoring.observations import DeviceObservation
from inventory.monitoring.verification import VerificationRule
from inventory.secretbox import SecretBox, SecretBoxError
from inventory.services import credentials, polling
from inventory.services.polling import DueDevice, RecordSummary, StateChange

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class CycleSettings:
    """How a collector polls; every value can be set in the configuration."""

    interval: timedelta = timedelta(minutes=5)
    # A claimed device is polled and recorded well within this, or another collector may.
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 250
    concurrency: int = 64
    timeout: float = 1.0
    retries: int = 1
    rediscover_after: timedelta = timedelta(hours=6)
    profile: str = "default"

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1:
            raise ValueError("batch_size and concurrency must be at least 1")
        if self.lease <= timedelta(seconds=self.timeout * (self.retries + 1) * 3):
            raise ValueError("the lease must outlast several timeouts")


@dataclass
class CycleResult:
    """What one cycle did, for the summary line, the CLI and the scheduler's log."""

    devices: int = 0
    ok: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    links_checked: int = 0
    links_verified: int = 0
    outages_opened: int = 0
    outages_closed: int = 0
    seconds: float = 0.0
    changes: list[StateChange] = field(default_factory=list)

    @property
    def down(self) -> int:
        """Devices that did not answer at all (timeout or unreachable)."""
        return self.failures[PollFailure.TIMEOUT.value] + self.failures[PollFailure.UNREACHABLE]

    def add(self, summary: RecordSummary) -> None:
        self.devices += summary.devices
        self.ok += summary.ok
        self.failures.update(summary.failures)
        self.links_checked += summary.links_checked
        self.links_verified += summary.links_verified
        self.outages_opened += summary.outages_opened
        self.outages_closed += summary.outages_closed
        self.changes.extend(summary.changes)

    def as_summary(self) -> RecordSummary:
        return RecordSummary(
            devices=self.devices,
            ok=self.ok,
            failures=dict(self.failures),
            links_checked=self.links_checked,
            links_verified=self.links_verified,
        )

    def line(self) -> str:
        """One line: ok / down / timeout / auth failure counts and the duration."""
        others = {
            k: v
            for k, v in sorted(self.failures.items())
            if k not in ("timeout", "unreachable", "auth_failure") and v
        }
        extra = "".join(f", {k.replace('_', ' ')} {v}" for k, v in others.items())
        return (
            f"{self.devices} devices in {self.seconds:.1f} s: ok {self.ok}, down {self.down} "
            f"(timeout {self.failures['timeout']}, unreachable {self.failures['unreachable']}), "
            f"auth failure {self.failures['auth_failure']}{extra}; "
            f"uplinks verified {self.links_verified}/{self.links_checked}"
        )


def collector_name() -> str:
    """This process's name as a lease owner: host and pid."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Collector:
    """Polls the inventory's devices with one SNMP client; one per process and event loop."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: SecretBox,
        client: SnmpClient,
        settings: CycleSettings | None = None,
        *,
        name: str | None = None,
        profile: Profile | None = None,
        rule: VerificationRule | None = None,
        notify: Callable[[Sequence[StateChange]], None] | None = None,
        alerting: alerts.AlertSettings | None = None,
    ) -> None:
        self.sessions = sessions
        self.box = box
        self.client = client
        self.settings = settings or CycleSettings()
        self.name = name or collector_name()
        self.profile = profile or load_profile(self.settings.profile)
        self.rule = rule or VerificationRule()
        self.notify = notify
        self.alerting = alerting or alerts.AlertSettings()
        # One thread for all database work: SQLite allows one writer, and order stays simple.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collector-db")
        self._unusable: dict[int, DeviceObservation] = {}
        self._targets: dict[int, Target] = {}

    async def _in_db(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` on the database thread and commit."""

        def work() -> T:
            with self.sessions() as session:
                result = fn(session)
                session.commit()
                return result

        return await asyncio.get_running_loop().run_in_executor(self._db, work)

    async def close(self) -> None:
        """Give back this collector's leases, stop its heartbeat, release the client."""
        try:
            await self._in_db(lambda s: polling.stop_collector(s, self.name, utcnow()))
        finally:
            self._db.shutdown(wait=True)
            await self.client.close()

    async def heartbeat(self) -> None:
        """Say in the database that this collector is alive."""
        host, pid = socket.gethostname(), os.getpid()
        await self._in_db(lambda s: polling.heartbeat(s, self.name, host, pid, utcnow()))

    # --- targets -------------------------------------------------------------------------

    def _target(self, due: DueDevice, plain: dict[int, SnmpCredentials | str]) -> Target | str:
        """The client's target for a device, or why it cannot be polled (never a secret)."""
        creds: SnmpCredentials | None = None
        if due.credential is not None:
            found = plain.get(due.credential.id)
            if found is None:
                try:
                    found = SnmpCredentials.from_plain(credentials.reveal(self.box, due.credential))
                except SecretBoxError:
                    found = f"credential {due.credential.name!r} does not decrypt with the keys"
                except ValueError as exc:
                    found = f"credential {due.credential.name!r}: {exc}"
                plain[due.credential.id] = found
            if isinstance(found, str):
                return found
            creds = found
        return Target(
            due.device_id,
            due.address,
            due.port,
            creds,
            timeout=self.settings.timeout,
            retries=self.settings.retries,
        )

    async def sync_targets(
        self, *, device_ids: Sequence[int] | None = None, school_code: str | None = None
    ) -> None:
        """Register every pollable device with the client; forget those no longer pollable.

        Unchanged targets cost nothing, so this runs before every cycle.
        """
        found = await self._in_db(
            lambda s: polling.pollable_targets(s, device_ids=device_ids, school_code=school_code)
        )
        plain: dict[int, SnmpCredentials | str] = {}
        targets, unusable = [], {}
        for due in found:
            target = self._target(due, plain)
            if isinstance(target, str):
                unusable[due.device_id] = target
            else:
                targets.append(target)
        started = time.monotonic()
        result = await self.client.register(targets)
        if result.added or result.changed:
            log.info(
                "registered %d new and %d changed SNMP targets in %.1f s",
                result.added,
                result.changed,
                time.monotonic() - started,
            )
        if device_ids is None and school_code is None:
            keep = {t.key for t in targets}
            self.client.unregister(self.client.keys() - keep)
            self._targets = {}
        self._targets.update((t.key, t) for t in targets)
        for key in unusable:
            self._targets.pop(key, None)
        if device_ids is None and school_code is None:
            self._unusable = {}
        self._unusable.update(
            (key, DeviceObservation(key, utcnow(), failure=PollFailure.NO_CREDENTIALS, detail=why))
            for key, why in unusable.items()
        )
        for target in targets:
            self._unusable.pop(target.key, None)

    # --- the cycle -----------------------------------------------------------------------

    def _claim(
        self,
        session: Session,
        device_ids: Sequence[int] | None,
        school_code: str | None,
        force: bool,
        started: datetime,
    ) -> list[tuple[int, polling.PollPlan]]:
        now = utcnow()
        due = polling.claim_due(
            session,
            self.name,
            now,
            self.settings.lease,
            self.settings.batch_size,
            device_ids=device_ids,
            school_code=school_code,
            force=force,
            polled_before=started if force else None,
        )
        ids = [d.device_id for d in due]
        plans = polling.poll_plans(session, ids, now, self.settings.rediscover_after)
        return [(device_id, plans[device_id]) for device_id in ids]

    def _record(self, session: Session, observations: list[DeviceObservation]) -> RecordSummary:
        now = utcnow()
        summary = polling.record_observations(
            session, observations, self.settings.interval, now, self.rule
        )
        # In the batch's transaction: an outage and the messages it causes commit together.
        alerts.evaluate(session, [o.device_id for o in observations], now, self.alerting)
        return summary

    async def run_cycle(
        self,
        *,
        device_ids: Sequence[int] | None = None,
        school_code: str | None = None,
        force: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> CycleResult:
        """Poll every due device once (``force``: every matching one, due or not).

        ``progress`` is called with the number of devices just recorded.
        """
        started, clock = utcnow(), time.monotonic()
        cycle_id = await self._in_db(lambda s: polling.begin_cycle(s, self.name, started).id)
        await self.heartbeat()
        await self.sync_targets(device_ids=device_ids, school_code=school_code)
        pool = PollPool(self.settings.concurrency)
        result = CycleResult()
        done: list[DeviceObservation] = []
        polling_now: set[asyncio.Task[DeviceObservation]] = set()
        writes: list[asyncio.Future[Any]] = []
        more = True

        def write(batch: list[DeviceObservation]) -> None:
            async def one() -> None:
                summary = await self._in_db(lambda s: self._record(s, batch))
                result.add(summary)
                if progress is not None:
                    progress(len(batch))

            writes.append(asyncio.ensure_future(one()))

        def finished(task: asyncio.Task[DeviceObservation]) -> None:
            polling_now.discard(task)
            if not task.cancelled() and task.exception() is None:
                done.append(task.result())
            if len(done) >= self.settings.batch_size:
                write(done[:])
                done.clear()

        try:
            while more or polling_now:
                if more and len(polling_now) < self.settings.batch_size:
                    chunk = await self._in_db(
                        lambda s: self._claim(s, device_ids, school_code, force, started)
                    )
                    more = bool(chunk)
                    known = (self._targets, self._unusable)
                    if new := [d for d, _ in chunk if not any(d in k for k in known)]:
                        await self.sync_targets(device_ids=new)  # added since the cycle began
                    for device_id, plan in chunk:
                        target = self._targets.get(device_id)
                        if target is None:
                            done.append(self._unusable[device_id])
                            continue
                        job = PollJob(
                            target,
                            if_indexes=plan.if_indexes,
                            discover=plan.discover,
                            suspect=plan.suspect,
                            fallbacks=plan.fallbacks,
                        )
                        task = asyncio.ensure_future(pool.poll(self.client, self.profile, job))
                        polling_now.add(task)
                        task.add_done_callback(finished)
                    continue
                await asyncio.wait(set(polling_now), return_when=asyncio.FIRST_COMPLETED)
            if done:
                write(done[:])
                done.clear()
            await asyncio.gather(*writes)
        finally:
            for task in polling_now:
                task.cancel()
        result.seconds = time.monotonic() - clock
        summary = result.as_summary()
        await self._in_db(
            lambda s: polling.finish_cycle(s, cycle_id, utcnow(), result.seconds, summary)
        )
        if result.changes and self.notify is not None:
            self.notify(result.changes)
        log.info("poll cycle: %s", result.line())
        return result
