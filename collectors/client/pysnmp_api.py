"""The pysnmp and pyasn1 names the client uses, imported once, quietly.

pysmi 2 (installed for snmpsim in tests) warns when pysnmp 7 uses its old names: on import,
and when the first OID is resolved (pysnmp then attaches pysmi's MIB compiler). Importing
every pysnmp name here, under one filter, keeps the other modules of the client free of it.
"""

from __future__ import annotations

import logging
import warnings

PYSMI_DEPRECATIONS = {"message": r".* is deprecated", "category": DeprecationWarning}

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", **PYSMI_DEPRECATIONS)  # type: ignore[arg-type]
    from pyasn1.codec.ber import decoder as ber_decoder  # type: ignore[import-untyped]
    from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
    from pyasn1.type import univ  # type: ignore[import-untyped]
    from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
    from pysnmp.carrier.error import CarrierError  # type: ignore[import-untyped]
    from pysnmp.entity import config  # type: ignore[import-untyped]
    from pysnmp.error import PySnmpError  # type: ignore[import-untyped]
    from pysnmp.hlapi.v3arch.asyncio import (  # type: ignore[import-untyped]
        CommunityData,
        ContextData,
        SnmpEngine,
        Udp6TransportTarget,
        UdpTransportTarget,
        UsmUserData,
        bulk_cmd,
        get_cmd,
        next_cmd,
    )
    from pysnmp.hlapi.v3arch.asyncio.cmdgen import (  # type: ignore[import-untyped]
        LCD,
        VB_PROCESSOR,
    )
    from pysnmp.proto import api, errind, rfc1902  # type: ignore[import-untyped]
    from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message  # type: ignore[import-untyped]
    from pysnmp.proto.secmod.rfc3414.service import (  # type: ignore[import-untyped]
        UsmSecurityParameters,
    )
    from pysnmp.smi.rfc1902 import ObjectIdentity, ObjectType  # type: ignore[import-untyped]

# One logger for the whole client, as before it was split into modules: operators filter on
# "collectors.client", and its records keep that name whichever part logs them.
log = logging.getLogger("collectors.client")

__all__ = [
    "LCD",
    "PYSMI_DEPRECATIONS",
    "VB_PROCESSOR",
    "CarrierError",
    "CommunityData",
    "ContextData",
    "ObjectIdentity",
    "ObjectType",
    "PyAsn1Error",
    "PySnmpError",
    "SNMPv3Message",
    "SnmpEngine",
    "Udp6TransportTarget",
    "UdpTransportTarget",
    "UsmSecurityParameters",
    "UsmUserData",
    "api",
    "ber_decoder",
    "bulk_cmd",
    "config",
    "errind",
    "get_cmd",
    "log",
    "next_cmd",
    "rfc1902",
    "udp",
    "udp6",
    "univ",
]
