"""What people read: one message per subscription and cycle, naming each alert's school,
county, object, cause, since when, and a link to the school's page, in Chinese or English.

Messages are Markdown (the robots render it; mail shows it as plain text, which reads well).
Many alerts at once — a county-wide outage — are one message listing them, not thirty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from inventory import localday
from inventory.alerts.places import Place
from inventory.choices import AlertKind, MessageKind, Severity

# Past this many alerts, a message lists the first ones and says how many more (robots cap
# a message at a few kilobytes).
LISTED = 40


@dataclass(frozen=True)
class Event:
    """Something to tell about one alert: it opened, repeats, or was resolved."""

    message: MessageKind
    alert_id: int
    rule_id: int | None
    kind: AlertKind
    severity: Severity
    place: Place
    object_name: str
    cause: str
    since: datetime
    at: datetime  # when this was found (the repeat's or resolution's time)
    resolved_at: datetime | None = None
    planned: bool = False
    url: str | None = None  # the school's page

    def as_json(self) -> dict[str, Any]:
        """The event as the outbox keeps it (and a generic webhook receives it); enough to
        write the message again (``from_json``) when the sender groups messages."""
        return {
            "message": self.message.value,
            "alert_id": self.alert_id,
            "rule_id": self.rule_id,
            "kind": self.kind.value,
            "severity": self.severity.value,
            "school_id": self.place.school_id,
            "school_code": self.place.school_code,
            "school": self.place.school_zh,
            "school_en": self.place.school_en,
            "region_path": self.place.region_path,
            "county_code": self.place.county_code,
            "county": self.place.county_zh,
            "county_en": self.place.county_en,
            "object": self.object_name,
            "cause": self.cause,
            "since": self.since.isoformat(),
            "at": self.at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "planned": self.planned,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        place = Place(
            data["school_id"],
            data["school_code"],
            data["school"],
            data["school_en"],
            data.get("region_path", ""),
            data["county_code"],
            data["county"],
            data["county_en"],
        )
        resolved = data.get("resolved_at")
        return cls(
            message=MessageKind(data["message"]),
            alert_id=data["alert_id"],
            rule_id=data["rule_id"],
            kind=AlertKind(data["kind"]),
            severity=Severity(data["severity"]),
            place=place,
            object_name=data["object"],
            cause=data["cause"],
            since=datetime.fromisoformat(data["since"]),
            at=datetime.fromisoformat(data["at"]),
            resolved_at=datetime.fromisoformat(resolved) if resolved else None,
            planned=data["planned"],
            url=data.get("url"),
        )


TEXT = {
    "zh": {
        "opened": "告警",
        "repeat": "仍未恢复",
        "resolved": "已恢复",
        "since": "自",
        "lasted": "持续",
        "more": "另有 {n} 条未列出",
        "page": "查看",
        "many": "{n} 条告警",
        "schools": "{n} 所学校",
        "sep": "，",
        "colon": "：",
    },
    "en": {
        "opened": "Alert",
        "repeat": "Still open",
        "resolved": "Resolved",
        "since": "since",
        "lasted": "lasted",
        "more": "{n} more not listed",
        "page": "open",
        "many": "{n} alerts",
        "schools": "{n} schools",
        "sep": ", ",
        "colon": ": ",
    },
}


def when(moment: datetime) -> str:
    """A time as the bureau reads it (local, to the minute)."""
    return localday.local(moment).strftime("%Y-%m-%d %H:%M")


def duration(length: timedelta, lang: str) -> str:
    minutes = max(0, int(length.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = ("天", "小时", "分钟") if lang == "zh" else (" d", " h", " min")
    parts = [f"{n}{u}" for n, u in zip((days, hours, minutes), units, strict=True) if n]
    return (" " if lang == "en" else "").join(parts) or f"0{units[2]}"


def school_url(base_url: str | None, place: Place) -> str | None:
    return f"{base_url.rstrip('/')}/schools/{place.school_code}" if base_url else None


def line(event: Event, lang: str) -> str:
    """One alert in one line: school (county) · object · kind: cause · since … · link."""
    t = TEXT[lang]
    head = (
        f"**{event.place.name(lang)}**（{event.place.county(lang)}）"
        if lang == "zh"
        else (f"**{event.place.name(lang)}** ({event.place.county(lang)})")
    )
    what = f"{event.kind.label(lang)}{t['colon']}{event.cause}"
    parts = [head, event.object_name, what, f"{t['since']} {when(event.since)}"]
    if event.message is MessageKind.RESOLVED and event.resolved_at is not None:
        parts.append(f"{t['lasted']} {duration(event.resolved_at - event.since, lang)}")
    if event.url:
        parts.append(f"[{t['page']}]({event.url})")
    return "- " + " · ".join(parts)


def render(events: Sequence[Event], lang: str) -> tuple[str, str]:
    """The subject and Markdown body of one message telling ``events``."""
    t = TEXT[lang]
    top = max(events, key=lambda e: e.severity.level)
    sections: list[str] = []
    for message in (MessageKind.OPENED, MessageKind.REPEAT, MessageKind.RESOLVED):
        mine = [e for e in events if e.message is message]
        if not mine:
            continue
        sections.append(f"### {t[message.value]} ({len(mine)})")
        sections += [line(e, lang) for e in mine[:LISTED]]
        if len(mine) > LISTED:
            sections.append("- " + t["more"].format(n=len(mine) - LISTED))
    if len(events) == 1:
        e = events[0]
        label = (
            t[e.message.value] if e.message is not MessageKind.OPENED else e.severity.label(lang)
        )
        subject = f"[{label}] {e.kind.label(lang)}{t['colon']}{e.place.name(lang)}"
        subject += f"（{e.place.county(lang)}）" if lang == "zh" else f" ({e.place.county(lang)})"
    else:
        counties = sorted({e.place.county(lang) for e in events})
        schools = len({e.place.school_id for e in events})
        label = (
            top.severity.label(lang)
            if any(e.message is not MessageKind.RESOLVED for e in events)
            else t["resolved"]
        )
        subject = (
            f"[{label}] {t['many'].format(n=len(events))}{t['sep']}"
            f"{t['schools'].format(n=schools)}{t['colon']}{t['sep'].join(counties[:3])}"
        )
    return subject[:200], "\n".join(sections)
