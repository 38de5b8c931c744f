"""Presence into the wallboard model: parse, apply, mark stale, store.

Sources: the SIP engine's per-seat subscriptions (`presenceReceived`,
`presenceSubscriptionChanged`) and, for large boards, a resource-list
subscriber whose callbacks run on its reader thread: those only put plain
values into a `queue.Queue`, drained here on the GUI thread every 20 ms (no
Qt object is touched from another thread). A malformed body is counted and
logged, never applied. Every applied document is also written to the store in
batches (one transaction every half second), and at start the last known
states are shown at once, marked stale until fresh.
"""
from __future__ import annotations

import logging
import queue
import time

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.calls import RegState, number_of
from app.domain.seat_state import SeatState
from app.domain.presence_doc import PresenceFormatError, SeatPresence, fallback_state, parse_pidf

log = logging.getLogger(__name__)


class PresenceFeed(QObject):
    # (count): documents that could not be parsed so far.
    malformedChanged = Signal(int)

    def __init__(self, model, repo=None, clock=time.time, parent=None):
        super().__init__(parent)
        self.model = model
        self.repo = repo
        self.clock = clock
        self.malformed = 0
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()  # (kind, uri, payload) from other threads
        self._seat_batch: list = []
        self._queue_batch: list = []
        self._drain = QTimer(self)
        self._drain.setInterval(5)
        self._drain.timeout.connect(self.drain)
        self._drain.start()
        self._store = QTimer(self)
        self._store.setInterval(500)
        self._store.timeout.connect(self.flush_store)
        self._store.start()
        self._expire = QTimer(self)
        self._expire.setInterval(1000)
        self._expire.timeout.connect(model.expire)
        self._expire.start()

    # -- sources -------------------------------------------------------------
    def attach_engine(self, engine) -> None:
        engine.presenceReceived.connect(self.on_document)
        engine.presenceSubscriptionChanged.connect(self.on_subscription)
        engine.registrationChanged.connect(self._on_registration)

    def attach_list(self, ua, list_uri: str):
        """One resource-list subscription (RFC 4662) for boards beyond the
        per-process buddy limit. `ua` is a sip.simple PresenceUA; its callbacks
        run on its reader thread and only post into the inbox."""
        post = self._poster()

        def on_notify(_sub, n):
            if n.resources is not None:
                for res in n.resources:
                    if res.pidf:
                        post("doc", res.uri, res.pidf)
                    elif res.state == "terminated":
                        post("sub", res.uri, "terminated")
            elif n.pidf:
                post("doc", list_uri, n.pidf)

        def on_state(_sub, state, reason):
            if state in ("terminated", "failed"):
                post("lost", list_uri, reason or state)

        return ua.subscribe(list_uri, eventlist=True, on_notify=on_notify, on_state=on_state)

    def attach_direct(self, ua, uris, expires: int = 600) -> list:
        """One subscription per presentity through our own UA (one connection,
        no buddy limit): NOTIFYs arrive within milliseconds, where Kamailio's
        RLS batches list updates on a whole-second timer (bench_wallboard).
        Returns the URIs that could not be subscribed."""
        post = self._poster()

        def on_notify(sub, n):
            if n.pidf:
                post("doc", sub.target_uri, n.pidf)
            elif n.subscription_state == "active":
                post("sub", sub.target_uri, "no-document")

        def on_state(sub, state, reason):
            if state in ("terminated", "failed"):
                post("sub", sub.target_uri, state)

        failed = []
        for uri in uris:
            try:
                ua.subscribe(uri, expires=expires, on_notify=on_notify, on_state=on_state)
            except Exception as e:  # SubscribeError: shown as unknown (stale)
                log.warning("cannot watch %s: %s", uri, e)
                failed.append(uri)
        return failed

    def _poster(self):
        """A post function for other threads that holds the inbox only, never
        this QObject: if the UA's thread dropped the last reference to the
        feed, Qt would destroy its timers from the wrong thread (a crash)."""
        inbox = self.inbox

        def post(kind: str, uri: str, payload: str) -> None:
            inbox.put((kind, uri, payload))
        return post

    def post(self, kind: str, uri: str, payload: str) -> None:
        """Thread-safe entry for other threads: kind "doc" (payload = PIDF) or
        "sub" (payload = subscription state) or "lost" (all stale)."""
        self.inbox.put((kind, uri, payload))

    DRAIN_BUDGET_S = 0.008  # leave the rest of each turn to painting

    def drain(self) -> None:
        end = time.perf_counter() + self.DRAIN_BUDGET_S
        while time.perf_counter() < end:
            try:
                kind, uri, payload = self.inbox.get_nowait()
            except queue.Empty:
                return
            if kind == "doc":
                self.on_document(uri, payload)
            elif kind == "sub":
                self.on_subscription(uri, payload, "")
            elif kind == "lost":
                self.model.mark_all_stale()

    # -- handling --------------------------------------------------------------
    def on_document(self, uri: str, body: str) -> None:
        now = self.clock()
        try:
            parsed = parse_pidf(body)
        except PresenceFormatError as e:
            self.malformed += 1
            log.warning("malformed presence from %s: %s", uri, e)
            self.malformedChanged.emit(self.malformed)
            return
        if parsed.queue is not None:
            self.model.apply_queue(parsed.queue, now)
            self._queue_batch.append((parsed.queue, now))
            return
        seat = parsed.seat
        if seat is None:  # another SIP client: take what basic/RPID say
            st = fallback_state(parsed)
            if st is None:
                return
            seat = SeatPresence(seat=number_of(parsed.entity or uri), state=st)
        if self.model.apply_seat(seat, now):
            self._seat_batch.append((seat, now))

    def on_subscription(self, uri: str, state: str, reason: str) -> None:
        number = number_of(uri)
        if state == "no-document":
            # The publication went away: a desk that signed out and closed
            # stays "signed out"; anything else is no longer known.
            i = self.model.row_of(number)
            p = self.model.rows[i].presence if i is not None else None
            if p is not None and p.state is SeatState.SIGNED_OUT:
                return
        if state in ("terminated", "failed", "no-document"):
            self.model.mark_stale(number)

    def _on_registration(self, snap) -> None:
        if snap.state in (RegState.RETRYING, RegState.FAILED, RegState.UNREGISTERED):
            self.model.mark_all_stale()

    # -- store -----------------------------------------------------------------
    def restore(self, since: float) -> list:
        """Show the last known states (stale until fresh); return today's queue samples."""
        if self.repo is None:
            return []
        for p, received_at in self.repo.last_known_seats():
            self.model.apply_seat(p, received_at, live=False)
        return [(q.updated, q) for q in self.repo.queue_samples_since(since)]

    def flush_store(self) -> None:
        if self.repo is None or not (self._seat_batch or self._queue_batch):
            return
        seats, queues = self._seat_batch, self._queue_batch
        self._seat_batch, self._queue_batch = [], []
        try:
            self.repo.record_many(seats, queues)
        except Exception as e:  # StorageError: the board stays live, say it in the log
            log.error("wallboard history not saved: %s", e)
