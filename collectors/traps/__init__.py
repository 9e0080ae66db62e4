"""SNMP traps: linkDown, linkUp, coldStart and warmStart, SNMPv2c and SNMPv3 (USM).

``decode`` reads a datagram; ``receiver`` listens, matches senders to devices, records and
asks for a confirming poll.
"""

from __future__ import annotations

from collectors.traps.receiver import TrapReceiver, TrapSettings

__all__ = ["TrapReceiver", "TrapSettings"]
