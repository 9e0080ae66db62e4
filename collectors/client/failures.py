"""Failure classification: what went wrong with a request, in the classes of ``Failure``.

pysnmp reports a reply it cannot decode, and a send that the OS refuses, as a plain timeout;
the client watches its socket (``transport.Observer``) and reports those as ``malformed`` and
``unreachable`` instead (the v1/v2c channel sees both itself). Every detail that leaves the
client is scrubbed of the target's secrets.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collectors.client.entry import Entry
from collectors.client.pysnmp_api import errind, log
from collectors.client.transport import Observer
from collectors.snmp_types import Failure, OidValue, PollReply, Target

# errorIndication classes → failure class; RequestTimedOut is refined by what the socket saw.
ERROR_CLASSES: tuple[tuple[type[Exception], Failure], ...] = (
    (errind.RequestTimedOut, Failure.TIMEOUT),
    (errind.WrongDigest, Failure.AUTH_FAILURE),
    (errind.UnknownUserName, Failure.AUTH_FAILURE),
    (errind.DecryptionError, Failure.AUTH_FAILURE),
    (errind.UnknownEngineID, Failure.AUTH_FAILURE),
    (errind.UnknownSecurityName, Failure.AUTH_FAILURE),
    (errind.AuthenticationFailure, Failure.AUTH_FAILURE),
    (errind.AuthenticationError, Failure.AUTH_FAILURE),
    (errind.UnsupportedSecurityLevel, Failure.AUTH_FAILURE),
    (errind.NotInTimeWindow, Failure.AUTH_FAILURE),
    (errind.UnknownCommunityName, Failure.AUTH_FAILURE),
    (errind.UnsupportedAuthProtocol, Failure.AUTH_FAILURE),
    (errind.UnsupportedPrivProtocol, Failure.AUTH_FAILURE),
    (errind.NoEncryption, Failure.AUTH_FAILURE),
    (errind.EncryptionError, Failure.AUTH_FAILURE),
    (errind.NoSuchContext, Failure.AUTH_FAILURE),
    (errind.NoAccessEntry, Failure.AUTH_FAILURE),
    (errind.NoSuchView, Failure.AUTH_FAILURE),
    (errind.NoGroupName, Failure.AUTH_FAILURE),
    (errind.NotInView, Failure.AUTH_FAILURE),
    (errind.ReportPduReceived, Failure.AUTH_FAILURE),
    (errind.TooBig, Failure.ERROR_STATUS),
)
# After these a v3 device is re-discovered once (its engine ID may have changed).
REDISCOVER = (errind.UnknownSecurityName, errind.UnknownEngineID)

ERROR_STATUS_NAMES = (
    *("noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess"),
    *("wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation"),
    *("inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed"),
    *("authorizationError", "notWritable", "inconsistentName"),
)
NO_SUCH_NAME = 2


@dataclass(frozen=True)
class Problem:
    failure: Failure
    detail: str
    rediscover: bool = False


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def timeout_detail(target: Target, what: str) -> str:
    tries = target.retries + 1
    return f"no reply to {what} within {target.timeout:g} s × {tries} tries"


def status_problem(status: int, index: int, oids: Sequence[str]) -> Problem:
    name = ERROR_STATUS_NAMES[status] if status < len(ERROR_STATUS_NAMES) else str(status)
    where = f" at {oids[index - 1]}" if 1 <= index <= len(oids) else ""
    return Problem(Failure.ERROR_STATUS, f"errorStatus {name}{where}")


def classify(
    entry: Entry, indication: Any, observer: Observer, mark: tuple[int, int, int]
) -> Problem:
    """The failure behind pysnmp's errorIndication, refined by what the socket saw since
    ``mark``."""
    assert entry.address is not None
    target = entry.target
    if isinstance(indication, errind.RequestTimedOut):
        send_error, undecodable, received = observer.since(entry.address, mark)
        if send_error is not None:
            reason = getattr(send_error, "strerror", None) or type(send_error).__name__
            return Problem(Failure.UNREACHABLE, f"cannot send to {target.host}: {reason}")
        if undecodable:
            return Problem(
                Failure.MALFORMED,
                f"no reply decoded: {undecodable} datagrams from the agent were not SNMP",
            )
        if received and entry.v3:
            # The agent answered, but not as the engine we know: pysnmp drops such
            # messages (a device replaced at the same address has a new engine ID).
            return Problem(
                Failure.TIMEOUT,
                timeout_detail(target, "request")
                + f"; {received} messages from the agent were not for us",
                rediscover=True,
            )
        return Problem(Failure.TIMEOUT, timeout_detail(target, "request"))
    failure = next(
        (f for cls, f in ERROR_CLASSES if isinstance(indication, cls)), Failure.MALFORMED
    )
    return Problem(
        failure,
        f"{type(indication).__name__}: {indication}",
        rediscover=entry.v3 and isinstance(indication, REDISCOVER),
    )


def reply(
    entry: Entry,
    started: float,
    values: dict[str, OidValue],
    problem: Problem | None = None,
) -> PollReply:
    """The caller's reply; a failure's detail never quotes a secret, in the reply or the log."""
    elapsed = time.monotonic() - started
    if problem is None:
        return PollReply(entry.target.key, True, elapsed=elapsed, values=values)
    detail = scrub(problem.detail, entry.secrets)
    log.debug("device %s: %s (%s)", entry.target.key, problem.failure.value, detail)
    return PollReply(entry.target.key, False, problem.failure, detail, elapsed, values)
