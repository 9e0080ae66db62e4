"""``digicampus users ...``: accounts and API tokens from the command line.

Every command acts as the system actor ``cli`` (an admin) and lands in the change log.
Tokens are printed once, when created; passwords are only ever prompted for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from api import runtime
from inventory.actor import Actor
from inventory.choices import UserRole, values
from inventory.errors import DomainError, InvalidInput
from inventory.models.accounts import TOKEN_FIELDS
from inventory.services import account_cases, accounts
from inventory.services.account_cases import NewUser, TokenRequest
from inventory.services.common import PageRequest
from inventory.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork

T = TypeVar("T")
ROLES = click.Choice(values(UserRole))
TOKEN_DAYS = TOKEN_FIELDS.rule("expires_in_days")


@contextmanager
def _cli_errors() -> Iterator[None]:
    """Domain errors become one-line CLI errors."""
    try:
        yield
    except InvalidInput as exc:
        details = "; ".join(f"{key}: {', '.join(messages)}" for key, messages in exc.fields.items())
        raise click.ClickException(
            f"{exc.message} ({details})" if details else exc.message
        ) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def _run(use_case: Callable[[UnitOfWork, Actor], T]) -> T:
    """Run a use case in a unit of work of its own, as the CLI's system actor."""
    with _cli_errors():
        return use_case(SqlAlchemyUnitOfWork(runtime.runtime().sessions), Actor.system("cli"))


def _read(query: Callable[[Session, Actor], T]) -> T:
    """Run a query (which writes nothing) on a session of its own."""
    with _cli_errors(), runtime.runtime().sessions() as session:
        return query(session, Actor.system("cli"))


def _prompt_password(name: str) -> str:
    password: str = click.prompt(
        f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True
    )
    problem = accounts.password_problem(password, name)
    if problem:
        raise click.ClickException(f"password {problem}")
    return password


@click.group("users")
def users_group() -> None:
    """Accounts and API tokens."""


@users_group.command("create-admin")
@click.argument("name")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"name", "role", "token", "expires_at"} as one JSON object, for scripts.',
)
@with_appcontext
def create_admin(name: str, as_json: bool) -> None:
    """Create admin NAME and print its API token (shown this once only)."""

    issued = _run(
        lambda uow, actor: account_cases.create_user_with_token(
            uow,
            actor,
            NewUser(name.strip(), UserRole.ADMIN),
            TokenRequest(label="created by create-admin"),
        )
    )
    if as_json:
        expires = issued.token.expires_at
        record = {
            "name": name.strip(),
            "role": UserRole.ADMIN.value,
            "token": issued.secret,
            "expires_at": expires.isoformat() if expires else None,
        }
        click.echo(json.dumps(record))
        return
    click.echo(f"admin {name!r} created. API token (shown once, store it now):")
    click.echo(issued.secret)


@users_group.command("create")
@click.argument("name")
@click.option("--role", type=ROLES, required=True, help="admin, region_admin, school_staff, viewer")
@click.option("--region", help="Region code: required for a region admin, optional for a viewer.")
@click.option("--school", "schools", multiple=True, help="School code (school staff; repeat).")
@click.option("--password-prompt", is_flag=True, help="Ask for a password to log in to pages.")
@with_appcontext
def create(
    name: str, role: str, region: str | None, schools: tuple[str, ...], password_prompt: bool
) -> None:
    """Create account NAME with a role and its scope."""
    password = _prompt_password(name.strip()) if password_prompt else None
    new = NewUser(name.strip(), UserRole(role), region, schools=schools, password=password)
    _run(lambda uow, actor: account_cases.create_user(uow, actor, new))
    click.echo(f"user {name.strip()!r} created ({role}).")


@users_group.command("list")
@with_appcontext
def list_users() -> None:
    """List every account with its role, scope and state."""

    def rows(session: Session, actor: Actor) -> list[str]:
        result = accounts.list_users(
            session, actor, accounts.UserFilter(), PageRequest(1, 1_000_000)
        )
        lines = []
        for user in result.items:
            scope = ",".join(school.code for school in user.schools) or user.region_code or "-"
            state = "active" if user.is_active else "disabled"
            login = "password" if user.password_hash else "tokens only"
            lines.append(f"{user.id}\t{user.name}\t{user.role.value}\t{scope}\t{state}\t{login}")
        return lines

    for line in _read(rows):
        click.echo(line)


@users_group.command("set-password")
@click.argument("name")
@with_appcontext
def set_password(name: str) -> None:
    """Set (or reset) NAME's password for the pages; its other page sessions end."""

    # The account is looked up before the prompt: nobody types a password for a typo.
    user_id = _read(lambda session, actor: accounts.get_user_by_name(session, actor, name).id)
    password = _prompt_password(name)
    _run(lambda uow, actor: account_cases.change_user(uow, actor, user_id, {"password": password}))
    click.echo(f"password of {name!r} set.")


@users_group.command("disable")
@click.argument("name")
@with_appcontext
def disable(name: str) -> None:
    """Disable NAME: its tokens and page sessions stop working at once."""

    _run(lambda uow, actor: account_cases.change_user(uow, actor, name, {"is_active": False}))
    click.echo(f"user {name!r} disabled.")


@users_group.command("create-token")
@click.argument("name")
@click.option("--label", help="What the token is for.")
@click.option(
    "--expires-days",
    type=click.IntRange(TOKEN_DAYS.low, TOKEN_DAYS.high),
    help="Days until it expires (default: never).",
)
@with_appcontext
def create_token(name: str, label: str | None, expires_days: int | None) -> None:
    """Create an API token for NAME and print it (shown this once only)."""

    request = TokenRequest(label, expires_days)
    issued = _run(lambda uow, actor: account_cases.issue_token(uow, actor, name, request))
    click.echo(f"API token {issued.token.id} for {name!r} (shown once, store it now):")
    click.echo(issued.secret)


@users_group.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1))
@with_appcontext
def revoke_token(token_id: int) -> None:
    """Revoke API token TOKEN_ID (see the id in the API's token lists)."""
    _run(lambda uow, actor: account_cases.revoke_token(uow, actor, token_id))
    click.echo(f"API token {token_id} revoked.")
