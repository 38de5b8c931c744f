"""Bench: the routing decision time of the Kamailio queue router
(deploy/kamailio/routing.cfg): a seat turns ready (its PUBLISH is sent) ->
the INVITE of a waiting caller reaches that seat.

    .venv/bin/python bench/bench_routing.py [--decisions 120] [--seats 8]

Set-up: one KamailioServer (loopback, shm 512 MB), one queue (12368) whose
members are ``--seats`` accounts spread over PeerAgent processes (4 accounts
each, auto-answer 200); ``--decisions`` + 5 sipp callers are queued first
(every seat not ready), each talks 150 ms once answered then hangs up.
Then, one seat at a time: t0 = just before its READY PUBLISH is sent,
t1 = when the PeerAgent reports the incoming INVITE (so the figure includes
the agent's pjsua2 callback and its stdout pipe to this process, i.e. it is
an upper bound of Kamailio's own decision); the seat then publishes NOT READY
so that the end of its call does not take another caller, and it is made
ready again only once its previous call is over.

Baselines in the same run:
  * publish RTT: PresenceUA.publish() of the same document, until its 200
    (the path the decision rides on, without the dispatch);
  * plain call: an INVITE written by this script on a UDP socket straight to
    a registered account's own number (no queue; one extra account per agent
    that rejects with 486 so the agent's 4-call limit is never reached) -> the
    agent's incoming event; measures proxy + agent delivery without routing.
Figures only, no assertions.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.domain.presence_doc import SeatPresence, seat_pidf  # noqa: E402
from app.domain.routing import QueueConfig  # noqa: E402
from app.domain.seat_state import SeatState  # noqa: E402
from deploy.kamailio.launcher import KamailioServer, SipUser  # noqa: E402
from tests.test_routing_e2e import ANSWERED, CALLER, free_port  # noqa: E402


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def summary(name: str, ms: list[float]) -> str:
    return (f"{name:<34} n={len(ms):4d}  p50 {pct(ms, 50):7.2f} ms  p99 {pct(ms, 99):7.2f} ms  "
            f"max {max(ms):7.2f} ms  mean {statistics.fmean(ms):7.2f} ms")


def raw_invite(port: int, to_user: str, sock: socket.socket) -> str:
    lp = sock.getsockname()[1]
    ci = uuid.uuid4().hex + "@bench"
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"m=audio {free_port()} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    msg = (f"INVITE sip:{to_user}@127.0.0.1:{port} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK{uuid.uuid4().hex[:16]};rport\r\n"
           f"From: <sip:13911112222@127.0.0.1:{lp}>;tag={uuid.uuid4().hex[:8]}\r\n"
           f"To: <sip:{to_user}@127.0.0.1:{port}>\r\nCall-ID: {ci}\r\nCSeq: 1 INVITE\r\n"
           f"Contact: <sip:13911112222@127.0.0.1:{lp}>\r\nMax-Forwards: 70\r\n"
           f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
    sock.sendto(msg.encode(), ("127.0.0.1", port))
    return ci


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decisions", type=int, default=120)
    ap.add_argument("--seats", type=int, default=8)
    ap.add_argument("--baseline", type=int, default=60)
    ap.add_argument("--debug", type=int, default=1, help="kamailio log level")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = ap.parse_args(argv)

    from sip.peer.client import PeerAgent
    from sip.simple import PresenceUA

    sipp = shutil.which("sipp")
    if not sipp:
        print("sipp (sip-tester) needed")
        return 2
    seats = [str(8001 + i) for i in range(args.seats)]
    n_agents = (len(seats) + 3) // 4
    probes = [str(9001 + i) for i in range(n_agents)]   # one per agent, rejects with 486
    pw = {u: f"pw-{u}" for u in seats + probes}
    queue = QueueConfig("bjgy", "12368", "北京市高级人民法院", seats, max_wait_s=600,
                        fallback="480", ring_timeout_s=5)
    work = Path(tempfile.mkdtemp(prefix="bench-routing-"))
    (work / "caller.xml").write_text(CALLER % {"middle": ANSWERED})
    srv = KamailioServer(work / "kam", users=[SipUser(u, p) for u, p in pw.items()],
                         queues=[queue], shm_mb=512, debug=args.debug)
    agents: list = []
    uas: dict = {}
    seat_agent: dict = {}
    seat_acc: dict = {}
    sipp_proc = None
    try:
        srv.start()
        reg = f"sip:127.0.0.1:{srv.udp_port}"
        for i in range(0, len(seats), 4):
            a = PeerAgent(name=f"bench{i // 4}")
            a.start()
            agents.append(a)
            for u in seats[i:i + 4]:
                r = a.account(u, password=pw[u], registrar=reg,
                              domain=f"127.0.0.1:{srv.udp_port}", transport="udp",
                              auto_answer=200)
                seat_agent[u] = a
                seat_acc[u] = r["account"]
            p = probes[i // 4]
            r = a.account(p, password=pw[p], registrar=reg, domain=f"127.0.0.1:{srv.udp_port}",
                          transport="udp", auto_answer=486)
            seat_agent[p] = a
            seat_acc[p] = r["account"]
        for u in seats:
            uas[u] = PresenceUA("127.0.0.1", srv.udp_port, u, pw[u], keepalive_interval=None,
                                auto_recover=False)
        for u in seats + probes:
            seat_agent[u].wait_event(event="reg", code=200, account=seat_acc[u], timeout=10)

        def doc(u: str, st: SeatState) -> str:
            return seat_pidf(f"sip:{u}@127.0.0.1", SeatPresence(seat=u, state=st,
                                                                  reason="other" if st == SeatState.NOT_READY else "",
                                                                  since=time.time()))

        # ---- baseline 1: publish RTT (seats stay not ready, nobody waits)
        pub_rtt = []
        for k in range(args.baseline):
            u = seats[k % len(seats)]
            t0 = time.perf_counter()
            uas[u].publish(doc(u, SeatState.NOT_READY))
            pub_rtt.append(1000 * (time.perf_counter() - t0))

        # ---- baseline 2: plain call, straight to a seat's own number
        plain = []
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.05)
        for k in range(args.baseline):
            u = probes[k % len(probes)]
            a = seat_agent[u]
            m = a.mark()
            t0 = time.perf_counter()
            ci = raw_invite(srv.udp_port, u, sock)
            ev = a.wait_event(event="incoming", since=m, timeout=5,
                              sip_call_id=ci)
            plain.append(1000 * (time.perf_counter() - t0))
            time.sleep(0.02)
        # drain replies
        try:
            while True:
                sock.recvfrom(65535)
        except OSError:
            pass
        sock.close()
        time.sleep(1.0)

        # ---- queue the callers
        n_callers = args.decisions + 5
        sipp_proc = subprocess.Popen(
            [sipp, f"127.0.0.1:{srv.udp_port}", "-sf", str(work / "caller.xml"), "-s", "12368",
             "-key", "caller", "1390000", "-d", "150", "-m", str(n_callers), "-r", "100",
             "-l", str(n_callers), "-i", "127.0.0.1", "-p", str(free_port()),
             "-mp", str(free_port()), "-timeout", "600s", "-nostdin", "-nd",
             "-trace_err", "-error_file", str(work / "sipp_err.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(work))
        time.sleep(n_callers / 100 + 2.0)

        # ---- decisions
        dec = []
        pub_ret = []
        last_call: dict = {}
        for k in range(args.decisions):
            u = seats[k % len(seats)]
            a = seat_agent[u]
            if u in last_call:  # its previous call is over (else the BYE would dispatch)
                a.wait_event(event="call_state", call=last_call[u], state="DISCONNECTED",
                             timeout=10)
            m = a.mark()
            t0 = time.perf_counter()
            uas[u].publish(doc(u, SeatState.READY))
            t_pub = time.perf_counter()
            try:
                ev = a.wait_event(event="incoming", since=m, timeout=5, account=seat_acc[u])
                last_call[u] = ev["call"]
            except TimeoutError:
                print(f"decision {k}: seat {u} got no call within 5 s")
                raise
            t1 = time.perf_counter()
            uas[u].publish(doc(u, SeatState.NOT_READY))
            dec.append(1000 * (t1 - t0))
            pub_ret.append(1000 * (t_pub - t0))
            time.sleep(0.01)
        # the rest of the callers: let every seat serve them
        for u in seats:
            uas[u].publish(doc(u, SeatState.READY))
        try:
            rc = sipp_proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            sipp_proc.kill()
            rc = sipp_proc.wait()

        print(f"\nrouting decision bench: kamailio 5.6 (children=4), {len(seats)} seats in "
              f"{len(agents)} PeerAgent processes, {n_callers} sipp callers queued, "
              f"{os.cpu_count()} CPUs")
        print(summary("baseline: PUBLISH -> 200 (RTT)", pub_rtt))
        print(summary("baseline: plain INVITE -> seat", plain))
        print(summary("decision: ready PUBLISH -> INVITE", dec))
        print(summary("  (of which publish() returned)", pub_ret))
        print(f"target p99 < 50 ms: {'met' if pct(dec, 99) < 50 else 'NOT met'}; "
              f"sipp exit code {rc} (0 = every queued caller answered)")
        return 0
    finally:
        if sipp_proc is not None and sipp_proc.poll() is None:
            sipp_proc.kill()
            sipp_proc.wait()
        for ua in uas.values():
            try:
                ua.close()
            except Exception:
                pass
        for a in agents:
            try:
                a.stop(timeout=5)
            except Exception:
                a.kill()
        srv.stop()
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
