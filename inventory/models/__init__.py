"""The inventory's SQLAlchemy models; import from here."""

from inventory.models.accounts import ApiToken, User
from inventory.models.alerts import (
    Alert,
    AlertRule,
    MaintenanceWindow,
    OutboxMessage,
    SenderLease,
    Subscription,
)
from inventory.models.audit import ChangeRecord
from inventory.models.base import Base
from inventory.models.coverage import Milestone, Plan, ReportSnapshot, StandardVersion
from inventory.models.network import CampusNetwork, Device, NetworkLink, SnmpCredential
from inventory.models.polling import (
    Collector,
    DeviceState,
    HourlyRollup,
    InterfaceState,
    LinkVerification,
    Outage,
    PollCycle,
    PollSample,
)
from inventory.models.regions import Region, SchoolType
from inventory.models.schools import Classroom, School

__all__ = [
    "Alert",
    "AlertRule",
    "ApiToken",
    "Base",
    "CampusNetwork",
    "ChangeRecord",
    "Classroom",
    "Collector",
    "Device",
    "DeviceState",
    "HourlyRollup",
    "InterfaceState",
    "LinkVerification",
    "MaintenanceWindow",
    "Milestone",
    "NetworkLink",
    "Outage",
    "OutboxMessage",
    "Plan",
    "PollCycle",
    "PollSample",
    "Region",
    "ReportSnapshot",
    "School",
    "SchoolType",
    "SenderLease",
    "SnmpCredential",
    "StandardVersion",
    "Subscription",
    "User",
]
