"""The inventory's SQLAlchemy models; import from here."""

from inventory.models.accounts import ApiToken, User
from inventory.models.audit import ChangeRecord
from inventory.models.base import Base
from inventory.models.network import CampusNetwork, Device, NetworkLink, SnmpCredential
from inventory.models.polling import (
    DeviceState,
    HourlyRollup,
    InterfaceState,
    LinkVerification,
    Outage,
    PollSample,
)
from inventory.models.regions import Region, SchoolType
from inventory.models.schools import Classroom, School

__all__ = [
    "ApiToken",
    "Base",
    "CampusNetwork",
    "ChangeRecord",
    "Classroom",
    "Device",
    "DeviceState",
    "HourlyRollup",
    "InterfaceState",
    "LinkVerification",
    "NetworkLink",
    "Outage",
    "PollSample",
    "Region",
    "School",
    "SchoolType",
    "SnmpCredential",
    "User",
]
