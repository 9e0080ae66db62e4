"""Telling someone when a device or uplink goes down or comes back: JSON POSTs to a webhook.

Deliveries run on a thread of their own with a bounded queue, so a slow or dead receiver
never blocks a poll cycle; each call is retried with growing pauses, then dropped (and
logged). The URL may carry a token: logs name only its host.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from urllib.parse import urlsplit

from inventory.services.polling import StateChange

log = logging.getLogger(__name__)

USER_AGENT = "digicampus-collector"


class WebhookNotifier:
    """Posts ``{"changes": [...]}`` for each cycle's state changes to one URL."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 2.0,
        max_queued: int = 1000,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the webhook URL must be http:// or https:// with a host")
        self.url = url
        self.host = parts.hostname
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=max_queued)
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._thread.start()
        self.delivered = 0
        self.dropped = 0

    def __call__(self, changes: Sequence[StateChange]) -> None:
        """Queue one call for these changes; never blocks (a full queue drops it)."""
        if not changes:
            return
        body = json.dumps({"changes": [c.as_json() for c in changes]}, ensure_ascii=False).encode(
            "utf-8"
        )
        try:
            self._queue.put_nowait(body)
        except queue.Full:
            self.dropped += 1
            log.warning("webhook to %s: queue full, %d changes dropped", self.host, len(changes))

    def close(self, wait: float = 5.0) -> None:
        """Deliver what is queued (retries included) for up to ``wait`` seconds, then stop."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=wait)
        self._thread.join(wait)

    def _run(self) -> None:
        while True:
            body = self._queue.get()
            if body is None:
                return
            self._deliver(body)

    def _deliver(self, body: bytes) -> None:
        pause = 1.0
        for attempt in range(self.retries + 1):
            problem = self._post(body)
            if problem is None:
                self.delivered += 1
                return
            if attempt == self.retries:
                break
            time.sleep(pause)
            pause *= self.backoff
        self.dropped += 1
        log.warning("webhook to %s failed %d times (%s): dropped", self.host, attempt + 1, problem)

    def _post(self, body: bytes) -> str | None:
        """None when the receiver took it (2xx), else why not."""
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
                return None
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return type(reason).__name__ if not isinstance(reason, str) else reason
