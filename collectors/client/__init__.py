"""The SNMP client on pysnmp 7 asyncio — the only package of the project that imports pysnmp.

The interface is ``collectors.snmp_types.SnmpClient`` (plain data in and out); this package
holds the real client in parts, the way snmp_exporter's scraper does, and ``fake`` the test
double. Callers import ``PysnmpClient`` from here.

* ``pysnmp_client`` — ``PysnmpClient``: the engine, the registered targets, GET and walk.
* ``transport`` — the window on the wire and the observed UDP transports.
* ``community`` — the v1/v2c channel beside the engine, with its BER encoder (``ber``).
* ``users`` and ``discovery`` — SNMPv3 users per (user, keys) and agent engine ID.
* ``failures`` — failure classification, and replies scrubbed of secrets.
* ``values`` — what the agent said, as plain Python.

How it uses pysnmp (see ../shared/SNMP-NOTES.md for the measurements behind each point):

* **One engine** for the life of the client, bound to the event loop it first runs on. Using
  the client from another loop raises RuntimeError instead of hanging as pysnmp would.
* **SNMPv1/v2c beside the engine** (``community.CommunityChannel``): one socket per address
  family, each request a header around a var-bind list encoded once per OID list, replies
  matched by request-id, agent address, version and community and read by
  ``collectors.ber_decode`` into plain values (pyasn1, through pysnmp's protocol API, only
  for anything unusual: it cost ~0.6 ms CPU of a 17-varbind GET's ~1 ms). The socket asks
  the kernel for ICMP errors (``IP_RECVERR``): a closed port is ``unreachable`` at once, as
  for SNMPv3, not a timeout. pysnmp's command generator spent ~3 ms CPU per
  17-varbind GET, over half of it building and encoding the request, and 3.5 ms of MIB writes
  per target registered; a community target now costs only its address at ``register``.
* **A window on the wire** (``transport.Window``): at most ``max_in_flight`` v1/v2c requests
  awaiting a timely reply, and ``PARKED_PER_PLACE`` times that in all, whatever the caller keeps
  outstanding, with a patience learnt from the round trip so that dead devices give their
  place back quickly.
* **SNMPv3 targets registered up front** with ``LCD.configure``: pysnmp rebuilds its target
  lookup table whenever a target is added, so adding them lazily during a cycle is quadratic.
  Only new or changed targets cost anything; ``unregister`` removes their rows again.
* **Numeric OIDs, lookupMib=False**, and each OID's ``ObjectType`` is built once and reused.
* **SNMPv3 users per (user, agent engine ID)** (``users``). pysnmp keys USM users by user
  name, so two devices with the same user name and different keys would make it delete and
  re-add the user on every request. Each distinct (user, keys) pair gets a registration of
  its own at ``register``; before the first request to a v3 device the client learns the
  device's snmpEngineID with a discovery request and registers the user for that engine ID,
  where pysnmp looks first. A device whose engine ID changes is re-discovered once. Pass
  phrases are hashed once per (user, keys) (~10 ms each); per engine, keys are only localized.
* **Failure classes** from pysnmp's errorIndication (``failures``). pysnmp reports a reply
  it cannot decode, and a send that the OS refuses, as a plain timeout; the client watches its
  socket and reports those as ``malformed`` and ``unreachable`` instead (the v1/v2c channel
  sees both itself).

Concurrency is the caller's, bounded for v1/v2c by the window: beyond ~100 requests in
flight the CPU-bound decoding falls behind and live devices' replies arrive after their
timeout. SNMPv3 requests go through pysnmp unbounded: keep 50–100 of them in flight.
"""

from __future__ import annotations

from collectors.client.pysnmp_api import PYSMI_DEPRECATIONS, config
from collectors.client.pysnmp_client import PysnmpClient
from collectors.client.transport import (
    INITIAL_PATIENCE,
    MAX_IN_FLIGHT,
    MIN_PATIENCE,
    MIN_WINDOW,
    TARGET_RTT,
)
from collectors.client.transport import Window as _Window
from collectors.client.users import LCD_CACHE

# The names the tests of the real client reach for, as when the client was one module.
__all__ = [
    "INITIAL_PATIENCE",
    "LCD_CACHE",
    "MAX_IN_FLIGHT",
    "MIN_PATIENCE",
    "MIN_WINDOW",
    "PYSMI_DEPRECATIONS",
    "TARGET_RTT",
    "PysnmpClient",
    "_Window",
    "config",
]
