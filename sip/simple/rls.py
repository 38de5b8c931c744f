"""Resource lists (RFC 4662 / RFC 4826) helpers for the wallboard side.

* :func:`build_rls_services` makes the ``rls-services`` XML document that
  Kamailio's ``rls`` module reads from its ``xcap`` table
  (``deploy/kamailio/launcher.py`` ``KamailioServer.set_resource_list``
  writes it);
* :class:`ListFeed` turns the NOTIFYs of one list subscription into a
  thread-safe current view plus a queue of changes, for a GUI thread to
  drain (``PresenceUA`` callbacks run on its reader thread).

Standard library only.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Iterable
from xml.sax.saxutils import quoteattr

from .message import ResourceState

__all__ = ["build_rls_services", "ListFeed", "RLS_NS", "RL_NS"]

RLS_NS = "urn:ietf:params:xml:ns:rls-services"
RL_NS = "urn:ietf:params:xml:ns:resource-lists"


def build_rls_services(services: dict[str, Iterable[str]], package: str = "presence") -> str:
    """One rls-services document: ``{service_uri: [member uri, ...]}``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<rls-services xmlns="{RLS_NS}" xmlns:rl="{RL_NS}">']
    for uri, members in services.items():
        out.append(f"<service uri={quoteattr(uri)}><list>")
        out.extend(f"<rl:entry uri={quoteattr(m)}/>" for m in members)
        out.append(f"</list><packages><package>{package}</package></packages></service>")
    out.append("</rls-services>")
    return "".join(out)


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
