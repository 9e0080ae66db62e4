"""Is a declared uplink confirmed by polling? The rule of DESIGN.md "Declared vs verified"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class VerificationRule:
    """Thresholds of verification; the coverage standard file can override them."""

    max_poll_age: timedelta = timedelta(hours=24)
    min_availability: float = 0.99
    availability_window: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class LinkObservation:
    """What polling knows of the interface that carries an uplink.

    ``last_polled_at`` is the last poll of the device, answered or not (None: never polled).
    ``failure`` is why the last poll got no values (a PollFailure value), ``failing_since``
    when the device stopped answering (None for a device that answers unreadably); ``interface_found`` False: the device answered but
    has no interface of the uplink's name, so its state and speed are unknown, not down.
    """

    monitored: bool
    last_polled_at: datetime | None = None
    oper_up: bool | None = None
    speed_mbps: int | None = None
    availability: float | None = None
    failure: str | None = None
    failing_since: datetime | None = None
    interface_found: bool = True
    interface_name: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Verified or not, with the reasons in words (English keys + values for translation)."""

    verified: bool
    reasons: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def verify_uplink(
    contracted_mbps: int,
    seen: LinkObservation,
    now: datetime,
    rule: VerificationRule | None = None,
) -> Verdict:
    """Apply the rule: recently polled, up, negotiated ≥ contracted, availability ≥ minimum.

    A device whose last poll failed gives one reason, the failure and since when: the state
    of its interfaces is not known, so "down" and "slow" would be guesses.
    """
    rule = rule or VerificationRule()
    if not seen.monitored:
        return Verdict(False, [("not_monitored", {})])
    if seen.last_polled_at is None:
        return Verdict(False, [("never_polled", {})])
    reasons: list[tuple[str, dict[str, object]]] = []
    age = now - seen.last_polled_at
    if age > rule.max_poll_age:
        reasons.append(("stale", {"hours": round(age.total_seconds() / 3600, 1)}))
    if seen.failure is not None:
        failed: dict[str, object] = {"failure": seen.failure}
        if seen.failing_since is not None:
            failed["since"] = seen.failing_since.isoformat()
        reasons.append(("poll_failed", failed))
    elif not seen.interface_found:
        reasons.append(("interface_missing", {"interface": seen.interface_name}))
    else:
        if not seen.oper_up:
            reasons.append(("down", {}))
        if seen.speed_mbps is None or seen.speed_mbps < contracted_mbps:
            reasons.append(
                ("slow", {"measured_mbps": seen.speed_mbps, "contracted_mbps": contracted_mbps})
            )
    if seen.availability is None or seen.availability < rule.min_availability:
        reasons.append(
            (
                "unavailable",
                {"availability": seen.availability, "required": rule.min_availability},
            )
        )
    return Verdict(not reasons, reasons)
