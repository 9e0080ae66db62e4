"""The school page (/schools/<code>): tiers and reasons, uplinks with their polled state and
30-day availability, campus network, classrooms against the standard, devices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from api import runtime
from dashboards import charts, common
from dashboards.auth import login_required, render
from dashboards.i18n import day
from inventory import scope
from inventory.choices import ClassroomKind, Lifecycle
from inventory.coverage import evaluation
from inventory.overview import classroom_misses
from inventory.services import campus_networks, classrooms, devices, links, monitoring
from inventory.services.campus_networks import CampusNetworkFilter
from inventory.services.classrooms import ClassroomFilter
from inventory.services.common import PageRequest
from inventory.services.devices import DeviceFilter
from inventory.services.links import LinkFilter
from inventory.services.schools import get_school

bp = Blueprint("school_page", __name__, template_folder="templates")

ALL = PageRequest(1, 1000)
CHART_DAYS = 30


def daily_availability(link: Any) -> dict[str, Any]:
    """The uplink's availability on each of the bureau's last 30 local days, as a bar chart."""
    days = monitoring.daily_availability(runtime.session(), link, common.now(), CHART_DAYS)
    return charts.availability_bars([(day(on), value) for on, value in days])


@bp.get("/schools/<code>")
@login_required
def school(code: str) -> Any:
    """Everything about one school the actor may see, as of a date."""
    session, actor, standard = runtime.session(), common.actor(), common.standard()
    as_of, bad_date = common.as_of()
    item = common.or_404(get_school, session, actor, code)
    tiers = evaluation.evaluate_school(
        session, actor, standard, code, as_of=as_of, now=common.now()
    )
    uplinks = []
    for link in links.list_links(session, actor, LinkFilter(school=code), ALL).items:
        status = monitoring.link_status(session, actor, link.id, common.now())
        uplinks.append(
            {
                "link": link,
                "status": status,
                "chart": daily_availability(link) if status.monitored else None,
            }
        )
    rooms = classrooms.list_classrooms(
        session, actor, ClassroomFilter(school=code, status=Lifecycle.ACTIVE), ALL, as_of
    ).items
    room_rows = [
        {
            "room": room,
            "counts": room.kind.value in standard.classroom.ratio_kinds,
            "misses": classroom_misses(standard, room),
        }
        for room in rooms
    ]
    kit = [
        {"device": d, "status": monitoring.device_status(session, actor, d.id, common.now())}
        for d in devices.list_devices(session, actor, DeviceFilter(school=code), ALL).items
    ]
    history = campus_networks.list_campus_networks(
        session, actor, CampusNetworkFilter(school=code), ALL
    ).items
    in_force = campus_networks.campus_network_on(session, item.id, as_of)
    return render(
        "dash/school.html",
        school=item,
        tiers=tiers,
        uplinks=uplinks,
        rooms=room_rows,
        kit=kit,
        history=history,
        in_force=in_force,
        as_of=as_of.isoformat(),
        bad_date=bad_date,
        today=common.today().isoformat(),
        writable=scope.school_allowed(session, actor, item.id, write=True),
        ordinary=ClassroomKind.ORDINARY,
    )
