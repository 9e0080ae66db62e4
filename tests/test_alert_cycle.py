"""The poll cycle raises alerts itself: each recorded batch evaluates the rules and queues
its messages in the batch's own transaction (FakeSnmpClient: no agent, no socket)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory import alerts
from inventory.alerts import AlertSettings
from inventory.alerts.outbox import coalesce
from inventory.choices import AlertKind, MessageKind
from inventory.models.alerts import Alert, AlertRule
from inventory.models.base import utcnow
from inventory.secretbox import SecretBox
from tests.alerts_fixture import outbox, subscribe
from tests.conftest import COUNTY
from tests.test_cycle_unit import agents, box, network, run  # noqa: F401 (fixtures)


def test_a_poll_cycle_opens_alerts_and_its_messages_fold_into_one(
    engine: Engine,
    session: Session,
    network: dict[str, int],  # noqa: F811
    box: SecretBox,  # noqa: F811
) -> None:
    alerts.ensure_default_rules(session)
    session.execute(sa.update(AlertRule).values(delay_s=0))
    session.execute(
        sa.update(AlertRule)
        .where(AlertRule.kind == AlertKind.CREDENTIAL_FAILING)
        .values(threshold=1)
    )
    subscription = subscribe(session, "county", region_code=COUNTY)
    run(engine, box, agents())
    found = {(a.kind, a.device_id, a.link_id) for a in session.scalars(sa.select(Alert))}
    assert found == {
        (AlertKind.DEVICE_UNREACHABLE, network["dead"], None),
        (AlertKind.UPLINK_DOWN, network["core"], network["down_link"]),
        (AlertKind.UPLINK_DOWN, network["v3"], network["missing_link"]),
        (AlertKind.UPLINK_SLOW, network["slow"], network["slow_link"]),
        (AlertKind.CREDENTIAL_FAILING, network["wrong_community"], None),
        (AlertKind.CREDENTIAL_FAILING, network["wrong_keys"], None),
    }
    # Each batch wrote its message; before the first is due they are folded into one.
    assert {m.subscription_id for m in outbox(session)} == {subscription.id}
    assert sum(len(m.events) for m in outbox(session)) == 6
    coalesce(session, utcnow() + AlertSettings().group_wait)
    session.commit()
    (message,) = outbox(session)
    assert message.kind is MessageKind.OPENED and len(message.events) == 6
    run(engine, box, agents(), force=True)
    assert len(outbox(session)) == 1  # still open: nothing new to tell
