"""What a demo owner killed with SIGKILL left running is stopped, by the next start or at once.

The demo (deploy/demo.py) starts Kamailio and rtpengine (the launcher stops their
leftovers itself, tests/test_launcher_leftovers.py), one sipp process per caller
(deploy/demo_callers.py), and a pjsua2 agent for the echo line; its simulated seats
and judge are threads. sipp runs in its own session, so it used to outlive a killed
owner and go on calling the old Kamailio. Real processes here: an owner process runs
a DemoPlatform (the echo line and the callers, no seats, so callers wait in the
queue) and is SIGKILLed once a few sipp callers are in progress.

- Without the parent-death signal (PARENT_DEATH_SIGNAL = None in the owner: the
  pid files alone), the callers are still there after the kill; a new DemoPlatform
  start in the same work directory stops them (and the servers), while the echo
  agent leaves by itself (its stdin ends).
- With it (the default), the callers, started by the generator's thread, go with
  the owner.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from deploy.kamailio.launcher import KamailioError, find_kamailio
from tests.conftest import process_alive, wait_for

ROOT = Path(__file__).resolve().parents[1]


def _servers_installed() -> bool:
    try:
        find_kamailio()
    except KamailioError:
        return False
    return shutil.which("sipp") is not None


pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not _servers_installed(), reason="kamailio or sipp is not installed")]

CALLERS = 3

OWNER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    import deploy.demo_callers as dc
    from app.domain.directory import Directory
    from deploy.demo import DemoPlatform
    if sys.argv[3] == "off":
        dc.PARENT_DEATH_SIGNAL = None
    dc.PATIENCE_S = (150,)          # no caller gives up while the test looks
    directory = Directory.load(Path(sys.argv[2]) / "resources" / "directory.json")
    p = DemoPlatform(Path(sys.argv[1]), directory, with_seats=False, with_judge=False,
                     calls_per_day=2000, day_minutes=10)
    p.start()
    p.start_simulation()
    p.callers.max_callers = int(sys.argv[4])
    while p.callers.in_flight() < p.callers.max_callers:
        time.sleep(0.05)
    with p.callers._lock:
        callers = [pr.pid for pr in p.callers._procs]
    rtp = p.server.rtpengine
    print(json.dumps({"callers": callers, "kamailio": p.server.pid,
                      "rtpengine": rtp._proc.pid if rtp is not None else None,
                      "echo": p.agents[0].proc.pid}), flush=True)
    time.sleep(600)
""")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Owner:
    """The demo owner process; whatever it started is killed at the end, if still ours."""

    def __init__(self, work: Path, death_signal: str):
        self.work = work
        self.proc = subprocess.Popen(
            [sys.executable, "-c", OWNER, str(work), str(ROOT), death_signal, str(CALLERS)],
            stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        self.started: dict = {}

    def read_started(self) -> dict:
        line = self.proc.stdout.readline()
        assert line.strip(), "the owner did not start its demo"
        self.started = json.loads(line)
        return self.started

    def cleanup(self) -> None:
        """SIGKILL the owner and whatever it started that is still there: the
        processes it named, and any whose command line names the work directory.
        Only processes of this test (checked on their command line: a pid may have
        been reused meanwhile)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.proc.stdout.close()
        s = self.started
        mine = {pid: str(self.work) for pid in s.get("callers", []) + [s.get("kamailio")] if pid}
        if s.get("rtpengine"):
            mine[s["rtpengine"]] = "rtpengine"
        if s.get("echo"):
            mine[s["echo"]] = "sip.peer.agent"
        for d in Path("/proc").iterdir():
            if d.name.isdigit() and str(self.work) in _cmdline(int(d.name)):
                mine[int(d.name)] = str(self.work)
        for pid, marker in mine.items():
            if marker in _cmdline(pid):
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
        wait_for(lambda: not [p for p, m in mine.items() if process_alive(p) and m in _cmdline(p)],
                 10, "the test's processes gone")


@pytest.fixture
def owner(tmp_path):
    made: list[Owner] = []

    def start(death_signal: str) -> Owner:
        o = Owner((tmp_path / "demo").resolve(), death_signal)
        made.append(o)
        return o

    yield start
    for o in made:
        o.cleanup()


@pytest.fixture
def platform(tmp_path):
    """A new DemoPlatform in the owner's work directory, stopped at the end."""
    from app.domain.directory import Directory
    from deploy.demo import DemoPlatform
    made = []

    def make(**kw) -> DemoPlatform:
        p = DemoPlatform((tmp_path / "demo").resolve(),
                         Directory.load(ROOT / "resources" / "directory.json"),
                         with_seats=False, with_judge=False, with_lines=False, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def test_the_next_start_stops_the_callers_a_killed_owner_left(owner, platform):
    o = owner("off")
    started = o.read_started()
    callers = started["callers"]
    assert len(callers) >= CALLERS
    work = o.work
    o.proc.send_signal(signal.SIGKILL)
    o.proc.wait(10)

    # the echo line's agent leaves by itself (its stdin ended); the callers and
    # Kamailio stay, in their own sessions
    wait_for(lambda: not process_alive(started["echo"]), 15, "the echo agent gone")
    assert all(process_alive(p) for p in callers), "the callers should outlive a killed owner"
    assert all(str(work / "callers" / "caller_") in _cmdline(p) for p in callers)
    assert process_alive(started["kamailio"])
    assert started["rtpengine"] is None or process_alive(started["rtpengine"])

    p = platform(calls_per_day=2000, day_minutes=10)
    p.start()
    still = [c for c in callers if process_alive(c)]
    assert not still, f"callers left running after the next start: {still}"
    assert not process_alive(started["kamailio"])
    assert started["rtpengine"] is None or not process_alive(started["rtpengine"])
    assert not list((work / "callers").glob("sipp-*.pid"))
    assert p.server.running and p.server.pid != started["kamailio"]

    # the normal close: the new platform's own callers, and their pid files, go
    p.start_simulation()
    p.callers.max_callers = 2
    wait_for(lambda: p.callers.in_flight() >= 2, 20, "two callers of the new start")
    with p.callers._lock:
        new = [pr.pid for pr in p.callers._procs]
    assert sorted(int(f.stem.split("-")[1]) for f in (work / "callers").glob("sipp-*.pid")) \
        == sorted(new)
    p.stop()
    assert not [c for c in new if process_alive(c)]
    assert not list((work / "callers").glob("sipp-*.pid"))


def test_the_callers_go_with_their_owner(owner):
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    o = owner("TERM")
    callers = o.read_started()["callers"]
    assert len(callers) >= CALLERS
    o.proc.send_signal(signal.SIGKILL)
    o.proc.wait(10)
    wait_for(lambda: not any(process_alive(c) for c in callers), 15,
             f"the callers gone with their owner: {[c for c in callers if process_alive(c)]}")
