"""The demo schools' classrooms: standard, partial and bare rooms, with their dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from demo.data import (
    EARLY,
    FULL,
    LAST_DAY,
    NOTHING,
    PARTIAL,
    DemoSchool,
    _Dated,
)
from demo.places import (
    _BUILDING_LETTERS,
    _ROOM_DEFAULTS,
    HIGHER,
    SENIOR,
)
from inventory.choices import (
    ClassroomKind,
    DisplayKind,
    WirelessCoverage,
)


class _Classrooms(_Dated):
    """The part of the generator that furnishes a school's classrooms."""

    def _classrooms(self, school: DemoSchool) -> None:
        rng = self.rng
        type_code: str = school.data["type_code"]
        rooms: int = school.data["ordinary_classrooms"]
        closed: date | None = school.data["closed_on"]
        wireless = (
            school.campus_networks[-1]["wireless_coverage"]
            if school.campus_networks
            else WirelessCoverage.NONE
        )
        out = school.classrooms

        # Ordinary classrooms: how many are standard depends on the profile. Standard rooms
        # arrive in one to three waves of equipment between 2019 and 2026.
        if school.profile == FULL:
            standard = rooms
        elif school.profile == PARTIAL:
            standard = round(rooms * rng.uniform(0.1, 0.95))
        else:
            standard = 0
        waves = [self._when(school, date(2019, 3, 1), LAST_DAY) for _ in range(rng.randint(1, 3))]
        per_floor = 4 if rooms <= 16 else 6
        per_building = per_floor * 5
        several = rooms > per_building
        ordinary: list[dict[str, Any]] = []
        for i in range(rooms):
            b, rest = divmod(i, per_building)
            floor, seat = divmod(rest, per_floor)
            prefix = _BUILDING_LETTERS[b] if b < len(_BUILDING_LETTERS) else f"{b + 1}-"
            room: dict[str, Any] = {
                "room_code": f"{prefix}{floor + 1}{seat + 1:02d}",
                "building": f"{b + 1}号教学楼" if several else "教学楼",
                "floor": floor + 1,
                "kind": ClassroomKind.ORDINARY,
            }
            ordinary.append(room)
        # Which rooms are standard: any of them, not just the ground floor.
        for index, room in enumerate(rng.sample(ordinary, len(ordinary))):
            if index < standard:
                room.update(self._standard_room(wireless, rng.choice(waves)))
            elif school.profile == PARTIAL:
                room.update(self._partial_room(school))
            else:
                room.update(self._bare_room())
        out.extend(ordinary)

        # Special rooms: computer rooms, labs, a recording room.
        specials: list[ClassroomKind] = []
        if rooms >= 6 and type_code not in ("111", "119"):
            specials.append(ClassroomKind.COMPUTER_LAB)
            if rooms >= 24:
                specials.append(ClassroomKind.COMPUTER_LAB)
            secondary = type_code in SENIOR or type_code in HIGHER or type_code in ("311", "312")
            specials.extend([ClassroomKind.SCIENCE_LAB] * (3 if secondary else 1))
        if rooms >= 12:
            specials.append(ClassroomKind.MULTIPURPOSE)
        for n, kind in enumerate(specials, start=1):
            room = {
                "room_code": f"S{n:02d}",
                "building": "实验楼" if rooms >= 12 else "综合楼",
                "floor": (n - 1) // 4 + 1,
                "kind": kind,
            }
            if school.profile == FULL or (school.profile == PARTIAL and rng.random() < 0.5):
                room.update(self._standard_room(wireless, rng.choice(waves)))
                room["has_recording"] = kind == ClassroomKind.MULTIPURPOSE
            elif school.profile == PARTIAL:
                room.update(self._partial_room(school))
            else:
                room.update(self._bare_room())
            out.append(room)

        # Rooms of an old building, decommissioned when it was torn down.
        if school.profile != NOTHING and closed is None and rooms >= 6 and rng.random() < 0.2:
            torn_down = self._when(school, date(2022, 7, 1), date(2025, 8, 31))
            for n in range(1, rng.randint(1, 4) + 1):
                room = {
                    "room_code": f"J1{n:02d}",
                    "building": "旧教学楼",
                    "floor": 1,
                    "kind": ClassroomKind.ORDINARY,
                    **self._standard_room(wireless, self._when(school, EARLY, date(2019, 8, 31))),
                }
                room["decommissioned_on"] = torn_down
                out.append(room)

        for room in out:
            room.setdefault("decommissioned_on", closed)
            for key, value in _ROOM_DEFAULTS.items():
                room.setdefault(key, value)

    def _standard_room(self, wireless: WirelessCoverage, since: date) -> dict[str, Any]:
        """Interactive display, teacher terminal, audio and at least 100 Mbps."""
        rng = self.rng
        panel = rng.random() < 0.7
        return {
            "display": DisplayKind.INTERACTIVE_PANEL if panel else DisplayKind.PROJECTOR_WHITEBOARD,
            "has_teacher_terminal": True,
            "has_visualiser": rng.random() < 0.6,
            "has_audio": True,
            "has_recording": rng.random() < 0.03,
            "wired_mbps": 1000 if rng.random() < 0.6 else 100,
            "wireless_mbps": (
                rng.choice((300, 600, 1200)) if wireless == WirelessCoverage.FULL else None
            ),
            "commissioned_on": since,
        }

    def _partial_room(self, school: DemoSchool) -> dict[str, Any]:
        """Equipped, but short of the standard in one way or another."""
        rng = self.rng
        since = self._when(school, EARLY, date(2022, 12, 31))
        variant = rng.randrange(4)
        if variant == 0:  # a plain projector, no interactive whiteboard
            return {
                "display": DisplayKind.PROJECTOR,
                "has_teacher_terminal": True,
                "has_audio": True,
                "wired_mbps": 100,
                "commissioned_on": since,
            }
        if variant == 1:  # an interactive panel on a slow shared line
            return {
                "display": DisplayKind.INTERACTIVE_PANEL,
                "has_teacher_terminal": True,
                "has_audio": True,
                "wireless_mbps": rng.choice((20, 50)),
                "commissioned_on": since,
            }
        if variant == 2:  # a television and no teacher terminal
            return {
                "display": DisplayKind.TV,
                "has_audio": rng.random() < 0.5,
                "wired_mbps": 100,
                "commissioned_on": since,
            }
        return self._bare_room()

    def _bare_room(self) -> dict[str, Any]:
        """No digital-teaching equipment at all."""
        return {"display": DisplayKind.NONE if self.rng.random() < 0.8 else DisplayKind.TV}
