"""The embedded default platform: everything a new user needs on one machine.

Starts the project's Kamailio on loopback with every account of the directory
and the hotline queues (one per court, routing.cfg), an echo test line (9196,
plays the caller's voice back) and a simulated consulting judge
(deploy/demo_judge.py: the main court's first consulting judge, 8901, answers
written consult questions after a few seconds from the starter knowledge base,
and answers consult calls). ``start_simulation`` then brings the platform to
life:

* the other seats of the 23 courts (deploy/demo_seats.py) register, go ready,
  are offered queued calls by Kamailio, answer, talk a few seconds, hang up,
  wrap up and are ready again;
* a caller generator (deploy/demo_callers.py) dials 12368 and the
  sub-platforms' numbers with the day's shape, a working day compressed into
  ``day_minutes`` (15 by default); 40 % of the callers are parties of the
  demo's cases (their registered phones), so the seat's screen pop finds
  their case;
* the user's own seat (8001 by default) is a member of the main platform's
  queue like its colleagues, and the main platform keeps only a few simulated
  seats on duty, so calls queue up and reach the user as soon as they are
  ready.

The user's seat is also listed as a supervisor of the demo's queue server, so
the wallboard's overflow controls (which send with the seat's account) work.

Plain Python: uses the Kamailio launcher, a headless pjsua2 agent in its own
process for the echo line, the stdlib SIP UA for the simulated seats and the
judge, and sipp for the callers. Everything listens on 127.0.0.1 only and
:meth:`DemoPlatform.stop` ends every process it started; what an owner killed
without it (SIGKILL, a crash) left running is stopped by the next
:meth:`DemoPlatform.start` in the same work directory.

Demo passwords are derived from the number ("demo-<number>"): fine on a
loopback demo, never for a real platform.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from app.domain.accounts import AccountSettings, Transport
from app.domain.directory import Directory
from app.domain.routing import MAIN_NUMBER, queues_from_directory, supervisors_from_directory
from deploy.kamailio.launcher import KamailioServer, SipUser

log = logging.getLogger(__name__)

ECHO_NUMBER = "9196"
MAIN_SHARE = 0.6            # of the calls dial 12368; the rest a court's own number
DEMO_MAX_WAIT_S = 120       # then the queue's fallback (480)


def demo_password(number: str) -> str:
    return f"demo-{number}"


class DemoPlatform:
    def __init__(self, workdir: Path, directory: Directory, seat: str = "8001", *,
                 day_minutes: float = 15.0, calls_per_day: float = 260.0, start_hour: float = 9.0,
                 main_active: int = 2, with_seats: bool = True, with_callers: bool = True,
                 with_lines: bool = True, with_judge: bool = True, seed: int = 12368):
        from deploy.demo_callers import DayShape
        self.workdir = Path(workdir)
        self.directory = directory
        self.seat = seat
        self.shape = DayShape(calls_per_day=calls_per_day, day_minutes=day_minutes,
                              start_hour=start_hour)
        self.main_active = main_active
        self.with_seats, self.with_callers, self.with_lines = with_seats, with_callers, with_lines
        self.with_judge = with_judge
        self.seed = seed
        self.queues = queues_from_directory(directory, max_wait_s=DEMO_MAX_WAIT_S)
        numbers = {n for n, _ in directory.accounts()} | {ECHO_NUMBER, seat}
        self.server = KamailioServer(
            self.workdir / "kamailio",
            users=[SipUser(n, demo_password(n)) for n in sorted(numbers)],
            queues=self.queues,
            supervisors=sorted(set(supervisors_from_directory(directory)) | {seat}),
            # queued callers hear the announcement and music (rtpengine, if installed)
            announcements=True)
        self.agents = []
        self.judge = None           # SimulatedJudge
        self.simulation = None      # SimulatedSeats
        self.callers = None         # CallerGenerator
        self._lock = threading.Lock()

    def seat_settings(self, number: str | None = None) -> AccountSettings:
        n = number or self.seat
        e = self.directory.by_number(n)
        return AccountSettings(
            server=f"{self.server.host}:{self.server.tcp_port}", user=n,
            password=demo_password(n), display_name=e.name if e else n,
            transport=Transport.TCP)

    def _agent(self, name: str, number: str, **kw):
        from sip.peer.client import PeerAgent
        a = PeerAgent(name=name, tcp=True, stderr=open(self.workdir / f"{name}.log", "w"))
        a.start()
        a.account(number, password=demo_password(number),
                  registrar=f"sip:{self.server.host}:{self.server.tcp_port};transport=tcp",
                  domain=f"{self.server.host}:{self.server.tcp_port}", transport="tcp", **kw)
        self.agents.append(a)
        return a

    def start(self) -> None:
        """The server, the echo line and the simulated consulting judge. What an
        earlier start in this work directory left running when its owner died
        (SIGKILL, a crash) is stopped first: its sipp callers here, its Kamailio
        and rtpengine in ``server.start`` (pid files checked against the command
        line). The echo line's agent and the judge need nothing: the agent leaves
        when its stdin ends (the owner gone), the judge and the seats are threads."""
        from deploy.demo_callers import stop_leftover_callers
        self.workdir.mkdir(parents=True, exist_ok=True)
        stop_leftover_callers(self.workdir / "callers")
        self.server.start()
        if self.with_judge:
            self.start_judge()
        if self.with_lines:
            self._agent("echo", ECHO_NUMBER, auto_answer=200, mode="echo")

    def judge_entry(self):
        """The directory's first consulting judge of the main court, or None."""
        main = self.directory.main_court().code
        return next((e for e in self.directory.entries("consulting_judge") if e.court == main), None)

    def start_judge(self) -> None:
        from deploy.demo_judge import SimulatedJudge
        e = self.judge_entry()
        if e is None or self.judge is not None:
            return
        self.judge = SimulatedJudge(self.server, e.number, e.name, demo_password(e.number),
                                    domain=self.server.host, seed=self.seed)
        if not self.judge.start(timeout=5):
            log.warning("demo: the simulated consulting judge %s did not register", e.number)

    def start_simulation(self, speed: float | None = None) -> None:
        """The other seats answering, and the callers (see the module docstring).
        ``speed`` overrides the seats' time compression (default: the day's)."""
        from deploy.demo_callers import CallerGenerator
        from deploy.demo_seats import SimulatedSeats
        with self._lock:
            if self.with_seats and self.simulation is None:
                self.simulation = SimulatedSeats(
                    self.server, self.server.host, self.directory, exclude={self.seat},
                    password=demo_password, speed=speed or self.shape.speed,
                    main_active=self.main_active, seed=self.seed)
                if not self.simulation.start():
                    log.warning("demo: not every simulated seat registered")
            if self.with_callers and self.callers is None:
                from deploy.demo_callers import CASES_FILE, demo_party_phones
                self.callers = CallerGenerator(
                    (self.server.host, self.server.udp_port), self.workdir / "callers",
                    self.call_mix(), self.shape, seed=self.seed,
                    known_callers=demo_party_phones(self.directory, self.workdir / CASES_FILE))
                self.callers.start()

    def call_mix(self) -> list[tuple[str, float]]:
        """(number, share of calls): 12368 first, then each court's own number
        in proportion to its seats."""
        subs = [(q.number, max(1, len(q.members))) for q in self.queues if q.number != MAIN_NUMBER]
        total = sum(n for _, n in subs) or 1
        return [(MAIN_NUMBER, MAIN_SHARE)] + [(num, (1 - MAIN_SHARE) * n / total) for num, n in subs]

    def status(self) -> str:
        """One line for the log: the demo's clock and what happened so far."""
        parts = []
        if self.callers is not None:
            from deploy.demo_callers import clock_text
            s = self.callers.stats
            parts.append(f"demo clock {clock_text(self.callers.clock())}: {s.started} calls, "
                         f"{self.callers.in_flight()} in progress")
        if self.simulation is not None:
            parts.append(f"{self.simulation.answered} answered by simulated seats, "
                         f"{self.simulation.ready_count()} seats ready")
        if self.judge is not None:
            parts.append(f"consulting judge: {len(self.judge.sent)} questions answered, "
                         f"{self.judge.calls_answered} calls")
        return "; ".join(parts) or "demo platform idle"

    def stop(self) -> None:
        with self._lock:
            callers, self.callers = self.callers, None
            sim, self.simulation = self.simulation, None
            judge, self.judge = self.judge, None
        if callers is not None:
            callers.stop()
        if sim is not None:
            sim.stop()
        if judge is not None:
            judge.stop()
        for a in self.agents:
            try:
                a.stop(timeout=3)
            except Exception:
                a.kill()
        self.agents.clear()
        self.server.stop()
