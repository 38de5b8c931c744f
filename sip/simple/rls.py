"""Resource lists (RFC 4662 / RFC 4826) helpers for the wallboard side.

(The ``rls-services`` document the server reads is built where lists are
provisioned: ``deploy/kamailio/launcher.py`` ``build_rls_services``.)

* :class:`ListFeed` turns the NOTIFYs of one list subscription into a
  thread-safe current view plus a queue of changes, for a GUI thread to
  drain (``PresenceUA`` callbacks run on its reader thread).

Standard library only.
"""

from __future__ import annotations

import queue
import threading
import time

from .message import ResourceState

__all__ = ["ListFeed", "RLS_NS", "RL_NS"]

RLS_NS = "urn:ietf:params:xml:ns:rls-services"
RL_NS = "urn:ietf:params:xml:ns:resource-lists"


class ListFeed:
    """Collects the resources of a list subscription.

    Use as the subscription's ``on_notify``::

        feed = ListFeed()
        sub = ua.subscribe("sip:wallboard@host", eventlist=True, on_notify=feed.on_notify)
        ...                           # on the GUI thread, e.g. from a QTimer:
        for uri, state, pidf, t in feed.drain():  update the model

    ``snapshot()`` returns the merged current view (uri -> ResourceState).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._view: dict[str, ResourceState] = {}
        self.changes: "queue.SimpleQueue[tuple[str, str, str | None, float]]" = queue.SimpleQueue()
        self.notifies = 0

    def on_notify(self, _sub, notify) -> None:
        resources = notify.resources
        if resources is None:
            return
        t = notify.received or time.time()
        with self._lock:
            self.notifies += 1
            if notify.full_state:
                self._view = {}
            for r in resources:
                self._view[r.uri] = r
        for r in resources:
            self.changes.put((r.uri, r.state, r.pidf, t))

    def snapshot(self) -> dict[str, ResourceState]:
        with self._lock:
            return dict(self._view)

    def drain(self, limit: int | None = None) -> list[tuple[str, str, str | None, float]]:
        out = []
        while limit is None or len(out) < limit:
            try:
                out.append(self.changes.get_nowait())
            except queue.Empty:
                break
        return out
