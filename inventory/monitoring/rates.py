"""Traffic rates from two readings of an octet counter (64-bit, or 32-bit where that is all).

A rate is only reported when it can be trusted: a counter that went back is a wrap only if
the wrapped delta is plausible for the interface; an agent restart (sysUpTime went back) or
a counter reset gives no rate for that interval rather than a negative or absurd one.

A 32-bit counter wraps at 2^32 octets: 34 s of a saturated 1 Gbit/s port. When the
interface's speed could carry 2^32 octets within the interval, the counter may have wrapped
more than once and no delta tells how often: the rate is withheld and marked unreliable
(:func:`max_reliable_seconds` is the longest poll interval that avoids it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

COUNTER64 = 2**64
COUNTER32 = 2**32
# A little headroom over the negotiated speed for bursts and clock skew between readings.
SPEED_HEADROOM = 1.1
# Without a known interface speed, nothing real exceeds this (800 Gbit/s ports are rare).
MAX_PLAUSIBLE_BPS = 800e9


@dataclass(frozen=True)
class CounterReading:
    """One reading of an octet counter with the agent's uptime and our clock."""

    octets: int
    uptime_ticks: int | None
    at: datetime


def elapsed_seconds(before: CounterReading, after: CounterReading) -> float | None:
    """Seconds between two readings; None when counters since ``before`` cannot be trusted.

    The agent's clock is preferred (no polling jitter) while it agrees with ours. An agent
    that has been up for less than the interval restarted since ``before``, and so did its
    counters. (The 497-day TimeTicks wrap looks the same and costs one interval.)
    """
    wall = (after.at - before.at).total_seconds()
    if wall <= 0:
        return None
    if before.uptime_ticks is None or after.uptime_ticks is None:
        return wall
    if after.uptime_ticks / 100 < wall:
        return None
    agent = (after.uptime_ticks - before.uptime_ticks) / 100
    if agent <= 0:
        return None  # uptime went back without a restart we can explain
    return agent if abs(agent - wall) <= max(5.0, 0.2 * wall) else wall


@dataclass(frozen=True)
class Rate:
    """A rate in bit/s, or None; ``unreliable`` when a 32-bit counter may have wrapped twice."""

    bps: float | None
    unreliable: bool = False


def max_reliable_seconds(speed_mbps: int | None, counter_bits: int = 64) -> float | None:
    """The longest interval over which a counter of this width cannot wrap twice at this
    speed (with the burst headroom); None when the speed is unknown."""
    if not speed_mbps:
        return None
    return float(2**counter_bits) * 8 / (speed_mbps * 1e6 * SPEED_HEADROOM)


def octet_rate(
    before: CounterReading,
    after: CounterReading,
    speed_mbps: int | None = None,
    counter_bits: int = 64,
) -> Rate:
    """Bits per second between two readings of a ``counter_bits`` counter (see the module)."""
    seconds = elapsed_seconds(before, after)
    if seconds is None:
        return Rate(None)
    if counter_bits == 32:
        limit = max_reliable_seconds(speed_mbps, 32)
        if limit is None or seconds >= limit:
            return Rate(None, unreliable=True)
    delta = after.octets - before.octets
    if delta < 0:
        delta += 2**counter_bits  # a wrap; checked for plausibility below like any delta
    bps = delta * 8 / seconds
    ceiling = speed_mbps * 1e6 * SPEED_HEADROOM if speed_mbps else MAX_PLAUSIBLE_BPS
    if bps > ceiling:
        return Rate(None)  # a reset or discontinuity, not traffic
    return Rate(bps)


def octet_rate_bps(
    before: CounterReading, after: CounterReading, speed_mbps: int | None = None
) -> float | None:
    """Bits per second between two readings of a 64-bit counter, or None when no
    trustworthy rate exists."""
    return octet_rate(before, after, speed_mbps).bps
