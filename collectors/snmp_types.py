"""What the SNMP client takes and returns: plain data, no pysnmp types.

The poll cycle builds :class:`Target` objects from the inventory (a device id, its management
address and its decrypted credential), hands them to an :class:`SnmpClient` and receives
:class:`PollReply` objects. Only ``collectors.client`` imports pysnmp; everything here can be
used, faked (``collectors.client.fake``) and tested without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion

# What one OID came back as: an integer (INTEGER, Counter32/64, Gauge32, TimeTicks), a string
# (OCTET STRING as text, OBJECT IDENTIFIER and IpAddress in dotted form), or None when the
# agent has no such object (noSuchObject / noSuchInstance / endOfMibView).
OidValue = int | str | None

# RFC 3414: a USM pass phrase has at least 8 characters.
MIN_USM_KEY_LENGTH = 8


class Failure(StrEnum):
    """Why a device did not answer a poll usefully (same values as ``PollFailure``).

    ``auth_failure`` means the device is alive but refuses our credentials: it is not "down".
    """

    TIMEOUT = "timeout"  # no usable answer within timeout × (retries + 1)
    AUTH_FAILURE = "auth_failure"  # wrong digest, unknown user, decryption error, …
    MALFORMED = "malformed"  # the agent answered, but nothing that decodes as our reply
    ERROR_STATUS = "error_status"  # the agent answered with errorStatus ≠ 0 (genErr, …)
    UNREACHABLE = "unreachable"  # OS/ICMP error: no route, refused, unresolvable name
    NO_CREDENTIALS = "no_credentials"  # the device has no SNMP credential to poll with


class PlainCredentialLike(Protocol):
    """What ``inventory.services.credentials.PlainCredential`` looks like (duck-typed)."""

    @property
    def version(self) -> SnmpVersion: ...
    @property
    def community(self) -> str | None: ...
    @property
    def username(self) -> str | None: ...
    @property
    def auth_protocol(self) -> SnmpAuthProtocol | None: ...
    @property
    def auth_key(self) -> str | None: ...
    @property
    def priv_protocol(self) -> SnmpPrivProtocol | None: ...
    @property
    def priv_key(self) -> str | None: ...


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


@dataclass(frozen=True, repr=False)
class SnmpCredentials:
    """How to talk to one agent; secrets in clear (decrypted), so its repr masks them.

    v1/v2c need ``community``; v3 needs ``username``, ``auth_protocol`` and ``auth_key`` and,
    for authPriv, ``priv_protocol`` (aes128 / aes256) and ``priv_key``. AES-256 is the
    draft-blumenthal key extension (net-snmp's ``AES-256``); with SHA-256 or stronger
    authentication it is the same key as the "Cisco" (Reeder) variant.
    """

    version: SnmpVersion
    community: str | None = None
    username: str | None = None
    auth_protocol: SnmpAuthProtocol | None = None
    auth_key: str | None = None
    priv_protocol: SnmpPrivProtocol = SnmpPrivProtocol.NONE
    priv_key: str | None = None

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise ValueError(f"incomplete SNMP{self.version.value} credentials: {problem}")

    def _problem(self) -> str | None:
        """What makes these credentials unusable (never quoting a secret), or None."""
        if self.version is not SnmpVersion.V3:
            return None if self.community else "community is required"
        if not self.username:
            return "username is required"
        if self.auth_protocol is None or self.auth_key is None:
            return "auth_protocol and auth_key are required"
        if len(self.auth_key) < MIN_USM_KEY_LENGTH:
            return f"auth_key must have at least {MIN_USM_KEY_LENGTH} characters"
        if self.priv_protocol is not SnmpPrivProtocol.NONE:
            if self.priv_key is None:
                return f"priv_key is required with priv_protocol {self.priv_protocol.value}"
            if len(self.priv_key) < MIN_USM_KEY_LENGTH:
                return f"priv_key must have at least {MIN_USM_KEY_LENGTH} characters"
        return None

    @property
    def security_level(self) -> str:
        """``community`` for v1/v2c, else ``authNoPriv`` or ``authPriv``."""
        if self.version is not SnmpVersion.V3:
            return "community"
        return "authNoPriv" if self.priv_protocol is SnmpPrivProtocol.NONE else "authPriv"

    def secrets(self) -> tuple[str, ...]:
        """The secret strings in these credentials (to scrub them from any text)."""
        return tuple(s for s in (self.community, self.auth_key, self.priv_key) if s)

    @classmethod
    def from_plain(cls, plain: PlainCredentialLike) -> SnmpCredentials:
        """From a decrypted inventory credential (``credentials.reveal``); ValueError if unusable."""
        v3 = plain.version is SnmpVersion.V3
        return cls(
            version=plain.version,
            community=None if v3 else plain.community,
            username=plain.username if v3 else None,
            auth_protocol=plain.auth_protocol if v3 else None,
            auth_key=plain.auth_key if v3 else None,
            priv_protocol=(plain.priv_protocol or SnmpPrivProtocol.NONE)
            if v3
            else SnmpPrivProtocol.NONE,
            priv_key=plain.priv_key if v3 else None,
        )

    def __repr__(self) -> str:
        auth = "None" if self.auth_protocol is None else self.auth_protocol.value
        return (
            f"SnmpCredentials(version={self.version.value}, community={_mask(self.community)}, "
            f"username={self.username!r}, auth_protocol={auth}, "
            f"auth_key={_mask(self.auth_key)}, priv_protocol={self.priv_protocol.value}, "
            f"priv_key={_mask(self.priv_key)})"
        )


@dataclass(frozen=True)
class Target:
    """One device to poll: ``key`` is the inventory's device id.

    ``credentials`` None registers the device but every request answers ``no_credentials``.
    A request waits at most ``timeout × (retries + 1)`` seconds for an answer.
    """

    key: int
    host: str
    port: int = 161
    credentials: SnmpCredentials | None = None
    timeout: float = 1.0
    retries: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a UDP port")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.retries < 0:
            raise ValueError("retries must not be negative")


@dataclass(frozen=True)
class PollReply:
    """The outcome of one request (GET or walk) to one target.

    ``ok`` is True when the agent answered without error; otherwise ``failure`` says why and
    ``detail`` explains in words (never containing a secret). ``values`` maps each numeric OID
    (no leading dot) to its value, None where the agent has no such object; a failed walk
    keeps what it had read before the error. ``elapsed`` is wall seconds for the whole call.
    """

    key: int
    ok: bool
    failure: Failure | None = None
    detail: str | None = None
    elapsed: float = 0.0
    values: dict[str, OidValue] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterResult:
    """What one ``register`` call did: only ``added`` and ``changed`` targets cost anything.

    ``discovered`` counts the added or changed SNMPv3 targets whose agent answered engine
    discovery during ``register``; the others are discovered before their first request.
    """

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    discovered: int = 0


class SnmpClient(Protocol):
    """An SNMP client bound to one event loop, with targets registered up front.

    Concurrency is the caller's business: keep 50–100 requests in flight per client.
    Decoding is CPU-bound; beyond ~100 in flight replies wait past their timeout and live
    devices are reported as timeouts — scale with processes, not concurrency. (The pysnmp
    client bounds its v1/v2c requests on the wire itself; SNMPv3 ones it does not.)

    For v1/v2c a wrong community gets no reply at all (``timeout``): a caller that wants to
    tell "wrong community" from "down" calls :meth:`probe_v3_engine` after a timeout.
    """

    async def register(self, targets: Iterable[Target]) -> RegisterResult:
        """Add or update targets; a target equal to the registered one costs nothing.

        New or changed SNMPv3 targets are discovered here (one unauthenticated round trip
        each, concurrently): an agent that does not answer delays ``register`` by up to its
        timeout × (retries + 1).
        """
        ...

    def unregister(self, keys: Iterable[int]) -> int:
        """Forget these targets (unknown keys are ignored); returns how many were removed."""
        ...

    def keys(self) -> frozenset[int]:
        """The keys of the registered targets."""
        ...

    async def get(
        self, key: int, oids: Sequence[str], sent: Callable[[], None] | None = None
    ) -> PollReply:
        """One GET of ``oids`` (numeric); KeyError if ``key`` is not registered.

        ``sent`` is called when the request goes on the wire (after any wait for a place in
        the client's window), at most once.
        """
        ...

    async def walk(
        self, key: int, column_oids: Sequence[str], max_repetitions: int = 10
    ) -> PollReply:
        """GETBULK walk of table columns (GETNEXT for v1); stops at the first error."""
        ...

    async def probe_v3_engine(self, key: int) -> bool:
        """Whether an unauthenticated SNMPv3 engine-discovery request gets a Report back.

        A live agent answers it whatever our community, so after a v1/v2c timeout True means
        "alive, refuses our community" (an auth failure), False "down or v3 disabled".
        """
        ...

    async def close(self) -> None:
        """Release sockets and timers; the client cannot be used afterwards."""
        ...
