"""Sending one message to one receiver: mail over SMTP with STARTTLS, the WeCom, DingTalk and
Feishu group robots, and a generic signed webhook.

Each transport raises ``DeliveryError`` with the receiver's answer when the message was not
taken; the sender retries later. Signatures follow each vendor's documentation:

* DingTalk: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{ms}\\n{secret}")))``,
  ``timestamp`` (milliseconds) and ``sign`` as query parameters.
* Feishu: ``sign = base64(HMAC-SHA256(key=f"{s}\\n{secret}", msg=b""))``, ``timestamp``
  (seconds) and ``sign`` in the JSON body.
* Generic webhook: ``X-Digicampus-Signature: sha256=<hex HMAC-SHA256(key=secret, msg=body)>``
  and ``Idempotency-Key``, so a receiver drops a retry of what it already took.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import quote_plus, urlsplit

from inventory.choices import TransportKind

USER_AGENT = "digicampus-alerts"
# WeCom and DingTalk refuse markdown past 4096 bytes; Feishu past about 30 KB.
ROBOT_LIMIT = 4000


class DeliveryError(Exception):
    """The receiver did not take the message; ``answer`` says what it said (may hold secrets:
    the sender masks it before storing)."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer)
        self.answer = answer


@dataclass(frozen=True)
class Outbound:
    """A message as the outbox holds it."""

    key: str
    kind: str
    subject: str
    body: str
    events: list[Any] = field(default_factory=list)


@dataclass(frozen=True, repr=False)
class Destination:
    """Where it goes: the subscription's transport, target and (decrypted) secret."""

    transport: TransportKind
    target: str
    secret: str | None = None

    def __repr__(self) -> str:
        return f"Destination({self.transport.value}, {urlsplit(self.target).hostname or '…'})"


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    host: str | None = None
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    sender: str = "digicampus@localhost"
    # A CA bundle to trust besides the system's (a bureau's own mail server).
    ca_file: str | None = None
    timeout: float = 10.0

    def __repr__(self) -> str:
        return f"SmtpSettings({self.host}:{self.port}, starttls={self.starttls})"


class Transport(Protocol):
    def __call__(self, message: Outbound, to: Destination) -> None: ...


def post_json(
    url: str, payload: Mapping[str, Any] | bytes, headers: Mapping[str, str], timeout: float
) -> str:
    """POST JSON; the answer's text, or ``DeliveryError`` for anything but 2xx."""
    body = (
        payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return str(response.read(4096).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        text = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"HTTP {exc.code}: {text}".strip()) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{type(reason).__name__}: {reason}") from None


def robot_answer(text: str) -> None:
    """A robot answers 200 with an error code in JSON (WeCom and DingTalk ``errcode``, Feishu
    ``code`` or the older ``StatusCode``); anything but 0 is a refusal."""
    try:
        answer = json.loads(text)
    except ValueError:
        raise DeliveryError(f"not JSON: {text[:200]}") from None
    if not isinstance(answer, dict):
        raise DeliveryError(f"unexpected answer: {text[:200]}")
    for key in ("errcode", "code", "StatusCode"):
        if key in answer and answer[key] not in (0, "0"):
            raise DeliveryError(text[:500])


def clip(text: str, limit: int = ROBOT_LIMIT) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 4].decode("utf-8", "ignore") + "\n…"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` query value (already URL-encoded)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign`` body field: the HMAC keyed with timestamp and secret, of nothing."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class Transports:
    """The transports by kind, with what they share: the SMTP settings, a timeout, a clock."""

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    timeout: float = 10.0
    wall: Callable[[], float] = time.time  # the robots check the signature's time: real time

    def for_kind(self, kind: TransportKind) -> Transport:
        return {
            TransportKind.EMAIL: self.email,
            TransportKind.WECOM: self.wecom,
            TransportKind.DINGTALK: self.dingtalk,
            TransportKind.FEISHU: self.feishu,
            TransportKind.WEBHOOK: self.webhook,
        }[kind]

    def wecom(self, message: Outbound, to: Destination) -> None:
        content = clip(f"**{message.subject}**\n{message.body}")
        payload = {"msgtype": "markdown", "markdown": {"content": content}}
        robot_answer(post_json(to.target, payload, {}, self.timeout))

    def dingtalk(self, message: Outbound, to: Destination) -> None:
        url = to.target
        if to.secret:
            stamp = int(self.wall() * 1000)
            joiner = "&" if urlsplit(url).query else "?"
            url = f"{url}{joiner}timestamp={stamp}&sign={dingtalk_sign(to.secret, stamp)}"
        text = clip(f"#### {message.subject}\n{message.body}")
        payload = {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text}}
        robot_answer(post_json(url, payload, {}, self.timeout))

    def feishu(self, message: Outbound, to: Destination) -> None:
        payload: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": clip(f"{message.subject}\n{message.body}", 20_000)},
        }
        if to.secret:
            stamp = int(self.wall())
            payload = {"timestamp": str(stamp), "sign": feishu_sign(to.secret, stamp), **payload}
        robot_answer(post_json(to.target, payload, {}, self.timeout))

    def webhook(self, message: Outbound, to: Destination) -> None:
        body = json.dumps(
            {
                "id": message.key,
                "kind": message.kind,
                "subject": message.subject,
                "text": message.body,
                "events": message.events,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Idempotency-Key": message.key}
        if to.secret:
            headers["X-Digicampus-Signature"] = webhook_signature(to.secret, body)
        post_json(to.target, body, headers, self.timeout)

    def email(self, message: Outbound, to: Destination) -> None:
        smtp = self.smtp
        if not smtp.host:
            raise DeliveryError("no SMTP server configured (DIGICAMPUS_SMTP_HOST)")
        recipients = [a.strip() for a in to.target.replace(";", ",").split(",") if a.strip()]
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = smtp.sender
        mail["To"] = ", ".join(recipients)
        mail["Date"] = formatdate(self.wall(), localtime=False)
        # The same key on every retry: a mail system that saw it may drop the copy. (Cut to
        # 40 characters, so the header stays on one line.)
        mail["Message-ID"] = f"<{message.key[:40]}@digicampus>"
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
                client.ehlo()
                if smtp.starttls:
                    client.starttls(context=ssl.create_default_context(cafile=smtp.ca_file))
                    client.ehlo()
                if smtp.username:
                    client.login(smtp.username, smtp.password or "")
                # Some recipients refused is still delivered: a retry would repeat it to the rest.
                client.send_message(mail, to_addrs=recipients)
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(f"SMTP {exc.smtp_code}: {text}") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
