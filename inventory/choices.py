"""Every enumerated value of the domain, in one place (NetBox's ``choices.py``).

Values are stored as these lowercase strings; ``LABELS`` gives the Chinese and English label
of each value for pages and spreadsheets.
"""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"


class Stage(StrEnum):
    """Education stage a school type belongs to (from the reference school types)."""

    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    VOCATIONAL = "vocational"
    SPECIAL = "special"
    HIGHER = "higher"


class Lifecycle(StrEnum):
    """Status derived from opened/closed or commissioned/decommissioned dates, never stored."""

    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


class CampusArchitecture(StrEnum):
    ALL_FIBRE = "all_fibre"
    HYBRID = "hybrid"
    COPPER = "copper"
    NONE = "none"


class WirelessCoverage(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class LinkKind(StrEnum):
    METRO = "metro"
    INTERNET = "internet"
    EDU_CLOUD = "edu_cloud"


class Carrier(StrEnum):
    TELECOM = "telecom"
    MOBILE = "mobile"
    UNICOM = "unicom"
    BROADCAST = "broadcast"
    OTHER = "other"


class LinkMedium(StrEnum):
    FIBRE = "fibre"
    COPPER = "copper"
    WIRELESS = "wireless"
    CELLULAR = "cellular"
    SATELLITE = "satellite"


class DeviceRole(StrEnum):
    GATEWAY = "gateway"
    CORE_SWITCH = "core_switch"
    ACCESS_SWITCH = "access_switch"
    OLT = "olt"
    ONU = "onu"
    WIRELESS_CONTROLLER = "wireless_controller"
    FIREWALL = "firewall"
    OTHER = "other"


class DeviceStatus(StrEnum):
    ACTIVE = "active"
    PLANNED = "planned"
    OFFLINE = "offline"
    DECOMMISSIONED = "decommissioned"


class SnmpVersion(StrEnum):
    V1 = "v1"
    V2C = "v2c"
    V3 = "v3"


class SnmpAuthProtocol(StrEnum):
    SHA = "sha"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class SnmpPrivProtocol(StrEnum):
    NONE = "none"
    AES128 = "aes128"
    AES256 = "aes256"


class ClassroomKind(StrEnum):
    ORDINARY = "ordinary"
    SCIENCE_LAB = "science_lab"
    COMPUTER_LAB = "computer_lab"
    MULTIPURPOSE = "multipurpose"
    OTHER = "other"


class DisplayKind(StrEnum):
    NONE = "none"
    INTERACTIVE_PANEL = "interactive_panel"
    PROJECTOR_WHITEBOARD = "projector_whiteboard"
    PROJECTOR = "projector"
    TV = "tv"


INTERACTIVE_DISPLAYS = frozenset({DisplayKind.INTERACTIVE_PANEL, DisplayKind.PROJECTOR_WHITEBOARD})


class UserRole(StrEnum):
    ADMIN = "admin"
    REGION_ADMIN = "region_admin"
    SCHOOL_STAFF = "school_staff"
    VIEWER = "viewer"


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    DELETE = "delete"
    REVOKE = "revoke"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"


def values(enum: type[StrEnum]) -> list[str]:
    """The stored values of an enum, in declaration order (for validators and drop-downs)."""
    return [member.value for member in enum]


# (zh, en) labels, used by pages and spreadsheets.
LABELS: dict[StrEnum, tuple[str, str]] = {
    Stage.PRESCHOOL: ("学前", "preschool"),
    Stage.PRIMARY: ("小学", "primary"),
    Stage.SECONDARY: ("中学", "secondary"),
    Stage.VOCATIONAL: ("中职", "vocational"),
    Stage.SPECIAL: ("特殊教育", "special education"),
    Stage.HIGHER: ("高等教育", "higher education"),
    Lifecycle.PLANNED: ("筹建", "planned"),
    Lifecycle.ACTIVE: ("在用", "active"),
    Lifecycle.CLOSED: ("停用", "closed"),
    CampusArchitecture.ALL_FIBRE: ("全光纤", "all-fibre"),
    CampusArchitecture.HYBRID: ("光铜混合", "hybrid"),
    CampusArchitecture.COPPER: ("铜缆", "copper"),
    CampusArchitecture.NONE: ("无", "none"),
    WirelessCoverage.NONE: ("未覆盖", "none"),
    WirelessCoverage.PARTIAL: ("部分覆盖", "partial"),
    WirelessCoverage.FULL: ("全覆盖", "full"),
    LinkKind.METRO: ("教育城域网", "education metro network"),
    LinkKind.INTERNET: ("互联网", "internet"),
    LinkKind.EDU_CLOUD: ("教育云专线", "education cloud line"),
    Carrier.TELECOM: ("电信", "China Telecom"),
    Carrier.MOBILE: ("移动", "China Mobile"),
    Carrier.UNICOM: ("联通", "China Unicom"),
    Carrier.BROADCAST: ("广电", "China Broadnet"),
    Carrier.OTHER: ("其他", "other"),
    LinkMedium.FIBRE: ("光纤", "fibre"),
    LinkMedium.COPPER: ("铜缆", "copper"),
    LinkMedium.WIRELESS: ("无线", "wireless"),
    LinkMedium.CELLULAR: ("蜂窝", "cellular"),
    LinkMedium.SATELLITE: ("卫星", "satellite"),
    DeviceRole.GATEWAY: ("出口网关", "gateway"),
    DeviceRole.CORE_SWITCH: ("核心交换机", "core switch"),
    DeviceRole.ACCESS_SWITCH: ("接入交换机", "access switch"),
    DeviceRole.OLT: ("OLT", "OLT"),
    DeviceRole.ONU: ("ONU", "ONU"),
    DeviceRole.WIRELESS_CONTROLLER: ("无线控制器", "wireless controller"),
    DeviceRole.FIREWALL: ("防火墙", "firewall"),
    DeviceRole.OTHER: ("其他", "other"),
    DeviceStatus.ACTIVE: ("在用", "active"),
    DeviceStatus.PLANNED: ("计划", "planned"),
    DeviceStatus.OFFLINE: ("离线", "offline"),
    DeviceStatus.DECOMMISSIONED: ("已退役", "decommissioned"),
    ClassroomKind.ORDINARY: ("普通教室", "ordinary classroom"),
    ClassroomKind.SCIENCE_LAB: ("实验室", "science lab"),
    ClassroomKind.COMPUTER_LAB: ("计算机教室", "computer lab"),
    ClassroomKind.MULTIPURPOSE: ("多功能教室", "multipurpose room"),
    ClassroomKind.OTHER: ("其他", "other"),
    DisplayKind.NONE: ("无", "none"),
    DisplayKind.INTERACTIVE_PANEL: ("交互式智能平板", "interactive flat panel"),
    DisplayKind.PROJECTOR_WHITEBOARD: ("投影+交互白板", "projector with interactive whiteboard"),
    DisplayKind.PROJECTOR: ("投影仪", "projector"),
    DisplayKind.TV: ("电视", "television"),
    UserRole.ADMIN: ("管理员", "admin"),
    UserRole.REGION_ADMIN: ("区域管理员", "region admin"),
    UserRole.SCHOOL_STAFF: ("学校信息员", "school staff"),
    UserRole.VIEWER: ("只读", "viewer"),
}


class PollFailure(StrEnum):
    """Why a device did not answer a poll usefully; auth failure is not "down"."""

    TIMEOUT = "timeout"
    AUTH_FAILURE = "auth_failure"
    MALFORMED = "malformed"
    ERROR_STATUS = "error_status"
    UNREACHABLE = "unreachable"
    NO_CREDENTIALS = "no_credentials"


class OutageCause(StrEnum):
    UNREACHABLE = "unreachable"
    INTERFACE_DOWN = "interface_down"
    SPEED_BELOW_CONTRACT = "speed_below_contract"


class Tier(StrEnum):
    """A school's digital-campus tier, each including the one before (coverage standard)."""

    NONE = "none"
    BASIC = "basic"
    MET = "met"
    MODEL = "model"

    @property
    def level(self) -> int:
        """0 (未达标) to 3 (示范), the order of the tiers."""
        return TIERS.index(self)


TIERS = (Tier.NONE, Tier.BASIC, Tier.MET, Tier.MODEL)


class Metric(StrEnum):
    """A coverage rate that trends and plan milestones follow (each a share from 0 to 1)."""

    DIGITAL_CAMPUS_RATE = "digital_campus_rate"
    VERIFIED_DIGITAL_CAMPUS_RATE = "verified_digital_campus_rate"
    ALL_FIBRE_RATE = "all_fibre_rate"
    STANDARD_CLASSROOM_RATE = "standard_classroom_rate"
    GIGABIT_UPLINK_RATE = "gigabit_uplink_rate"


class MilestoneStatus(StrEnum):
    """Where a milestone stands: met, missed, or (before its date) on track or at risk."""

    MET = "met"
    NOT_MET = "not_met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NO_DATA = "no_data"


class SnapshotKind(StrEnum):
    """Who published a report: a person (or the CLI), or the month-end job."""

    MANUAL = "manual"
    MONTH_END = "month_end"


# Labels of the coverage enums, apart from LABELS: their values ("none", "met") equal values of
# other enums there, and StrEnum members with equal values are the same dict key.
TIER_LABELS: dict[Tier, tuple[str, str]] = {
    Tier.NONE: ("未达标", "not met"),
    Tier.BASIC: ("基本达标", "basic"),
    Tier.MET: ("达标", "met"),
    Tier.MODEL: ("示范", "model"),
}
METRIC_LABELS: dict[Metric, tuple[str, str]] = {
    Metric.DIGITAL_CAMPUS_RATE: ("数字校园覆盖率（申报）", "digital-campus rate (declared)"),
    Metric.VERIFIED_DIGITAL_CAMPUS_RATE: (
        "数字校园覆盖率（核验）",
        "digital-campus rate (verified)",
    ),
    Metric.ALL_FIBRE_RATE: ("全光纤校园网比例", "all-fibre campus rate"),
    Metric.STANDARD_CLASSROOM_RATE: ("标准数字教室比例", "standard-classroom rate"),
    Metric.GIGABIT_UPLINK_RATE: ("千兆出口比例", "gigabit-uplink rate"),
}
MILESTONE_STATUS_LABELS: dict[MilestoneStatus, tuple[str, str]] = {
    MilestoneStatus.MET: ("已达成", "met"),
    MilestoneStatus.NOT_MET: ("未达成", "not met"),
    MilestoneStatus.ON_TRACK: ("进度正常", "on track"),
    MilestoneStatus.AT_RISK: ("存在风险", "at risk"),
    MilestoneStatus.NO_DATA: ("无数据", "no data"),
}
