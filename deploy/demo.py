"""The embedded default platform: everything a new user needs on one machine.

Starts the project's Kamailio on loopback with every account of the
directory, an echo test line (9196, plays the caller's voice back), the
consulting judge's line (answers with a tone) and a demo caller that phones
the seat shortly after start and then now and again. Plain Python: uses the
Kamailio launcher and headless pjsua2 agents in their own processes (the
pjsua2 wheel allows one endpoint per process).

Demo passwords are derived from the number ("demo-<number>"): fine on a
loopback demo, never for a real platform.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from app.domain.accounts import AccountSettings, Transport
from app.domain.directory import Directory
from deploy.kamailio.launcher import KamailioServer, SipUser

log = logging.getLogger(__name__)

ECHO_NUMBER = "9196"
DEMO_CALLER = "13800138000"


def demo_password(number: str) -> str:
    return f"demo-{number}"


class DemoPlatform:
    def __init__(self, workdir: Path, directory: Directory, seat: str = "8001",
                 first_call_after: float = 20.0, call_every: float = 120.0,
                 with_caller: bool = True):
        self.workdir = Path(workdir)
        self.directory = directory
        self.seat = seat
        self.first_call_after = first_call_after
        self.call_every = call_every
        self.with_caller = with_caller
        from deploy.demo_seats import queue_user
        numbers = {n for n, _ in directory.accounts()} | {ECHO_NUMBER, DEMO_CALLER, seat}
        numbers |= {queue_user(c.code) for c in directory.courts()}
        self.server = KamailioServer(
            self.workdir / "kamailio",
            users=[SipUser(n, demo_password(n)) for n in sorted(numbers)])
        self.agents = []
        self.simulation = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server.start()
        self._agent("echo", ECHO_NUMBER, auto_answer=200, mode="echo")
        judges = self.directory.entries("consulting_judge")
        if judges:
            self._agent("judge", judges[0].number, auto_answer=200, mode="tone", tone_hz=440)
        if self.with_caller:
            self.caller = self._agent("caller", DEMO_CALLER, mode="tone", tone_hz=700)
            self._thread = threading.Thread(target=self._caller_loop, name="demo-caller", daemon=True)
            self._thread.start()

    def start_simulation(self, speed: float = 1.0) -> None:
        """Every other seat and every queue, alive (published presence)."""
        from deploy.demo_seats import SimulatedPlatform
        self.simulation = SimulatedPlatform(
            (self.server.host, self.server.udp_port), f"{self.server.host}", self.directory,
            exclude={self.seat}, password=demo_password, speed=speed)
        self.simulation.start()

    def _caller_loop(self):
        wait = self.first_call_after
        while not self._stop.wait(wait):
            wait = self.call_every
            try:
                target = f"sip:{self.seat}@{self.server.host}:{self.server.tcp_port};transport=tcp"
                call = self.caller.call(target)
                # Hang up after a minute if the seat is still talking (or never answered).
                if self._stop.wait(60):
                    return
                try:
                    self.caller.hangup(call)
                except Exception:
                    pass
            except Exception as e:  # the demo goes on; the log says why
                log.info("demo caller: %s", e)

    def stop(self) -> None:
        self._stop.set()
        if self.simulation is not None:
            self.simulation.stop()
        for a in self.agents:
            try:
                a.stop(timeout=3)
            except Exception:
                a.kill()
        self.agents.clear()
        self.server.stop()
