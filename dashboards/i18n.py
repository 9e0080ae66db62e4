"""Page texts in Chinese (default) and English (``?lang=en``; the choice sticks in a cookie),
and numbers and dates written the way each language writes them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from dashboards.texts import PAGE_TEXTS
from inventory import localday
from inventory.choices import ChoiceSet
from inventory.choices import MilestoneStatus as MilestoneStatus  # read by dashboards/__init__
from inventory.choices import Tier as Tier  # read by dashboards/__init__

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600

LANGUAGES = ("zh", "en")

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "site": "楚雄州数字校园管理平台",
        "login_title": "登录",
        "name": "用户名",
        "password": "密码",
        "submit": "登录",
        "other_language": "English",
        "bad_login": "用户名或密码错误。",
        "too_many": "登录失败次数过多，请一分钟后再试。",
        "home_title": "首页",
        "signed_in_as": "当前用户",
        "role": "角色",
        "scope": "范围",
        "everything": "全部",
        "region": "区域",
        "schools": "学校",
        "api_docs": "API 文档",
        "users": "用户管理",
        "logout": "退出登录",
        "users_title": "用户",
        "active": "启用",
        "disabled": "停用",
        "status": "状态",
        "can_login": "可登录页面",
        "created": "创建时间",
        "yes": "是",
        "no": "否",
        "admins_only": "只有管理员可以查看此页面。",
        "page": "页",
        "previous": "上一页",
        "next": "下一页",
        "total": "共",
    },
    "en": {
        "html_lang": "en",
        "site": "Chuxiong digital campus inventory",
        "login_title": "Sign in",
        "name": "Name",
        "password": "Password",
        "submit": "Sign in",
        "other_language": "中文",
        "bad_login": "Wrong name or password.",
        "too_many": "Too many failed sign-ins. Please wait a minute and try again.",
        "home_title": "Home",
        "signed_in_as": "Signed in as",
        "role": "Role",
        "scope": "Scope",
        "everything": "everything",
        "region": "Region",
        "schools": "Schools",
        "api_docs": "API documentation",
        "users": "Users",
        "logout": "Sign out",
        "users_title": "Users",
        "active": "active",
        "disabled": "disabled",
        "status": "Status",
        "can_login": "Can sign in",
        "created": "Created",
        "yes": "yes",
        "no": "no",
        "admins_only": "Only admins may see this page.",
        "page": "page",
        "previous": "Previous",
        "next": "Next",
        "total": "total",
    },
}


for _key, (_zh, _en) in PAGE_TEXTS.items():
    TEXTS["zh"].setdefault(_key, _zh)
    TEXTS["en"].setdefault(_key, _en)


def language() -> str:
    """The request's ``?lang=`` if it names a language, else the remembered choice, else zh."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def remember_language(response: Response) -> Response:
    """Keep a ``?lang=`` choice in a cookie so that later pages open in that language."""
    asked = request.args.get("lang")
    if request.path.startswith("/api/"):
        return response  # the API's ?lang= names a file's language, not the reader's
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE, asked, max_age=LANG_COOKIE_MAX_AGE, httponly=True, samesite="Lax"
        )
    return response


def switch_url(lang: str) -> str:
    """This page in the other language (its other query arguments kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", lang)])


def number(value: Any, digits: int = 0) -> str:
    """A number with thousands separators; a dash for none."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def percent(share: float | None, digits: int = 1) -> str:
    """A share from 0 to 1 as a percentage; "n/a" where nothing is counted."""
    if share is None:
        return "无数据" if language() == "zh" else "n/a"
    return f"{share * 100:.{digits}f}%"


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: date | str | None) -> str:
    """A date: 2025年6月30日 or 30 Jun 2025."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if language() == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def month(value: date | str) -> str:
    """A month: 2025年6月 or Jun 2025."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if language() == "zh":
        return f"{value.year}年{value.month}月"
    return f"{MONTHS_EN[value.month - 1]} {value.year}"


def moment(value: datetime | None) -> str:
    """A time of day with its date on the bureau's clock: 2025年6月30日 20:05 or 30 Jun 2025 20:05."""
    if value is None:
        return "—"
    value = localday.local(value)
    return f"{day(value.date())} {value.strftime('%H:%M')}"


def hours(span: timedelta) -> str:
    """A duration: 2 小时 5 分 or 2 h 5 min (days beyond a day)."""
    minutes = int(span.total_seconds() // 60)
    d, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    zh = language() == "zh"
    parts = []
    if d:
        parts.append(f"{d} 天" if zh else f"{d} d")
    if h or d:
        parts.append(f"{h} 小时" if zh else f"{h} h")
    parts.append(f"{m} 分" if zh else f"{m} min")
    return " ".join(parts)


def region_name(region: Any) -> str:
    """A region's name (an object or a report's region body) in the request's language."""
    if isinstance(region, dict):
        return str(region["name_en"] if language() == "en" else region["name_zh"])
    return str(region.name_en if language() == "en" else region.name_zh)


def value_label(kind: type[StrEnum], value: str | None) -> str:
    """The label of an enum value given as its string."""
    if value is None:
        return "—"
    try:
        return label(kind(value))
    except ValueError:
        return value


def texts() -> dict[str, str]:
    """The texts of the request's language."""
    return TEXTS[language()]


def label(member: StrEnum) -> str:
    """The label of an enum value in the request's language."""
    if isinstance(member, ChoiceSet):
        return member.label(language())
    return member.value


def lang_query() -> dict[str, str]:
    """Query arguments that keep the language across links and forms."""
    return {"lang": "en"} if language() == "en" else {}
