"""What a collector hands to the inventory after polling one device (no pysnmp types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from inventory.choices import PollFailure


@dataclass(frozen=True)
class InterfaceReading:
    """One row of ifTable/ifXTable; None where the agent has no such object.

    ``speed_mbps`` is ifHighSpeed, else ifSpeed in Mbit/s; the octet counters are the 64-bit
    ones, else the 32-bit ones, as ``counter_bits`` says. ``lacking`` names the preferred
    columns this interface lacked at discovery, which its polls read fallbacks for.
    """

    if_index: int
    name: str | None = None
    descr: str | None = None
    alias: str | None = None
    if_type: int | None = None
    admin_up: bool | None = None
    oper_up: bool | None = None
    speed_mbps: int | None = None
    in_octets: int | None = None
    out_octets: int | None = None
    in_errors: int | None = None
    out_errors: int | None = None
    counter_bits: int | None = None
    lacking: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceObservation:
    """The outcome of polling one device at ``at``: answered (with values) or a failure class."""

    device_id: int
    at: datetime
    failure: PollFailure | None = None
    detail: str | None = None
    response_ms: float | None = None
    sys_uptime_ticks: int | None = None
    sys_descr: str | None = None
    sys_object_id: str | None = None
    sys_name: str | None = None
    # Identified by the collector from sysObjectID, ENTITY-MIB and sysDescr (discovery only).
    vendor: str | None = None
    model: str | None = None
    interfaces: list[InterfaceReading] = field(default_factory=list)
    # Every interface was read (a discovery walk), not only the monitored ones.
    discovered: bool = False

    @property
    def answered(self) -> bool:
        """The device answered with values (any failure class means it did not)."""
        return self.failure is None
