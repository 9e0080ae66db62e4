"""The ``digicampus`` command: Flask's CLI plus db, users and demo subcommands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from api import runtime
from inventory import migrate
from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.errors import DomainError
from inventory.services import accounts


def _create_app() -> Flask:
    from api import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="digicampus: school digital-campus inventory.")


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


@click.group("users")
def users_group() -> None:
    """Accounts and API tokens."""


@users_group.command("create-admin")
@click.argument("name")
@with_appcontext
def create_admin(name: str) -> None:
    """Create admin NAME and print its API token (shown this once only)."""
    session = runtime.runtime().sessions()
    try:
        with session.begin():
            system = Actor.system("cli")
            user = accounts.create_user(session, system, name.strip(), UserRole.ADMIN)
            issued = accounts.issue_token(session, system, user, label="created by create-admin")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()
    click.echo(f"admin {name!r} created. API token (shown once, store it now):")
    click.echo(issued.secret)


def init_app(app: Flask) -> None:
    """Attach the subcommands to the app's CLI."""
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
