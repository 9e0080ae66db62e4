"""Delivering alert messages from the outbox (issue 17): the transports and the one sender."""

from __future__ import annotations

from collectors.alerts.sender import Sender, SenderSettings, StepResult, mask
from collectors.alerts.transports import (
    DeliveryError,
    Destination,
    Outbound,
    SmtpSettings,
    Transports,
    dingtalk_sign,
    feishu_sign,
    webhook_signature,
)

__all__ = [
    "DeliveryError",
    "Destination",
    "Outbound",
    "Sender",
    "SenderSettings",
    "SmtpSettings",
    "StepResult",
    "Transports",
    "dingtalk_sign",
    "feishu_sign",
    "mask",
    "webhook_signature",
]
