"""Presence into the wallboard model: parse, apply, mark stale, store.

Sources:
- the SIP engine's per-seat subscriptions (`presenceReceived`,
  `presenceSubscriptionChanged`), for boards within pjsua2's buddy limit;
- for large boards, our own SIP UA (sip/simple), either
  - in a watcher PROCESS (`attach_watcher`, sip/simple/watcher.py): the
    child subscribes and parses, and sends batches of parsed states that are
    read here on the GUI thread when its socket is readable; no other Python
    thread runs in this process, so paints never wait for the GIL; the child
    is restarted if it dies (every seat stale meanwhile, and said so); or
  - on the UA's threads in this process (`attach_list`, `attach_direct`):
    their callbacks only put plain values into a queue, drained here on the
    GUI thread every 5 ms (no Qt object is touched from another thread).
A malformed body is counted and logged, never applied. Every applied
document is also written to the store in batches (one transaction every half
second), and at start the last known states are shown at once, marked stale
until fresh.
"""
from __future__ import annotations

import logging
import queue
import time
from collections import deque

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from app.domain.calls import RegState, number_of
from app.domain.seat_state import SeatState
from app.domain.presence_doc import PresenceFormatError, SeatPresence, fallback_state, parse_pidf
from sip.simple.watcher import own_seat_document, presence_of

log = logging.getLogger(__name__)

# Where a large board's SIP subscriptions run (setting wallboard.watcher):
# "process" (a watcher child process) or "thread" (threads in this process).
WATCHER_DEFAULT = "process"


class PresenceFeed(QObject):
    # (count): documents that could not be parsed so far.
    malformedChanged = Signal(int)
    # (text): a problem with the watcher process for the judge to read; "" once it is over.
    watcherChanged = Signal(str)

    WATCHER_CONNECT_S = 20.0   # a child that has not connected by then is replaced
    WATCHER_BACKOFF_S = (1, 2, 4, 8, 15, 30)

    def __init__(self, model, repo=None, clock=time.time, parent=None):
        super().__init__(parent)
        self.model = model
        self.repo = repo
        self.clock = clock
        self.malformed = 0
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()  # (kind, uri, payload) from other threads
        self._seat_batch: list = []
        self._queue_batch: list = []
        # Started by the first in-process source (attach_list/attach_direct):
        # a seat's team view, fed by the engine's signals, never wakes for it.
        self._drain = QTimer(self)
        self._drain.setInterval(5)
        self._drain.timeout.connect(self.drain)
        # Watcher process (attach_watcher): its handle, socket notifier, items
        # read but not yet applied, restarts.
        self._watcher = None
        self._watcher_cfg = None
        self._watcher_argv = None
        self._notifier: QSocketNotifier | None = None
        self._pending: deque = deque()
        self._pending_scheduled = False
        self._restarts = 0
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.timeout.connect(self._start_watcher)
        self._connect_timer = QTimer(self)
        self._connect_timer.setSingleShot(True)
        self._connect_timer.timeout.connect(lambda: self._watcher_lost("did not start"))
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
        feed, Qt would destroy its timers from the wrong thread (a crash).
        Call on the GUI thread (it starts the drain timer)."""
        self._drain.start()
        inbox = self.inbox

        def post(kind: str, uri: str, payload: str) -> None:
            inbox.put((kind, uri, payload))
        return post

    def post(self, kind: str, uri: str, payload: str) -> None:
        """Thread-safe entry for other threads: kind "doc" (payload = PIDF) or
        "sub" (payload = subscription state) or "lost" (all stale). Drained
        once a source is attached (or call `drain`)."""
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
        seat = own_seat_document(body)  # our seats' own layout, read fast
        if seat is not None:
            self._apply_seat(seat)
            return
        try:
            parsed = parse_pidf(body)
        except PresenceFormatError as e:
            self._malformed(uri, str(e))
            return
        if parsed.queue is not None:
            self._apply_queue(parsed.queue)
            return
        seat = parsed.seat
        if seat is None:  # another SIP client: take what basic/RPID say
            st = fallback_state(parsed)
            if st is None:
                return
            seat = SeatPresence(seat=number_of(parsed.entity or uri), state=st)
        self._apply_seat(seat)

    def _apply_seat(self, seat: SeatPresence) -> None:
        now = self.clock()
        if self.model.apply_seat(seat, now):
            self._seat_batch.append((seat, now))

    def _apply_queue(self, q) -> None:
        now = self.clock()
        self.model.apply_queue(q, now)
        self._queue_batch.append((q, now))

    def _malformed(self, uri: str, error: str) -> None:
        self.malformed += 1
        log.warning("malformed presence from %s: %s", uri, error)
        self.malformedChanged.emit(self.malformed)

    def apply_item(self, item: tuple) -> None:
        """One item from the watcher process (see sip/simple/watcher.py)."""
        kind = item[0]
        if kind == "s":
            self._apply_seat(presence_of(item))
        elif kind == "q":
            self._apply_queue(presence_of(item))
        elif kind == "u":
            self.on_subscription(item[1], item[3], "")
        elif kind == "m":
            self._malformed(item[1], item[3])
        elif kind == "l":
            log.warning("presence list %s lost: %s", item[1], item[3])
            self.model.mark_all_stale()
        elif kind == "i":
            info = item[3]
            log.info("presence watcher: %s subscriptions, %d failed",
                     info.get("subscribed"), len(info.get("failed") or ()))
            self._restarts = 0  # it came up: the next failure starts the backoff again
            self.watcherChanged.emit("")

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

    # -- watcher process ---------------------------------------------------------
    def attach_watcher(self, config, argv: list[str] | None = None) -> None:
        """Watch through a child process (sip.simple.watcher.WatcherConfig:
        server, account, URIs or a list URI). Returns at once; states arrive
        as the child subscribes. `argv` replaces the child's command (tests)."""
        self._watcher_cfg, self._watcher_argv = config, argv
        self._start_watcher()

    def _start_watcher(self) -> None:
        from sip.simple.watcher import WatcherProcess
        if self._watcher_cfg is None:  # closed meanwhile
            return
        w = WatcherProcess(self._watcher_cfg, self._watcher_argv)
        try:
            w.start()
        except OSError as e:  # cannot even start it: try again later
            w.close(wait=0)
            self._watcher = w
            self._watcher_lost(f"cannot start: {e}")
            return
        self._watcher = w
        self._set_notifier(w.listen_fileno(), self._on_watcher_accept)
        self._connect_timer.start(int(self.WATCHER_CONNECT_S * 1000))

    def _set_notifier(self, fd: int | None, slot) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.activated.disconnect()
            self._notifier.deleteLater()
            self._notifier = None
        if fd is not None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Read, self)
            self._notifier.activated.connect(slot)

    def _on_watcher_accept(self, *_):
        w = self._watcher
        if w is not None and w.accept():
            self._connect_timer.stop()
            self._set_notifier(w.data_fileno(), self._on_watcher_data)

    def _on_watcher_data(self, *_):
        w = self._watcher
        if w is None or not w.connected:
            return
        items, alive = w.read()
        self._pending.extend(items)
        self._apply_pending()
        if not alive:
            self._watcher_lost("ended")

    def _apply_pending(self) -> None:
        """Apply what the watcher sent, within a time budget per turn (a
        start-up burst of thousands of states must not stall a paint)."""
        self._pending_scheduled = False
        pending, apply = self._pending, self.apply_item
        end = time.perf_counter() + self.DRAIN_BUDGET_S
        while pending:
            apply(pending.popleft())
            if time.perf_counter() > end:
                break
        if pending and not self._pending_scheduled:
            self._pending_scheduled = True
            QTimer.singleShot(0, self._apply_pending)

    def _watcher_lost(self, why: str) -> None:
        """The child died or never came up: everything it watched is unknown
        now; say so and start another after a pause that grows."""
        self._connect_timer.stop()
        self._set_notifier(None, None)
        w, self._watcher = self._watcher, None
        code = w.close(wait=1.0) if w is not None else None
        log.error("presence watcher %s (exit code %s); restarting it", why, code)
        self.model.mark_all_stale()
        self.watcherChanged.emit(self.tr(
            "Seat states are not being received (the presence watcher stopped); every seat "
            "shows as stale until it is running again. Restarting it..."))
        delay = self.WATCHER_BACKOFF_S[min(self._restarts, len(self.WATCHER_BACKOFF_S) - 1)]
        self._restarts += 1
        self._restart_timer.start(int(delay * 1000))

    @property
    def watcher(self):
        """The running watcher's handle (sip.simple.watcher.WatcherProcess) or None."""
        return self._watcher

    def close_watcher(self, wait: float = 3.0) -> None:
        """Stop the watcher process (it unsubscribes first); no restart."""
        self._restart_timer.stop()
        self._connect_timer.stop()
        self._set_notifier(None, None)
        w, self._watcher, self._watcher_cfg = self._watcher, None, None
        if w is not None:
            w.close(wait=wait)

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
