"""The demo schools' equipment and history: campus networks, uplinks, devices, classrooms."""

from __future__ import annotations

from datetime import date
from typing import Any

from demo.data import (
    EARLY,
    FULL,
    PARTIAL,
    SNMP_PORT,
    V3_STANDARD,
    V3_STRONG,
    DemoDevice,
    DemoLink,
    DemoSchool,
    _Dated,
)
from demo.places import (
    _CARRIER_CODES,
    _ROLE_NAMES,
    _VENDOR_WEIGHTS,
    _VENDORS,
    HIGHER,
    SENIOR,
    _County,
    _weighted,
)
from inventory.choices import (
    CampusArchitecture,
    Carrier,
    DeviceRole,
    DeviceStatus,
    LinkKind,
    LinkMedium,
    WirelessCoverage,
)


class _Equipment(_Dated):
    """The half of the generator that equips a school: campus network, uplinks, devices."""

    device_index: int

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
