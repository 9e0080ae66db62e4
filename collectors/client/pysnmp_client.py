"""``PysnmpClient``: the ``SnmpClient`` on one pysnmp 7 asyncio engine, from its parts.

The client owns the engine and the registered targets and sends each request the way its
version needs: v1/v2c on its own channel (``community``), v3 through pysnmp's engine with the
users of ``users``, discovered first (``discovery``). See the package docstring for why.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from collectors import ber
from collectors.client.community import CommunityRequests
from collectors.client.discovery import DISCOVERY_CONCURRENCY, discover
from collectors.client.entry import Entry
from collectors.client.failures import (
    NO_SUCH_NAME,
    Problem,
    classify,
    reply,
    status_problem,
)
from collectors.client.pysnmp_api import (
    PYSMI_DEPRECATIONS,
    VB_PROCESSOR,
    CarrierError,
    ContextData,
    ObjectIdentity,
    ObjectType,
    PyAsn1Error,
    PySnmpError,
    SnmpEngine,
    bulk_cmd,
    get_cmd,
    log,
    next_cmd,
)
from collectors.client.transport import MAX_IN_FLIGHT, Observer, Window, observe, transport_for
from collectors.client.users import Registrations
from collectors.client.values import Answer, normalize_oid, plain_answers
from collectors.snmp_types import (
    Failure,
    OidValue,
    PollReply,
    RegisterResult,
    SnmpClient,
    Target,
)
from inventory.choices import SnmpVersion

# The PDU each hlapi command sends, for the v1/v2c requests the client encodes itself.
PDU_TYPES: dict[Callable[..., Any], int] = {
    get_cmd: ber.GET_REQUEST,
    next_cmd: ber.GET_NEXT_REQUEST,
    bulk_cmd: ber.GET_BULK_REQUEST,
}
# A walk that has not ended after this many requests is an agent looping.
MAX_WALK_REQUESTS = 10_000
# ObjectType objects kept ready to send, by OID.
MAX_CACHED_OIDS = 50_000
# Targets whose addresses are resolved at once during ``register``.
RESOLVE_BATCH = 256


class PysnmpClient:
    """``SnmpClient`` on one pysnmp 7 asyncio engine (see the package docstring)."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._window = Window(max_in_flight)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Any = None
        self._observer: Observer | None = None
        self._context: Any = None
        self._mib_view: Any = None
        self._closed = False
        self._entries: dict[int, Entry] = {}
        self._users = Registrations()
        self._object_types: dict[str, Any] = {}
        self._community = CommunityRequests(self._window)

    # --- lifecycle ---------------------------------------------------------------------

    def _bind(self) -> Any:
        """The engine, created on first use in the running loop (RuntimeError elsewhere)."""
        if self._closed:
            raise RuntimeError("the SNMP client is closed")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._engine = SnmpEngine()
            self._observer = Observer(self._engine)
            self._context = ContextData()
            self._mib_view = VB_PROCESSOR.get_mib_view_controller(self._engine.cache)
            self._object_type("1.3.6.1.2.1.1.3.0")  # loads pysnmp's MIB tree (~0.5 s) now
        elif self._loop is not loop:
            raise RuntimeError(
                "this SNMP client is bound to the event loop it first ran on "
                "(pysnmp hangs on another): create one client per event loop"
            )
        return self._engine

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._community.close()
        if self._engine is not None:
            self._engine.close_dispatcher()
        self._entries.clear()
        self._users.clear()
        self._object_types.clear()
        self._engine = None

    def keys(self) -> frozenset[int]:
        return frozenset(self._entries)

    # --- registration ------------------------------------------------------------------

    async def register(self, targets: Iterable[Target]) -> RegisterResult:
        engine = self._bind()
        todo: list[Target] = []
        seen: set[int] = set()
        unchanged = 0
        for target in targets:
            if target.key in seen:
                raise ValueError(f"target key {target.key} given twice")
            seen.add(target.key)
            old = self._entries.get(target.key)
            if old is not None and old.target == target:
                unchanged += 1
            else:
                todo.append(target)
        added = sum(1 for t in todo if t.key not in self._entries)
        transports: list[Any] = []
        for start in range(0, len(todo), RESOLVE_BATCH):
            batch = todo[start : start + RESOLVE_BATCH]
            transports.extend(await asyncio.gather(*(transport_for(t) for t in batch)))
        configured = []
        for n, (target, transport) in enumerate(zip(todo, transports, strict=True)):
            if n and not n % 100:
                await asyncio.sleep(0)  # v3: ~3 ms of pysnmp MIB writes each: let the loop run
            entry = self._configure(engine, target, transport)
            if entry.community is not None and entry.address is not None:
                await self._community.channel(entry.address)
            old = self._entries.get(target.key)
            self._entries[target.key] = entry
            if old is not None:
                self._release(old)
            configured.append(entry)
        discovered = await self._discover_many(
            [e for e in configured if e.v3 and e.unusable is None]
        )
        result = RegisterResult(
            added=added, changed=len(todo) - added, unchanged=unchanged, discovered=discovered
        )
        if todo:
            log.debug("SNMP targets registered: %s", result)
        return result

    def _configure(self, engine: Any, target: Target, transport: Any) -> Entry:
        creds = target.credentials
        if creds is None:
            return Entry(target, unusable=(Failure.NO_CREDENTIALS, "no SNMP credential"))
        entry = Entry(target, secrets=creds.secrets())
        if isinstance(transport, str):
            entry.unusable = (Failure.UNREACHABLE, transport)
            return entry
        if creds.version is not SnmpVersion.V3:
            assert creds.community is not None
            entry.address = transport
            entry.community = creds.community.encode()
            return entry
        self._users.configure(engine, entry, creds, transport)
        observe(engine, transport, self._observer)
        return entry

    def unregister(self, keys: Iterable[int]) -> int:
        removed = 0
        for key in keys:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._release(entry)
                removed += 1
        if removed:
            log.debug("SNMP targets unregistered: %d", removed)
        return removed

    def _release(self, entry: Entry) -> None:
        """Drop this entry's share of its pysnmp rows; delete the rows nobody uses."""
        if self._engine is not None:
            self._users.release(self._engine, entry)

    def _bind_engine(self, entry: Entry, engine_id: bytes) -> None:
        self._users.bind_engine(self._engine, entry, engine_id)

    # --- SNMPv3 engine discovery -------------------------------------------------------

    async def _discover_many(self, entries: Sequence[Entry]) -> int:
        """Discover and bind v3 agents before their first request; how many answered.

        Every user added to pysnmp makes it rebuild its user lookup table on the next
        request, so binding them all here beats binding them one by one within a cycle.
        An agent that does not answer now is discovered again before its first request.
        """
        if not entries:
            return 0
        semaphore = asyncio.Semaphore(DISCOVERY_CONCURRENCY)

        async def discover_one(entry: Entry) -> bool:
            async with semaphore:
                result = await discover(entry)
            current = self._entries.get(entry.target.key) is entry
            if isinstance(result, bytes) and current and entry.engine_id is None:
                self._bind_engine(entry, result)
                return True
            return False

        return sum(await asyncio.gather(*(discover_one(e) for e in entries)))

    async def probe_v3_engine(self, key: int) -> bool:
        self._bind()
        entry = self._entries[key]
        if entry.address is None:
            return False
        result = await discover(entry)
        if isinstance(result, bytes):
            if entry.v3 and result != entry.engine_id:
                self._bind_engine(entry, result)
            return True
        return False

    async def _ready(self, entry: Entry) -> Problem | None:
        """None when a request can be sent (discovering a v3 agent first), else why not."""
        if entry.unusable is not None:
            return Problem(*entry.unusable)
        if entry.v3 and entry.engine_id is None:
            result = await discover(entry)
            if isinstance(result, Problem):
                return result
            if entry.engine_id is None:  # a concurrent request may have bound it meanwhile
                self._bind_engine(entry, result)
        return None

    def _object_type(self, oid: str) -> Any:
        object_type = self._object_types.get(oid)
        if object_type is None:
            # Resolved here once, so that pysnmp's get_cmd & co. find it resolved and skip it.
            object_type = ObjectType(ObjectIdentity(oid))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", **PYSMI_DEPRECATIONS)  # type: ignore[arg-type]
                object_type.resolve_with_mib(self._mib_view)
            if len(self._object_types) < MAX_CACHED_OIDS:
                self._object_types[oid] = object_type
        return object_type

    async def _request(
        self,
        entry: Entry,
        command: Callable[..., Any],
        oids: Sequence[str],
        *head: int,
        sent: Callable[[], None] | None = None,
    ) -> tuple[int, int, Sequence[Answer]] | Problem:
        """One request: (errorStatus, errorIndex, var-binds), or the failure."""
        if entry.community is not None:
            return await self._community.request(entry, PDU_TYPES[command], oids, *head, sent=sent)
        if sent is not None:  # pysnmp sends SNMPv3 requests at once
            sent()
        assert self._observer is not None and entry.address is not None
        mark = self._observer.mark(entry.address)
        var_binds = [self._object_type(oid) for oid in oids]
        try:
            indication, status, index, answer = await command(
                self._engine,
                entry.auth,
                entry.transport,
                self._context,
                *head,
                *var_binds,
                lookupMib=False,
            )
        except (CarrierError, OSError) as exc:
            return Problem(Failure.UNREACHABLE, f"{type(exc).__name__}: {exc}")
        except (PyAsn1Error, PySnmpError) as exc:
            return Problem(Failure.MALFORMED, f"{type(exc).__name__}: {exc}")
        if indication:
            return classify(entry, indication, self._observer, mark)
        return int(status), int(index), plain_answers(answer)

    async def _retry_after_rediscovery(self, entry: Entry, problem: Problem) -> bool:
        """After an engine-ID problem, discover the agent again; True to retry once."""
        if not problem.rediscover:
            return False
        result = await discover(entry)
        if not isinstance(result, bytes):
            return False
        if result == entry.engine_id and problem.failure is Failure.TIMEOUT:
            return False  # same engine: asking again would only wait again
        self._bind_engine(entry, result)  # also re-adds a user pysnmp lost
        return True

    async def get(
        self, key: int, oids: Sequence[str], sent: Callable[[], None] | None = None
    ) -> PollReply:
        self._bind()
        entry = self._entries[key]
        started = time.monotonic()
        values: dict[str, OidValue] = {}
        problem = await self._ready(entry)
        if problem is not None:
            return reply(entry, started, values, problem)
        wanted = [normalize_oid(oid) for oid in oids]
        pending = list(dict.fromkeys(wanted))
        retried = False
        while pending:
            result = await self._request(entry, get_cmd, pending, sent=sent)
            sent = None
            if isinstance(result, Problem):
                if not retried and await self._retry_after_rediscovery(entry, result):
                    retried = True
                    continue
                return reply(entry, started, values, result)
            status, index, answer = result
            if status and entry.v1 and status == NO_SUCH_NAME and 1 <= index <= len(pending):
                # SNMPv1 has no per-varbind exceptions: the agent lacks this one object
                # (ifHC* counters never exist in v1); ask again without it.
                values[pending.pop(index - 1)] = None
                continue
            if status:
                return reply(entry, started, values, status_problem(status, index, pending))
            if len(answer) != len(pending):
                problem = Problem(
                    Failure.MALFORMED, f"{len(answer)} values for {len(pending)} OIDs"
                )
                return reply(entry, started, values, problem)
            for oid, (_, value, _) in zip(pending, answer, strict=True):
                values[oid] = value
            break
        return reply(entry, started, {oid: values[oid] for oid in wanted})

    async def walk(
        self, key: int, column_oids: Sequence[str], max_repetitions: int = 10
    ) -> PollReply:
        self._bind()
        entry = self._entries[key]
        started = time.monotonic()
        values: dict[str, OidValue] = {}
        problem = await self._ready(entry)
        if problem is not None:
            return reply(entry, started, values, problem)
        columns = list(dict.fromkeys(normalize_oid(oid) for oid in column_oids))
        prefixes = {c: tuple(int(arc) for arc in c.split(".")) for c in columns}
        last: dict[str, tuple[int, ...]] = dict(prefixes)  # where each column goes on from
        active = list(columns)
        retried = False
        requests = 0
        while active:
            requests += 1
            if requests > MAX_WALK_REQUESTS:
                problem = Problem(
                    Failure.MALFORMED, f"walk did not end after {MAX_WALK_REQUESTS} requests"
                )
                return reply(entry, started, values, problem)
            next_oids = [".".join(map(str, last[c])) for c in active]
            if entry.v1:
                result = await self._request(entry, next_cmd, next_oids)
            else:
                result = await self._request(entry, bulk_cmd, next_oids, 0, max_repetitions)
            if isinstance(result, Problem):
                if not retried and await self._retry_after_rediscovery(entry, result):
                    retried = True
                    continue
                return reply(entry, started, values, result)
            status, index, answer = result
            if status and entry.v1 and status == NO_SUCH_NAME and 1 <= index <= len(active):
                del active[index - 1]  # SNMPv1's end of the MIB for this column
                continue
            if status:
                problem = status_problem(status, index, next_oids)
                return reply(entry, started, values, problem)
            if not answer:
                problem = Problem(Failure.MALFORMED, "empty response to GETBULK")
                return reply(entry, started, values, problem)
            width = len(active)
            finished: set[str] = set()
            for position, (arcs, value, end) in enumerate(answer):
                column = active[position % width]
                if column in finished:
                    continue
                prefix = prefixes[column]
                if end or len(arcs) <= len(prefix) or arcs[: len(prefix)] != prefix:
                    finished.add(column)
                    continue
                if arcs <= last[column]:
                    problem = Problem(Failure.MALFORMED, f"OID not increasing in column {column}")
                    return reply(entry, started, values, problem)
                values[".".join(map(str, arcs))] = value
                last[column] = arcs
            active = [c for c in active if c not in finished]
        return reply(entry, started, values)


if TYPE_CHECKING:  # mypy checks that PysnmpClient implements the protocol
    _implements: SnmpClient = PysnmpClient()
