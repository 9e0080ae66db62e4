"""A school's network: campus network history, uplinks, managed devices, SNMP credentials."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import fieldspec as spec
from inventory import localday
from inventory.choices import (
    CampusArchitecture,
    Carrier,
    DeviceRole,
    DeviceStatus,
    Lifecycle,
    LinkKind,
    LinkMedium,
    SnmpAuthProtocol,
    SnmpPrivProtocol,
    SnmpVersion,
    WirelessCoverage,
)
from inventory.models.base import Base, Timestamped, enum_type, lifecycle_of
from inventory.models.schools import School

# Typed inputs: what services take as create data and as patch changes (any subset). The field
# tables below are bound to them (``spec.table``), so a field named in one is in the other;
# ``references`` are ids of other rows, which have no rule of their own.


class CampusNetworkValues(TypedDict, total=False):
    architecture: CampusArchitecture
    backbone_mbps: int | None
    wireless_coverage: WirelessCoverage
    commissioned_on: date
    notes: str | None


class CredentialValues(TypedDict, total=False):
    """Secrets in plaintext: the services store only their Fernet tokens."""

    name: str
    version: SnmpVersion
    community: str | None
    username: str | None
    auth_protocol: SnmpAuthProtocol | None
    auth_key: str | None
    priv_protocol: SnmpPrivProtocol | None
    priv_key: str | None
    notes: str | None


class DeviceValues(TypedDict, total=False):
    name: str
    role: DeviceRole
    status: DeviceStatus
    mgmt_address: str
    snmp_port: int
    credential_id: int | None
    polling_enabled: bool
    poll_interval_s: int | None
    vendor: str | None
    model: str | None
    serial: str | None
    sys_descr: str | None
    sys_object_id: str | None
    notes: str | None


class LinkValues(TypedDict, total=False):
    kind: LinkKind
    carrier: Carrier | None
    medium: LinkMedium
    down_mbps: int
    up_mbps: int
    circuit_id: str | None
    commissioned_on: date | None
    decommissioned_on: date | None
    device_id: int | None
    interface_name: str | None
    notes: str | None


CAMPUS_NETWORK_FIELDS = spec.table(
    "campus_network",
    CampusNetworkValues,
    architecture=spec.Field(spec.Choice(CampusArchitecture), required=True),
    backbone_mbps=spec.Field(spec.BANDWIDTH),
    wireless_coverage=spec.Field(spec.Choice(WirelessCoverage), default=WirelessCoverage.NONE),
    commissioned_on=spec.Field(spec.DAY, required=True),
    notes=spec.Field(spec.NOTES),
)

CREDENTIAL_FIELDS = spec.table(
    "snmp_credential",
    CredentialValues,
    name=spec.Field(spec.Text(64), required=True),
    version=spec.Field(spec.Choice(SnmpVersion), required=True),
    community=spec.Field(spec.Secret(1, 64)),
    username=spec.Field(spec.Text(32)),
    auth_protocol=spec.Field(spec.Choice(SnmpAuthProtocol)),
    auth_key=spec.Field(spec.Secret(8, 64)),
    priv_protocol=spec.Field(spec.Choice(SnmpPrivProtocol)),
    priv_key=spec.Field(spec.Secret(8, 64)),
    notes=spec.Field(spec.NOTES),
)

DEVICE_FIELDS = spec.table(
    "device",
    DeviceValues,
    references=("credential_id",),
    name=spec.Field(spec.Text(64), required=True),
    role=spec.Field(spec.Choice(DeviceRole), required=True),
    status=spec.Field(spec.Choice(DeviceStatus), default=DeviceStatus.ACTIVE),
    mgmt_address=spec.Field(spec.Address(), required=True),
    snmp_port=spec.Field(spec.PORT, default=161),
    polling_enabled=spec.Field(spec.Flag(), default=True),
    # Seconds between polls of this device; None: the collectors' default (5 minutes).
    poll_interval_s=spec.Field(spec.Whole(60, 86_400, unit="seconds")),
    vendor=spec.Field(spec.Text(64)),
    model=spec.Field(spec.Text(64)),
    serial=spec.Field(spec.Text(64)),
    sys_descr=spec.Field(spec.Text(500)),
    sys_object_id=spec.Field(
        spec.Text(
            128,
            pattern=re.compile(r"^1(\.(0|[1-9][0-9]*))+$"),
            pattern_message="must be a dotted numeric OID such as 1.3.6.1.4.1.2011",
        )
    ),
    notes=spec.Field(spec.NOTES),
)

LINK_FIELDS = spec.table(
    "network_link",
    LinkValues,
    references=("device_id",),
    kind=spec.Field(spec.Choice(LinkKind), required=True),
    carrier=spec.Field(spec.Choice(Carrier)),
    medium=spec.Field(spec.Choice(LinkMedium), required=True),
    down_mbps=spec.Field(spec.BANDWIDTH, required=True),
    up_mbps=spec.Field(spec.BANDWIDTH, required=True),
    circuit_id=spec.Field(spec.Text(64)),
    commissioned_on=spec.Field(spec.DAY),
    decommissioned_on=spec.Field(spec.DAY),
    interface_name=spec.Field(spec.Text(64)),
    notes=spec.Field(spec.NOTES),
)


class CampusNetwork(Timestamped, Base):
    """One state of a school's campus network (校园网), in force from ``commissioned_on``.

    A school has one campus network at a time; each upgrade is a new row, so the state on any
    past date is the row with the latest ``commissioned_on`` not after that date.
    """

    __tablename__ = "campus_network"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    architecture: Mapped[CampusArchitecture] = mapped_column(enum_type(CampusArchitecture))
    backbone_mbps: Mapped[int | None]
    wireless_coverage: Mapped[WirelessCoverage] = mapped_column(enum_type(WirelessCoverage))
    commissioned_on: Mapped[date]
    notes: Mapped[str | None] = mapped_column(CAMPUS_NETWORK_FIELDS.sql_type("notes"))

    school: Mapped[School] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("school_id", "commissioned_on", name="uq_campus_network_school_date"),
    )

    def __repr__(self) -> str:
        return (
            f"CampusNetwork({self.id}, school={self.school_id}, "
            f"{self.architecture.value} from {self.commissioned_on})"
        )


class SnmpCredential(Timestamped, Base):
    """A named SNMP credential profile shared by devices.

    Community strings and v3 keys are stored only as Fernet tokens (``*_enc``); they are never
    decrypted except by the collector that uses them.
    """

    __tablename__ = "snmp_credential"
    # Columns the change log and every serialiser must mask.
    __secret_columns__ = ("community_enc", "auth_key_enc", "priv_key_enc")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(CREDENTIAL_FIELDS.sql_type("name"), unique=True)
    version: Mapped[SnmpVersion] = mapped_column(enum_type(SnmpVersion))
    community_enc: Mapped[str | None] = mapped_column(sa.Text)
    # Wider than its rule (RFC 3414: a user name is at most 32 characters, CREDENTIAL_FIELDS);
    # the column has been 64 since the first migration and needs no change to hold it.
    username: Mapped[str | None] = mapped_column(sa.String(64))
    auth_protocol: Mapped[SnmpAuthProtocol | None] = mapped_column(enum_type(SnmpAuthProtocol))
    auth_key_enc: Mapped[str | None] = mapped_column(sa.Text)
    priv_protocol: Mapped[SnmpPrivProtocol | None] = mapped_column(enum_type(SnmpPrivProtocol))
    priv_key_enc: Mapped[str | None] = mapped_column(sa.Text)
    secrets_updated_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(CREDENTIAL_FIELDS.sql_type("notes"))

    def __repr__(self) -> str:
        return f"SnmpCredential({self.id}, {self.name!r}, {self.version.value})"


class Device(Timestamped, Base):
    """A managed network device (网络设备) of a school, polled over SNMP when enabled.

    ``sys_descr``, ``sys_object_id``, ``vendor`` and ``model`` are filled by discovery where
    staff left them empty.
    """

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(DEVICE_FIELDS.sql_type("name"))
    role: Mapped[DeviceRole] = mapped_column(enum_type(DeviceRole))
    status: Mapped[DeviceStatus] = mapped_column(enum_type(DeviceStatus))
    mgmt_address: Mapped[str] = mapped_column(DEVICE_FIELDS.sql_type("mgmt_address"), unique=True)
    snmp_port: Mapped[int] = mapped_column(default=161)
    credential_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("snmp_credential.id", ondelete="RESTRICT"), index=True
    )
    polling_enabled: Mapped[bool] = mapped_column(default=True)
    # Seconds between polls of this device; None: the collectors' default (5 minutes).
    poll_interval_s: Mapped[int | None]
    vendor: Mapped[str | None] = mapped_column(DEVICE_FIELDS.sql_type("vendor"))
    model: Mapped[str | None] = mapped_column(DEVICE_FIELDS.sql_type("model"))
    serial: Mapped[str | None] = mapped_column(DEVICE_FIELDS.sql_type("serial"))
    sys_descr: Mapped[str | None] = mapped_column(DEVICE_FIELDS.sql_type("sys_descr"))
    sys_object_id: Mapped[str | None] = mapped_column(DEVICE_FIELDS.sql_type("sys_object_id"))
    notes: Mapped[str | None] = mapped_column(DEVICE_FIELDS.sql_type("notes"))

    school: Mapped[School] = relationship(lazy="joined", innerjoin=True)
    credential: Mapped[SnmpCredential | None] = relationship(lazy="joined")

    __table_args__ = (sa.Index("ix_device_school", "school_id"),)

    def __repr__(self) -> str:
        return f"Device({self.id}, {self.name!r}, {self.mgmt_address})"


class NetworkLink(Timestamped, Base):
    """A school's uplink (网络链路): to the metro network, the internet or the education cloud.

    ``device_id`` + ``interface_name`` name the interface that carries it, so that polling can
    verify its state and negotiated speed against the contracted bandwidth.
    """

    __tablename__ = "network_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    kind: Mapped[LinkKind] = mapped_column(enum_type(LinkKind))
    carrier: Mapped[Carrier | None] = mapped_column(enum_type(Carrier))
    medium: Mapped[LinkMedium] = mapped_column(enum_type(LinkMedium))
    down_mbps: Mapped[int]
    up_mbps: Mapped[int]
    circuit_id: Mapped[str | None] = mapped_column(LINK_FIELDS.sql_type("circuit_id"), unique=True)
    commissioned_on: Mapped[date | None]
    decommissioned_on: Mapped[date | None]
    device_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("device.id", ondelete="SET NULL"), index=True
    )
    interface_name: Mapped[str | None] = mapped_column(LINK_FIELDS.sql_type("interface_name"))
    notes: Mapped[str | None] = mapped_column(LINK_FIELDS.sql_type("notes"))

    school: Mapped[School] = relationship(lazy="joined", innerjoin=True)
    device: Mapped[Device | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.Index(
            "ix_network_link_school_dates", "school_id", "commissioned_on", "decommissioned_on"
        ),
    )

    @property
    def status(self) -> Lifecycle:
        """planned / active / decommissioned today, from the commissioning dates."""
        return lifecycle_of(self.commissioned_on, self.decommissioned_on, localday.today())

    def __repr__(self) -> str:
        return (
            f"NetworkLink({self.id}, school={self.school_id}, {self.kind.value} {self.down_mbps}M)"
        )
