"""The admins' list of accounts: /admin/users (read-only; changes go through the API or CLI)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from api import runtime
from dashboards.auth import login_required, page_actor, render
from inventory.choices import UserRole
from inventory.services import accounts
from inventory.services.common import PageRequest

PER_PAGE = 100

bp = Blueprint("admin_users", __name__, template_folder="templates")


@bp.get("/admin/users")
@login_required
def users() -> Any:
    """Every account with its role, scope and state."""
    actor = page_actor()
    assert actor is not None
    if actor.role is not UserRole.ADMIN:
        return render("account/forbidden.html", 403)
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    result = accounts.list_users(
        runtime.session(), actor, accounts.UserFilter(), PageRequest(number, PER_PAGE)
    )
    pages = max(1, -(-result.total // PER_PAGE))
    return render("account/users.html", result=result, pages=pages)
