"""Simulated seats and queues for the embedded default, published as real presence.

Every seat of the directory (but the user's own) takes calls, wraps up and
goes on breaks in a plausible rhythm; every court's queue publishes waiting
calls, answered, abandoned and service level. All of it goes through the
project's Kamailio as PUBLISH (one socket for all accounts: PublisherPool),
so the wallboard sees exactly what it would see on a live platform. Until
the routing issue lands, this is where queue documents come from.
"""
from __future__ import annotations

import logging
import random
import threading
import time

from app.domain.presence_doc import QueuePresence, SeatPresence, queue_pidf, seat_pidf
from app.domain.seat_state import SeatState

log = logging.getLogger(__name__)


def queue_user(court_code: str) -> str:
    return f"q-{court_code}"


class SimulatedPlatform:
    def __init__(self, server, domain: str, directory, exclude: set[str], password,
                 speed: float = 1.0, seed: int = 12368):
        from sip.simple.ua import PublisherPool
        self.domain = domain
        self.directory = directory
        self.speed = speed
        self.rng = random.Random(seed)
        self.seats = [e for e in directory.entries("seat") if e.number not in exclude]
        self.courts = directory.courts()
        users = [(e.number, password(e.number)) for e in self.seats]
        users += [(queue_user(c.code), password(queue_user(c.code))) for c in self.courts]
        self.pool = PublisherPool(server, users, transport="udp", domain=domain.split(":")[0])
        now = time.time()
        self.state = {e.number: [SeatState.READY, now, "", 0, 0.0] for e in self.seats}  # state, since, reason, calls, until
        self.queues = {c.code: {"waiting": 0, "oldest": 0.0, "answered": 0, "abandoned": 0, "within": 0}
                       for c in self.courts}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-seats", daemon=True)

    def start(self):
        for e in self.seats:
            self._publish_seat(e)
        for c in self.courts:
            self._publish_queue(c.code)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        try:
            self.pool.close()
        except Exception:
            pass

    def _publish_seat(self, e):
        st, since, reason, calls, _ = self.state[e.number]
        p = SeatPresence(e.number, st, reason=reason, since=since, court=e.court, queues=(e.court,),
                         calls_today=calls, name=e.name)
        self.pool.publish_async(e.number, seat_pidf(f"sip:{e.number}@{self.domain}", p))

    def _publish_queue(self, code):
        q = self.queues[code]
        answered, abandoned = q["answered"], q["abandoned"]
        sl = q["within"] / (answered + abandoned) if answered + abandoned else 1.0
        qp = QueuePresence(queue=code, court=code, waiting=q["waiting"], oldest_wait_s=q["oldest"],
                           answered=answered, abandoned=abandoned, service_level=sl, updated=time.time())
        user = queue_user(code)
        self.pool.publish_async(user, queue_pidf(f"sip:{user}@{self.domain}", qp))

    def _step(self):
        now = time.time()
        r = self.rng
        for e in self.seats:
            s = self.state[e.number]
            st, since, reason, calls, until = s
            if until > now:
                continue
            if st is SeatState.READY:
                if r.random() < 0.04 * self.speed:
                    s[:] = [SeatState.TALKING, now, "", calls, now + r.uniform(40, 240) / self.speed]
                elif r.random() < 0.003 * self.speed:
                    s[:] = [SeatState.NOT_READY, now, r.choice(["break", "meal", "training"]), calls,
                            now + r.uniform(120, 600) / self.speed]
                else:
                    continue
            elif st is SeatState.TALKING:
                s[:] = [SeatState.WRAP_UP, now, "", calls + 1, now + r.uniform(10, 30) / self.speed]
                q = self.queues[e.court]
                q["answered"] += 1
                q["within"] += 1 if r.random() < 0.85 else 0
            else:
                s[:] = [SeatState.READY, now, "", calls, 0.0]
            self._publish_seat(e)
        for code, q in self.queues.items():
            before = (q["waiting"], q["abandoned"])
            if r.random() < 0.2 * self.speed:
                q["waiting"] = max(0, q["waiting"] + r.choice([-1, -1, 0, 1, 1, 2]))
                if q["waiting"] and r.random() < 0.05:
                    q["waiting"] -= 1
                    q["abandoned"] += 1
            q["oldest"] = r.uniform(5, 90) if q["waiting"] else 0.0
            if (q["waiting"], q["abandoned"]) != before:
                self._publish_queue(code)

    def _run(self):
        refresh = time.time() + 50
        while not self._stop.wait(1.0):
            try:
                self._step()
                if time.time() > refresh:  # keep publications from expiring
                    refresh = time.time() + 50
                    for e in self.seats:
                        self._publish_seat(e)
                    for c in self.courts:
                        self._publish_queue(c.code)
            except Exception as e:  # the demo goes on
                log.info("demo seats: %s", e)
