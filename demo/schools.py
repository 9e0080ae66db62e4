"""The demo's schools: the plan of which types go where, names, sizes and profiles."""

from __future__ import annotations

import math
import random
from datetime import date
from typing import Any

from demo.classrooms import _Classrooms
from demo.data import (
    FULL,
    NOTHING,
    PARTIAL,
    V3_STANDARD,
    V3_STRONG,
    DemoInventory,
    DemoSchool,
    _day,
)
from demo.equipment import _Equipment
from demo.places import (
    _HIGHER_NAMES,
    _MIX_CITY,
    _MIX_MOUNTAIN,
    _MIX_PLAIN,
    _NICE,
    _RARE,
    _SEAT_NAMES,
    _STREETS,
    _VILLAGE_HEAD,
    _VILLAGE_TAIL,
    COUNTIES,
    HIGHER,
    PREFECTURE_SEAT,
    SENIOR,
    _apportion,
    _County,
    _ordinal,
    _weighted,
)
from inventory import reference
from inventory.choices import (
    SnmpAuthProtocol,
    SnmpPrivProtocol,
    SnmpVersion,
)


class _Generator(_Equipment, _Classrooms):
    """Holds the one random stream and the uniqueness bookkeeping of one ``generate`` call."""

    def __init__(self, seed: int, scale: float) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.scale = scale
        self.names: set[str] = set()
        self.device_index = 0
        self.village = ""  # the village in the name of the school being generated
        self.counties = self._counties()

    def _counties(self) -> dict[str, _County]:
        rows = {row["code"]: row for row in reference.region_rows()}
        out: dict[str, _County] = {}
        for code, spec in COUNTIES.items():
            row = rows[code]
            lat, lon = float(row["seat_lat"]), float(row["seat_lon"])
            centres = {spec.townships[0]: (lat, lon)}
            for town in spec.townships[1:]:
                angle = self.rng.uniform(0, 2 * math.pi)
                radius = self.rng.uniform(0.08, 0.38)
                centres[town] = (lat + radius * math.sin(angle), lon + radius * math.cos(angle))
            out[code] = _County(code, row["name_zh"], lat, lon, spec, centres)
        return out

    # -- the plan: which school types go where ------------------------------------------------

    def run(self) -> DemoInventory:
        creds = self._credentials()
        slots: dict[str, list[str]] = {code: [] for code in self.counties}
        for code, county in self.counties.items():
            seat = code == PREFECTURE_SEAT
            mix = _MIX_CITY if seat else _MIX_MOUNTAIN if county.spec.mountain else _MIX_PLAIN
            total = max(len(mix) if seat else 3, round(county.spec.weight * self.scale))
            counts = _apportion(total, mix)
            # Whatever the scale, every county has its complete secondary school and the
            # prefecture seat has every common type.
            for type_code in mix if seat else ("341",):
                if counts[type_code] == 0:
                    counts[max(counts, key=lambda t: counts[t])] -= 1
                    counts[type_code] += 1
            for type_code, n in counts.items():
                slots[code].extend([type_code] * n)
        weights = [(code, float(c.spec.weight)) for code, c in self.counties.items()]
        for type_code, n, where in _RARE:
            for _ in range(max(1, round(n * self.scale))):
                slots[where or _weighted(self.rng, weights)].append(type_code)
        out: list[DemoSchool] = []
        for code, county in self.counties.items():
            types = slots[code]
            self.rng.shuffle(types)
            # Higher education first: it takes the low code numbers.
            types.sort(key=lambda t: t not in HIGHER)
            out.extend(self._school(county, type_code) for type_code in types)
        return DemoInventory(self.seed, self.scale, creds, out)

    def _credentials(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {
                "name": f"v2c-{code}",
                "version": SnmpVersion.V2C,
                "community": f"dc-{code}-{self.rng.getrandbits(24):06x}",
                "notes": f"{county.name}各校的 SNMPv2c 团体名",
            }
            for code, county in self.counties.items()
        ]
        for name, auth, priv, user in (
            (V3_STANDARD, SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128, "dc-monitor"),
            (V3_STRONG, SnmpAuthProtocol.SHA512, SnmpPrivProtocol.AES256, "dc-monitor-he"),
        ):
            out.append(
                {
                    "name": name,
                    "version": SnmpVersion.V3,
                    "username": user,
                    "auth_protocol": auth,
                    "auth_key": f"auth-{self.rng.getrandbits(64):016x}",
                    "priv_protocol": priv,
                    "priv_key": f"priv-{self.rng.getrandbits(64):016x}",
                    "notes": "SNMPv3 authPriv",
                }
            )
        return out

    # -- one school ---------------------------------------------------------------------------

    def _school(self, county: _County, type_code: str) -> DemoSchool:
        rng = self.rng
        code = f"21{county.code[2:]}{county.next_seq:04d}"
        county.next_seq += 1
        name, town, place = self._name(county, type_code)
        students, teachers, rooms = self._size(type_code, place)
        opened = self._opened(type_code, place)
        closed = None
        if (type_code == "218" and rng.random() < 0.07) or (
            type_code == "211" and place == "village" and rng.random() < 0.01
        ):
            closed = _day(rng, date(2023, 7, 1), date(2024, 8, 31))  # merged into a larger school
        lat, lon = self._position(county, town, place)
        data: dict[str, Any] = {
            "code": code,
            "name": name,
            "type_code": type_code,
            "region_code": county.code,
            "address": self._address(county, town, place),
            "latitude": lat,
            "longitude": lon,
            "students": students,
            "teachers": teachers,
            "ordinary_classrooms": rooms,
            "opened_on": opened,
            "closed_on": closed,
        }
        profile = self._profile(county, type_code, place, closed)
        school = DemoSchool(data, profile)
        self._campus_network(school)
        self._links_and_devices(school, county)
        self._classrooms(school)
        return school

    def _village(self) -> str:
        rng = self.rng
        head = rng.choice(_VILLAGE_HEAD)
        if rng.random() < 0.5:
            head += rng.choice(_VILLAGE_HEAD)
        return head + rng.choice(_VILLAGE_TAIL)

    def _next_ordinal(self, county: _County, pattern: str) -> int:
        county.ordinals[pattern] = county.ordinals.get(pattern, 0) + 1
        return county.ordinals[pattern]

    def _township(self, county: _County) -> str:
        towns = county.spec.townships
        weights = [4.0] + [1.0] * (len(towns) - 1)
        return self.rng.choices(towns, weights)[0]

    def _central(self, county: _County, type_code: str, town: str) -> bool:
        """True the first time a township gets a central school of this type."""
        taken = county.centrals.setdefault(type_code, set())
        if town in taken:
            return False
        taken.add(town)
        return True

    def _name(self, county: _County, type_code: str) -> tuple[str, str, str]:
        """(name, township, place) with place one of seat / town / village; names are unique."""
        for _attempt in range(100):
            name, town, place = self._name_once(county, type_code)
            if name not in self.names:
                self.names.add(name)
                return name, town, place
        # Only reachable at large scales: number the clash apart.
        n = 2
        while f"{name}（{n}）" in self.names:
            n += 1
        self.names.add(f"{name}（{n}）")
        return f"{name}（{n}）", town, place

    def _name_once(self, county: _County, type_code: str) -> tuple[str, str, str]:
        rng = self.rng
        cn = county.name
        town = self._township(county)
        seat = town == county.seat
        village = self.village = self._village()
        if type_code in HIGHER:
            names = _HIGHER_NAMES[type_code]
            n = self._next_ordinal(county, type_code)
            base = names[(n - 1) % len(names)]
            return (base if n <= len(names) else f"{base}{town}校区"), county.seat, "seat"
        if type_code == "111":
            if self._central(county, type_code, town):
                if seat:
                    return f"{cn}第一幼儿园", town, "seat"
                return f"{cn}{town}中心幼儿园", town, "town"
            if seat:
                if rng.random() < 0.5:
                    ordinal = _ordinal(self._next_ordinal(county, "幼儿园") + 1)
                    return f"{cn}第{ordinal}幼儿园", town, "seat"
                return f"{cn}{rng.choice(_NICE)}幼儿园", town, "seat"
            return f"{cn}{town}{village}幼儿园", town, "village"
        if type_code == "211":
            if self._central(county, type_code, town):
                if seat:
                    return f"{cn}实验小学", town, "seat"
                return f"{cn}{town}中心小学", town, "town"
            if seat and rng.random() < 0.45:
                ordinal = _ordinal(self._next_ordinal(county, "小学"))
                return f"{cn}第{ordinal}小学", town, "seat"
            return f"{cn}{town}{village}小学", town, "village"
        if type_code == "218":
            town = rng.choice(county.spec.townships[1:])
            return f"{cn}{town}{village}小学{self._village()}教学点", town, "village"
        if type_code == "311":
            if seat and rng.random() < 0.4:
                ordinal = _ordinal(self._next_ordinal(county, "中学"))
                return f"{cn}第{ordinal}中学", town, "seat"
            town = rng.choice(county.spec.townships[1:])
            if self._central(county, type_code, town):
                return f"{cn}{town}中学", town, "town"
            return f"{cn}{town}第二中学", town, "town"
        if type_code == "312":
            return f"{cn}{town}{village}九年一贯制学校", town, "village" if not seat else "seat"
        if type_code in ("341", "342"):
            if rng.random() < 0.7:
                ordinal = _ordinal(self._next_ordinal(county, "中学"))
                return f"{cn}第{ordinal}中学", county.seat, "seat"
            special = rng.choice(("民族中学", "实验中学", "高级中学", "民族实验中学"))
            return f"{cn}{special}", county.seat, "seat"
        if type_code in _SEAT_NAMES:  # one per county, then named after a township
            base = rng.choice(_SEAT_NAMES[type_code])
            if f"{cn}{base}" in self.names:
                return f"{cn}{town}{base}", town, "seat" if seat else "town"
            return f"{cn}{base}", county.seat, "seat"
        if type_code == "511":
            return "楚雄彝族自治州盲人学校", county.seat, "seat"
        if type_code == "512":
            return "楚雄彝族自治州聋哑学校", county.seat, "seat"
        if type_code == "119":
            return f"{cn}{town}{village}小学附设幼儿班", town, "village"
        if type_code == "219":
            return f"{cn}{town}{village}中学附设小学班", town, "village"
        if type_code == "349":
            return f"{cn}{town}中学附设高中班", town, "town"
        if type_code == "519":
            return f"{cn}{town}中心小学附设特教班", town, "town"
        raise ValueError(f"no naming rule for school type {type_code}")

    def _size(self, type_code: str, place: str) -> tuple[int, int, int]:
        """(students, teachers, ordinary classrooms) plausible for the type and place."""
        rng = self.rng
        # type → {place: (min students, max students)}, students per class, students per teacher
        table: dict[str, tuple[dict[str, tuple[int, int]], int, int]] = {
            "111": ({"seat": (300, 700), "town": (150, 400), "village": (30, 150)}, 30, 12),
            "119": ({"village": (15, 60)}, 30, 20),
            "211": ({"seat": (1000, 2800), "town": (400, 1300), "village": (50, 400)}, 45, 17),
            "218": ({"village": (8, 60)}, 20, 15),
            "219": ({"village": (30, 150)}, 30, 18),
            "311": ({"seat": (1200, 2800), "town": (500, 1500)}, 50, 13),
            "312": ({"seat": (1200, 2500), "village": (400, 1500)}, 45, 14),
            "341": ({"seat": (2000, 4500)}, 50, 12),
            "342": ({"seat": (1500, 4000)}, 50, 12),
            "345": ({"seat": (1500, 3500)}, 45, 12),
            "349": ({"town": (100, 400)}, 50, 15),
            "365": ({"seat": (800, 3500)}, 45, 16),
            "511": ({"seat": (80, 250)}, 12, 4),
            "512": ({"seat": (80, 250)}, 12, 4),
            "513": ({"seat": (60, 250)}, 12, 4),
            "514": ({"seat": (60, 250)}, 12, 4),
            "519": ({"town": (8, 30)}, 15, 6),
            "411": ({"seat": (10000, 18000)}, 70, 18),
            "412": ({"seat": (10000, 18000)}, 70, 18),
            "421": ({"seat": (5000, 12000)}, 70, 18),
            "422": ({"seat": (5000, 12000)}, 70, 18),
        }
        ranges, per_class, per_teacher = table[type_code]
        low, high = ranges.get(place) or next(iter(ranges.values()))
        students = rng.randint(low, high)
        rooms = max(1, math.ceil(students / per_class * rng.uniform(0.9, 1.1)))
        if type_code in ("211", "312") and place == "village":
            rooms = max(6, rooms)  # one class per grade at least
        teachers = max(1, round(students / per_teacher * rng.uniform(0.85, 1.15)))
        return students, teachers, rooms

    def _opened(self, type_code: str, place: str) -> date:
        years = {
            "111": (1980, 2020) if place != "seat" else (1955, 2015),
            "211": (1920, 1985) if place != "village" else (1950, 2005),
            "218": (1955, 2000),
            "311": (1958, 2000),
            "312": (2000, 2018),
            "341": (1938, 1980),
            "342": (1956, 2010),
            "345": (2010, 2020),
            "365": (1980, 2000),
        }.get(type_code, (1958, 2012) if type_code in HIGHER else (1990, 2018))
        return date(self.rng.randint(*years), 9, 1)

    def _position(self, county: _County, town: str, place: str) -> tuple[float, float]:
        lat, lon = county.centres[town]
        spread = {"seat": 0.02, "town": 0.01, "village": 0.05}[place]
        return (
            round(lat + self.rng.gauss(0, spread), 6),
            round(lon + self.rng.gauss(0, spread), 6),
        )

    def _address(self, county: _County, town: str, place: str) -> str:
        rng = self.rng
        prefix = f"云南省楚雄彝族自治州{county.name}{town}"
        if place == "village":
            return f"{prefix}{self.village}村委会"
        return f"{prefix}{rng.choice(_STREETS)}{rng.randint(1, 388)}号"

    def _profile(self, county: _County, type_code: str, place: str, closed: date | None) -> str:
        if type_code in HIGHER:
            odds = (0.75, 0.25, 0.0)
        elif type_code in SENIOR:
            odds = (0.40, 0.55, 0.05)
        elif type_code == "218":
            odds = (0.08, 0.52, 0.40)
        elif place == "seat":
            odds = (0.35, 0.58, 0.07)
        elif place == "town":
            odds = (0.22, 0.70, 0.08)
        else:
            odds = (0.12, 0.65, 0.23)
        full, partial, nothing = odds
        if county.code == PREFECTURE_SEAT:
            shift = min(0.10, nothing)
            full, nothing = full + shift, nothing - shift
        if county.spec.mountain:
            shift = min(0.05, full)
            full, nothing = full - shift, nothing + shift
        if closed is not None:
            full, partial, nothing = 0.0, 0.5, 0.5
        return _weighted(self.rng, ((FULL, full), (PARTIAL, partial), (NOTHING, nothing)))

    # -- dates --------------------------------------------------------------------------------
