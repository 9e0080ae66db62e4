"""The pysnmp client against real agents on loopback: versions, security levels, faults."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import threading
import time
from typing import Any

import pytest

from collectors import client as client_module
from collectors.client import PysnmpClient
from collectors.profiles import load_profile
from collectors.snmp_types import Failure, PollReply, SnmpCredentials, Target
from demo.simulation import SimAgent, SimUser, SnmpSimulator
from demo.udp_agents import loopback_endpoints
from inventory.choices import PollFailure, SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion
from inventory.services.credentials import PlainCredential
from tests.snmp_fixtures import (
    AUTH_KEY,
    COMMUNITY,
    MUTABLE,
    OTHER_AUTH_KEY,
    OTHER_PRIV_KEY,
    PRIV_KEY,
    SWITCH,
    V3_USERS,
    Lab,
    community,
    lab_fixture,  # noqa: F401  (the lab fixture)
    mutable_device_fixture,  # noqa: F401  (the mutable_device fixture)
    require_snmpsim,
    target,
    v3_credentials,
    with_client,
)

PROFILE = load_profile()
OID = {obj.name: obj.oid for obj in (*PROFILE.scalars, *PROFILE.columns)}
SYSTEM = [OID[name] for name in ("sysDescr", "sysObjectID", "sysUpTime", "sysName")]


def instance(column: str, if_index: int) -> str:
    return f"{OID[column]}.{if_index}"


def assert_switch_values(reply: PollReply, counter64: bool = True) -> None:
    """The GET of ``switch_oids()`` answered as SWITCH describes."""
    assert reply.ok, reply
    assert reply.failure is None and reply.detail is None
    values = reply.values
    assert values[OID["sysDescr"]] == SWITCH.sys_descr
    assert values[OID["sysObjectID"]] == SWITCH.sys_object_id
    assert values[OID["sysUpTime"]] == SWITCH.sys_uptime
    assert values[OID["sysName"]] == SWITCH.sys_name
    up_link = SWITCH.interfaces[0]
    assert values[instance("ifName", 1)] == "GE0/0/1"
    assert values[instance("ifAlias", 1)] == up_link.alias
    assert values[instance("ifOperStatus", 1)] == 1
    assert values[instance("ifOperStatus", 2)] == 2
    assert values[instance("ifAdminStatus", 3)] == 2
    assert values[instance("ifHighSpeed", 2)] == 100
    assert values[instance("ifInErrors", 1)] == 3
    if counter64:
        assert values[instance("ifHCInOctets", 1)] == 2**64 - 1000
        assert values[instance("ifHCOutOctets", 1)] == 123_456_789
    else:  # SNMPv1 has no Counter64: the agent answers noSuchName, the client None
        assert values[instance("ifHCInOctets", 1)] is None
        assert values[instance("ifHCOutOctets", 1)] is None


def switch_oids() -> list[str]:
    return [
        *SYSTEM,
        instance("ifName", 1),
        instance("ifAlias", 1),
        instance("ifOperStatus", 1),
        instance("ifOperStatus", 2),
        instance("ifAdminStatus", 3),
        instance("ifHighSpeed", 2),
        instance("ifInErrors", 1),
        instance("ifHCInOctets", 1),
        instance("ifHCOutOctets", 1),
    ]


def test_failure_classes_are_the_inventorys() -> None:
    assert [f.value for f in Failure] == [f.value for f in PollFailure]


def test_v2c_get(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> PollReply:
        await client.register([target(1, lab.switch, community())])
        return await client.get(1, switch_oids())

    reply = with_client(body)
    assert_switch_values(reply)
    assert reply.key == 1 and 0 < reply.elapsed < 2
    assert list(reply.values) == switch_oids()  # in the order asked


def test_v1_get_leaves_out_what_v1_cannot_carry(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> PollReply:
        await client.register([target(1, lab.switch, community(version=SnmpVersion.V1))])
        return await client.get(1, switch_oids())

    assert_switch_values(with_client(body), counter64=False)


@pytest.mark.parametrize(("user", "auth", "priv"), V3_USERS[:-1], ids=[u[0] for u in V3_USERS[:-1]])
def test_v3_get(lab: Lab, user: str, auth: SnmpAuthProtocol, priv: SnmpPrivProtocol) -> None:
    async def body(client: PysnmpClient) -> tuple[Any, PollReply, PollReply]:
        registered = await client.register(
            [target(1, lab.switch, v3_credentials(user, auth, priv))]
        )
        return registered, await client.get(1, switch_oids()), await client.get(1, SYSTEM)

    registered, first, second = with_client(body)
    assert registered.discovered == 1
    assert_switch_values(first)
    assert second.ok and second.values[OID["sysName"]] == SWITCH.sys_name


def test_missing_objects_are_none_not_errors(lab: Lab) -> None:
    oids = [
        instance("ifAlias", 3),  # the agent lacks this instance
        instance("ifHighSpeed", 4),  # … and this one
        instance("ifName", 99),  # no such interface
        "1.3.6.1.2.1.1.9.0",  # no such object (sysORLastChange is .8; .9.0 is not an instance)
        "1.3.6.1.4.1.99999.1.0",  # an enterprise subtree the agent does not have
        OID["sysName"],
    ]

    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register(
            [
                target(1, lab.switch, community()),
                target(
                    2,
                    lab.switch,
                    v3_credentials("campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128),
                ),
                target(3, lab.switch, community(version=SnmpVersion.V1)),
            ]
        )
        return [await client.get(key, oids) for key in (1, 2, 3)]

    for reply in with_client(body):
        assert reply.ok, reply
        assert reply.values == {**dict.fromkeys(oids[:-1]), OID["sysName"]: SWITCH.sys_name}


def test_no_answer_times_out_after_timeout_times_tries(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register(
            [
                target(1, lab.dead, community(), timeout=0.5, retries=1),
                target(2, lab.dead, community(), timeout=0.3, retries=0),
                target(
                    3,
                    lab.dead,
                    v3_credentials("campus", SnmpAuthProtocol.SHA, SnmpPrivProtocol.NONE),
                    timeout=0.3,
                    retries=1,
                ),
            ]
        )
        started = time.monotonic()
        got = list(await asyncio.gather(*(client.get(k, SYSTEM) for k in (1, 2, 3))))
        waited.append(time.monotonic() - started)
        return got

    waited: list[float] = []
    replies = with_client(body)
    for reply, (timeout, tries) in zip(replies, ((0.5, 2), (0.3, 1), (0.3, 2)), strict=True):
        assert reply.failure is Failure.TIMEOUT and not reply.ok, reply
        assert reply.values == {}
        # pysnmp counts a timeout in 0.1 s ticks of its timer: a try may end a tick early
        assert timeout * tries - 0.11 * tries <= reply.elapsed <= timeout * tries + 1.0, reply
        assert "no reply" in (reply.detail or "")
    # The GETs ran at once: one after another would take at least the sum of their waits.
    # (A ratio of two times on one machine, not a number of seconds: it holds under load.)
    assert waited[0] < sum(reply.elapsed for reply in replies), (waited, replies)


def test_wrong_community_gets_no_reply_but_the_agent_is_seen_alive(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> tuple[PollReply, bool, bool, bool, bool]:
        await client.register(
            [
                target(1, lab.switch, community("not-the-community"), timeout=0.3),
                target(2, lab.dead, community(), timeout=0.3),
                target(3, lab.closed, community(), timeout=0.3),
                target(4, lab.switch, community(), timeout=0.3),
            ]
        )
        reply = await client.get(1, SYSTEM)
        alive = [await client.probe_v3_engine(key) for key in (1, 2, 3, 4)]
        return (reply, *alive)  # type: ignore[return-value]

    reply, wrong_community, dead, closed, right = with_client(body)
    assert reply.failure is Failure.TIMEOUT  # v1/v2c agents drop a wrong community silently
    assert wrong_community is True  # … yet answer SNMPv3 discovery: alive, auth failure
    assert dead is False and closed is False
    assert right is True


@pytest.mark.parametrize(
    ("credentials", "indication"),
    [
        (
            v3_credentials(
                "sha-aes128",
                SnmpAuthProtocol.SHA,
                SnmpPrivProtocol.AES128,
                auth_key="wrong-auth-key",
            ),
            "WrongDigest",
        ),
        (
            v3_credentials(
                "sha-aes128",
                SnmpAuthProtocol.SHA,
                SnmpPrivProtocol.AES128,
                priv_key="wrong-priv-key",
            ),
            "DecryptionError",
        ),
        (
            v3_credentials("nobody", SnmpAuthProtocol.SHA, SnmpPrivProtocol.AES128),
            "UnknownUserName",
        ),
        # The right keys with the wrong authentication protocol: the digest does not match.
        (
            v3_credentials("sha-aes128", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128),
            "WrongDigest",
        ),
    ],
    ids=["wrong-auth-key", "wrong-priv-key", "unknown-user", "wrong-auth-protocol"],
)
def test_v3_wrong_credentials_are_auth_failures(
    lab: Lab, credentials: SnmpCredentials, indication: str
) -> None:
    async def body(client: PysnmpClient) -> tuple[PollReply, PollReply]:
        await client.register([target(1, lab.switch, credentials)])
        return await client.get(1, SYSTEM), await client.walk(1, [OID["ifName"]])

    for reply in with_client(body):
        assert reply.failure is Failure.AUTH_FAILURE, reply
        assert reply.detail is not None and reply.detail.startswith(indication)
        assert reply.elapsed < 1.5  # the agent reports at once: no 2 s timeout waited for


def test_garbage_answers_are_malformed(lab: Lab) -> None:
    """pysnmp drops datagrams it cannot decode and reports RequestTimedOut (sometimes after a
    TypeError escaping from pyasn1); the client, which watched the socket, says malformed."""

    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register(
            [
                target(1, lab.garbage, community(), timeout=0.3),
                target(
                    2,
                    lab.garbage,
                    v3_credentials("campus", SnmpAuthProtocol.SHA, SnmpPrivProtocol.NONE),
                    timeout=0.3,
                ),
                target(3, lab.switch, community(), timeout=0.3),
            ]
        )
        return [
            await client.get(1, SYSTEM),
            await client.get(2, SYSTEM),
            await client.walk(1, [OID["ifName"]]),
            await client.get(3, SYSTEM),  # the engine still works after the garbage
        ]

    v2c, v3, walk, healthy = with_client(body)
    for reply in (v2c, walk):
        assert reply.failure is Failure.MALFORMED, reply
        assert reply.detail and "were not SNMP" in reply.detail
        assert 0.6 - 0.25 <= reply.elapsed <= 0.6 + 1.0  # after the timeout, not before
    assert v3.failure is Failure.MALFORMED and "discovery did not decode" in (v3.detail or "")
    assert healthy.ok


def test_unreachable_and_no_credentials(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register(
            [
                Target(1, "255.255.255.255", 161, community(), timeout=0.2, retries=0),
                Target(2, "no-such-device.invalid", 161, community()),
                Target(3, lab.switch[0], lab.switch[1], None),
                target(
                    4,
                    lab.closed,
                    v3_credentials("campus", SnmpAuthProtocol.SHA, SnmpPrivProtocol.NONE),
                ),
                target(5, lab.closed, community(), timeout=5.0),
                target(6, lab.switch, community(), timeout=5.0),
            ]
        )
        replies = [await client.get(key, SYSTEM) for key in (1, 2, 3, 4)]
        # Many closed-port requests at once, among live ones on the same socket: each is
        # answered by its own ICMP error, none of the live ones is.
        return replies + list(
            await asyncio.gather(*(client.get(k, SYSTEM) for k in (5, 6, 5, 6, 5, 6)))
        )

    broadcast, unresolvable, no_credentials, closed, *together = with_client(body)
    assert broadcast.failure is Failure.UNREACHABLE and "Permission denied" in (
        broadcast.detail or ""
    )
    assert unresolvable.failure is Failure.UNREACHABLE and "cannot resolve" in (
        unresolvable.detail or ""
    )
    assert no_credentials.failure is Failure.NO_CREDENTIALS and no_credentials.elapsed < 0.01
    # v3 discovery uses a connected socket, which does see ICMP port unreachable
    assert closed.failure is Failure.UNREACHABLE and "ICMP" in (closed.detail or "")
    assert closed.elapsed < 1.0
    # v2c on the client's own socket sees the ICMP error too, well before its 5 s timeout
    for closed_v2c in together[::2]:
        assert closed_v2c.failure is Failure.UNREACHABLE, closed_v2c
        assert "port unreachable (ICMP)" in (closed_v2c.detail or "")
        assert closed_v2c.elapsed < 5.0
    assert all(live.ok for live in together[1::2]), together


@pytest.mark.parametrize("version", [SnmpVersion.V2C, SnmpVersion.V1, SnmpVersion.V3])
def test_walk_returns_every_interface(lab: Lab, version: SnmpVersion) -> None:
    credentials = (
        v3_credentials("sha-aes256", SnmpAuthProtocol.SHA, SnmpPrivProtocol.AES256)
        if version is SnmpVersion.V3
        else community(version=version)
    )
    columns = PROFILE.discovery_column_oids()

    async def body(client: PysnmpClient) -> PollReply:
        await client.register([target(1, lab.switch, credentials)])
        return await client.walk(1, columns, max_repetitions=3)  # several requests per column

    reply = with_client(body)
    assert reply.ok, reply
    rows = PROFILE.rows(reply.values)
    assert list(rows) == [1, 2, 3, 4]
    for interface in SWITCH.interfaces:
        row = rows[interface.index]
        assert row["ifName"] == interface.name
        assert row["ifDescr"] == (interface.descr or interface.name)
        assert row["ifOperStatus"] == interface.oper_status
        assert row["ifAdminStatus"] == interface.admin_status
        assert row["ifInErrors"] == interface.in_errors
        if version is SnmpVersion.V1:
            assert "ifHCInOctets" not in row  # no Counter64 in v1: the column ends at once
        else:
            assert row["ifHCInOctets"] == interface.in_octets
            assert row["ifHCOutOctets"] == interface.out_octets
    # the agent lacks ifAlias.3 and ifHighSpeed.4: a walk just does not see them
    assert "ifAlias" not in rows[3] and rows[1]["ifAlias"] == "上联 电信"
    assert "ifHighSpeed" not in rows[4] and rows[2]["ifHighSpeed"] == 100
    # nothing outside the columns asked for
    assert all(any(oid.startswith(c + ".") for c in columns) for oid in reply.values)


def test_walk_of_a_dead_host_is_one_timeout(lab: Lab) -> None:
    async def body(client: PysnmpClient) -> PollReply:
        await client.register([target(1, lab.dead, community(), timeout=0.4, retries=1)])
        return await client.walk(1, PROFILE.discovery_column_oids(), max_repetitions=2)

    reply = with_client(body)
    assert reply.failure is Failure.TIMEOUT and reply.values == {}
    assert 0.8 - 0.25 <= reply.elapsed <= 0.8 + 1.0  # one timeout, not one per column


def test_registration_is_incremental(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """2,000 targets cost once; registering them again with 10 more costs only the 10."""
    hosts = [f"127.250.{n // 250}.{n % 250 + 1}" for n in range(2000)]
    many = [Target(n, host, 1161, community(), timeout=0.5) for n, host in enumerate(hosts)]
    new = [target(10_000 + n, lab.switch, community()) for n in range(10)]

    async def body(client: PysnmpClient) -> list[Any]:
        started = time.perf_counter()
        first = await client.register(many)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = await client.register([*many, *new])
        second_s = time.perf_counter() - started
        started = time.perf_counter()
        third = await client.register([*many, *new])
        third_s = time.perf_counter() - started
        changed = await client.register([dataclasses.replace(many[0], timeout=0.7)])
        replies = [await client.get(t.key, SYSTEM) for t in new[:3]]
        with capsys.disabled():  # the measurement belongs in the test run's output
            print(
                f"\nregister 2,000 targets: {first_s:.2f} s; the same + 10 new: {second_s:.3f} s; "
                f"all again: {third_s:.3f} s"
            )
        return [first, second, third, changed, replies, client.keys()]

    first, second, third, changed, replies, keys = with_client(body)
    assert (first.added, first.changed, first.unchanged) == (2000, 0, 0)
    assert (second.added, second.changed, second.unchanged) == (10, 0, 2000)
    assert (third.added, third.changed, third.unchanged) == (0, 0, 2010)
    assert (changed.added, changed.changed, changed.unchanged) == (0, 1, 0)
    assert all(reply.ok for reply in replies)
    assert len(keys) == 2010


def test_unregister_and_change_targets(lab: Lab) -> None:
    v3 = v3_credentials("campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128)

    async def body(client: PysnmpClient) -> None:
        await client.register([target(1, lab.switch, community()), target(2, lab.switch, v3)])
        engine = client._engine
        lcd = engine.get_user_context(client_module.LCD_CACHE)
        rows = {name: len(lcd[name]) for name in ("auth", "addr")}
        assert (await client.get(1, SYSTEM)).ok and (await client.get(2, SYSTEM)).ok
        assert client.unregister([1, 2, 3]) == 2
        assert client.keys() == frozenset()
        assert {name: len(lcd[name]) for name in ("auth", "addr")} == {"auth": 0, "addr": 0}
        # the v3 user twice (keys, engine) and its address row; v1/v2c targets have no rows
        assert rows == {"auth": 2, "addr": 1}
        with pytest.raises(KeyError):
            await client.get(1, SYSTEM)
        # back again, then with another community: the old one is dropped
        await client.register([target(1, lab.switch, community()), target(2, lab.switch, v3)])
        assert (await client.get(2, SYSTEM)).ok
        wrong = community("not-the-community")
        result = await client.register([target(1, lab.switch, wrong, timeout=0.2, retries=0)])
        assert result.changed == 1
        assert (await client.get(1, SYSTEM)).failure is Failure.TIMEOUT
        assert len(lcd["auth"]) == 2  # the v3 user's two registrations

    with_client(body)


def test_same_user_name_with_other_keys_does_not_rekey(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two agents know user "campus" with different keys: pysnmp registers each pair once."""
    added: list[str] = []
    add_v3_user = client_module.config.add_v3_user

    def counting(engine: Any, user: Any, *args: Any, **kwargs: Any) -> Any:
        added.append(str(user))
        return add_v3_user(engine, user, *args, **kwargs)

    monkeypatch.setattr(client_module.config, "add_v3_user", counting)
    first = v3_credentials("campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128)
    other = v3_credentials(
        "campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128, OTHER_AUTH_KEY, OTHER_PRIV_KEY
    )

    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register([target(1, lab.switch, first), target(2, lab.other, other)])
        registrations = len(added)
        replies = []
        for _ in range(5):
            replies += await asyncio.gather(client.get(1, SYSTEM), client.get(2, SYSTEM))
        assert len(added) == registrations == 4  # 2 key sets + 2 (user, engine ID) pairs
        return replies

    assert all(reply.ok for reply in with_client(body))


def test_counter_wrap_and_agent_restart_between_polls(lab: Lab, mutable_device: Any) -> None:
    hc_in = instance("ifHCInOctets", 1)
    oids = [OID["sysUpTime"], hc_in, instance("ifHCOutOctets", 1)]
    interface = MUTABLE.interfaces[0]

    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register([target(1, lab.mutable, community())])
        replies = [await client.get(1, oids)]
        # 5 minutes later the 64-bit counter has wrapped: 2^64 - 10 + 1000 octets
        lab.update_mutable(
            dataclasses.replace(
                MUTABLE,
                sys_uptime=MUTABLE.sys_uptime + 30_000,
                interfaces=(dataclasses.replace(interface, in_octets=990, out_octets=1050),),
            )
        )
        replies.append(await client.get(1, oids))
        # then the agent restarts: sysUpTime and the counters start again from (near) zero
        lab.update_mutable(
            dataclasses.replace(
                MUTABLE,
                sys_uptime=500,
                interfaces=(dataclasses.replace(interface, in_octets=40, out_octets=20),),
            )
        )
        replies.append(await client.get(1, oids))
        return replies

    before, wrapped, restarted = with_client(body)
    assert before.values == {oids[0]: 100, hc_in: 2**64 - 10, oids[2]: 50}
    assert wrapped.values == {oids[0]: 30_100, hc_in: 990, oids[2]: 1050}
    assert restarted.values == {oids[0]: 500, hc_in: 40, oids[2]: 20}


def test_engine_id_change_is_rediscovered(tmp_path: Any) -> None:
    """A device replaced at the same address (new snmpEngineID) is found again by itself."""
    require_snmpsim()
    (endpoint,) = loopback_endpoints(1)
    user = v3_credentials("campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128)
    sim_user = SimUser(
        "campus", SnmpAuthProtocol.SHA256, AUTH_KEY, SnmpPrivProtocol.AES128, PRIV_KEY
    )

    def simulator(engine_id: str) -> SnmpSimulator:
        agent = SimAgent(*endpoint, MUTABLE, users=(sim_user,), engine_id=engine_id)
        return SnmpSimulator([agent], tmp_path / engine_id)

    async def body(client: PysnmpClient) -> list[PollReply]:
        replies = []
        with simulator("80001f8804aaaa0001"):
            await client.register([target(1, endpoint, user)])
            replies.append(await client.get(1, SYSTEM))
        with simulator("80001f8804bbbb0002"):
            replies.append(await client.get(1, SYSTEM))
            replies.append(await client.get(1, SYSTEM))
        return replies

    replies = with_client(body)
    assert all(reply.ok for reply in replies), replies


def test_secrets_never_leak(lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [COMMUNITY, AUTH_KEY, PRIV_KEY, "not-the-community", "wrong-auth-key-1"]
    v3 = v3_credentials("sha-aes128", SnmpAuthProtocol.SHA, SnmpPrivProtocol.AES128)
    wrong = dataclasses.replace(v3, auth_key="wrong-auth-key-1")
    targets = [
        target(1, lab.switch, community()),
        target(2, lab.switch, v3),
        target(3, lab.switch, wrong),
        target(4, lab.switch, community("not-the-community"), timeout=0.2, retries=0),
        target(5, lab.garbage, v3, timeout=0.2, retries=0),
        target(6, lab.dead, community(), timeout=0.2, retries=0),
    ]

    async def body(client: PysnmpClient) -> list[PollReply]:
        await client.register(targets)
        replies = [await client.get(t.key, SYSTEM) for t in targets]
        replies += [await client.walk(t.key, [OID["ifName"]]) for t in targets]
        await client.probe_v3_engine(4)
        client.unregister([1, 2, 3])
        return replies

    replies = with_client(body)
    assert {r.failure for r in replies} >= {None, Failure.AUTH_FAILURE, Failure.TIMEOUT}
    texts = [repr(t) for t in targets] + [str(t) for t in targets]
    texts += [repr(r) for r in replies] + [r.detail or "" for r in replies]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    assert caplog.records  # the client did log at DEBUG
    for text in texts:
        for secret in secrets:
            assert secret not in text, text


def test_credentials_are_validated_without_quoting_secrets() -> None:
    with pytest.raises(ValueError, match="community is required"):
        SnmpCredentials(SnmpVersion.V2C)
    with pytest.raises(ValueError, match="auth_key must have at least 8") as caught:
        SnmpCredentials(
            SnmpVersion.V3, username="u", auth_protocol=SnmpAuthProtocol.SHA, auth_key="short7!"
        )
    assert "short7!" not in str(caught.value)
    with pytest.raises(ValueError, match="priv_key is required"):
        SnmpCredentials(
            SnmpVersion.V3,
            username="u",
            auth_protocol=SnmpAuthProtocol.SHA,
            auth_key="long-enough",
            priv_protocol=SnmpPrivProtocol.AES128,
        )
    with pytest.raises(ValueError, match="timeout"):
        Target(1, "127.0.0.1", credentials=None, timeout=0)


def test_credentials_from_an_inventory_credential() -> None:
    plain = PlainCredential(
        version=SnmpVersion.V3,
        community=None,
        username="campus",
        auth_protocol=SnmpAuthProtocol.SHA256,
        auth_key=AUTH_KEY,
        priv_protocol=SnmpPrivProtocol.AES256,
        priv_key=PRIV_KEY,
    )
    credentials = SnmpCredentials.from_plain(plain)
    assert credentials.security_level == "authPriv"
    assert credentials.auth_key == AUTH_KEY and AUTH_KEY not in repr(credentials)
    v2c = SnmpCredentials.from_plain(
        PlainCredential(SnmpVersion.V2C, COMMUNITY, None, None, None, None, None)
    )
    assert v2c == community()


def test_a_client_belongs_to_the_event_loop_it_first_ran_on(lab: Lab) -> None:
    client = PysnmpClient()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(client.register([target(1, lab.switch, community())]))
        assert loop.run_until_complete(client.get(1, SYSTEM)).ok
        with pytest.raises(RuntimeError, match="bound to the event loop"):
            asyncio.run(client.get(1, SYSTEM))  # pysnmp itself would hang here
    finally:
        loop.run_until_complete(client.close())
        loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(client.get(1, SYSTEM))


def _community_at(message: bytes) -> tuple[int, int]:
    """Where the community of a v1/v2c message starts and ends (short lengths)."""
    at = 2 + (message[1] & 0x7F if message[1] & 0x80 else 0) + 3  # after INTEGER version
    return at + 2, at + 2 + message[at + 1]


class _Impostors:
    """An agent that answers each request with replies that are not quite ours.

    Each reply is the request turned into a response (every value NULL): from the wrong
    community, in SNMPv1, as a GetRequest, and from another address; with ``honest`` the
    right response follows after 0.3 s.
    """

    def __init__(self, host: str, other: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.1)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind((other, 0))
        self.endpoint: tuple[str, int] = self.sock.getsockname()
        self.honest = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                request, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            start, at = _community_at(request)
            response = request[:at] + b"\xa2" + request[at + 1 :]  # the PDU follows
            wrong = b"x" * (at - start)
            self.sock.sendto(response[:start] + wrong + response[at:], peer)
            self.sock.sendto(response[:4] + b"\x00" + response[5:], peer)  # version 1
            self.sock.sendto(request, peer)  # not a response
            self.other.sendto(response, peer)  # from another address
            if self.honest:
                time.sleep(0.3)
                self.sock.sendto(response, peer)

    def __enter__(self) -> _Impostors:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()
        self.other.close()


def test_v2c_replies_are_matched_by_agent_version_community_and_request_id() -> None:
    host, other = (h for h, _ in loopback_endpoints(2))
    with _Impostors(host, other) as agent:

        async def body(client: PysnmpClient) -> tuple[PollReply, PollReply]:
            await client.register([target(1, agent.endpoint, community(), timeout=0.5)])
            fooled = await client.get(1, SYSTEM)
            agent.honest = True
            return fooled, await client.get(1, SYSTEM)

        fooled, answered = with_client(body)
    assert fooled.failure is Failure.TIMEOUT, fooled  # every impostor ignored
    assert answered.ok and answered.values == dict.fromkeys(SYSTEM), answered
    assert 0.3 <= answered.elapsed < 1.0


def test_many_outstanding_requests_to_a_slow_agent_do_not_time_out(lab: Lab) -> None:
    """snmpsim answers ~200 GETs a second: 600 requests at once would wait ~3 s for their
    replies, beyond timeout × tries; the client's window sends only what can be answered."""

    async def main() -> list[PollReply]:
        client = PysnmpClient(max_in_flight=8)
        try:
            await client.register([target(1, lab.switch, community(), timeout=1.0, retries=1)])
            return list(await asyncio.gather(*(client.get(1, SYSTEM) for _ in range(600))))
        finally:
            await client.close()

    replies = asyncio.run(main())
    assert all(reply.ok for reply in replies), {r.failure for r in replies}


def test_the_window_gives_places_back_in_order_and_learns_the_round_trip() -> None:
    async def main() -> None:
        window = client_module._Window(2)
        assert window.patience(1.0) == client_module.INITIAL_PATIENCE
        await window.acquire()
        await window.acquire()
        order: list[int] = []

        async def wait(n: int) -> None:
            await window.acquire()
            order.append(n)

        waiters = [asyncio.ensure_future(wait(n)) for n in range(3)]
        await asyncio.sleep(0)
        waiters[1].cancel()  # a cancelled waiter gets no place and loses none
        window.release()
        await asyncio.sleep(0)
        window.release()
        await asyncio.gather(*waiters, return_exceptions=True)
        assert order == [0, 2] and window.used == 2
        window.release()
        window.release()
        assert window.used == 0
        for _ in range(50):
            window.sample(0.1)
        assert 0.1 <= window.patience(1.0) < 0.12  # steady round trips: little variance
        assert window.patience(0.05) == 0.05  # never beyond the timeout
        window.sample(0.0)
        assert window.patience(1.0) >= client_module.MIN_PATIENCE

        # slow round trips (the loop is behind) close places; fast ones open them again
        slow = client_module._Window(64)
        assert slow.limit() == 64
        for _ in range(30):
            slow.sample(4 * client_module.TARGET_RTT)
        assert 15 <= slow.limit() <= 17
        for _ in range(200):
            slow.sample(100 * client_module.TARGET_RTT)
        assert slow.limit() == client_module.MIN_WINDOW
        for _ in range(slow.limit()):
            await slow.acquire()
        late = asyncio.ensure_future(slow.acquire())
        await asyncio.sleep(0)
        assert not late.done()  # no place while the round trip is long
        for _ in range(60):
            slow.sample(client_module.TARGET_RTT / 10)
        await asyncio.sleep(0)
        assert late.done() and slow.limit() == 64  # a fast reply opened the window
        with pytest.raises(ValueError):
            PysnmpClient(max_in_flight=0)

    asyncio.run(main())
