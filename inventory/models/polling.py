"""What the collectors saw: current state, raw samples, hourly rollups, outages, verdicts.

Kept apart from the inventory tables: polling churns every few minutes, and none of it is a
change somebody made (so none of it goes to the change log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inventory.choices import OutageCause, PollFailure
from inventory.models.base import Base, enum_type

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite INTEGER is 64-bit


class Counter64Type(sa.TypeDecorator[int]):
    """A Counter64 value, exact: NUMERIC(20) holds every one (they exceed a signed BIGINT).

    SQLite keeps a NUMERIC integer past 2^63 only as a float, losing up to 2 KB of a counter
    near its wrap; there the value is stored as the signed 64-bit integer of the same bits.
    """

    impl = sa.Numeric(20, 0)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: sa.Dialect) -> Any:
        if value is not None and dialect.name == "sqlite" and int(value) >= 2**63:
            return int(value) - 2**64
        return value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        number = int(value)
        return number + 2**64 if number < 0 else number


Counter64 = Counter64Type()


class DeviceState(Base):
    """The latest poll of a device, and its lease: which collector polls it, and when next."""

    __tablename__ = "device_state"

    device_id: Mapped[int] = mapped_column(
        sa.ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_expires_at: Mapped[datetime | None]
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    reachable: Mapped[bool | None]
    failure: Mapped[PollFailure | None] = mapped_column(enum_type(PollFailure))
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    response_ms: Mapped[float | None]
    sys_uptime_ticks: Mapped[int | None] = mapped_column(BigInt)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    # The last full walk of ifTable/ifXTable; None asks for one at the next poll.
    discovered_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"DeviceState({self.device_id}, reachable={self.reachable}, {self.failure})"


class InterfaceState(Base):
    """The latest reading of one interface, with the counters the next rate is computed from."""

    __tablename__ = "interface_state"

    device_id: Mapped[int] = mapped_column(
        sa.ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    if_index: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(64))
    descr: Mapped[str | None] = mapped_column(sa.String(200))
    alias: Mapped[str | None] = mapped_column(sa.String(200))
    if_type: Mapped[int | None]
    admin_up: Mapped[bool | None]
    oper_up: Mapped[bool | None]
    speed_mbps: Mapped[int | None]
    in_octets: Mapped[int | None] = mapped_column(Counter64)
    out_octets: Mapped[int | None] = mapped_column(Counter64)
    in_errors: Mapped[int | None] = mapped_column(BigInt)
    out_errors: Mapped[int | None] = mapped_column(BigInt)
    counters_uptime_ticks: Mapped[int | None] = mapped_column(BigInt)
    polled_at: Mapped[datetime]
    in_bps: Mapped[float | None]
    out_bps: Mapped[float | None]
    changed_at: Mapped[datetime | None]
    # 64 or 32: the width of the octet counters read (32: a device without ifXTable).
    counter_bits: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The last interval's rate was withheld: a 32-bit counter could have wrapped twice in it.
    rate_unreliable: Mapped[bool | None]
    # Preferred poll columns this interface lacked at discovery, comma-separated (polled for
    # the profile's fallbacks instead), e.g. "ifHighSpeed,ifHCInOctets,ifHCOutOctets".
    fallbacks: Mapped[str | None] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"InterfaceState({self.device_id}/{self.if_index} {self.name!r} up={self.oper_up})"


class PollSample(Base):
    """One raw observation: the device (``if_index`` None) or one of its interfaces."""

    __tablename__ = "poll_sample"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("device.id", ondelete="CASCADE"))
    if_index: Mapped[int | None]
    at: Mapped[datetime]
    up: Mapped[bool]
    response_ms: Mapped[float | None]
    speed_mbps: Mapped[int | None]
    in_bps: Mapped[float | None]
    out_bps: Mapped[float | None]

    __table_args__ = (
        sa.Index("ix_poll_sample_device_at", "device_id", "if_index", "at"),
        sa.Index("ix_poll_sample_at", "at"),
    )

    def __repr__(self) -> str:
        return f"PollSample({self.device_id}/{self.if_index} at {self.at} up={self.up})"


class HourlyRollup(Base):
    """Samples of one hour folded together; kept longer than raw samples."""

    __tablename__ = "hourly_rollup"

    device_id: Mapped[int] = mapped_column(
        sa.ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    # -1 stands for the device itself: a primary key column cannot be NULL.
    if_index: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    samples: Mapped[int]
    up_samples: Mapped[int]
    avg_response_ms: Mapped[float | None]
    avg_in_bps: Mapped[float | None]
    max_in_bps: Mapped[float | None]
    avg_out_bps: Mapped[float | None]
    max_out_bps: Mapped[float | None]
    min_speed_mbps: Mapped[int | None]

    def __repr__(self) -> str:
        return f"HourlyRollup({self.device_id}/{self.if_index} {self.hour} {self.up_samples}/{self.samples})"


class Outage(Base):
    """An interval when a device was unreachable, or an uplink was down or slower than contracted."""

    __tablename__ = "outage"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("device.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("network_link.id", ondelete="CASCADE")
    )
    cause: Mapped[OutageCause] = mapped_column(enum_type(OutageCause))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    # Began inside a maintenance window (issue 17): recorded, but not held against availability.
    planned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    __table_args__ = (
        sa.Index("ix_outage_device_started", "device_id", "started_at"),
        sa.Index("ix_outage_link_started", "link_id", "started_at"),
        sa.Index("ix_outage_open", "ended_at"),
    )

    def __repr__(self) -> str:
        return f"Outage({self.id}, {self.cause.value} {self.started_at}–{self.ended_at})"


class LinkVerification(Base):
    """The verdict on a declared uplink: is it confirmed by polling? (DESIGN.md, verified tier)."""

    __tablename__ = "link_verification"

    link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("network_link.id", ondelete="CASCADE"), primary_key=True
    )
    checked_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None]
    oper_up: Mapped[bool | None]
    measured_mbps: Mapped[int | None]
    contracted_mbps: Mapped[int]
    availability_30d: Mapped[float | None]
    verified: Mapped[bool]
    reasons: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)

    def __repr__(self) -> str:
        return f"LinkVerification({self.link_id}, verified={self.verified})"


class Collector(Base):
    """A collector process: who it is and its heartbeat (an old heartbeat means it died)."""

    __tablename__ = "collector"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Collector({self.name!r}, heartbeat {self.heartbeat_at})"


class PollCycle(Base):
    """One poll cycle of one collector: when, how long, and what it found."""

    __tablename__ = "poll_cycle"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    collector: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    seconds: Mapped[float | None]
    devices: Mapped[int] = mapped_column(default=0)
    ok: Mapped[int] = mapped_column(default=0)
    # Per failure class (timeout, auth_failure, …): how many devices.
    failures: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    links_checked: Mapped[int] = mapped_column(default=0)
    links_verified: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.Index("ix_poll_cycle_finished", "finished_at"),)

    def __repr__(self) -> str:
        return f"PollCycle({self.id}, {self.collector!r} {self.ok}/{self.devices} ok)"


# APScheduler 3's SQLAlchemyJobStore table, declared here so that migrations own it (the job
# store only creates it when missing) and the schema check sees it.
apscheduler_jobs = sa.Table(
    "apscheduler_jobs",
    Base.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
