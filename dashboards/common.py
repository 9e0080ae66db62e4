"""What every dashboard view needs: the clock, the standard, the as-of date and list pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import request

from api import runtime, security
from dashboards.auth import page_actor
from inventory import localday
from inventory.actor import Actor
from inventory.errors import NotFound
from inventory.standards.registry import get_standard
from inventory.standards.rules import Standard

EARLIEST = date(2000, 1, 1)


def actor() -> Actor:
    """The logged-in actor (views are behind ``login_required``)."""
    current = page_actor()
    assert current is not None
    return current


def now() -> datetime:
    """The request's clock (tests set it)."""
    return security.now()


def today() -> date:
    """The bureau's date on the request's clock."""
    return localday.day_of(now())


def standard() -> Standard:
    """The coverage standard in force."""
    return get_standard(runtime.session())


def as_of() -> tuple[date, bool]:
    """The ``as_of`` query date (default today) and whether a given one was unusable."""
    text = request.args.get("as_of", "")
    if not text:
        return today(), False
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return today(), True
    if not EARLIEST <= day <= today():
        return today(), True
    return day, False


def page_number() -> int:
    """The ``page`` query argument (1 when missing or unusable)."""
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) <= 100_000 else 1


class PageError(Exception):
    """Ends a page request with an HTML error page (the API's JSON errors are for the API)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def or_404(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a service; an unknown or out-of-scope object is a 404 page."""
    try:
        return call(*args, **kwargs)
    except NotFound as exc:
        raise PageError(404) from exc
