"""Page texts in Chinese (default) and English (``?lang=en``)."""

from __future__ import annotations

from enum import StrEnum

from flask import request

from inventory.choices import LABELS

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


def language() -> str:
    """``en`` when the request asks for it with ``?lang=en``, else ``zh``."""
    return "en" if request.args.get("lang") == "en" else "zh"


def texts() -> dict[str, str]:
    """The texts of the request's language."""
    return TEXTS[language()]


def label(member: StrEnum) -> str:
    """The label of an enum value in the request's language."""
    zh, en = LABELS.get(member, (member.value, member.value))
    return en if language() == "en" else zh


def lang_query() -> dict[str, str]:
    """Query arguments that keep the language across links and forms."""
    return {"lang": "en"} if language() == "en" else {}
