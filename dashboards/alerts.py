"""The alert pages (issue 17): open alerts with an acknowledge button, the history, the
rules, subscriptions and maintenance windows (created and changed through the generic form
view), and the dead letters with a retry button. Each lists what the actor's scope holds,
through the same services as the API; buttons show only to those who may press them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from api import runtime
from api.entities import by_name
from dashboards import common
from dashboards.auth import login_required, render
from dashboards.i18n import lang_query
from inventory.choices import AlertState, ChoiceSet, Severity, UserRole
from inventory.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inventory.models import Region, School
from inventory.services.alerting import alerts, dead_letters, rules, subscriptions, windows
from inventory.services.common import PageRequest

bp = Blueprint("alert_pages", __name__, template_folder="templates")

PER_PAGE = 50
C = TypeVar("C", bound=ChoiceSet)
T = TypeVar("T")


def _choice(kind: type[C], name: str) -> C | None:
    """A query argument naming a member of ``kind``; None when missing or unknown."""
    value = request.args.get(name, "")
    return kind(value) if value in kind.values() else None


def _code(name: str, digits: int) -> str | None:
    value = request.args.get(name, "").strip()
    return value if len(value) == digits and value.isdigit() else None


def _call(use_case: Callable[..., T], *args: Any) -> T:
    """Run a use case for a page: out of scope is 404, not allowed 403 (as pages show them)."""
    try:
        return use_case(*args)
    except PermissionDenied as exc:
        raise common.PageError(403) from exc
    except NotFound as exc:
        raise common.PageError(404) from exc


def _schools(ids: Iterable[int | None]) -> dict[int, School]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = runtime.session().scalars(sa.select(School).where(School.id.in_(wanted)))
    return {school.id: school for school in found}


def _regions(codes: Iterable[str | None]) -> dict[str, Region]:
    wanted = {c for c in codes if c is not None}
    if not wanted:
        return {}
    found = runtime.session().scalars(sa.select(Region).where(Region.code.in_(wanted)))
    return {region.code: region for region in found}


def _writer() -> bool:
    return common.actor().can_write


def _alert_list(state: AlertState | None, template_mode: str) -> Any:
    session, actor = runtime.session(), common.actor()
    region, school = _code("region", 6), _code("school", 10)
    flt = alerts.AlertFilter(
        state=state or _choice(AlertState, "state"),
        severity=_choice(Severity, "severity"),
        region=region,
        school=school,
    )
    page = PageRequest(common.page_number(), PER_PAGE, "-since")
    try:
        result = alerts.list_alerts(session, actor, flt, page)
    except InvalidInput:  # an unknown region or school in the query: the list unfiltered
        flt = alerts.AlertFilter(state=flt.state, severity=flt.severity)
        result = alerts.list_alerts(session, actor, flt, page)
    return render(
        "dash/alerts.html",
        mode=template_mode,
        result=result,
        pages=max(1, -(-result.total // PER_PAGE)),
        schools=_schools(a.school_id for a in result.items),
        flt=flt,
        severities=list(Severity),
        states=list(AlertState),
        can_ack=_writer(),
        now=common.now(),
    )


@bp.get("/alerts")
@login_required
def open_alerts() -> Any:
    """The alerts open now in the actor's scope, newest first, each with its acknowledgement."""
    return _alert_list(AlertState.OPEN, "open")


@bp.get("/alerts/history")
@login_required
def history() -> Any:
    """Every alert in the actor's scope, open and resolved, newest first."""
    return _alert_list(None, "history")


def _back(default: str) -> Response:
    target = request.form.get("next", "")
    # Only a path of this site: never an address another site chose.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for(default, **lang_query())
    return redirect(target)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@login_required
def acknowledge(alert_id: int) -> Response:
    """Acknowledge an alert (the CSRF token is checked before this runs)."""
    with contextlib.suppress(Conflict):  # resolved meanwhile: the list shows it so
        _call(alerts.acknowledge, runtime.uow(), common.actor(), alert_id, common.now())
    return _back("alert_pages.open_alerts")


@bp.get("/alerts/rules")
@login_required
def rule_list() -> Any:
    """The alert rules; admins change them."""
    found = rules.list_rules(
        runtime.session(), common.actor(), rules.RuleFilter(), PageRequest(1, 1000, "name")
    )
    return render(
        "dash/alert_rules.html",
        rules=found.items,
        can_edit=common.actor().role is UserRole.ADMIN,
    )


@bp.get("/alerts/subscriptions")
@login_required
def subscription_list() -> Any:
    """The subscriptions in the actor's scope, their targets masked and secrets unsaid."""
    page = PageRequest(common.page_number(), PER_PAGE, "name")
    result = subscriptions.list_subscriptions(
        runtime.session(), common.actor(), subscriptions.SubscriptionFilter(), page
    )
    return render(
        "dash/subscriptions.html",
        result=result,
        pages=max(1, -(-result.total // PER_PAGE)),
        schools=_schools(s.school_id for s in result.items),
        regions=_regions(s.region_code for s in result.items),
        masked=subscriptions.masked_target,
        can_edit=_writer(),
    )


@bp.get("/alerts/maintenance")
@login_required
def window_list() -> Any:
    """The maintenance windows in the actor's scope, latest first."""
    page = PageRequest(common.page_number(), PER_PAGE, "-starts_at")
    result = windows.list_windows(runtime.session(), common.actor(), windows.WindowFilter(), page)
    return render(
        "dash/windows.html",
        result=result,
        pages=max(1, -(-result.total // PER_PAGE)),
        schools=_schools(w.school_id for w in result.items),
        regions=_regions(w.region_code for w in result.items),
        can_edit=_writer(),
    )


@bp.get("/alerts/dead-letters")
@login_required
def dead_letter_list() -> Any:
    """The messages the sender gave up on, with the receiver's last answer."""
    page = PageRequest(common.page_number(), PER_PAGE, "-created_at")
    result = dead_letters.list_dead_letters(
        runtime.session(), common.actor(), dead_letters.DeadLetterFilter(), page
    )
    return render(
        "dash/dead_letters.html",
        result=result,
        pages=max(1, -(-result.total // PER_PAGE)),
        can_retry=_writer(),
    )


@bp.post("/alerts/dead-letters/<int:message_id>/retry")
@login_required
def retry(message_id: int) -> Response:
    """Put a dead letter back in the queue (the CSRF token is checked before this runs)."""
    _call(dead_letters.retry, runtime.uow(), common.actor(), message_id, common.now())
    return _back("alert_pages.dead_letter_list")


# What a list page's delete button removes, and the list it returns to.
DELETABLE = {
    "subscriptions": "alert_pages.subscription_list",
    "maintenance-windows": "alert_pages.window_list",
}


@bp.post("/alerts/<any(subscriptions, 'maintenance-windows'):entity>/<int:key>/delete")
@login_required
def delete(entity: str, key: int) -> Response:
    """Delete a subscription or a window in the actor's scope through its entity's service
    (the CSRF token is checked before this runs)."""
    service = by_name(entity).service
    _call(service.remove, runtime.uow(), common.actor(), key)
    return _back(DELETABLE[entity])
