"""Delivering alert messages to real receivers on loopback (issue 17): each robot's payload
and signature checked against the vendor's documented algorithm, mail over STARTTLS parsed,
and the sender's promises — retries with backoff, one sender at a time, every message once
after a receiver comes back (the sender restarted mid-delivery), dead letters with the
receiver's answer masked. The sender runs on an injected clock: no test waits."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from collectors.alerts import Sender, SenderSettings, SmtpSettings, Transports, mask
from inventory.actor import Actor
from inventory.alerts import AlertSettings
from inventory.choices import MessageLanguage, OutboxState, TransportKind
from inventory.db import make_sessionmaker
from inventory.models.alerts import OutboxMessage
from tests.alerts_fixture import BOX, STEP, T0, Site, build_sites, down, outbox, poll, subscribe
from tests.conftest import COUNTY
from tests.receivers import HttpReceiver, Received, http_receiver, smtp_server

SECRET = "SEC0123456789abcdef-robot-secret"
TOKEN = "a1b2c3d4e5f6-access-token"
WALL = 1_796_000_000.0  # the robots' signature time (seconds); fixed, so a test can recompute


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def sender(
    sessions: sessionmaker[Session],
    name: str = "collector-a",
    settings: SenderSettings | None = None,
    **kwargs: object,
) -> Sender:
    return Sender(sessions, BOX, name, Transports(wall=lambda: WALL), settings, **kwargs)  # type: ignore[arg-type]


def outage(session: Session, sites: list[Site], start: datetime) -> datetime:
    """These schools' gateways stop answering for three polls (past the 10-minute delay);
    when their message is due (it waits ``group_wait`` for company)."""
    for step in range(3):
        at = start + step * STEP
        poll(session, at, *[down(s.gateway, at) for s in sites])
    return start + 2 * STEP + AlertSettings().group_wait


def test_the_wecom_robot_gets_a_markdown_message(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 2)
    with http_receiver() as robot:
        subscribe(
            session, "wecom", TransportKind.WECOM, robot.url(f"/cgi-bin/webhook/send?key={TOKEN}")
        )
        now = outage(session, sites, T0)
        assert sender(sessions).step(now).sent == 1
    (call,) = robot.received
    assert call.query == {"key": [TOKEN]}
    payload = call.json()
    assert payload["msgtype"] == "markdown"
    assert set(payload["markdown"]) == {"content"}
    assert all(s.name in payload["markdown"]["content"] for s in sites)


def test_the_dingtalk_robot_gets_a_signed_markdown_message(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 1)
    with http_receiver() as robot:
        subscribe(
            session,
            "ding",
            TransportKind.DINGTALK,
            robot.url(f"/robot/send?access_token={TOKEN}"),
            secret=SECRET,
        )
        now = outage(session, sites, T0)
        assert sender(sessions).step(now).sent == 1
    (call,) = robot.received
    timestamp = call.query["timestamp"][0]
    assert timestamp == str(int(WALL * 1000))  # milliseconds
    # DingTalk's documented check: HMAC-SHA256 keyed with the secret over "timestamp\nsecret",
    # base64, sent URL-encoded (parse_qs has decoded it).
    string_to_sign = f"{timestamp}\n{SECRET}".encode()
    expected = base64.b64encode(hmac.new(SECRET.encode(), string_to_sign, hashlib.sha256).digest())
    assert call.query["sign"] == [expected.decode()]
    assert call.query["access_token"] == [TOKEN]
    payload = call.json()
    assert payload["msgtype"] == "markdown"
    assert sites[0].name in payload["markdown"]["title"]
    assert sites[0].name in payload["markdown"]["text"]


def test_the_feishu_robot_gets_a_signed_message(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 1)
    with http_receiver(lambda _: (200, {"code": 0, "msg": "success"})) as robot:
        subscribe(
            session,
            "feishu",
            TransportKind.FEISHU,
            robot.url(f"/open-apis/bot/v2/hook/{TOKEN}"),
            secret=SECRET,
            language=MessageLanguage.EN,
        )
        now = outage(session, sites, T0)
        assert sender(sessions).step(now).sent == 1
    payload = robot.received[0].json()
    assert payload["timestamp"] == str(int(WALL))  # seconds
    # Feishu's documented check: HMAC-SHA256 keyed with "timestamp\nsecret" over nothing, base64.
    key = f"{payload['timestamp']}\n{SECRET}".encode()
    assert payload["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert payload["msg_type"] == "text"
    assert "School 1" in payload["content"]["text"]


def test_a_robot_that_refuses_in_its_answer_is_a_failed_delivery(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 1)
    with http_receiver(lambda _: (200, {"errcode": 310000, "errmsg": "sign not match"})) as robot:
        subscribe(session, "ding", TransportKind.DINGTALK, robot.url(), secret=SECRET)
        now = outage(session, sites, T0)
        result = sender(sessions).step(now)
    assert (result.sent, result.failed) == (0, 1)
    (row,) = outbox(session)
    assert row.state is OutboxState.PENDING and "310000" in (row.last_answer or "")


def test_the_generic_webhook_is_signed_and_carries_the_idempotency_key(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 3)
    with http_receiver() as hook:
        subscribe(session, "hook", TransportKind.WEBHOOK, hook.url(), secret=SECRET)
        now = outage(session, sites, T0)
        sender(sessions).step(now)
    (call,) = hook.received
    (row,) = outbox(session)
    assert call.headers["Idempotency-Key"] == row.idempotency_key
    expected = hmac.new(SECRET.encode(), call.body, hashlib.sha256).hexdigest()
    assert call.headers["X-Digicampus-Signature"] == f"sha256={expected}"
    body = call.json()
    assert body["id"] == row.idempotency_key
    assert [e["school_code"] for e in body["events"]] == [s.code for s in sites]


def test_mail_goes_over_starttls_in_the_subscription_language(
    session: Session, actor: Actor, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    sites = build_sites(session, actor, COUNTY, 2)
    subscribe(session, "mail", TransportKind.EMAIL, "it@chuxiong.example.cn, boss@example.cn")
    now = outage(session, sites, T0)
    with smtp_server(tmp_path) as (mailbox, port, ca):
        plain = SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender="dc@example.cn")
        refused = Sender(sessions, BOX, "a", Transports(smtp=plain)).step(now)
        assert refused.failed == 1 and mailbox.mails == []  # the server insists on STARTTLS
        tls = SmtpSettings(host="127.0.0.1", port=port, sender="dc@example.cn", ca_file=str(ca))
        assert (
            Sender(sessions, BOX, "a", Transports(smtp=tls)).step(now + timedelta(hours=1)).sent
            == 1
        )
    (mail,) = mailbox.mails
    (row,) = outbox(session)
    assert mail["Subject"] == row.subject and mail["Subject"].startswith("[严重] 2 条告警")
    assert mail["Message-ID"] == f"<{row.idempotency_key[:40]}@digicampus>"
    assert mailbox.envelopes == [("dc@example.cn", ["it@chuxiong.example.cn", "boss@example.cn"])]
    text = mail.get_content()
    assert all(s.name in text for s in sites) and "楚雄市" in text


def test_a_receiver_down_then_back_gets_every_message_once_across_a_sender_restart(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 5)
    settings = SenderSettings(attempts=20, base=timedelta(seconds=30), lease=timedelta(minutes=2))
    hook = HttpReceiver()
    hook.start()
    url = hook.url()
    hook.stop()  # down: connections are refused
    subscribe(session, "hook", TransportKind.WEBHOOK, url, secret=SECRET)
    first = sender(sessions, "collector-a", settings)
    now = T0
    for site in sites:  # one school after another goes down: a message each
        now = outage(session, [site], now) + STEP
        result = first.step(now)
        assert result.sent == 0
    pending = outbox(session)
    assert len(pending) == 5 and {m.state for m in pending} == {OutboxState.PENDING}
    assert all(m.attempts >= 1 for m in pending)
    # Backoff: a failed message is not tried again before its next attempt.
    assert first.step(now + timedelta(seconds=1)).failed == 0

    hook.start()  # back, on the same port
    try:

        def die_after_second(message_id: int) -> None:
            if len(hook.received) == 2:
                raise SystemExit("the collector died between the answer and the mark")

        crashing = sender(sessions, "collector-a", settings, after_send=die_after_second)
        now += timedelta(hours=1)
        with pytest.raises(SystemExit):
            crashing.step(now)
        assert len(hook.received) == 2
        second = sender(sessions, "collector-b", settings)
        assert not second.step(now).leader  # the dead sender's lease holds until it expires
        now += settings.lease + timedelta(seconds=1)
        steps = []
        for _ in range(24):  # two hours of steps: the last retry pause is at most one hour
            steps.append(second.step(now))
            now += timedelta(minutes=5)
        assert all(s.leader for s in steps) and sum(s.failed for s in steps) == 0
        assert sum(s.sent for s in steps) == 4
    finally:
        hook.stop()
    session.expire_all()
    rows = outbox(session)
    assert {m.state for m in rows} == {OutboxState.SENT}
    keys = [r.headers["Idempotency-Key"] for r in hook.received]
    # The one message the dead sender delivered but never marked comes again, same key: the
    # receiver drops it. Every message is there, once.
    assert len(keys) == 6 and sorted(set(keys)) == sorted(m.idempotency_key for m in rows)


def test_a_county_outage_polled_over_several_batches_is_still_one_message_per_subscription(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 30)
    with http_receiver() as hook:
        subscribe(session, "county", TransportKind.WEBHOOK, hook.url("/county"), region_code=COUNTY)
        subscribe(session, "everything", TransportKind.WECOM, hook.url("/all"))
        # The cycle polls the county's gateways a few at a time over five minutes.
        for step in range(3):
            for n in range(6):
                at = T0 + step * STEP + n * timedelta(seconds=50)
                poll(session, at, *[down(s.gateway, at) for s in sites[n * 5 : n * 5 + 5]])
        assert len(outbox(session)) == 12  # six batches wrote one message each, per subscription
        now = T0 + 2 * STEP + AlertSettings().group_wait
        result = sender(sessions).step(now)
        assert result.sent == 2
        late = now + timedelta(minutes=10)
        assert sender(sessions).step(late).sent == 0
    assert sorted(call.path for call in hook.received) == ["/all", "/county"]
    county = next(call for call in hook.received if call.path == "/county").json()
    assert sorted(e["school_code"] for e in county["events"]) == sorted(s.code for s in sites)
    assert county["subject"].startswith("[严重] 30 条告警")
    everything = next(call for call in hook.received if call.path == "/all").json()
    assert all(s.name in everything["markdown"]["content"] for s in sites[:20])


def test_two_senders_never_send_at_the_same_time(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 1)
    with http_receiver() as hook:
        subscribe(session, "hook", TransportKind.WEBHOOK, hook.url())
        now = outage(session, sites, T0)
        a, b = sender(sessions, "a"), sender(sessions, "b")
        assert a.step(now).leader and not b.step(now).leader
        a.stop()  # a collector that stops hands over at once
        assert b.step(now).leader
    assert len(hook.received) == 1


def test_a_message_that_keeps_failing_is_a_dead_letter_with_the_answer_masked(
    session: Session, actor: Actor, sessions: sessionmaker[Session]
) -> None:
    sites = build_sites(session, actor, COUNTY, 1)

    def refuse(call: Received) -> tuple[int, dict[str, object]]:
        return 403, {"error": f"bad sign for {call.path}?access_token={TOKEN} secret {SECRET}"}

    settings = SenderSettings(attempts=3, base=timedelta(seconds=30))
    with http_receiver(refuse) as robot:
        subscribe(
            session,
            "ding",
            TransportKind.DINGTALK,
            robot.url(f"/robot/send?access_token={TOKEN}"),
            secret=SECRET,
        )
        now = outage(session, sites, T0)
        steps = [
            sender(sessions, settings=settings).step(now + timedelta(minutes=10 * n))
            for n in range(5)
        ]
    assert [(s.failed, s.dead) for s in steps] == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    assert len(robot.received) == 3
    (row,) = outbox(session)
    assert row.state is OutboxState.DEAD and row.attempts == 3
    answer = row.last_answer or ""
    assert answer.startswith("HTTP 403") and "***" in answer
    assert TOKEN not in answer and SECRET not in answer


def test_backoff_doubles_up_to_the_longest_pause() -> None:
    settings = SenderSettings(base=timedelta(seconds=30), longest=timedelta(minutes=10))
    assert [settings.pause(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_masking_hides_secrets_tokens_and_hook_paths() -> None:
    text = f"POST /open-apis/bot/v2/hook/{TOKEN} ?access_token={TOKEN}&sign=abc%3D {SECRET}"
    masked = mask(text, SECRET)
    assert TOKEN not in masked and SECRET not in masked and "abc" not in masked


@pytest.fixture(autouse=True)
def _no_stray_outbox(engine: Engine) -> Iterator[None]:
    yield
    with engine.begin() as conn:
        conn.execute(sa.delete(OutboxMessage))
