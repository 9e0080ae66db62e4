"""A small inventory whose coverage is worked out by hand in tests/test_coverage_report.py.

Dates: D1 = 2024-06-30 (a past day: verification from rollups), D2 = 2025-06-30 = "today"
(NOW, 12:00 UTC: verification from the stored verdicts). Counties: A = 楚雄市 (532301),
B = 双柏县 (532322); C = 牟定县 (532323) and the other counties have no schools.

A  S1 211 model everywhere; 4/4 standard rooms; 1000 Mbps uplink, monitored, verified now
   S2 211 uplink 100 Mbps until 2025-01-01, then 1000 (upgraded); copper campus until
      2024-09-01, then all-fibre (partial wireless); 10/10 standard rooms; not monitored
   S3 311 1000 Mbps, all-fibre partial; declares 10 ordinary rooms, 10 standard rooms of
      which one is decommissioned on 2025-03-01
   S4 211 closed on 2025-01-01; 100 Mbps, all-fibre, 5/5 rooms
   S5 218 teaching point: 100 Mbps, all-fibre (no wireless), 2/2 rooms
   S6 111 kindergarten, excellent: reported apart, never counted
   S7 211 zero ordinary classrooms; 1000 Mbps, hybrid campus
B  S8 342 model declared; 6/6 rooms, all-fibre full; 1000 Mbps monitored but the verdict
      says down, 30-day availability 97.2 %
   S9 365 no campus network; 100 Mbps; 4 ordinary rooms with plain projectors
   S10 211 opens 2026-09-01 (planned: never counted on D1 or D2)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from inventory.choices import (
    CampusArchitecture,
    ClassroomKind,
    DeviceRole,
    DeviceStatus,
    DisplayKind,
    LinkKind,
    LinkMedium,
    WirelessCoverage,
)
from inventory.models import (
    CampusNetwork,
    Classroom,
    Device,
    LinkVerification,
    NetworkLink,
    School,
)

D1 = date(2024, 6, 30)
D2 = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
A, B, C = "532301", "532322", "532323"
SINCE = date(2020, 1, 1)


class Builder:
    """Adds schools and what they hold, with short defaults."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schools: dict[str, School] = {}
        self.links: dict[str, NetworkLink] = {}
        self._serial = 0

    def school(self, key: str, type_code: str, region: str, rooms: int, **kw: Any) -> School:
        self._serial += 1
        school = School(
            code=f"21{region[2:]}{self._serial:04d}",
            name=f"学校{key}",
            type_code=type_code,
            region_code=region,
            ordinary_classrooms=rooms,
            opened_on=kw.get("opened_on", date(2000, 9, 1)),
            closed_on=kw.get("closed_on"),
        )
        self.session.add(school)
        self.session.flush()
        self.schools[key] = school
        return school

    def rooms(self, key: str, count: int, *, standard: bool = True, **kw: Any) -> list[Classroom]:
        school = self.schools[key]
        made = []
        for number in range(count):
            room = Classroom(
                school_id=school.id,
                room_code=f"{kw.get('prefix', 'R')}{number + 1:03d}",
                kind=ClassroomKind.ORDINARY,
                display=DisplayKind.INTERACTIVE_PANEL if standard else DisplayKind.PROJECTOR,
                has_teacher_terminal=True,
                has_audio=True,
                wired_mbps=kw.get("wired", 1000),
                commissioned_on=SINCE,
                decommissioned_on=None,
            )
            self.session.add(room)
            made.append(room)
        self.session.flush()
        return made

    def campus(
        self, key: str, architecture: CampusArchitecture, wireless: WirelessCoverage, since: date
    ) -> None:
        self.session.add(
            CampusNetwork(
                school_id=self.schools[key].id,
                architecture=architecture,
                wireless_coverage=wireless,
                commissioned_on=since,
            )
        )
        self.session.flush()

    def link(
        self,
        key: str,
        mbps: int,
        *,
        since: date | None = SINCE,
        until: date | None = None,
        device: bool = False,
        name: str | None = None,
    ) -> NetworkLink:
        school = self.schools[key]
        device_id = None
        if device:
            self._serial += 1
            box = Device(
                school_id=school.id,
                name="gw",
                role=DeviceRole.GATEWAY,
                status=DeviceStatus.ACTIVE,
                mgmt_address=f"10.0.0.{self._serial}",
            )
            self.session.add(box)
            self.session.flush()
            device_id = box.id
        link = NetworkLink(
            school_id=school.id,
            kind=LinkKind.METRO,
            medium=LinkMedium.FIBRE,
            down_mbps=mbps,
            up_mbps=mbps,
            commissioned_on=since,
            decommissioned_on=until,
            device_id=device_id,
            interface_name="ge0/1" if device else None,
        )
        self.session.add(link)
        self.session.flush()
        self.links[name or key] = link
        return link

    def verdict(
        self, key: str, verified: bool, reasons: list[dict[str, Any]], now: datetime
    ) -> None:
        link = self.links[key]
        self.session.add(
            LinkVerification(
                link_id=link.id,
                checked_at=now - timedelta(hours=1),
                last_polled_at=now - timedelta(hours=1),
                oper_up=verified,
                measured_mbps=link.down_mbps if verified else None,
                contracted_mbps=link.down_mbps,
                availability_30d=1.0 if verified else 0.972,
                verified=verified,
                reasons=reasons,
            )
        )
        self.session.flush()


def build(session: Session, now: datetime = NOW) -> Builder:
    """The inventory of the module docstring, flushed (the caller commits if it wants)."""
    b = Builder(session)
    fibre, hybrid, copper = (
        CampusArchitecture.ALL_FIBRE,
        CampusArchitecture.HYBRID,
        CampusArchitecture.COPPER,
    )
    full, partial, none = WirelessCoverage.FULL, WirelessCoverage.PARTIAL, WirelessCoverage.NONE

    b.school("S1", "211", A, 4)
    b.rooms("S1", 4)
    b.campus("S1", fibre, full, SINCE)
    b.link("S1", 1000, device=True)
    b.verdict("S1", True, [], now)

    b.school("S2", "211", A, 10)
    b.rooms("S2", 10, wired=100)
    b.campus("S2", copper, none, date(2019, 1, 1))
    b.campus("S2", fibre, partial, date(2024, 9, 1))
    b.link("S2", 100, until=date(2025, 1, 1), name="S2-old")
    b.link("S2", 1000, since=date(2025, 1, 1))

    b.school("S3", "311", A, 10)
    rooms = b.rooms("S3", 10)
    rooms[0].decommissioned_on = date(2025, 3, 1)
    b.campus("S3", fibre, partial, SINCE)
    b.link("S3", 1000)

    b.school("S4", "211", A, 5, closed_on=date(2025, 1, 1))
    b.rooms("S4", 5)
    b.campus("S4", fibre, partial, SINCE)
    b.link("S4", 100)

    b.school("S5", "218", A, 2)
    b.rooms("S5", 2)
    b.campus("S5", fibre, none, SINCE)
    b.link("S5", 100)

    b.school("S6", "111", A, 6)
    b.rooms("S6", 6)
    b.campus("S6", fibre, full, SINCE)
    b.link("S6", 1000)

    b.school("S7", "211", A, 0)
    b.campus("S7", hybrid, partial, SINCE)
    b.link("S7", 1000)

    b.school("S8", "342", B, 6)
    b.rooms("S8", 6)
    b.campus("S8", fibre, full, SINCE)
    b.link("S8", 1000, device=True)
    b.verdict(
        "S8",
        False,
        [{"code": "down"}, {"code": "unavailable", "availability": 0.972, "required": 0.99}],
        now,
    )

    b.school("S9", "365", B, 4)
    b.rooms("S9", 4, standard=False)
    b.link("S9", 100)

    b.school("S10", "211", B, 8, opened_on=date(2026, 9, 1))
    b.rooms("S10", 8)
    b.campus("S10", fibre, full, SINCE)
    b.link("S10", 1000)
    session.flush()
    return b
