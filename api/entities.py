"""The registry: one entry per entity the generic API resource and form view serve.

The summaries in ``Docs`` are the OpenAPI document's operation summaries, word for word; the
field tuples of ``FormSpec`` are the create/edit pages' inputs in order. A reference names
where a select's choices come from: another entity ("devices", "credentials") or a reference
list ("school_types", "counties": the county-level regions the user may write to).
"""

from __future__ import annotations

from typing import Any

from api import runtime
from api.alert_entities import ALERT_ENTITIES
from api.classrooms.schemas import (
    ClassroomListArgs,
    ClassroomPageSchema,
    ClassroomSchema,
    SchoolClassroomListArgs,
)
from api.credentials.schemas import CredentialListArgs, CredentialPageSchema, CredentialSchema
from api.devices.schemas import DeviceListArgs, DevicePageSchema, DeviceSchema, SchoolDeviceListArgs
from api.links.schemas import LinkListArgs, LinkPageSchema, LinkSchema, SchoolLinkListArgs
from api.networks.schemas import (
    CampusNetworkListArgs,
    CampusNetworkPageSchema,
    CampusNetworkSchema,
    SchoolCampusNetworkListArgs,
)
from api.regions.schemas import RegionListArgs, RegionPageSchema, RegionSchema, RegionUpdateSchema
from api.registry import Docs, Entity, FormSpec
from api.schools.schemas import SchoolListArgs, SchoolPageSchema, SchoolSchema
from inventory.models import (
    CampusNetwork,
    Classroom,
    Device,
    NetworkLink,
    Region,
    School,
    SnmpCredential,
)
from inventory.services import campus_networks, classrooms, credentials, devices, links, regions
from inventory.services import schools as school_services
from inventory.services.campus_networks import CampusNetworkFilter
from inventory.services.classrooms import ClassroomFilter
from inventory.services.devices import DeviceFilter
from inventory.services.links import LinkFilter
from inventory.services.schools import SchoolFilter

__all__ = ["ENTITIES", "by_name"]


def _school_filter(**args: Any) -> SchoolFilter:
    # The query repeats ``type``; the filter holds them as ``types``.
    return SchoolFilter(types=tuple(args.pop("type", ())), **args)


def _no_filter(**_args: Any) -> None:
    return None


def _region_filter(**args: Any) -> dict[str, Any]:
    return args


REGIONS = Entity(
    name="regions",
    what="region",
    description="Administrative regions (行政区划)",
    model=Region,
    service=regions.SERVICE,
    schema=RegionSchema,
    page_schema=RegionPageSchema,
    list_args=RegionListArgs,
    make_filter=_region_filter,
    key="code",
    retire="delete",
    update_schema=RegionUpdateSchema,
    docs=Docs(
        list_all="List regions, optionally a subtree, one level, or one region's children.",
        create="Add a region (admin).",
        get="Get a region.",
        update="Rename a region or move its seat (admin).",
        remove="Delete a region nothing refers to (admin).",
    ),
)

SCHOOLS = Entity(
    name="schools",
    what="school",
    description="Schools (学校)",
    model=School,
    service=school_services.SERVICE,
    schema=SchoolSchema,
    page_schema=SchoolPageSchema,
    list_args=SchoolListArgs,
    make_filter=_school_filter,
    key="code",
    retire="archive",
    docs=Docs(
        list_all="List schools, filtered by region subtree, type, stage, status or text.",
        create="Register a school.",
        get="Get a school.",
        update="Change some fields of a school.",
        remove="Archive a school: it closes on ``on`` (default today) and keeps its history.",
    ),
    form=FormSpec(
        fields=(
            "code",
            "name",
            "name_en",
            "type_code",
            "region_code",
            "address",
            "latitude",
            "longitude",
            "students",
            "teachers",
            "ordinary_classrooms",
            "opened_on",
        ),
        references={"type_code": "school_types", "region_code": "counties"},
    ),
)

CAMPUS_NETWORKS = Entity(
    name="networks",
    what="campus network",
    description="Campus networks (校园网)",
    model=CampusNetwork,
    service=campus_networks.SERVICE,
    schema=CampusNetworkSchema,
    page_schema=CampusNetworkPageSchema,
    list_args=CampusNetworkListArgs,
    make_filter=CampusNetworkFilter,
    school_list_args=SchoolCampusNetworkListArgs,
    retire="delete",
    path="campus-networks",
    url_key="network_id",
    docs=Docs(
        list_school="List a school's campus-network states, oldest first.",
        list_all="List campus-network states, or with ``as_of`` the one in force per school.",
        create="Record a campus-network state of a school (its first network or an upgrade).",
        get="Get a campus-network state.",
        update="Correct some fields of a campus-network state.",
        remove="Delete a wrongly entered campus-network state (an upgrade is a new state instead).",
    ),
    form=FormSpec(
        fields=("architecture", "backbone_mbps", "wireless_coverage", "commissioned_on", "notes")
    ),
)

LINKS = Entity(
    name="links",
    what="link",
    description="Network links (网络链路): a school's uplinks",
    model=NetworkLink,
    service=links.SERVICE,
    schema=LinkSchema,
    page_schema=LinkPageSchema,
    list_args=LinkListArgs,
    make_filter=LinkFilter,
    school_list_args=SchoolLinkListArgs,
    retire="archive",
    docs=Docs(
        list_school="List a school's links, filtered by kind, carrier, medium, status or monitoring.",
        list_all="List links, filtered by school, region subtree, kind, carrier, status or monitoring.",
        create="Register an uplink of a school.",
        get="Get a link.",
        update="Change some fields of a link.",
        remove="Archive a link: decommissioned on ``on`` (default today); its history is kept.",
    ),
    form=FormSpec(
        fields=(
            "kind",
            "carrier",
            "medium",
            "down_mbps",
            "up_mbps",
            "circuit_id",
            "commissioned_on",
            "decommissioned_on",
            "device_id",
            "interface_name",
            "notes",
        ),
        references={"device_id": "devices"},
    ),
)

DEVICES = Entity(
    name="devices",
    what="device",
    description="Devices (网络设备)",
    model=Device,
    service=devices.SERVICE,
    schema=DeviceSchema,
    page_schema=DevicePageSchema,
    list_args=DeviceListArgs,
    make_filter=DeviceFilter,
    school_list_args=SchoolDeviceListArgs,
    retire="delete",
    docs=Docs(
        list_school="List a school's devices, filtered by role, status, polling, credential or text.",
        list_all="List devices, filtered by school, region subtree, role, status, polling or text.",
        create="Register a device of a school.",
        get="Get a device.",
        update="Change some fields of a device.",
        remove="Delete a device; links it carried are kept, detached from it.",
    ),
    form=FormSpec(
        fields=(
            "name",
            "role",
            "status",
            "mgmt_address",
            "snmp_port",
            "credential_id",
            "polling_enabled",
            "poll_interval_s",
            "vendor",
            "model",
            "serial",
            "notes",
        ),
        defaults={"snmp_port": 161, "polling_enabled": True},
        references={"credential_id": "credentials"},
    ),
)

CREDENTIALS = Entity(
    name="credentials",
    what="credential",
    description="SNMP credentials: profiles shared by devices; secrets are write-only",
    model=SnmpCredential,
    # The secret box belongs to the running app: looked up at each write.
    service=credentials.service(lambda: runtime.runtime().secret_box),
    schema=CredentialSchema,
    page_schema=CredentialPageSchema,
    list_args=CredentialListArgs,
    make_filter=_no_filter,
    retire="delete",
    path="snmp-credentials",
    docs=Docs(
        list_all="List SNMP credential profiles (without their secrets).",
        create="Create an SNMP credential profile (admins only).",
        get="Get an SNMP credential profile (without its secrets).",
        update="Change some fields or rotate secrets of a credential profile (admins only).",
        remove="Delete a credential profile that no device uses (admins only).",
    ),
)

CLASSROOMS = Entity(
    name="classrooms",
    what="classroom",
    description="Classrooms (教室)",
    model=Classroom,
    service=classrooms.SERVICE,
    schema=ClassroomSchema,
    page_schema=ClassroomPageSchema,
    list_args=ClassroomListArgs,
    make_filter=ClassroomFilter,
    school_list_args=SchoolClassroomListArgs,
    retire="archive",
    docs=Docs(
        list_school="List a school's classrooms, filtered by kind, status, building or text.",
        list_all="List classrooms, filtered by school, region subtree, kind, status, building or text.",
        create="Register a classroom of a school.",
        get="Get a classroom.",
        update="Change some fields of a classroom.",
        remove="Archive a classroom: decommissioned on ``on`` (default today), history kept.",
    ),
    form=FormSpec(
        fields=(
            "room_code",
            "building",
            "floor",
            "kind",
            "display",
            "has_teacher_terminal",
            "has_visualiser",
            "has_audio",
            "has_recording",
            "wired_mbps",
            "wireless_mbps",
            "commissioned_on",
            "notes",
        ),
        defaults={"kind": "ordinary", "display": "none"},
    ),
)

# In the order the API registers them (it orders the OpenAPI document's tags).
ENTITIES: tuple[Entity, ...] = (
    REGIONS,
    SCHOOLS,
    CAMPUS_NETWORKS,
    LINKS,
    DEVICES,
    CREDENTIALS,
    CLASSROOMS,
    *ALERT_ENTITIES,
)


def by_name(name: str) -> Entity:
    """The entry named ``name`` ("devices"); KeyError for an unknown one."""
    for entity in ENTITIES:
        if entity.name == name:
            return entity
    raise KeyError(name)
