"""Traffic rates from two readings of a 64-bit octet counter.

A rate is only reported when it can be trusted: a counter that went back is a wrap only if
the wrapped delta is plausible for the interface; an agent restart (sysUpTime went back) or
a counter reset gives no rate for that interval rather than a negative or absurd one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

COUNTER64 = 2**64
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


def octet_rate_bps(
    before: CounterReading, after: CounterReading, speed_mbps: int | None = None
) -> float | None:
    """Bits per second between two readings, or None when no trustworthy rate exists."""
    seconds = elapsed_seconds(before, after)
    if seconds is None:
        return None
    delta = after.octets - before.octets
    if delta < 0:
        delta += COUNTER64  # a wrap; checked for plausibility below like any delta
    bps = delta * 8 / seconds
    ceiling = speed_mbps * 1e6 * SPEED_HEADROOM if speed_mbps else MAX_PLAUSIBLE_BPS
    if bps > ceiling:
        return None  # a reset or discontinuity, not traffic
    return bps
