"""Where the demo's schools are and what they are called: Chuxiong's counties, townships,
names and the helpers that draw from them."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from demo.data import (
    T,
)
from inventory.choices import (
    Carrier,
    DeviceRole,
    DisplayKind,
)

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
