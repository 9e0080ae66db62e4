"""Collector configuration: read from a mapping (the app's config), checked, with defaults.

Every setting is optional; a bad one raises ``ValueError`` naming the setting, as the
operator would write it (``DIGICAMPUS_COLLECTOR_TIMEOUT_S``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from collectors.alerts import SenderSettings, SmtpSettings
from collectors.cycle import CycleSettings
from inventory.alerts import AlertSettings
from inventory.services.polling import Retention

ENV_PREFIX = "DIGICAMPUS_"


@dataclass(frozen=True)
class CollectorConfig:
    """Everything a collector process needs to know besides the database and the keys."""

    cycle: CycleSettings
    # How often the scheduler looks for due devices; each device keeps its own interval.
    tick: timedelta
    retention: Retention
    webhook_url: str | None
    embedded: bool  # run the scheduler inside the web server process (the embedded default)
    # Alert messages (issue 17): where the school pages are, the mail server, the sender.
    alerting: AlertSettings = field(default_factory=AlertSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    sender: SenderSettings = field(default_factory=SenderSettings)
    # How often the outbox's sender looks for due messages.
    send_every: timedelta = timedelta(seconds=15)


def _number(config: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = config.get(key, default)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{key} must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{ENV_PREFIX}{key} must be a number from {low:g} to {high:g}")
    return float(value)


def _flag(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{ENV_PREFIX}{key} must be true or false")


def from_config(config: Mapping[str, Any]) -> CollectorConfig:
    """The collector configuration in ``config`` (keys without the DIGICAMPUS_ prefix)."""
    interval = _number(config, "COLLECTOR_INTERVAL_S", 300, 60, 86_400)
    timeout = _number(config, "COLLECTOR_TIMEOUT_S", 1.0, 0.1, 30)
    retries = int(_number(config, "COLLECTOR_RETRIES", 1, 0, 5))
    lease = _number(config, "COLLECTOR_LEASE_S", max(120, timeout * (retries + 1) * 10), 5, 3600)
    if lease <= timeout * (retries + 1) * 3:
        raise ValueError(
            f"{ENV_PREFIX}COLLECTOR_LEASE_S must exceed 3 × timeout × (retries + 1) "
            f"= {timeout * (retries + 1) * 3:g} s"
        )
    cycle = CycleSettings(
        interval=timedelta(seconds=interval),
        lease=timedelta(seconds=lease),
        batch_size=int(_number(config, "COLLECTOR_BATCH", 250, 1, 10_000)),
        concurrency=int(_number(config, "COLLECTOR_CONCURRENCY", 64, 1, 1000)),
        timeout=timeout,
        retries=retries,
        rediscover_after=timedelta(hours=_number(config, "COLLECTOR_REDISCOVER_H", 6, 0.1, 720)),
        profile=str(config.get("COLLECTOR_PROFILE", "default")),
    )
    retention = Retention(
        raw=timedelta(days=_number(config, "RETENTION_RAW_DAYS", 14, 1, 3650)),
        rollups=timedelta(days=_number(config, "RETENTION_ROLLUP_DAYS", 400, 1, 3650)),
        closed_outages=timedelta(days=_number(config, "RETENTION_OUTAGE_DAYS", 800, 1, 3650)),
    )
    if retention.rollups < retention.raw:
        raise ValueError(f"{ENV_PREFIX}RETENTION_ROLLUP_DAYS must not be below RETENTION_RAW_DAYS")
    webhook = config.get("WEBHOOK_URL") or None
    if webhook is not None and not (
        isinstance(webhook, str) and webhook.startswith(("http://", "https://"))
    ):
        raise ValueError(f"{ENV_PREFIX}WEBHOOK_URL must be an http:// or https:// URL")
    base_url = config.get("BASE_URL") or None
    if base_url is not None and not (
        isinstance(base_url, str) and base_url.startswith(("http://", "https://"))
    ):
        raise ValueError(f"{ENV_PREFIX}BASE_URL must be an http:// or https:// URL")
    smtp_host = config.get("SMTP_HOST") or None
    smtp = SmtpSettings(
        host=str(smtp_host) if smtp_host else None,
        port=int(_number(config, "SMTP_PORT", 587, 1, 65535)),
        starttls=_flag(config, "SMTP_STARTTLS", True),
        username=str(config.get("SMTP_USERNAME") or "") or None,
        password=str(config.get("SMTP_PASSWORD") or "") or None,
        sender=str(config.get("SMTP_FROM") or "digicampus@localhost"),
        ca_file=str(config.get("SMTP_CA_FILE") or "") or None,
    )
    sender = SenderSettings(
        attempts=int(_number(config, "ALERT_ATTEMPTS", 10, 1, 100)),
        base=timedelta(seconds=_number(config, "ALERT_RETRY_S", 30, 1, 3600)),
        longest=timedelta(seconds=_number(config, "ALERT_RETRY_MAX_S", 3600, 1, 86_400)),
    )
    return CollectorConfig(
        alerting=AlertSettings(
            base_url=base_url,
            group_wait=timedelta(seconds=_number(config, "ALERT_GROUP_WAIT_S", 120, 0, 3600)),
        ),
        smtp=smtp,
        sender=sender,
        send_every=timedelta(seconds=_number(config, "ALERT_SEND_EVERY_S", 15, 1, 3600)),
        cycle=cycle,
        tick=timedelta(seconds=_number(config, "COLLECTOR_TICK_S", 60, 1, 3600)),
        retention=retention,
        webhook_url=webhook,
        embedded=_flag(config, "EMBEDDED_COLLECTOR", True),
    )
