"""Bench: the softphone's start, call setup and idle cost, through a real Kamailio.

    .venv/bin/python bench/bench_softphone.py [--calls 20] [--idle 10]

Prints:
- app start to registered: a fresh process (Python start, imports, Qt, pjsua2
  endpoint, account) until the registrar's 200, measured by the parent from
  spawn; target under 2 s;
- call setup through Kamailio, INVITE to 200 (make_call until the call is
  active) from the app's engine, p50/p95, against a baseline in the same run:
  the same call placed by a bare pjsua2 agent (sip.peer.agent) to the same
  answering agent;
- idle CPU (% of one core) and RSS of the registered app process over a
  window; target under 2 % of one core.
Figures only, no assertions: these machines are shared and noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HOTLINE_SIP_BIND"] = "127.0.0.1"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# ---------------------------------------------------------------- the probe --
def probe(server: str, idle_s: float) -> None:
    """Child process: start the app's engine, register, report, idle, report."""
    t_import = time.monotonic()
    from PySide6.QtWidgets import QApplication

    from app.domain.accounts import AccountSettings, Transport
    from app.domain.calls import RegState
    from sip.engine import SipEngine
    app = QApplication([])
    eng = SipEngine()
    eng.start()
    eng.set_account(AccountSettings(server=server, user="8001", password="pw-8001", transport=Transport.TCP))
    give_up = time.monotonic() + 30
    while eng.account.state is not RegState.REGISTERED:
        app.processEvents()
        time.sleep(0.001)
        if time.monotonic() > give_up:
            raise SystemExit("probe: not registered after 30 s")
    print(json.dumps({"registered": time.time(), "imports_s": time.monotonic() - t_import}), flush=True)
    # Idle: the real event loop, as in the app.
    c0, w0 = time.process_time(), time.monotonic()
    end = time.monotonic() + idle_s
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    cpu = (time.process_time() - c0) / (time.monotonic() - w0)
    rss = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) // 1024
    print(json.dumps({"idle_cpu": cpu, "rss_mb": rss}), flush=True)
    eng.shutdown()


def idle_cpu_by_exec(server: str, idle_s: float) -> float:
    """CPU of the process when Qt's own loop (app.exec) runs, as in the product."""
    code = f"""
import os, sys, time, resource
sys.path.insert(0, {str(ROOT)!r})
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.domain.accounts import AccountSettings, Transport
from sip.engine import SipEngine
app = QApplication([])
eng = SipEngine(); eng.start()
eng.set_account(AccountSettings(server={server!r}, user="8001", password="pw-8001", transport=Transport.TCP))
mark = {{}}
def begin():
    mark['c'] = time.process_time(); mark['w'] = time.monotonic()
def end():
    print((time.process_time() - mark['c']) / (time.monotonic() - mark['w']), flush=True)
    app.quit()
QTimer.singleShot(1500, begin)
QTimer.singleShot(int(1500 + {idle_s} * 1000), end)
app.exec()
eng.shutdown()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=idle_s + 60,
                         env=dict(os.environ))
    return float(out.stdout.strip().splitlines()[-1])


def _json_line(p) -> dict:
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("probe ended early")
        if line.startswith("{"):
            return json.loads(line)


# -------------------------------------------------------------- call setup --
def engine_call_setup(server, n: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from app.domain.accounts import AccountSettings, Transport
    from app.domain.calls import CallPhase, RegState
    from sip.engine import SipEngine
    app = QApplication.instance() or QApplication([])
    eng = SipEngine()
    eng.start()
    eng.set_account(AccountSettings(server=server, user="8001", password="pw-8001", transport=Transport.TCP))
    while eng.account.state is not RegState.REGISTERED:
        app.processEvents()
    times = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            cid = eng.make_call("9002")
            while True:
                app.processEvents()
                s = eng.call_snapshot(cid)
                if s is None or s.phase in (CallPhase.ACTIVE, CallPhase.ENDED):
                    break
            times.append((time.perf_counter() - t0) * 1000)
            eng.hangup(cid)
            while eng.calls():
                app.processEvents()
    finally:
        eng.shutdown()
    return times


def agent_call_setup(kam, n: int) -> list[float]:
    from sip.peer.client import PeerAgent
    times = []
    with PeerAgent(name="bench-caller", tcp=True) as a:
        a.account("9001", password="pw-9001", registrar=kam.registrar_uri("tcp"),
                  domain=f"127.0.0.1:{kam.tcp_port}", transport="tcp")
        a.wait_event(event="reg", code=200)
        for _ in range(n):
            m = a.mark()
            t0 = time.perf_counter()
            call = a.call(f"sip:9002@127.0.0.1:{kam.tcp_port};transport=tcp")
            a.wait_state(call, "CONFIRMED", since=m)
            times.append((time.perf_counter() - t0) * 1000)
            m = a.mark()
            a.hangup(call)
            a.wait_state(call, "DISCONNECTED", since=m)
    return times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe(args.probe, args.idle)
        return 0

    from deploy.kamailio.launcher import KamailioServer, SipUser
    from sip.peer.client import PeerAgent
    users = [SipUser(u, f"pw-{u}") for u in ("8001", "9001", "9002")]
    with tempfile.TemporaryDirectory() as tmp, KamailioServer(Path(tmp), users=users) as kam:
        server = f"127.0.0.1:{kam.tcp_port}"
        # 1. start to registered (3 runs), idle CPU and RSS.
        starts, idle, rss = [], [], []
        for _ in range(3):
            t0 = time.time()
            p = subprocess.Popen([sys.executable, __file__, "--probe", server, "--idle", str(args.idle)],
                                 stdout=subprocess.PIPE, text=True, env=dict(os.environ))
            first = _json_line(p)
            starts.append(first["registered"] - t0)
            second = _json_line(p)
            idle.append(second["idle_cpu"] * 100)
            rss.append(second["rss_mb"])
            p.wait(timeout=30)
        exec_idle = idle_cpu_by_exec(server, args.idle) * 100
        print(f"app start to registered (fresh process, TCP): median {statistics.median(starts):.2f} s "
              f"(runs {', '.join(f'{s:.2f}' for s in starts)}); target < 2 s")
        print(f"idle CPU, registered, Qt event loop (app.exec): {exec_idle:.2f} % of one core; target < 2 %")
        print(f"idle CPU, registered, busy-ish probe loop (processEvents every 2 ms): "
              f"{statistics.median(idle):.2f} % of one core")
        print(f"idle RSS: {statistics.median(rss):.0f} MB")

        # 2. call setup, app engine vs bare agent, same answering agent.
        with PeerAgent(name="bench-answer", tcp=True) as b:
            b.account("9002", password="pw-9002", registrar=kam.registrar_uri("tcp"),
                      domain=f"127.0.0.1:{kam.tcp_port}", transport="tcp", auto_answer=200)
            b.wait_event(event="reg", code=200)
            base = agent_call_setup(kam, args.calls)
            eng = engine_call_setup(server, args.calls)
        print(f"call setup INVITE->200 via Kamailio, app engine: p50 {pct(eng, 50):.1f} ms, "
              f"p95 {pct(eng, 95):.1f} ms ({len(eng)} calls)")
        print(f"call setup baseline, bare pjsua2 agent: p50 {pct(base, 50):.1f} ms, "
              f"p95 {pct(base, 95):.1f} ms; ratio app/baseline p50 {pct(eng, 50) / pct(base, 50):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
