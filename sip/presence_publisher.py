"""The seat's presence publisher: a non-blocking port over `sip.simple.PresenceUA`.

`publish(doc)` returns at once: a worker thread sends the newest document
(older unsent ones are dropped: only the latest state matters), answering
digest challenges and keeping the ETag. Problems are kept for the GUI thread
to poll (`poll_problems`), in words a seat understands. No Qt, no pjsua2.
"""
from __future__ import annotations

import logging
import threading

from app.domain.accounts import AccountSettings, Transport
from sip.simple.ua import PresenceUA, PublishError

log = logging.getLogger(__name__)


class PresencePublisher:
    def __init__(self, settings: AccountSettings, expires: int = 120):
        host, _, port = settings.server.partition(":")
        transport = "tcp" if settings.transport in (Transport.TCP, Transport.TLS) else "udp"
        self.ua = PresenceUA(host, int(port or 5060), settings.user, settings.password,
                             transport=transport, domain=settings.sip_domain.split(":")[0],
                             display_name=settings.display_name or None)
        self.expires = expires
        self._doc: str | None = None
        self._cond = threading.Condition()
        self._problems: list[str] = []
        self._closed = False
        self.sent = 0
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="presence-publish", daemon=True)
        self._thread.start()

    def publish(self, doc: str) -> None:
        with self._cond:
            self._doc = doc
            self._cond.notify()

    @property
    def idle(self) -> bool:
        """True when the newest document has been sent (or failed)."""
        with self._cond:
            return self._doc is None and not self._busy

    def poll_problems(self) -> list[str]:
        with self._cond:
            out, self._problems = self._problems, []
        return out

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._doc is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                doc, self._doc = self._doc, None
                self._busy = True
            try:
                self.ua.publish(doc, expires=self.expires)
                self.sent += 1
            except (PublishError, OSError) as e:
                msg = f"your state could not be published ({e})"
                log.warning(msg)
                with self._cond:
                    self._problems.append(msg)
            finally:
                with self._cond:
                    self._busy = False

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout=2)
        try:
            # Withdraw our publication: a later start publishes under a new
            # ETag, and the server would otherwise aggregate both.
            self.ua.close(unpublish=True)
        except Exception:
            pass
