"""A registered target as the client's parts see it: its address, credentials and rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.snmp_types import Failure, Target
from inventory.choices import SnmpVersion


@dataclass
class Entry:
    """A registered target and its pysnmp rows."""

    target: Target
    unusable: tuple[Failure, str] | None = None  # why no request can be sent at all
    transport: Any = None  # the UdpTransportTarget
    address: tuple[Any, ...] | None = None  # resolved (host, port)
    auth: Any = None  # CommunityData, or the UsmUserData of the discovered engine
    auth_key: tuple[Any, ...] | None = None  # into Registrations.auth
    addr_key: tuple[Any, ...] | None = None  # into Registrations.addr
    engine_id: bytes | None = None  # v3: the agent's snmpEngineID once discovered
    engine_key: tuple[Any, ...] | None = None  # into Registrations.engine_users
    community: bytes | None = None  # v1/v2c: sent by the client's own channel, not pysnmp
    secrets: tuple[str, ...] = ()

    @property
    def v1(self) -> bool:
        creds = self.target.credentials
        return creds is not None and creds.version is SnmpVersion.V1

    @property
    def v3(self) -> bool:
        creds = self.target.credentials
        return creds is not None and creds.version is SnmpVersion.V3
