"""Services own their transaction: one commit when a use case succeeds, none when it fails.

The callers (API, pages, CLI) hand a use case a unit of work and never commit; these tests
count what the use cases do with a ``FakeUnitOfWork`` around a real session, and read the
result through another connection, which sees only what was committed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.db import make_engine, make_sessionmaker
from inventory.errors import NotFound
from inventory.models import ApiToken, Base, School, User
from inventory.models.accounts import LoginAttempt
from inventory.models.base import utcnow
from inventory.services import account_cases, accounts
from inventory.services.account_cases import NewUser, TokenRequest
from inventory.spreadsheets.columns import SCHOOLS
from inventory.spreadsheets.importer import import_sheet
from inventory.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import COUNTY
from tests.fakes import FakeUnitOfWork

SYSTEM = Actor.system("tests")


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh SQLite file (no server: these are unit tests)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def users_seen_elsewhere(sessions: sessionmaker[Session]) -> list[str]:
    """The account names another connection sees: only what was committed."""
    with sessions() as other:
        return list(other.scalars(sa.select(User.name).order_by(User.name)))


def test_a_use_case_that_succeeds_commits_exactly_once_and_its_caller_never_commits(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        uow = FakeUnitOfWork(session)
        user = account_cases.create_user(uow, SYSTEM, NewUser("alice", UserRole.VIEWER))
        assert (uow.blocks, uow.commits, uow.rollbacks) == (1, 1, 0)
        assert user.id is not None
    assert users_seen_elsewhere(sessions) == ["alice"]


def test_a_use_case_that_fails_midway_commits_nothing_and_rolls_back_what_it_wrote(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(session: Session, *_args: Any, **_kwargs: Any) -> None:
        # The account is written (flushed) by now: only the rollback can take it back.
        assert session.scalar(sa.select(User.id).where(User.name == "bob")) is not None
        raise RuntimeError("the token store failed")

    monkeypatch.setattr(accounts, "issue_token", refuse)
    with sessions() as session:
        uow = FakeUnitOfWork(session)
        with pytest.raises(RuntimeError, match="token store"):
            account_cases.create_user_with_token(
                uow, SYSTEM, NewUser("bob", UserRole.ADMIN), TokenRequest("first")
            )
        assert (uow.commits, uow.rollbacks) == (0, 1)
        assert session.scalar(sa.select(User.id).where(User.name == "bob")) is None
    assert users_seen_elsewhere(sessions) == []


def test_a_refused_request_commits_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        uow = FakeUnitOfWork(session)
        with pytest.raises(NotFound):
            account_cases.revoke_token(uow, SYSTEM, 12345)
        assert (uow.commits, uow.rollbacks) == (0, 1)


def test_an_account_and_its_first_token_are_committed_together_once(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        uow = FakeUnitOfWork(session)
        issued = account_cases.create_user_with_token(
            uow, SYSTEM, NewUser("carol", UserRole.ADMIN), TokenRequest("first", 3)
        )
        assert uow.commits == 1
    with sessions() as other:
        token = other.get(ApiToken, issued.token.id)
        assert token is not None and token.user.name == "carol"
        assert token.expires_at is not None
        assert token.expires_at - token.created_at == timedelta(days=3)


def test_a_wrong_password_is_committed_so_that_the_rate_limit_counts_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        account_cases.create_user(
            FakeUnitOfWork(session), SYSTEM, NewUser("dora", UserRole.ADMIN, password="p" * 12)
        )
        uow = FakeUnitOfWork(session)
        assert account_cases.log_in(uow, "dora", "wrong" * 3, "10.0.0.9") is None
        assert (uow.commits, uow.rollbacks) == (1, 0)
    with sessions() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1


def test_a_good_password_gives_a_page_session_that_matches_the_account(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        user = account_cases.create_user(
            FakeUnitOfWork(session), SYSTEM, NewUser("erin", UserRole.ADMIN, password="p" * 12)
        )
        uow = FakeUnitOfWork(session)
        signed_in = account_cases.log_in(uow, "erin", "p" * 12, "10.0.0.9")
        assert signed_in == account_cases.PageSession(user.id, accounts.session_stamp(user))
        assert uow.commits == 1


def test_a_token_check_keeps_last_used_at_without_its_caller_committing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        issued = account_cases.create_user_with_token(
            FakeUnitOfWork(session), SYSTEM, NewUser("finn", UserRole.VIEWER), TokenRequest()
        )
        uow = FakeUnitOfWork(session)
        actor = account_cases.authenticate(uow, issued.secret, utcnow())
        assert actor is not None and actor.name == "finn"
        assert uow.commits == 1
    with sessions() as other:
        token = other.get(ApiToken, issued.token.id)
        assert token is not None and token.last_used_at is not None


def test_a_unit_of_work_of_its_own_commits_and_closes_its_session(
    sessions: sessionmaker[Session],
) -> None:
    uow = SqlAlchemyUnitOfWork(sessions)
    account_cases.create_user(uow, SYSTEM, NewUser("gus", UserRole.VIEWER))
    assert users_seen_elsewhere(sessions) == ["gus"]
    assert not uow.session.in_transaction()


def test_a_unit_of_work_left_without_a_commit_keeps_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        uow = FakeUnitOfWork(session)
        with uow:
            accounts.create_user(uow.session, SYSTEM, "hal", UserRole.VIEWER)
        assert (uow.commits, uow.rollbacks) == (0, 1)
    assert users_seen_elsewhere(sessions) == []


# --- the spreadsheet import: all or nothing, one commit (needs the reference data) ----------

SHEET = "学校标识码,学校名称,办学类型,所属区县\r\n"


def schools_seen_elsewhere(session: Session) -> int:
    bind = session.get_bind()
    with Session(bind) as other:
        return other.scalar(sa.select(sa.func.count()).select_from(School)) or 0


def test_an_import_of_good_rows_commits_once(session: Session, actor: Actor) -> None:
    uow = FakeUnitOfWork(session)
    source = io.BytesIO((SHEET + f"2153019901,新学校,211,{COUNTY}\r\n").encode())
    result = import_sheet(uow, actor, source, SCHOOLS)
    assert (result.created, uow.commits, uow.rollbacks) == (1, 1, 0)
    assert schools_seen_elsewhere(session) == 1


def test_an_import_with_a_bad_row_after_a_good_one_commits_nothing(
    session: Session, actor: Actor
) -> None:
    uow = FakeUnitOfWork(session)
    rows = f"2153019901,新学校,211,{COUNTY}\r\n2153019902,,211,{COUNTY}\r\n"
    result = import_sheet(uow, actor, io.BytesIO((SHEET + rows).encode()), SCHOOLS)
    assert (result.ok, result.created) == (False, 1)
    assert (uow.commits, uow.rollbacks) == (0, 1)
    assert schools_seen_elsewhere(session) == 0


def test_a_dry_run_import_commits_nothing(session: Session, actor: Actor) -> None:
    uow = FakeUnitOfWork(session)
    source = io.BytesIO((SHEET + f"2153019901,新学校,211,{COUNTY}\r\n").encode())
    result = import_sheet(uow, actor, source, SCHOOLS, dry_run=True)
    assert (result.ok, result.created, uow.commits) == (True, 1, 0)
    assert schools_seen_elsewhere(session) == 0
