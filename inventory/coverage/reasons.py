"""Why a school misses a tier, as data and as a sentence in Chinese and English (both kept in
the verdict, so that a published report reads the same in either language)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from inventory import i18n
from inventory.choices import CampusArchitecture, ChoiceSet, Tier, WirelessCoverage
from inventory.coverage.results import Reason
from inventory.i18n import N_

# reason code → catalogue message (the English sentence; its placeholders are the values)
TEMPLATES: dict[str, str] = {
    "uplink_missing": N_("no uplink in service"),
    "uplink_below": N_("uplink %(have)s Mbps < %(need)s Mbps required"),
    "campus_missing": N_("no campus network registered"),
    "campus_architecture": N_("campus network is %(have)s; %(need)s required"),
    "wireless": N_("wireless coverage of teaching areas is %(have)s; %(need)s required"),
    "no_classrooms": N_("no ordinary classrooms"),
    "classrooms": N_("%(have)s of %(rooms)s ordinary classrooms are standard (%(need)s required)"),
    "wired": N_(
        "%(have)s of %(rooms)s ordinary classrooms are standard with ≥ %(mbps)s Mbps wired access"
        " (%(need)s required)"
    ),
    "not_monitored": N_("uplink not monitored"),
    "never_polled": N_("uplink never polled"),
    "stale": N_("uplink last polled %(hours)s h ago (≤ %(limit)s h required)"),
    "down": N_("uplink interface is down"),
    "slow": N_("negotiated speed %(measured)s Mbps < contracted %(contracted)s Mbps"),
    "slow_unknown": N_("negotiated speed not reported (contracted %(contracted)s Mbps)"),
    "poll_failed": N_("uplink device not answering (%(failure)s) since %(since)s"),
    "poll_silent": N_("uplink device not answering (%(failure)s)"),
    "poll_unreadable": N_("uplink device answers but cannot be read (%(failure)s)"),
    "poll_no_credentials": N_("uplink device has no SNMP credential to be polled with"),
    "interface_missing": N_("interface %(interface)s not found on the device"),
    "unavailable": N_("%(days)s-day availability %(availability)s < %(required)s"),
    "not_verified": N_("uplink not confirmed by polling on %(date)s"),
}


# PollFailure value → how a sentence names it
FAILURES: dict[str, str] = {
    "timeout": N_("timeout"),
    "unreachable": N_("unreachable"),
    "auth_failure": N_("authentication failure"),
    "malformed": N_("malformed reply"),
    "error_status": N_("error status"),
    "no_credentials": N_("no credentials"),
}
# Failures where nothing answers (as polling's DOWN_FAILURES): the others answer unreadably.
SILENT = ("timeout", "unreachable")


def label(value: StrEnum, lang: str) -> str:
    """The label of an enum value in a language (zh or en)."""
    if isinstance(value, ChoiceSet):
        return value.en if lang == "en" else value.zh
    return value.value


def percent(lang: str, share: float | None) -> str:
    """97.2 % — how availability reads in a sentence."""
    if share is None:
        return "n/a"  # as the exports write a rate that does not exist, in both languages
    return i18n.number(lang, share * 100, 1) + " %"


def sentence(code: str, lang: str, values: dict[str, Any]) -> str:
    """The sentence of a reason in a language, from its stored values."""
    template = TEMPLATES[code]
    if code == "slow" and values.get("measured") is None:
        template = TEMPLATES["slow_unknown"]
    elif code == "poll_failed" and values.get("failure") == "no_credentials":
        template = TEMPLATES["poll_no_credentials"]
    elif code == "poll_failed" and values.get("failure") not in SILENT:
        template = TEMPLATES["poll_unreadable"]
    elif code == "poll_failed" and not values.get("since"):
        template = TEMPLATES["poll_silent"]
    shown: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("have", "need") and code in ("campus_architecture", "wireless"):
            kind = CampusArchitecture if code == "campus_architecture" else WirelessCoverage
            shown[key] = label(kind(value), lang)
        elif key in ("availability", "required") and code == "unavailable":
            shown[key] = percent(lang, value)
        elif key == "failure":
            shown[key] = i18n.translate(lang, FAILURES.get(str(value), str(value)))
        elif key == "since" and isinstance(value, str):
            shown[key] = i18n.moment(lang, datetime.fromisoformat(value))
        else:
            shown[key] = value
    return i18n.translate(lang, template, **shown)


def reason(code: str, tier: Tier, **values: Any) -> Reason:
    """A reason: its code, the tier it blocks, its values, and the two sentences."""
    stored = {k: v.value if isinstance(v, StrEnum) else v for k, v in values.items()}
    return Reason(code, tier, stored, sentence(code, "zh", stored), sentence(code, "en", stored))
