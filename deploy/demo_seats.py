"""Simulated seats for the embedded default: they register, answer, talk, wrap up.

Every seat of the directory but the user's own is a SIP account that really
takes calls: it REGISTERs, tells the platform it is ready by PUBLISHing its
presence (the document the desktop publishes, app/domain/presence_doc.py), is
offered queued calls by Kamailio (deploy/kamailio/routing.cfg) like any seat,
answers after a short ring, talks for a few (compressed) seconds, hangs up,
wraps up, and is ready again; now and then it takes a break. The calls are
answered by :class:`sip.simple.callee.CalleePool` (one TCP connection for all
seats, no media), the presence goes out through one ``PublisherPool`` socket,
so the wallboard sees exactly what it would see on a live platform, and the
queue documents come from the queue server itself.

The main platform keeps only ``main_active`` simulated seats on duty (the
others are in training, at a meeting or off duty), so that the user's own
seat, also a member of the main queue, gets its share of the calls.

Times are compressed by ``speed`` (simulated seconds per real second, see
deploy/demo_callers.DayShape.speed), with floors so that each state stays
visible on the wallboard for a moment.
"""
from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import deque

from app.domain.presence_doc import SeatPresence, seat_pidf
from app.domain.seat_state import SeatState

log = logging.getLogger(__name__)

TALK_MEAN_S = 200.0        # a hotline call, simulated seconds
WRAP_S = (30.0, 90.0)      # wrap-up, simulated seconds
BREAK_S = (300.0, 900.0)   # a break, simulated seconds
BREAKS_PER_HOUR = 0.4      # per seat on duty
OFF_DUTY = [("training", SeatState.NOT_READY), ("meeting", SeatState.NOT_READY),
            ("", SeatState.SIGNED_OUT)]


class SimulatedSeats:
    """The directory's seats (minus ``exclude``), alive on the platform.

    ``server``: a KamailioServer (host, udp_port, tcp_port). ``password``:
    number -> SIP password.
    """

    def __init__(self, server, domain: str, directory, exclude: set[str], password,
                 speed: float = 40.0, main_active: int = 3, seed: int = 12368,
                 min_talk_s: float = 3.0, min_wrap_s: float = 2.0):
        from sip.simple.callee import CalleePool
        from sip.simple.ua import PublisherPool
        self.domain = domain
        self.speed = float(speed)
        self.rng = random.Random(seed)
        self.min_talk_s, self.min_wrap_s = min_talk_s, min_wrap_s
        self.seats = [e for e in directory.entries("seat") if e.number not in exclude]
        main = directory.main_court().code
        mains = [e for e in self.seats if e.court == main]
        self.off_duty = {e.number: OFF_DUTY[i % len(OFF_DUTY)]
                         for i, e in enumerate(mains[main_active:])}
        self._entry = {e.number: e for e in self.seats}
        accounts = [(e.number, password(e.number)) for e in self.seats]
        self.pool = PublisherPool((server.host, server.udp_port), accounts, transport="udp",
                                  domain=domain.split(":")[0])
        self._events: queue.Queue = queue.Queue()
        self.callees = CalleePool((server.host, server.tcp_port), accounts, domain=domain.split(":")[0],
                                  transport="tcp", ring_s=self._ring_s, talk_s=self._talk_s,
                                  on_event=lambda ev, info: self._events.put((ev, info)))
        now = time.time()
        # number -> [state, since, reason, calls today, until (time.time(), 0 = none)]
        self.state: dict[str, list] = {}
        for e in self.seats:
            if e.number in self.off_duty:
                reason, st = self.off_duty[e.number]
                self.state[e.number] = [st, now - self.rng.uniform(60, 1800), reason, 0, 0.0]
            else:
                self.state[e.number] = [SeatState.READY, now - self.rng.uniform(1, 30), "", 0, 0.0]
        self.answered = 0            # calls the simulated seats answered
        self.callers_seen: deque[str] = deque(maxlen=200)   # From numbers offered, latest last
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-seats", daemon=True)

    # ------------------------------------------------------------ timings
    def _ring_s(self, _user: str) -> float:
        return self.rng.uniform(0.5, 2.0)

    def _talk_s(self, _info) -> float:
        return max(self.min_talk_s, self.rng.gauss(TALK_MEAN_S, TALK_MEAN_S / 3) / self.speed)

    def _wrap_s(self) -> float:
        return max(self.min_wrap_s, self.rng.uniform(*WRAP_S) / self.speed)

    # ---------------------------------------------------------- life cycle
    def start(self, timeout: float = 15.0) -> bool:
        """Register every seat, publish its state; True when all registered."""
        ok = self.callees.register_all(timeout)
        for e in self.seats:
            self._publish(e.number)
            self.callees.set_accepting(e.number, self.state[e.number][0] is SeatState.READY)
        self._thread.start()
        return ok

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=3)
        for pool in (self.callees, self.pool):
            try:
                pool.close()
            except Exception as e:
                log.info("demo seats: closing: %s", e)

    def ready_count(self) -> int:
        with self._lock:
            return sum(1 for s in self.state.values() if s[0] is SeatState.READY)

    # ------------------------------------------------------------ states
    def _set(self, number: str, st: SeatState, reason: str = "", until: float = 0.0,
             count_call: bool = False) -> None:
        with self._lock:
            s = self.state[number]
            if count_call:
                s[3] += 1
            if (s[0], s[2]) != (st, reason):
                s[0], s[1], s[2] = st, time.time(), reason
            s[4] = until
        # accept offers only when ready; a late offer gets 486 and Kamailio
        # moves on without marking the seat not ready
        self.callees.set_accepting(number, st is SeatState.READY)
        self._publish(number)

    def _publish(self, number: str) -> None:
        e = self._entry[number]
        with self._lock:
            st, since, reason, calls, _ = self.state[number]
        p = SeatPresence(number, st, reason=reason, since=since, court=e.court, queues=(e.court,),
                         calls_today=calls, name=e.name)
        try:
            self.pool.publish_async(number, seat_pidf(f"sip:{number}@{self.domain}", p))
        except Exception as ex:  # the demo goes on
            log.info("demo seats: publish %s: %s", number, ex)

    def _on_call(self, event: str, info) -> None:
        n = info.user
        if n not in self.state:
            return
        if event == "ringing":
            self.callers_seen.append(info.caller)
            self._set(n, SeatState.OFFERED)
        elif event == "answered":
            with self._lock:
                self.answered += 1
            self._set(n, SeatState.TALKING)
        elif event == "ended":
            if info.answered:
                self._set(n, SeatState.WRAP_UP, until=time.time() + self._wrap_s(), count_call=True)
            else:   # the caller gave up while it rang
                self._set(n, SeatState.READY)

    def _step(self) -> None:
        now = time.time()
        p_break = BREAKS_PER_HOUR * self.speed / 3600.0 * 0.5    # per half-second step
        for n, s in list(self.state.items()):
            st, _, _, _, until = s
            if n in self.off_duty:
                continue
            if st in (SeatState.WRAP_UP, SeatState.NOT_READY) and until and until <= now:
                self._set(n, SeatState.READY)
            elif st is SeatState.READY and self.rng.random() < p_break:
                self._set(n, SeatState.NOT_READY, reason=self.rng.choice(["break", "meal", "other"]),
                          until=now + max(5.0, self.rng.uniform(*BREAK_S) / self.speed))

    def _run(self) -> None:
        refresh = time.monotonic() + 50
        next_step = time.monotonic()
        while not self._stop.is_set():
            try:
                ev, info = self._events.get(timeout=0.1)
                self._on_call(ev, info)
            except queue.Empty:
                pass
            except Exception as e:  # the demo goes on; the log says why
                log.info("demo seats: %s", e)
            if time.monotonic() >= next_step:
                next_step = time.monotonic() + 0.5
                try:
                    self._step()
                    if time.monotonic() > refresh:  # keep publications from expiring
                        refresh = time.monotonic() + 50
                        for n in self.state:
                            self._publish(n)
                except Exception as e:
                    log.info("demo seats: %s", e)
