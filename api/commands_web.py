"""The commands that need the web app: db, users, import/export, poll, report, backup, demo, run,
and Flask's shell and routes. The front door (api/cli.py) reaches them through web/commands.py,
which also says how to build the app when a command first needs it."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info, routes_command, shell_command, with_appcontext

import demo as demo_package
from api import (
    commands_backup,
    commands_collect,
    commands_reports,
    commands_spreadsheets,
    commands_users,
    runtime,
)
from api.cli import collect_command
from demo import agents as demo_agents
from demo import inventory as demo
from demo import start as demo_start
from demo.shared_simulation import SharedSnmpSimulator
from demo.simulation import SimulatorError
from demo.start import DEMO_USER
from inventory import migrate
from inventory.actor import Actor
from inventory.errors import DomainError
from inventory.unit_of_work import SqlAlchemyUnitOfWork

# The embedded collector's settings while the demo's simulated agents run (unless configured):
# one snmpsim process answers every device at ~4 ms of CPU a request; with 16 requests in
# flight a quarter of them timed out on a busy 2-core machine, with 8 none did (bench/RESULTS.md).
# Traps on an unprivileged port on loopback: the demo needs no root and listens to no network.
DEMO_COLLECTOR = {
    "COLLECTOR_CONCURRENCY": 8,
    "COLLECTOR_TIMEOUT_S": 2.0,
    "COLLECTOR_TRAP_HOST": "127.0.0.1",
    "COLLECTOR_TRAP_PORT": 1162,
}


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the schema to REVISION (default: the newest); loads reference data first time."""
    migrate.upgrade(runtime.runtime().engine, revision)
    click.echo(f"database at revision {migrate.current_revision(runtime.runtime().engine)}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION ("base" removes every table)."""
    migrate.downgrade(runtime.runtime().engine, revision)
    click.echo(f"database at revision {migrate.current_revision(runtime.runtime().engine)}")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema revision of the database and the newest one this release has."""
    engine = runtime.runtime().engine
    click.echo(f"database: {migrate.current_revision(engine)}  newest: {migrate.head_revision()}")


def _port_free(host: str, port: int) -> str | None:
    """None if the server could listen on host:port, else why not (one line)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot serve on {host!r}: {exc.strerror}"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # The server sets SO_REUSEADDR too: a socket in TIME_WAIT is not "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use; choose another with --port"
            return f"cannot serve on {host}:{port}: {exc.strerror}"
    return None


def _url_host(host: str) -> str:
    """The host as a browser should be pointed at it."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve on.")
@click.option(
    "--seed",
    default=demo.DEFAULT_SEED,
    show_default=True,
    type=int,
    help="Seed of the synthetic inventory (used only when the database has no schools yet).",
)
@click.option("--no-serve", is_flag=True, help="Prepare the database and a token, do not serve.")
@click.option(
    "--no-agents",
    is_flag=True,
    help="Do not start simulated SNMP agents for the demo devices (poll real ones, or none).",
)
@click.option(
    "--scale", default=1.0, type=click.FloatRange(0, demo.MAX_SCALE, min_open=True), hidden=True
)
@pass_script_info
def demo_command(
    info: ScriptInfo,
    host: str,
    port: int,
    seed: int,
    no_serve: bool,
    no_agents: bool,
    scale: float,
) -> None:
    """Migrate, load the Chuxiong demo inventory once, print an API token and serve the app."""
    if not (no_serve or no_agents or demo_package.agents_installed()):
        raise click.ClickException(demo_package.INSTALL_HINT)
    if not no_serve and (problem := _port_free(host, port)):
        raise click.ClickException(problem)
    app = info.load_app()
    with app.app_context():
        token, password = _prepare_demo(seed, scale)
    base = f"http://{_url_host(host)}:{port}"
    click.echo()
    click.echo(f"  API docs:  {base}/api/v1/docs")
    click.echo(f"  pages:     {base}/login")
    click.echo(f"  user:      {DEMO_USER} (admin)   password: {password}")
    click.echo(f"  token:     {token}")
    click.echo(
        f'  try:       curl -H "Authorization: Bearer {token}" '
        f"'{base}/api/v1/schools?region=532301&per_page=5'"
    )
    click.echo()
    if no_serve:
        return
    simulator = None if no_agents else _start_demo_agents(app)
    try:
        commands_collect.serve(app, host, port)
    finally:
        if simulator is not None:
            simulator.stop()


def _start_demo_agents(app: Flask) -> SharedSnmpSimulator | None:
    """Start the demo devices' simulated agents in instance/demo-agents/; print what they do.

    If they cannot start (the addresses are taken, or 127.53.0.0/16 is not loopback here, as
    on macOS), the demo serves without them: the devices then show as down.
    """
    with app.app_context():
        rt = runtime.runtime()
        session = rt.sessions()
        click.echo("  agents:    starting simulated SNMP agents for the demo devices…")
        try:
            simulator, summary = demo_agents.start_demo_agents(
                session,
                rt.secret_box,
                Path(app.instance_path) / "demo-agents",
                network=demo_agents.DEMO_NETWORK,
            )
        except (ValueError, OSError, SimulatorError) as exc:
            reason = str(exc).splitlines()[0]
            click.echo(f"  agents:    not started ({reason}); serving without them", err=True)
            return None
        finally:
            session.close()
    # All agents share one snmpsim process: poll them gently unless told otherwise.
    for key, value in DEMO_COLLECTOR.items():
        app.config.setdefault(key, value)
    click.echo(f"  agents:    {summary.line()}")
    return simulator


def _prepare_demo(seed: int, scale: float) -> tuple[str, str]:
    """Migrate; load the demo unless there are schools already; return a fresh token and password."""
    rt = runtime.runtime()
    migrate.upgrade(rt.engine)
    try:
        started = demo_start.prepare(
            SqlAlchemyUnitOfWork(rt.sessions),
            Actor.system("demo"),
            rt.secret_box,
            seed,
            scale,
            lambda schools: click.progressbar(length=schools, label="Loading the demo inventory"),
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    if started.loaded is None:
        click.echo(
            f"The database already has {started.existing} schools: demo data not loaded again."
        )
    else:
        summary = started.loaded
        click.echo(
            f"Loaded {summary.schools} schools, {summary.classrooms} classrooms, "
            f"{summary.campus_networks} campus-network states, {summary.links} uplinks, "
            f"{summary.devices} devices and {summary.credentials} SNMP credentials "
            f"(seed {seed}, change-log batch {summary.batch_id})."
        )
    return started.token, started.password


_COMMANDS = (
    db_group,
    commands_users.users_group,
    commands_spreadsheets.import_command,
    commands_spreadsheets.export_command,
    commands_collect.poll_command,
    commands_reports.report_group,
    commands_backup.backup_command,
    commands_backup.restore_command,
    demo_command,
)
# Flask's own ``run`` would not start the embedded collector: ours replaces it.
_SERVER = (commands_collect.run_command, shell_command, routes_command)
COMMANDS = {str(command.name): command for command in (*_COMMANDS, *_SERVER)}


def init_app(app: Flask) -> None:
    """Attach the subcommands to the app's CLI too (``app.test_cli_runner`` invokes them there)."""
    for command in (*_COMMANDS, collect_command):
        app.cli.add_command(command)
