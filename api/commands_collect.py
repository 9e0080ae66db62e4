"""``digicampus poll`` (one cycle now) and ``digicampus run`` (the development server, with the
embedded collector); the collector process, which needs no app, is in api/cli.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from api import runtime
from collectors import settings
from collectors.client import PysnmpClient
from collectors.cycle import Collector, CycleResult
from collectors.scheduler import BackgroundCollector, CollectorService
from inventory.models import Device, School
from inventory.services import polling

log = logging.getLogger(__name__)


def collector_config() -> settings.CollectorConfig:
    """The collector settings of the current app, or a usage error naming the bad one."""
    try:
        return settings.from_config(current_app.config)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def collector_service(name: str | None = None) -> CollectorService:
    """A collector service for the current app's database and keys."""
    rt = runtime.runtime()
    return CollectorService(rt.engine, rt.sessions, rt.secret_box, collector_config(), name=name)


@click.command("poll")
@click.option("--school", "school_code", metavar="CODE", help="Only this school's devices.")
@click.option(
    "--device",
    "device_ids",
    type=int,
    multiple=True,
    metavar="ID",
    help="Only this device (repeatable).",
)
@with_appcontext
def poll_command(school_code: str | None, device_ids: tuple[int, ...]) -> None:
    """Poll every matching device once now, due or not, and print a summary."""
    rt = runtime.runtime()
    config = collector_config()
    ids = list(device_ids) or None
    with rt.sessions() as session:
        if school_code is not None and not session.scalar(
            sa.select(School.id).where(School.code == school_code)
        ):
            raise click.UsageError(f"no school with code {school_code}")
        count = len(polling.pollable_targets(session, device_ids=ids, school_code=school_code))
        if ids is not None:
            known = set(session.scalars(sa.select(Device.id).where(Device.id.in_(ids))))
            if missing := sorted(set(ids) - known):
                raise click.UsageError(f"no device with id {', '.join(map(str, missing))}")
    if not count:
        click.echo("No pollable device matches (enabled, active).")
        return

    async def main() -> CycleResult:
        collector = Collector(
            rt.sessions,
            rt.secret_box,
            PysnmpClient(max_in_flight=config.cycle.concurrency),
            config.cycle,
        )
        try:
            with click.progressbar(length=count, label="Polling", show_pos=True) as bar:
                return await collector.run_cycle(
                    device_ids=ids, school_code=school_code, force=True, progress=bar.update
                )
        finally:
            await collector.close()

    result = asyncio.run(main())
    click.echo(result.line())
    if result.devices < count:
        click.echo(f"{count - result.devices} devices were being polled by a running collector.")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve on.")
@with_appcontext
def run_command(host: str, port: int) -> None:
    """Development server; runs the collector inside too unless EMBEDDED_COLLECTOR is off."""
    serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the server as Ctrl-C does, so every ``finally`` runs: the embedded
    collector stops and ``digicampus demo`` stops its simulated agents."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` with the embedded collector (when configured) until interrupted."""
    with sigterm_as_interrupt():
        _serve(app, host, port)


def _serve(app: Flask, host: str, port: int) -> None:
    with app.app_context():
        config = collector_config()
        background = BackgroundCollector(collector_service()) if config.embedded else None
    if background is not None:
        background.start()
        click.echo("  collector: polling inside this process (EMBEDDED_COLLECTOR=0 turns it off)")
    try:
        run_simple(host, port, app, threaded=True)
    except KeyboardInterrupt:
        pass  # werkzeug returns on Ctrl-C itself, unless it came before the server ran
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    finally:
        if background is not None:
            background.stop()
