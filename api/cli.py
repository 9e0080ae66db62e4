"""The ``digicampus`` command's front door, and ``digicampus collect``; imports no Flask.

The collector process is built by the composition root (api/bootstrap.py) from the settings
alone. Every other command needs the web app: its module (web/commands.py) is imported
only when one of them is asked for, so ``collect`` never loads Flask and ``--help`` builds no
app (which would write the instance folder's keys and database).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
from typing import Any

import click

from api import instance, logs
from api.bootstrap import bootstrap
from api.config import ConfigError, Settings, load_settings
from collectors.scheduler import CollectorService, run_until

# Loaded by name, not imported: a static import would pull Flask into every command.
WEB_COMMANDS = "web.commands"


class BadConfiguration(click.ClickException):
    """Settings missing or bad: one line each; exit status 2, as for a bad command line."""

    exit_code = 2

    @classmethod
    def of(cls, error: ConfigError) -> BadConfiguration:
        return cls("bad configuration:\n" + "\n".join(f"  {line}" for line in error.problems))


def settings_or_exit() -> Settings:
    """This process's settings (instance file, environment), or every problem and exit 2."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise BadConfiguration.of(exc) from None


def _choose_instance(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    # Through the environment, so that the app, gunicorn and any child process agree.
    if value:
        os.environ[instance.HOME_ENV] = value


def _web() -> Any:
    return importlib.import_module(WEB_COMMANDS)


class _Main(click.Group):
    """``collect`` is registered here; the web app's commands come from web/commands.py."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_web().COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        web = _web()
        command: click.Command | None = web.COMMANDS.get(cmd_name)
        if command is not None and ctx.obj is None:
            # Flask's with_appcontext builds the app from this when the command first needs it.
            ctx.obj = web.script_info()
        return command


@click.group(
    cls=_Main,
    help="digicampus: school digital-campus inventory.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--instance",
    metavar="DIR",
    expose_value=False,
    is_eager=True,
    callback=_choose_instance,
    help=(
        "Instance folder (settings, keys, SQLite database). Default: $DIGICAMPUS_HOME, "
        "else ~/.local/share/digicampus."
    ),
)
@click.version_option(package_name="digicampus")
def main() -> None:
    """The command group; each subcommand builds what it needs."""


@main.command("collect")
@click.option("--name", help="Collector name (default: host:pid); leases carry it.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help=(
        "Poller processes (default: DIGICAMPUS_COLLECTOR_WORKERS, else one per core); "
        "1 polls inside the collector process. The database is written by this process only."
    ),
)
def collect_command(name: str | None, workers: int | None) -> None:
    """Run the collector: poll on schedule, roll up and prune, until SIGTERM or Ctrl-C.

    Poller processes and anything else this command started stop with it.
    """
    rt = bootstrap(settings_or_exit())
    logs.configure(rt.settings.values)
    # APScheduler's two lines a tick are noise.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    service = CollectorService(
        rt.engine,
        rt.sessions,
        rt.secret_box,
        rt.settings.collector,
        name=name,
        workers=workers or rt.settings.collector.workers,
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_until(service, stop)

    try:
        asyncio.run(run())
    finally:
        rt.engine.dispose()
