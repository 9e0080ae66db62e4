"""Password login for the pages: /login, /logout, and / which sends each role to its page.

A page session is Flask's signed cookie holding the user id, a stamp, and the login time.
The stamp is derived from the password and the account's session epoch, which logout,
a password change and disabling the account move on; every request re-reads the account, so
each of these ends every copy of the cookie at once (a signed cookie cannot be deleted, only
made worthless).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for
from flask_babel import gettext

from api import runtime, security
from dashboards.i18n import label, lang_query, texts
from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.models import School
from inventory.services import account_cases, accounts

SESSION_MAX_AGE = timedelta(hours=12)

bp = Blueprint(
    "account",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/ui/static",
)

F = TypeVar("F", bound=Callable[..., Any])


def page_actor() -> Actor | None:
    """The actor of this page request's session, or None if nobody (still) is logged in."""
    if "page_actor" in g:
        cached: Actor | None = g.page_actor
        return cached
    actor = None
    user_id, stamp, since = session.get("uid"), session.get("stamp"), session.get("at")
    if (
        isinstance(user_id, int)
        and isinstance(stamp, str)
        and isinstance(since, int | float)
        and 0 <= security.now().timestamp() - since <= SESSION_MAX_AGE.total_seconds()
    ):
        actor = accounts.actor_for_session(runtime.session(), user_id, stamp)
    g.page_actor = actor
    return actor


def _to_login() -> Response:
    return redirect(url_for("account.login", **lang_query()))  # type: ignore[return-value]


def login_required(view: F) -> F:
    """Send anyone not logged in to the login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if page_actor() is None:
            return _to_login()
        return view(*args, **kwargs)

    return cast(F, wrapper)


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page in the request's language, with what every page template needs."""
    context.setdefault("actor", page_actor())
    html = render_template(
        template, t=texts(), lang=lang_query(), label=label, UserRole=UserRole, **context
    )
    return html, status


@bp.get("/login")
def login() -> Any:
    """The login form."""
    if page_actor() is not None:
        return redirect(url_for("account.home", **lang_query()))
    return render("account/login.html", actor=None)


@bp.post("/login")
def login_post() -> Any:
    """Check name and password (the CSRF token is checked before this runs)."""
    name = request.form.get("name", "")[:64]
    password = request.form.get("password", "")[: accounts.PASSWORD_MAX_LENGTH]
    try:
        signed_in = account_cases.log_in(
            runtime.uow(), name, password, request.remote_addr or "?", security.now()
        )
    except accounts.TooManyAttempts:
        html, status = render(
            "account/login.html",
            429,
            actor=None,
            error=gettext("Too many failed sign-ins. Please wait a minute and try again."),
        )
        return html, status, {"Retry-After": str(int(accounts.LOGIN_WINDOW.total_seconds()))}
    if signed_in is None:
        # The name is not echoed back: it may be a password typed into the wrong field.
        return render(
            "account/login.html", 401, actor=None, error=gettext("Wrong name or password.")
        )
    session.clear()
    session["uid"] = signed_in.user_id
    session["stamp"] = signed_in.stamp
    session["at"] = int(security.now().timestamp())
    security.new_csrf_token()
    g.pop("page_actor", None)  # this request began without a session
    actor = page_actor()
    assert actor is not None
    return redirect(landing_url(actor))


@bp.post("/logout")
def logout() -> Any:
    """End the session (the CSRF token is checked before this runs)."""
    actor = page_actor()
    if actor is not None:
        account_cases.log_out(runtime.uow(), actor, request.remote_addr or "?")
    session.clear()
    return _to_login()


def landing_url(actor: Actor) -> str:
    """Where a role starts: leadership (admins, viewers) on the overview of its scope, region
    admins on their region's status board, school staff on their school (their list when
    they keep several)."""
    lang = lang_query()
    if actor.role is UserRole.REGION_ADMIN:
        return url_for("status.board", **lang)
    if actor.role is UserRole.SCHOOL_STAFF:
        codes = (
            runtime.session()
            .scalars(
                sa.select(School.code).where(School.id.in_(actor.school_ids)).order_by(School.code)
            )
            .all()
        )
        if len(codes) == 1:
            return url_for("school_page.school", code=codes[0], **lang)
        return url_for("overview.schools", **lang)
    return url_for("overview.overview", **lang)


@bp.get("/")
@login_required
def home() -> Any:
    """No page of its own: each role is sent to the page it works from."""
    actor = page_actor()
    assert actor is not None
    return redirect(landing_url(actor))
