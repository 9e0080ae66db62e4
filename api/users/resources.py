"""Account endpoints: /api/v1/users (admins), /api/v1/users/me and everyone's own tokens."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.users.schemas import (
    NewTokenSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserListArgs,
    UserPageSchema,
    UserPatchSchema,
    UserSchema,
)
from inventory.errors import NotFound
from inventory.models import ApiToken, User
from inventory.services import account_cases, accounts
from inventory.services.account_cases import NewUser, TokenRequest, UserChanges
from inventory.services.accounts import UserFilter

blp = Blueprint("users", __name__, description="Accounts and API tokens")


def _my_id() -> int:
    actor = current_actor()
    if actor.user_id is None:  # pragma: no cover - API actors are always users
        raise NotFound("this actor is not an account")
    return actor.user_id


def _me() -> User:
    return accounts.get_user(runtime.session(), current_actor(), _my_id())


def _new_token(user_id: int, request: TokenRequest) -> dict[str, Any]:
    issued = account_cases.issue_token(runtime.uow(), current_actor(), user_id, request)
    body = {name: getattr(issued.token, name) for name in TokenSchema().fields}
    body["token"] = issued.secret
    return body


@blp.route("")
class Users(MethodView):
    """Every account (admins only)."""

    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List accounts, filtered by role, active or part of the name."""
        page = page_request(args)
        flt = UserFilter(**args)
        return page_body(accounts.list_users(runtime.session(), current_actor(), flt, page))

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, new: NewUser) -> User:
        """Create an account with its role and scope, optionally with a password for pages."""
        return account_cases.create_user(runtime.uow(), current_actor(), new)


@blp.route("/me")
class Me(MethodView):
    """The calling account."""

    @blp.response(200, UserSchema)
    def get(self) -> User:
        """Who the bearer token belongs to, with its role and scope."""
        return _me()


@blp.route("/me/tokens")
class MyTokens(MethodView):
    """The calling account's API tokens."""

    @blp.response(200, TokenSchema(many=True))
    def get(self) -> list[ApiToken]:
        """List my tokens (never the tokens themselves), newest first."""
        return accounts.list_tokens(runtime.session(), current_actor(), _me())

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, request: TokenRequest) -> dict[str, Any]:
        """Create a token for myself; the answer shows it this once."""
        return _new_token(_my_id(), request)


@blp.route("/me/tokens/<id:token_id>")
class MyToken(MethodView):
    """One of the calling account's tokens."""

    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke one of my tokens; it stops working on the next request."""
        account_cases.revoke_token(runtime.uow(), current_actor(), token_id, _my_id())


@blp.route("/<id:user_id>")
class UserItem(MethodView):
    """One account, by id (admins)."""

    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> User:
        """Get an account."""
        return accounts.get_user(runtime.session(), current_actor(), user_id)

    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes: UserChanges, user_id: int) -> User:
        """Change an account's role, scope, password, or disable it (its tokens stop at once)."""
        return account_cases.change_user(runtime.uow(), current_actor(), user_id, changes)


@blp.route("/<id:user_id>/tokens")
class UserTokens(MethodView):
    """An account's API tokens (admins)."""

    @blp.response(200, TokenSchema(many=True))
    def get(self, user_id: int) -> list[ApiToken]:
        """List the account's tokens (never the tokens themselves)."""
        session = runtime.session()
        actor = current_actor()
        return accounts.list_tokens(session, actor, accounts.get_user(session, actor, user_id))

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, request: TokenRequest, user_id: int) -> dict[str, Any]:
        """Create a token for the account; the answer shows it this once."""
        return _new_token(user_id, request)


@blp.route("/<id:user_id>/tokens/<id:token_id>")
class UserToken(MethodView):
    """One of an account's tokens (admins)."""

    @blp.response(204)
    def delete(self, user_id: int, token_id: int) -> None:
        """Revoke the token; it stops working on the next request."""
        account_cases.revoke_token(runtime.uow(), current_actor(), token_id, user_id)
