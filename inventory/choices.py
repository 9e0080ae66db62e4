"""Every enumerated value of the domain, in one place (NetBox's ``choices.py``).

Each set is one class: a member is its stored value (lowercase, unchanged since the first
migration) with its Chinese and English label and, where pages draw one, its colour. Labels
live on the members, never in a table keyed by them: members of different sets with equal
values ("none", "planned") are equal strings, so one table keyed by them gives one label to
both.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Self

LANGUAGES = ("zh", "en")


class ChoiceSet(StrEnum):
    """A set of choices: ``NAME = value, 中文, English[, colour]`` (labels default to the value).

    Members are ``str``: they are stored, compared and serialised as their value.
    """

    _value_: str
    zh: str
    en: str
    colour: str | None

    def __new__(
        cls, value: str, zh: str | None = None, en: str | None = None, colour: str | None = None
    ) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = value if zh is None else zh
        member.en = value if en is None else en
        member.colour = colour
        return member

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.en if lang == "en" else self.zh

    @classmethod
    def values(cls) -> list[str]:
        """The stored values, in declaration order (validators, drop-downs)."""
        return [member.value for member in cls]

    @classmethod
    def labels(cls, lang: str = "zh") -> list[str]:
        """The labels in ``lang``, in declaration order."""
        return [member.label(lang) for member in cls]

    @classmethod
    def choices(cls, lang: str = "zh") -> list[tuple[str, str]]:
        """(value, label) pairs for a drop-down."""
        return [(member.value, member.label(lang)) for member in cls]

    @classmethod
    def parse(cls, text: str) -> Self:
        """The member whose value, Chinese label or English label is ``text`` (as people type
        it: full-width characters, surrounding spaces and case do not matter); ValueError."""
        wanted = _folded(text)
        for member in cls:
            if wanted in (_folded(member.value), _folded(member.zh), _folded(member.en)):
                return member
        raise ValueError(f"{text!r} is not a {cls.__name__}")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def values(enum: type[StrEnum]) -> list[str]:
    """The stored values of an enum, in declaration order (for validators and drop-downs)."""
    return [member.value for member in enum]


class RegionLevel(ChoiceSet):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"


class Stage(ChoiceSet):
    """Education stage a school type belongs to (from the reference school types)."""

    PRESCHOOL = "preschool", "学前", "preschool"
    PRIMARY = "primary", "小学", "primary"
    SECONDARY = "secondary", "中学", "secondary"
    VOCATIONAL = "vocational", "中职", "vocational"
    SPECIAL = "special", "特殊教育", "special education"
    HIGHER = "higher", "高等教育", "higher education"


class Lifecycle(ChoiceSet):
    """Status derived from opened/closed or commissioned/decommissioned dates, never stored."""

    PLANNED = "planned", "筹建", "planned"
    ACTIVE = "active", "在用", "active"
    CLOSED = "closed", "停用", "closed"


class CampusArchitecture(ChoiceSet):
    ALL_FIBRE = "all_fibre", "全光纤", "all-fibre"
    HYBRID = "hybrid", "光铜混合", "hybrid"
    COPPER = "copper", "铜缆", "copper"
    NONE = "none", "无", "no campus network"


class WirelessCoverage(ChoiceSet):
    NONE = "none", "未覆盖", "not covered"
    PARTIAL = "partial", "部分覆盖", "partial"
    FULL = "full", "全覆盖", "full"


class LinkKind(ChoiceSet):
    METRO = "metro", "教育城域网", "education metro network"
    INTERNET = "internet", "互联网", "internet"
    EDU_CLOUD = "edu_cloud", "教育云专线", "education cloud line"


class Carrier(ChoiceSet):
    TELECOM = "telecom", "电信", "China Telecom"
    MOBILE = "mobile", "移动", "China Mobile"
    UNICOM = "unicom", "联通", "China Unicom"
    BROADCAST = "broadcast", "广电", "China Broadnet"
    OTHER = "other", "其他", "other"


class LinkMedium(ChoiceSet):
    FIBRE = "fibre", "光纤", "fibre"
    COPPER = "copper", "铜缆", "copper"
    WIRELESS = "wireless", "无线", "wireless"
    CELLULAR = "cellular", "蜂窝", "cellular"
    SATELLITE = "satellite", "卫星", "satellite"


class DeviceRole(ChoiceSet):
    GATEWAY = "gateway", "出口网关", "gateway"
    CORE_SWITCH = "core_switch", "核心交换机", "core switch"
    ACCESS_SWITCH = "access_switch", "接入交换机", "access switch"
    OLT = "olt", "OLT", "OLT"
    ONU = "onu", "ONU", "ONU"
    WIRELESS_CONTROLLER = "wireless_controller", "无线控制器", "wireless controller"
    FIREWALL = "firewall", "防火墙", "firewall"
    OTHER = "other", "其他", "other"


class DeviceStatus(ChoiceSet):
    ACTIVE = "active", "在用", "active"
    PLANNED = "planned", "计划", "planned"
    OFFLINE = "offline", "离线", "offline"
    DECOMMISSIONED = "decommissioned", "已退役", "decommissioned"


class SnmpVersion(ChoiceSet):
    V1 = "v1"
    V2C = "v2c"
    V3 = "v3"


class SnmpAuthProtocol(ChoiceSet):
    SHA = "sha"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class SnmpPrivProtocol(ChoiceSet):
    NONE = "none"
    AES128 = "aes128"
    AES256 = "aes256"


class ClassroomKind(ChoiceSet):
    ORDINARY = "ordinary", "普通教室", "ordinary classroom"
    SCIENCE_LAB = "science_lab", "实验室", "science lab"
    COMPUTER_LAB = "computer_lab", "计算机教室", "computer lab"
    MULTIPURPOSE = "multipurpose", "多功能教室", "multipurpose room"
    OTHER = "other", "其他", "other"


class DisplayKind(ChoiceSet):
    NONE = "none", "无", "no display"
    INTERACTIVE_PANEL = "interactive_panel", "交互式智能平板", "interactive flat panel"
    PROJECTOR_WHITEBOARD = (
        "projector_whiteboard",
        "投影+交互白板",
        "projector with interactive whiteboard",
    )
    PROJECTOR = "projector", "投影仪", "projector"
    TV = "tv", "电视", "television"


INTERACTIVE_DISPLAYS = frozenset({DisplayKind.INTERACTIVE_PANEL, DisplayKind.PROJECTOR_WHITEBOARD})


class UserRole(ChoiceSet):
    ADMIN = "admin", "管理员", "admin"
    REGION_ADMIN = "region_admin", "区域管理员", "region admin"
    SCHOOL_STAFF = "school_staff", "学校信息员", "school staff"
    VIEWER = "viewer", "只读", "viewer"


class ChangeAction(ChoiceSet):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    DELETE = "delete"
    REVOKE = "revoke"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"


class PollFailure(ChoiceSet):
    """Why a device did not answer a poll usefully; auth failure is not "down"."""

    TIMEOUT = "timeout"
    AUTH_FAILURE = "auth_failure"
    MALFORMED = "malformed"
    ERROR_STATUS = "error_status"
    UNREACHABLE = "unreachable"
    NO_CREDENTIALS = "no_credentials"


class OutageCause(ChoiceSet):
    UNREACHABLE = "unreachable"
    INTERFACE_DOWN = "interface_down"
    SPEED_BELOW_CONTRACT = "speed_below_contract"


class Tier(ChoiceSet):
    """A school's digital-campus tier, each including the one before (coverage standard)."""

    NONE = "none", "未达标", "not met", "#c8553d"
    BASIC = "basic", "基本达标", "basic", "#e9a23b"
    MET = "met", "达标", "met", "#3f8f5f"
    MODEL = "model", "示范", "model", "#1d4e89"

    @property
    def level(self) -> int:
        """0 (未达标) to 3 (示范), the order of the tiers."""
        return TIERS.index(self)


TIERS = (Tier.NONE, Tier.BASIC, Tier.MET, Tier.MODEL)


class Metric(ChoiceSet):
    """A coverage rate that trends and plan milestones follow (each a share from 0 to 1)."""

    DIGITAL_CAMPUS_RATE = (
        "digital_campus_rate",
        "数字校园覆盖率（申报）",
        "digital-campus rate (declared)",
    )
    VERIFIED_DIGITAL_CAMPUS_RATE = (
        "verified_digital_campus_rate",
        "数字校园覆盖率（核验）",
        "digital-campus rate (verified)",
    )
    ALL_FIBRE_RATE = "all_fibre_rate", "全光纤校园网比例", "all-fibre campus rate"
    STANDARD_CLASSROOM_RATE = (
        "standard_classroom_rate",
        "标准数字教室比例",
        "standard-classroom rate",
    )
    GIGABIT_UPLINK_RATE = "gigabit_uplink_rate", "千兆出口比例", "gigabit-uplink rate"


class MilestoneStatus(ChoiceSet):
    """Where a milestone stands: met, missed, or (before its date) on track or at risk."""

    MET = "met", "已达成", "met"
    NOT_MET = "not_met", "未达成", "not met"
    ON_TRACK = "on_track", "进度正常", "on track"
    AT_RISK = "at_risk", "存在风险", "at risk"
    NO_DATA = "no_data", "无数据", "no data"


class SnapshotKind(ChoiceSet):
    """Who published a report: a person (or the CLI), or the month-end job."""

    MANUAL = "manual"
    MONTH_END = "month_end"


class AlertKind(ChoiceSet):
    """What an alert rule watches (issue 17); its threshold means something per kind."""

    DEVICE_UNREACHABLE = "device_unreachable", "设备不可达", "device unreachable"
    UPLINK_DOWN = "uplink_down", "出口中断", "uplink down"
    UPLINK_SLOW = "uplink_slow", "出口低于合同带宽", "uplink slower than contracted"
    UPLINK_FLAPPING = "uplink_flapping", "出口频繁抖动", "uplink flapping"
    CREDENTIAL_FAILING = "credential_failing", "SNMP 凭据失效", "SNMP credential failing"
    # Reserved for the capacity issue: no evaluation yet, but rules and subscriptions may name it.
    UPLINK_SATURATED = "uplink_saturated", "出口带宽饱和", "uplink saturated"
    TIER_DROPPED = "tier_dropped", "核验等级下降", "verified tier dropped"


class Severity(ChoiceSet):
    """How urgent an alert is; a subscription takes its minimum and everything above."""

    INFO = "info", "提示", "info", "#1d4e89"
    WARNING = "warning", "警告", "warning", "#e9a23b"
    CRITICAL = "critical", "严重", "critical", "#c8553d"

    @property
    def level(self) -> int:
        """0 (info) to 2 (critical), the order of the severities."""
        return list(Severity).index(self)


class TransportKind(ChoiceSet):
    """Where a subscription's messages go."""

    EMAIL = "email", "电子邮件", "email"
    WECOM = "wecom", "企业微信群机器人", "WeCom group robot"
    DINGTALK = "dingtalk", "钉钉群机器人", "DingTalk group robot"
    FEISHU = "feishu", "飞书群机器人", "Feishu group robot"
    WEBHOOK = "webhook", "通用 Webhook", "generic webhook"


class MessageLanguage(ChoiceSet):
    """The language a subscription's messages are written in."""

    ZH = "zh", "中文", "Chinese"
    EN = "en", "英文", "English"


class AlertState(ChoiceSet):
    OPEN = "open", "未恢复", "open", "#c8553d"
    RESOLVED = "resolved", "已恢复", "resolved", "#3f8f5f"


class MessageKind(ChoiceSet):
    """Why a message was written: an alert opened, repeats unacknowledged, or was resolved."""

    OPENED = "opened", "告警", "alert"
    REPEAT = "repeat", "重复提醒", "reminder"
    RESOLVED = "resolved", "已恢复", "resolved"
    DIGEST = "digest", "每日摘要", "daily digest"


class OutboxState(ChoiceSet):
    """A message's delivery: waiting (or retrying), delivered, or given up (a dead letter)."""

    PENDING = "pending", "待发送", "pending", "#e9a23b"
    SENT = "sent", "已送达", "sent", "#3f8f5f"
    DEAD = "dead", "发送失败", "dead letter", "#c8553d"
