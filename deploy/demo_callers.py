"""The demo's callers: a day of calls to the hotline, compressed, through Kamailio.

About 260 calls a working day (domain.md), with the office-hour shape: few
at 8:00, peaks mid-morning and mid-afternoon, a dip at lunch, fewer in the
16:00 training hour. A working day (8:00-18:00) is compressed into a few
minutes (``day_minutes``, 15 by default) and repeats for as long as the demo
runs; the night is skipped.

Each call is one sipp process (sip-tester; an outside caller, unauthenticated,
as a PSTN gateway would send it) dialling 12368 (the main platform) or a
sub-platform's number (``12368CC``). A caller waits a while in the queue and
hangs up when their patience runs out (counted abandoned by the queue); an
answered caller stays on the line until the seat hangs up (a real seat is
given up to ``max_talk_s``). Arrivals are a Poisson process whose rate follows
the hour; talk times are the seats' business (deploy/demo_seats.py).

Who calls: ``KNOWN_SHARE`` (40 %) of the calls come from the registered phones
of the demo cases' parties (:func:`demo_party_phones`: the same generation as
the desk's seeding, app.services.demo_cases DEMO_CASES and DEMO_SEED), so the
seat's screen pop finds their case; the others from random mobile numbers
(139...). The number is the From user of sipp's INVITE (``-key caller``).

Everything stays on 127.0.0.1; :meth:`CallerGenerator.stop` ends every sipp.

A caller outlives an owner that dies without stopping the generator (SIGKILL, a
crash): each sipp runs in its own session, so that its group can be stopped as one.
Two defences, both Linux: every sipp has a pid file (``sipp-<pid>.pid``) in the
generator's work directory while it runs, and the next start in that directory
(:meth:`CallerGenerator.start`, deploy/demo.py ``DemoPlatform.start``) stops the
sipps they name whose command line still names that directory's scenarios
(:func:`stop_leftover_callers`, the launcher's ``stop_leftover``); and a sipp
started by the generator's own thread or the main thread gets
``PARENT_DEATH_SIGNAL`` when that thread ends (PR_SET_PDEATHSIG, set by util-linux
``setpriv`` just before it execs sipp). Linux sends that signal when the *thread*
that forked ends, not the process, so a sipp started from any other thread (which
may end while the call should go on) does not get it. setpriv rather than a
``preexec_fn``: the app has threads (Qt, pjsua2), where a preexec_fn may deadlock
the child before its exec. A sipp whose owner dies in the instant between its fork
and setpriv's prctl, or before its pid file is written, escapes both.
"""
from __future__ import annotations

import logging
import math
import random
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from deploy.kamailio.launcher import stop_leftover
from deploy.sipp_ports import sipp_port_args

log = logging.getLogger(__name__)

DAY_START_H = 8
DAY_END_H = 18
# share of the day's calls in each hour from 8:00 (sums to 1): office-hour
# peaks, a lunch dip, the 16:00-17:00 training hour quieter
HOUR_WEIGHTS = (0.05, 0.14, 0.16, 0.13, 0.05, 0.09, 0.14, 0.13, 0.08, 0.03)
assert len(HOUR_WEIGHTS) == DAY_END_H - DAY_START_H and abs(sum(HOUR_WEIGHTS) - 1) < 1e-9
PATIENCE_S = (20, 40, 60, 90, 150)     # how long callers wait before hanging up
KNOWN_SHARE = 0.4                      # of the calls come from parties of the demo's cases
CASES_FILE = "demo-cases.txt"          # what the desk's seeding wrote (ui/desk/seat_desk.py)
# What a sipp gets when the thread that started it ends (the owner killed, see the
# module docstring); None: not asked for. A signal name as setpriv takes it.
PARENT_DEATH_SIGNAL: str | None = "TERM"
PID_PREFIX = "sipp-"                   # sipp-<pid>.pid in the generator's work directory


def demo_party_phones(directory, cases_file: Path | None = None) -> list[str]:
    """The registered phones of the parties of the demo's cases, sorted, once each.

    The same generation as the desk's seeding of its store (DEMO_CASES cases,
    DEMO_SEED; phones do not depend on the password hash's cost, so a cheap one
    is used). Phones listed in ``cases_file`` (the seeding's demo-cases.txt, if
    given and present) are added: they are what an older store really holds.
    """
    from app.services.demo_cases import DEMO_CASES, DEMO_SEED, generate_demo_cases
    phones = {p.phone for c in generate_demo_cases(directory, DEMO_CASES, seed=DEMO_SEED,
                                                   hash_n=2 ** 4)
              for p in c.case.parties if p.phone}
    if cases_file is not None:
        try:
            text = Path(cases_file).read_text(encoding="utf-8")
        except OSError:
            text = ""
        for line in text.splitlines():
            fields = line.split("\t")
            if line.startswith("#") or len(fields) < 4:
                continue
            for party in fields[3].split(","):
                phone = party.strip().rpartition(" ")[2]
                if phone.isdigit():
                    phones.add(phone)
    return sorted(phones)


@dataclass
class DayShape:
    """When calls arrive on a compressed working day."""
    calls_per_day: float = 260.0
    day_minutes: float = 15.0          # real minutes for 8:00-18:00
    start_hour: float = 9.0            # the demo's clock at start (busy at once)
    weights: tuple[float, ...] = HOUR_WEIGHTS

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return (DAY_END_H - DAY_START_H) * 3600.0 / (self.day_minutes * 60.0)

    def clock(self, elapsed_s: float) -> float:
        """The demo's hour of day (8.0-18.0) after ``elapsed_s`` real seconds."""
        span = DAY_END_H - DAY_START_H
        h = (self.start_hour - DAY_START_H) + elapsed_s * self.speed / 3600.0
        return DAY_START_H + math.fmod(h, span)

    def rate(self, hour: float) -> float:
        """Calls per REAL second at the demo's ``hour``."""
        i = int(hour) - DAY_START_H
        if not 0 <= i < len(self.weights):
            return 0.0
        per_sim_hour = self.calls_per_day * self.weights[i]
        return per_sim_hour * self.speed / 3600.0

    def next_gap(self, rng: random.Random, elapsed_s: float) -> float:
        """Real seconds to the next arrival (thinning of a Poisson process)."""
        peak = max(self.rate(DAY_START_H + i) for i in range(len(self.weights)))
        t = elapsed_s
        while True:
            t += rng.expovariate(peak)
            if rng.random() * peak <= self.rate(self.clock(t)):
                return t - elapsed_s


def clock_text(hour: float) -> str:
    return f"{int(hour):02d}:{int((hour % 1) * 60):02d}"


# --- the sipp caller ----------------------------------------------------------
_HDR = """From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]"""
SCENARIO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- A hotline caller (deploy/demo_callers.py): waits up to %(patience)d s for an
     answer, then hangs up (CANCEL); once answered, stays until the seat hangs
     up, or hangs up after %(max_talk)d s. -->
<scenario name="demo caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
%(hdr)s
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 8
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=sendrecv
  ]]></send>
  <recv response="100" optional="true" timeout="%(patience_ms)d" ontimeout="giveup"/>
  <recv response="182" optional="true" timeout="%(patience_ms)d" ontimeout="giveup"/>
  <recv response="180" optional="true" timeout="%(patience_ms)d" ontimeout="giveup"/>
  <recv response="183" optional="true" timeout="%(patience_ms)d" ontimeout="giveup"/>
  <recv response="404" optional="true" next="rejected"/>
  <recv response="408" optional="true" next="rejected"/>
  <recv response="480" optional="true" next="rejected"/>
  <recv response="486" optional="true" next="rejected"/>
  <recv response="500" optional="true" next="rejected"/>
  <recv response="503" optional="true" next="rejected"/>
  <recv response="200" rrs="true" timeout="%(patience_ms)d" ontimeout="giveup">
    <action>
      <ereg regexp="&lt;(sips?:[^&gt;]*)&gt;" search_in="hdr" header="Contact:" check_it="true" assign_to="dummy,contact"/>
    </action>
  </recv>
  <send><![CDATA[
ACK [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
%(hdr)s
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv request="BYE" timeout="%(max_talk_ms)d" ontimeout="hangup"/>
  <send next="done"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

  ]]></send>
  <label id="hangup"/>
  <send retrans="500"><![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
%(hdr)s
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv response="200" next="done"/>
  <label id="giveup"/>
  <send><![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
%(hdr)s
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv response="200" optional="true"/>
  <recv response="487"/>
  <send next="done"><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
%(hdr)s
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <label id="rejected"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
%(hdr)s
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <label id="done"/>
  <Reference variables="dummy"/>
</scenario>
"""


def write_scenario(path: Path, patience_s: int, max_talk_s: int) -> Path:
    path.write_text(SCENARIO % {"hdr": _HDR, "patience": patience_s, "patience_ms": patience_s * 1000,
                                "max_talk": max_talk_s, "max_talk_ms": max_talk_s * 1000},
                    encoding="utf-8")
    return path


def _scenario_marker(workdir: Path) -> str:
    """What the command line of a sipp started from ``workdir`` contains: its
    scenario's path (``-sf <workdir>/caller_<n>s.xml``)."""
    return str(Path(workdir) / "caller_")


def stop_leftover_callers(workdir: Path) -> list[int]:
    """Stop the sipp callers that a generator in ``workdir`` left running when its
    owner died (SIGKILL, a crash): each ``sipp-<pid>.pid`` there names one, stopped
    with its process group only if its command line still names this directory's
    scenarios (a reused pid is left alone). The pid files go. Returns the pids stopped."""
    workdir = Path(workdir).resolve()
    marker = _scenario_marker(workdir)
    files = sorted(workdir.glob(f"{PID_PREFIX}*.pid"))
    if not files:
        return []
    # Side by side: stop_leftover waits for each group to be gone (up to 5 s when the
    # reaper of orphans is slow), and there may be up to max_callers of them.
    with ThreadPoolExecutor(max_workers=min(32, len(files)),
                            thread_name_prefix="demo-leftover") as pool:
        stopped = [pid for pid in pool.map(lambda f: stop_leftover(f, marker), files)
                   if pid is not None]
    if stopped:
        log.warning("demo: stopped %d caller(s) an earlier start left running", len(stopped))
    return stopped


def _setpriv() -> str | None:
    return shutil.which("setpriv") if sys.platform.startswith("linux") else None


@dataclass
class CallerStats:
    started: int = 0
    finished: int = 0
    failed: int = 0                       # sipp said the call went wrong
    skipped: int = 0                      # too many callers at once
    by_number: dict[str, int] = field(default_factory=dict)


class CallerGenerator:
    """Calls the hotline numbers with sipp, following ``shape``.

    ``numbers``: (number, weight) pairs, e.g. ("12368", 0.55) and each
    sub-platform's number with the rest. ``known_callers``: numbers that
    ``known_share`` of the calls come from (the demo cases' parties).
    """

    def __init__(self, server_addr: tuple[str, int], workdir: Path, numbers, shape: DayShape,
                 seed: int = 12368, max_talk_s: int = 180, max_callers: int = 60,
                 sipp: str | None = None, known_callers=(), known_share: float = KNOWN_SHARE):
        self.server = server_addr
        self.workdir = Path(workdir).resolve()   # in sipp's argv: what a later start looks for
        self.numbers = [n for n, _ in numbers]
        self.weights = [w for _, w in numbers]
        self.shape = shape
        self.rng = random.Random(seed)
        self.known_callers = list(known_callers)
        self.known_share = float(known_share) if self.known_callers else 0.0
        self.max_talk_s = int(max_talk_s)
        self.max_callers = int(max_callers)
        self.sipp = sipp or shutil.which("sipp")
        if self.sipp is None:
            raise RuntimeError("sipp (Debian package sip-tester) is needed for the demo's callers")
        self._setpriv = _setpriv()
        self.stats = CallerStats()
        self._procs: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._scenarios = {p: write_scenario(self.workdir / f"caller_{p}s.xml", p, self.max_talk_s)
                           for p in PATIENCE_S}
        self._log = open(self.workdir / "callers.log", "a", encoding="utf-8")

    def clock(self) -> float:
        """The demo's hour of day now."""
        return self.shape.clock(time.monotonic() - self._t0 if self._t0 else 0.0)

    def start(self) -> None:
        stop_leftover_callers(self.workdir)
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="demo-callers", daemon=True)
        self._thread.start()

    def in_flight(self) -> int:
        with self._lock:
            self._reap()
            return len(self._procs)

    def pick_caller(self) -> str:
        """Who calls next: a case party's phone (``known_share`` of the time) or
        a random mobile number."""
        if self.known_callers and self.rng.random() < self.known_share:
            return self.rng.choice(self.known_callers)
        return f"139{self.rng.randrange(10**8):08d}"

    def call(self, number: str, caller: str | None = None, patience_s: int | None = None) -> subprocess.Popen:
        """One caller now (also used by tests)."""
        caller = caller or self.pick_caller()
        p = patience_s or self.rng.choice(PATIENCE_S)
        scen = self._scenarios.get(p) or write_scenario(self.workdir / f"caller_{p}s.xml", p, self.max_talk_s)
        cmd = [self.sipp, f"{self.server[0]}:{self.server[1]}", "-sf", str(scen), "-s", number,
               "-key", "caller", caller, "-m", "1", "-i", "127.0.0.1",
               *sipp_port_args(),
               "-timeout", f"{p + self.max_talk_s + 60}s", "-nostdin", "-nd"]
        proc = subprocess.Popen(self._death_signal_prefix() + cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)   # its own group: stopped as one
        try:
            self._pid_file(proc.pid).write_text(f"{proc.pid}\n")
        except OSError as e:
            log.info("demo caller's pid file not written: %s", e)
        with self._lock:
            self._procs.append(proc)
            self.stats.started += 1
            self.stats.by_number[number] = self.stats.by_number.get(number, 0) + 1
        self._log.write(f"{clock_text(self.clock())} call {caller} -> {number} (patience {p} s)\n")
        self._log.flush()
        return proc

    def _death_signal_prefix(self) -> list[str]:
        """setpriv's arguments that give the sipp PARENT_DEATH_SIGNAL when the thread
        starting it ends: only the generator's own thread (it ends when the generator
        stops or fails, or with the owner) and the main thread (it ends with the owner). []
        from other threads, when not asked for, or without setpriv (util-linux)."""
        me = threading.current_thread()
        if (PARENT_DEATH_SIGNAL is None or self._setpriv is None
                or not (me is self._thread or me is threading.main_thread())):
            return []
        return [self._setpriv, f"--pdeathsig={PARENT_DEATH_SIGNAL}", "--"]

    def _pid_file(self, pid: int) -> Path:
        return self.workdir / f"{PID_PREFIX}{pid}.pid"

    def _forget(self, proc: subprocess.Popen) -> None:
        self._pid_file(proc.pid).unlink(missing_ok=True)

    def _reap(self) -> None:
        """Forget finished sipp processes (holding the lock)."""
        alive = []
        for p in self._procs:
            rc = p.poll()
            if rc is None:
                alive.append(p)
            else:
                self._forget(p)
                self.stats.finished += 1
                if rc != 0:
                    self.stats.failed += 1
        self._procs = alive

    def _run(self) -> None:
        elapsed = 0.0
        while not self._stop.is_set():
            gap = self.shape.next_gap(self.rng, elapsed)
            elapsed += gap
            if self._stop.wait(max(0.0, self._t0 + elapsed - time.monotonic())):
                return
            if self.in_flight() >= self.max_callers:
                self.stats.skipped += 1
                continue
            number = self.rng.choices(self.numbers, self.weights)[0]
            try:
                self.call(number)
            except OSError as e:  # the demo goes on; the log says why
                log.info("demo caller not started: %s", e)

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            procs, self._procs = self._procs, []
        for p in procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + timeout
        for p in procs:
            try:
                p.wait(max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            self._forget(p)
        self._log.close()
