"""A deterministic synthetic inventory of Chuxiong's ten counties, and its loader.

``generate`` builds plain data (dicts and dataclasses, no ORM objects) from one seeded
``random.Random`` only, so the same seed always gives the same inventory. ``load`` inserts it
through the service layer, so every row is validated and change-logged under one batch id.

At scale 1.0 the demo has about 1,500 schools of every MOE school type, 25,000 classrooms and
3,000 devices, in a deliberate mix of states: some schools fully digital, many partly, some
not at all, with upgrade histories dated 2019–2026 so that coverage "as of" differs by year.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from inventory import reference
from inventory.actor import Actor
from inventory.choices import (
    CampusArchitecture,
    Carrier,
    ClassroomKind,
    DeviceRole,
    DeviceStatus,
    DisplayKind,
    LinkKind,
    LinkMedium,
    SnmpAuthProtocol,
    SnmpPrivProtocol,
    SnmpVersion,
    WirelessCoverage,
)
from inventory.secretbox import SecretBox
from inventory.services import campus_networks, classrooms, credentials, devices, links, schools

T = TypeVar("T")

DEFAULT_SEED = 2025
MAX_SCALE = 20.0  # 4-digit school sequence per county and 127.53.0.0/16 addresses
SNMP_PORT = 1161
PROGRESS_EVERY = 10  # schools per progress() call
EARLY = date(2012, 1, 1)  # the oldest equipment and lines still on record
LAST_DAY = date(2026, 9, 30)  # nothing in the demo is dated later

# Profiles: what a school's digital campus looks like today.
FULL = "full"  # all-fibre, full wireless, gigabit uplink, every ordinary classroom standard
PARTIAL = "partial"  # something of everything, short of the standard somewhere
NOTHING = "nothing"  # no campus network (or "none"), no or a thin uplink, bare classrooms

V3_STANDARD = "v3-sha256-aes128"
V3_STRONG = "v3-sha512-aes256"


# --- what generate() returns --------------------------------------------------------------


@dataclass(frozen=True)
class DemoDevice:
    """``create_device`` data without ``credential_id``; ``credential`` names the profile."""

    data: dict[str, Any]
    credential: str | None


@dataclass(frozen=True)
class DemoLink:
    """``create_link`` data without ``device_id``; ``device`` names a device of the school."""

    data: dict[str, Any]
    device: str | None


@dataclass(frozen=True)
class DemoSchool:
    """One school and everything registered under it, in the order ``load`` creates it."""

    data: dict[str, Any]
    profile: str
    campus_networks: list[dict[str, Any]] = field(default_factory=list)
    devices: list[DemoDevice] = field(default_factory=list)
    links: list[DemoLink] = field(default_factory=list)
    classrooms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def code(self) -> str:
        code: str = self.data["code"]
        return code


@dataclass(frozen=True)
class DemoInventory:
    """The whole synthetic inventory: credential profiles (plaintext) and schools."""

    seed: int
    scale: float
    credentials: list[dict[str, Any]]
    schools: list[DemoSchool]

    def counts(self) -> dict[str, int]:
        """Rows per entity, as ``DemoSummary.counts()`` reports them after a load."""
        return {
            "credentials": len(self.credentials),
            "schools": len(self.schools),
            "campus_networks": sum(len(s.campus_networks) for s in self.schools),
            "devices": sum(len(s.devices) for s in self.schools),
            "links": sum(len(s.links) for s in self.schools),
            "classrooms": sum(len(s.classrooms) for s in self.schools),
        }


@dataclass(frozen=True)
class DemoSummary:
    """What ``load`` inserted, and the change-log batch id that covers all of it."""

    batch_id: str
    credentials: int
    schools: int
    campus_networks: int
    devices: int
    links: int
    classrooms: int

    def counts(self) -> dict[str, int]:
        return {
            "credentials": self.credentials,
            "schools": self.schools,
            "campus_networks": self.campus_networks,
            "devices": self.devices,
            "links": self.links,
            "classrooms": self.classrooms,
        }

    @property
    def total(self) -> int:
        return sum(self.counts().values())


# --- reference: counties, townships, names ------------------------------------------------


@dataclass(frozen=True)
class _CountySpec:
    weight: int  # schools of the common types at scale 1.0
    mountain: bool  # more teaching points, fewer large schools
    townships: tuple[str, ...]  # the first one is the county seat


COUNTIES: dict[str, _CountySpec] = {
    "532301": _CountySpec(
        280,
        False,
        (
            "鹿城镇",
            "东瓜镇",
            "吕合镇",
            "紫溪镇",
            "东华镇",
            "子午镇",
            "苍岭镇",
            "三街镇",
            "八角镇",
            "中山镇",
            "新村镇",
            "西舍路镇",
            "树苴乡",
            "大过口乡",
            "大地基乡",
        ),
    ),
    "532302": _CountySpec(
        220,
        False,
        (
            "金山镇",
            "广通镇",
            "勤丰镇",
            "一平浪镇",
            "土官镇",
            "彩云镇",
            "和平镇",
            "黑井镇",
            "碧城镇",
            "仁兴镇",
            "妥安乡",
            "中村乡",
            "高峰乡",
            "恐龙山镇",
        ),
    ),
    "532322": _CountySpec(
        85,
        True,
        ("妥甸镇", "大庄镇", "法脿镇", "鄂嘉镇", "大麦地镇", "安龙堡乡", "爱尼山乡", "独田乡"),
    ),
    "532323": _CountySpec(
        100, False, ("共和镇", "新桥镇", "江坡镇", "凤屯镇", "蟠猫乡", "戌街乡", "安乐乡")
    ),
    "532324": _CountySpec(
        130,
        True,
        (
            "龙川镇",
            "沙桥镇",
            "五街镇",
            "红土坡镇",
            "马街镇",
            "兔街镇",
            "雨露白族乡",
            "一街乡",
            "罗武庄乡",
            "五顶山乡",
        ),
    ),
    "532325": _CountySpec(
        105,
        False,
        ("栋川镇", "光禄镇", "前场镇", "弥兴镇", "太平镇", "左门乡", "大河口乡", "官屯乡"),
    ),
    "532326": _CountySpec(
        140,
        True,
        (
            "金碧镇",
            "石羊镇",
            "六苴镇",
            "龙街镇",
            "赵家店镇",
            "新街镇",
            "湾碧乡",
            "铁锁乡",
            "三岔河镇",
            "昙华乡",
            "桂花镇",
            "三台乡",
        ),
    ),
    "532327": _CountySpec(
        70, True, ("永定镇", "宜就镇", "中和镇", "莲池乡", "维的乡", "猛虎乡", "永兴乡")
    ),
    "532328": _CountySpec(
        110,
        False,
        (
            "元马镇",
            "黄瓜园镇",
            "羊街镇",
            "老城乡",
            "物茂乡",
            "江边乡",
            "新华乡",
            "平田乡",
            "姜驿乡",
            "凉山乡",
        ),
    ),
    "532329": _CountySpec(
        150,
        True,
        (
            "狮山镇",
            "高桥镇",
            "猫街镇",
            "插甸镇",
            "田心乡",
            "发窝乡",
            "白路镇",
            "万德镇",
            "己衣镇",
            "环州乡",
            "东坡乡",
        ),
    ),
}
PREFECTURE_SEAT = "532301"

# Share of each common school type among a county's common schools.
_MIX_CITY = {
    "111": 0.33,
    "211": 0.40,
    "218": 0.06,
    "311": 0.10,
    "312": 0.05,
    "341": 0.03,
    "342": 0.03,
}
_MIX_PLAIN = {
    "111": 0.27,
    "211": 0.42,
    "218": 0.13,
    "311": 0.09,
    "312": 0.05,
    "341": 0.02,
    "342": 0.02,
}
_MIX_MOUNTAIN = {
    "111": 0.24,
    "211": 0.38,
    "218": 0.22,
    "311": 0.07,
    "312": 0.05,
    "341": 0.02,
    "342": 0.02,
}

# Rare types: prefecture-wide count at scale 1.0 (at least one at any scale) and where they go
# (None: any county, weighted by size).
_RARE: tuple[tuple[str, int, str | None], ...] = (
    ("119", 35, None),
    ("219", 12, None),
    ("345", 3, None),
    ("349", 8, None),
    ("365", 13, None),
    ("511", 1, PREFECTURE_SEAT),
    ("512", 1, PREFECTURE_SEAT),
    ("513", 4, None),
    ("514", 6, None),
    ("519", 16, None),
    ("411", 1, PREFECTURE_SEAT),
    ("412", 1, PREFECTURE_SEAT),
    ("421", 1, PREFECTURE_SEAT),
    ("422", 2, PREFECTURE_SEAT),
)
_HIGHER_NAMES = {
    "411": ("滇中理工大学",),
    # Invented names only: no real institution is paired with synthetic data.
    "412": ("滇中师范学院",),
    "421": ("彝州医药高等专科学校",),
    "422": ("滇中职业技术学院", "楚雄工商职业学院", "彝州农业职业技术学院"),
}
HIGHER = frozenset(_HIGHER_NAMES)
SENIOR = frozenset({"341", "342", "345", "365"})
ATTACHED = frozenset({"119", "219", "349", "519"})

_VILLAGE_HEAD = "大小新老上下中东西南北石河马龙凤白黑青松柏竹梨桃杨罗李张赵陈官麦荞花水山羊平金银"
_VILLAGE_TAIL = "村坝庄哨箐营屯冲坪沟田塘湾厂街寨铺甸邑么"
_STREETS = (
    "人民路",
    "团结路",
    "民族路",
    "建设路",
    "文化路",
    "学府路",
    "兴隆路",
    "青年路",
    "育才路",
    "彝人路",
    "阳光大道",
    "东兴路",
    "龙江路",
    "北浦路",
)
_NICE = ("阳光", "蓝天", "童心", "育才", "启明星", "彩虹", "金色童年", "小太阳", "新苗", "希望")
_ORDINALS = "一二三四五六七八九十"
_BUILDING_LETTERS = "ABCDEFGHJK"
_ROOM_DEFAULTS: dict[str, Any] = {
    "display": DisplayKind.NONE,
    "has_teacher_terminal": False,
    "has_visualiser": False,
    "has_audio": False,
    "has_recording": False,
    "wired_mbps": None,
    "wireless_mbps": None,
    "commissioned_on": None,
}
_SEAT_NAMES = {
    "345": ("实验学校", "外国语学校", "育才学校"),
    "365": ("职业高级中学", "职业技术学校", "职业教育中心"),
    "513": ("培智学校",),
    "514": ("特殊教育学校",),
}
_ROLE_NAMES = {
    DeviceRole.GATEWAY: "gw",
    DeviceRole.CORE_SWITCH: "core",
    DeviceRole.ACCESS_SWITCH: "acc",
    DeviceRole.WIRELESS_CONTROLLER: "wlc",
    DeviceRole.OLT: "olt",
    DeviceRole.FIREWALL: "fw",
}


def _ordinal(n: int) -> str:
    """一, 二, … 九十九 (then plain digits)."""
    if n >= 100:
        return str(n)
    if n <= 10:
        return _ORDINALS[n - 1]
    if n < 20:
        return "十" + _ORDINALS[n - 11]
    tens, ones = divmod(n, 10)
    return _ORDINALS[tens - 1] + "十" + (_ORDINALS[ones - 1] if ones else "")


# Vendors of school network gear: models per role, and interface names (gigabit, 10-gigabit).
_VENDORS: dict[str, dict[str, Any]] = {
    "Huawei": {
        "gateway": ("AR6120", "AR6140-S"),
        "core_switch": ("S5735-S24T4X", "S6730-H24X6C"),
        "access_switch": ("S5735-L24T4S-A", "S5735-L48T4S-A"),
        "wireless_controller": ("AC6508", "AirEngine 9700-M1"),
        "olt": ("MA5800-X7",),
        "firewall": ("USG6525E",),
        "ports": ("GigabitEthernet0/0/{n}", "XGigabitEthernet0/0/{n}"),
    },
    "H3C": {
        "gateway": ("MSR2600-10-X1", "MSR3620"),
        "core_switch": ("S5130S-28S-EI", "S6520X-30QC-EI"),
        "access_switch": ("S5120V3-28P-LI", "S5120V3-52P-LI"),
        "wireless_controller": ("WX3510H", "WX5540H"),
        "olt": ("S7503X-M",),
        "firewall": ("F1000-AK",),
        "ports": ("GigabitEthernet1/0/{n}", "Ten-GigabitEthernet1/0/{n}"),
    },
    "Ruijie": {
        "gateway": ("RG-EG3230", "RG-EG2100-P"),
        "core_switch": ("RG-S5750-28GT4XS", "RG-S6120-20XS4VS2QXS"),
        "access_switch": ("RG-S2910-24GT4XS", "RG-S2910-48GT4XS"),
        "wireless_controller": ("RG-WS6008", "RG-WS6108"),
        "olt": ("RG-S8600E",),
        "firewall": ("RG-WALL 1600-Z3200",),
        "ports": ("GigabitEthernet 0/{n}", "TenGigabitEthernet 0/{n}"),
    },
    "ZTE": {
        "gateway": ("ZXR10 1800-2S", "ZXR10 2800-4"),
        "core_switch": ("ZXR10 5960-32DL", "ZXR10 5960-52TM"),
        "access_switch": ("ZXR10 2960-28PC", "ZXR10 2960-52PC"),
        "wireless_controller": ("ZXV10 W908",),
        "olt": ("ZXA10 C600",),
        "firewall": ("ZXSEC US2600",),
        "ports": ("gei-0/1/0/{n}", "xgei-0/1/1/{n}"),
    },
}
_VENDOR_WEIGHTS = (("Huawei", 35), ("H3C", 30), ("Ruijie", 25), ("ZTE", 10))


def port_patterns(vendor: str | None) -> tuple[str, str] | None:
    """A demo vendor's interface names (gigabit, 10-gigabit) as ``str.format`` patterns of n."""
    found = _VENDORS.get(vendor or "")
    return None if found is None else found["ports"]


_CARRIER_CODES = {
    Carrier.TELECOM: "DX",
    Carrier.MOBILE: "YD",
    Carrier.UNICOM: "LT",
    Carrier.BROADCAST: "GD",
    Carrier.OTHER: "QT",
}


# --- generation ---------------------------------------------------------------------------


def _day(rng: random.Random, start: date, end: date) -> date:
    """A uniformly random day in [start, end]."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``shares`` with the largest-remainder method (sums exactly)."""
    exact = {key: total * share for key, share in shares.items()}
    counts = {key: math.floor(value) for key, value in exact.items()}
    left = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:left]:
        counts[key] += 1
    return counts


@dataclass
class _County:
    code: str
    name: str
    lat: float
    lon: float
    spec: _CountySpec
    centres: dict[str, tuple[float, float]]  # township → its centre
    next_seq: int = 1
    ordinals: dict[str, int] = field(default_factory=dict)  # name pattern → last ordinal
    centrals: dict[str, set[str]] = field(default_factory=dict)  # type → townships with one

    @property
    def seat(self) -> str:
        return self.spec.townships[0]


class _Generator:
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

    def _when(self, school: DemoSchool, start: date, end: date) -> date:
        """A random day in [start, end], kept within the school's open years."""
        opened: date = school.data["opened_on"]
        closed: date | None = school.data["closed_on"]
        last = closed - timedelta(days=1) if closed else LAST_DAY
        low = max(start, opened)
        high = min(max(end, low), last)
        return _day(self.rng, min(low, high), high)

    def _history(self, school: DemoSchool, chance: float) -> bool:
        """Whether this school gets an upgrade history (never a closed one: keep it simple)."""
        return school.data["closed_on"] is None and self.rng.random() < chance

    # -- campus network -----------------------------------------------------------------------

    def _campus_network(self, school: DemoSchool) -> None:
        rng = self.rng
        rooms: int = school.data["ordinary_classrooms"]
        nets = school.campus_networks
        if school.profile == FULL:
            final = {
                "architecture": CampusArchitecture.ALL_FIBRE,
                "backbone_mbps": 10000 if rooms >= 24 else 1000,
                "wireless_coverage": WirelessCoverage.FULL,
            }
            if self._history(school, 0.45):  # copper or hybrid, rebuilt as all-fibre
                nets.append(
                    {
                        "architecture": rng.choice(
                            (CampusArchitecture.COPPER, CampusArchitecture.HYBRID)
                        ),
                        "backbone_mbps": rng.choice((100, 1000)),
                        "wireless_coverage": rng.choice(
                            (WirelessCoverage.NONE, WirelessCoverage.PARTIAL)
                        ),
                        "commissioned_on": self._when(school, EARLY, date(2020, 12, 31)),
                        "notes": None,
                    }
                )
                upgraded = self._when(school, date(2023, 1, 1), date(2025, 12, 31))
                nets.append({**final, "commissioned_on": upgraded, "notes": "全光纤校园网改造"})
            else:
                since = self._when(school, date(2019, 1, 1), date(2025, 12, 31))
                nets.append({**final, "commissioned_on": since, "notes": None})
        elif school.profile == PARTIAL:
            if rng.random() < 0.2:  # all-fibre already, wireless still missing
                arch = CampusArchitecture.ALL_FIBRE
                wireless = rng.choice((WirelessCoverage.NONE, WirelessCoverage.PARTIAL))
                backbone = 1000
            else:
                arch = rng.choice((CampusArchitecture.COPPER, CampusArchitecture.HYBRID))
                wireless = _weighted(
                    rng,
                    (
                        (WirelessCoverage.NONE, 0.4),
                        (WirelessCoverage.PARTIAL, 0.5),
                        (WirelessCoverage.FULL, 0.1),
                    ),
                )
                backbone = rng.choice((100, 1000))
            state = {"architecture": arch, "backbone_mbps": backbone, "wireless_coverage": wireless}
            if arch == CampusArchitecture.HYBRID and self._history(school, 0.2):
                nets.append(
                    {
                        "architecture": CampusArchitecture.COPPER,
                        "backbone_mbps": 100,
                        "wireless_coverage": WirelessCoverage.NONE,
                        "commissioned_on": self._when(school, EARLY, date(2019, 12, 31)),
                        "notes": None,
                    }
                )
                since = self._when(school, date(2021, 1, 1), date(2026, 6, 30))
                nets.append({**state, "commissioned_on": since, "notes": "主干光纤改造"})
            else:
                since = self._when(school, EARLY, date(2026, 6, 30))
                nets.append({**state, "commissioned_on": since, "notes": None})
        elif rng.random() < 0.4:  # registered, with nothing built yet
            nets.append(
                {
                    "architecture": CampusArchitecture.NONE,
                    "backbone_mbps": None,
                    "wireless_coverage": WirelessCoverage.NONE,
                    "commissioned_on": self._when(school, date(2018, 1, 1), date(2022, 12, 31)),
                    "notes": "尚未建设校园网",
                }
            )

    # -- uplinks and devices ------------------------------------------------------------------

    def _uplinks(self, school: DemoSchool, county: _County) -> list[dict[str, Any]]:
        """Link data, oldest first; ``_port`` is the gateway port that carries each link."""
        rng = self.rng
        type_code: str = school.data["type_code"]
        rooms: int = school.data["ordinary_classrooms"]
        plans: list[dict[str, Any]] = []
        if school.profile == FULL:
            if type_code in HIGHER:
                speed = 10000
            elif type_code == "218":
                speed = rng.choice((100, 200, 300, 1000))
            elif type_code in SENIOR or rooms >= 40:
                speed = rng.choice((1000, 2000))
            else:
                speed = 1000
            kind = LinkKind.METRO if rng.random() < 0.65 else LinkKind.INTERNET
            if self._history(school, 0.45):  # old link off and new one on, the same day
                old = rng.choice((100, 200, 300)) if type_code != "218" else rng.choice((20, 50))
                began = self._when(school, EARLY, date(2020, 12, 31))
                upgraded = self._when(school, date(2022, 6, 1), date(2025, 12, 31))
                plans.append(self._link(kind, old, began, upgraded))
                plans.append(self._link(kind, speed, upgraded, None))
            else:
                since = self._when(school, date(2019, 1, 1), date(2025, 12, 31))
                plans.append(self._link(kind, speed, since, None))
            if type_code in HIGHER:
                since = plans[-1]["commissioned_on"]
                plans.append(self._link(LinkKind.EDU_CLOUD, 1000, since, None, port=2))
            elif rooms >= 30:
                since = self._when(school, EARLY, date(2025, 6, 30))
                speed = rng.choice((300, 500, 1000))
                plans.append(self._link(LinkKind.INTERNET, speed, since, None, port=2))
        elif school.profile == PARTIAL:
            speed = 1000 if rng.random() < 0.2 else rng.choice((100, 100, 200, 200, 300, 500))
            if type_code == "218" and rng.random() < 0.5:
                speed = rng.choice((50, 100))
            kind = LinkKind.METRO if rng.random() < 0.55 else LinkKind.INTERNET
            if self._history(school, 0.2):
                began = self._when(school, EARLY, date(2018, 12, 31))
                upgraded = self._when(school, date(2020, 1, 1), date(2026, 6, 30))
                old = rng.choice((20, 50))
                plans.append(self._link(kind, old, began, upgraded, medium=LinkMedium.COPPER))
                plans.append(self._link(kind, speed, upgraded, None))
            else:
                since = self._when(school, EARLY, date(2026, 6, 30))
                plans.append(self._link(kind, speed, since, None))
        elif rng.random() < 0.5:  # a thin line, or nothing at all
            remote = type_code == "218" or county.spec.mountain
            medium = _weighted(
                rng,
                (
                    (LinkMedium.COPPER, 0.4),
                    (LinkMedium.WIRELESS, 0.2 if remote else 0.05),
                    (LinkMedium.CELLULAR, 0.3 if remote else 0.1),
                    (LinkMedium.SATELLITE, 0.1 if remote else 0.0),
                ),
            )
            since = self._when(school, date(2014, 1, 1), date(2021, 12, 31))
            speed = rng.choice((20, 30, 50))
            plans.append(self._link(LinkKind.INTERNET, speed, since, None, medium=medium))
        closed: date | None = school.data["closed_on"]
        if closed is not None:
            for plan in plans:
                plan["decommissioned_on"] = closed
        return plans

    def _links_and_devices(self, school: DemoSchool, county: _County) -> None:
        rng = self.rng
        type_code: str = school.data["type_code"]
        rooms: int = school.data["ordinary_classrooms"]
        closed: date | None = school.data["closed_on"]
        plans = self._uplinks(school, county)
        if not plans:
            return  # no uplink, no gateway to poll

        vendor = _weighted(rng, [(v, float(w)) for v, w in _VENDOR_WEIGHTS])
        if type_code in HIGHER:
            credential = V3_STRONG
        elif type_code == "365":
            credential = V3_STANDARD
        else:
            credential = f"v2c-{county.code}"
        current = school.campus_networks[-1] if school.campus_networks else None
        arch = current["architecture"] if current else CampusArchitecture.NONE
        wireless = current["wireless_coverage"] if current else WirelessCoverage.NONE
        roles: list[DeviceRole] = [DeviceRole.GATEWAY]
        if arch != CampusArchitecture.NONE and rooms >= 6:
            roles.append(DeviceRole.CORE_SWITCH)
        if arch != CampusArchitecture.NONE and rooms >= 24:
            roles.extend([DeviceRole.ACCESS_SWITCH] * min(4, rooms // 24))
        if wireless == WirelessCoverage.FULL and rooms >= 12:
            roles.append(DeviceRole.WIRELESS_CONTROLLER)
        if arch == CampusArchitecture.ALL_FIBRE and rooms >= 30:
            roles.append(DeviceRole.OLT)
        if type_code in HIGHER or type_code in SENIOR:
            roles.append(DeviceRole.FIREWALL)
        numbered: dict[DeviceRole, int] = {}
        big = rooms >= 40 or type_code in HIGHER
        for role in roles:
            numbered[role] = numbered.get(role, 0) + 1
            models = _VENDORS[vendor][role.value]
            unconfigured = rng.random() < 0.01  # no credential yet, so not polled
            if closed is not None:
                status = DeviceStatus.DECOMMISSIONED
            elif rng.random() < 0.01:
                status = DeviceStatus.OFFLINE
            else:
                status = DeviceStatus.ACTIVE
            polled = status != DeviceStatus.DECOMMISSIONED and not unconfigured
            school.devices.append(
                DemoDevice(
                    {
                        "name": f"{school.code}-{_ROLE_NAMES[role]}{numbered[role]}",
                        "role": role,
                        "status": status,
                        "mgmt_address": self._device_address(),
                        "snmp_port": SNMP_PORT,
                        "polling_enabled": polled,
                        "vendor": vendor,
                        "model": models[-1] if big else models[0],
                    },
                    None if unconfigured else credential,
                )
            )
        gateway = school.devices[0].data["name"]
        gigabit, ten_gigabit = _VENDORS[vendor]["ports"]
        for n, plan in enumerate(plans, start=1):
            port = plan.pop("_port")
            monitored = rng.random() < (0.94 if port == 1 else 0.7)
            pattern = ten_gigabit if plan["down_mbps"] > 1000 else gigabit
            plan["interface_name"] = pattern.format(n=port) if monitored else None
            plan["circuit_id"] = f"{_CARRIER_CODES[plan['carrier']]}-{school.code}-{n:02d}"
            school.links.append(DemoLink(plan, gateway if monitored else None))

    def _link(
        self,
        kind: LinkKind,
        down: int,
        since: date,
        until: date | None,
        port: int = 1,
        medium: LinkMedium = LinkMedium.FIBRE,
    ) -> dict[str, Any]:
        rng = self.rng
        if kind == LinkKind.INTERNET:
            carrier = _weighted(
                rng,
                (
                    (Carrier.TELECOM, 0.45),
                    (Carrier.MOBILE, 0.3),
                    (Carrier.UNICOM, 0.15),
                    (Carrier.BROADCAST, 0.1),
                ),
            )
            up = max(10, down // 5) if down >= 100 else max(2, down // 4)
        else:  # the metro network and the cloud line are leased from a carrier too
            carrier = Carrier.TELECOM if rng.random() < 0.7 else Carrier.MOBILE
            up = down
        return {
            "kind": kind,
            "carrier": carrier,
            "medium": medium,
            "down_mbps": down,
            "up_mbps": up,
            "circuit_id": None,
            "commissioned_on": since,
            "decommissioned_on": until,
            "_port": port,
        }

    def _device_address(self) -> str:
        index = self.device_index
        self.device_index += 1
        return f"127.53.{index // 250}.{index % 250 + 1}"

    # -- classrooms ---------------------------------------------------------------------------

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


def generate(seed: int = DEFAULT_SEED, scale: float = 1.0) -> DemoInventory:
    """The demo inventory for ``seed``; ``scale`` multiplies the number of schools (1.0 ≈ 1,500)."""
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be in (0, {MAX_SCALE}]")
    return _Generator(seed, scale).run()


# --- loading ------------------------------------------------------------------------------


def load(
    session: Session,
    actor: Actor,
    box: SecretBox,
    inventory: DemoInventory,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Insert ``inventory`` through the services, under one change-log batch; does not commit.

    ``progress(n)`` is called with the number of schools loaded since the previous call.
    """
    batch = actor if actor.batch_id else actor.in_batch()
    assert batch.batch_id is not None
    credential_ids: dict[str, int] = {}
    for data in inventory.credentials:
        credential_ids[data["name"]] = credentials.create_credential(session, batch, box, data).id
    counts = dict.fromkeys(("campus_networks", "devices", "links", "classrooms"), 0)
    pending = 0
    # Every service flushes what it adds, so each uniqueness check sees all earlier rows; the
    # change records pending in between need no flush of their own before each check query.
    with session.no_autoflush:
        for school in inventory.schools:
            code = school.code
            schools.create_school(session, batch, school.data)
            for network in school.campus_networks:
                campus_networks.create_campus_network(session, batch, code, network)
            device_ids: dict[str, int] = {}
            for device in school.devices:
                credential_id = credential_ids[device.credential] if device.credential else None
                created = devices.create_device(
                    session, batch, code, {**device.data, "credential_id": credential_id}
                )
                device_ids[device.data["name"]] = created.id
            for link in school.links:
                device_id = device_ids[link.device] if link.device else None
                links.create_link(session, batch, code, {**link.data, "device_id": device_id})
            for room in school.classrooms:
                classrooms.create_classroom(session, batch, code, room)
            counts["campus_networks"] += len(school.campus_networks)
            counts["devices"] += len(school.devices)
            counts["links"] += len(school.links)
            counts["classrooms"] += len(school.classrooms)
            pending += 1
            if progress is not None and pending >= PROGRESS_EVERY:
                progress(pending)
                pending = 0
    session.flush()
    if progress is not None and pending:
        progress(pending)
    return DemoSummary(
        batch_id=batch.batch_id,
        credentials=len(credential_ids),
        schools=len(inventory.schools),
        **counts,
    )
