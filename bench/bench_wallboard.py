"""Bench: the wallboard under a province's load, through the real Kamailio.

    .venv/bin/python bench/bench_wallboard.py [--seats 3000 --courts 200 --rate 1000 --seconds 60]
    .venv/bin/python bench/bench_wallboard.py --beijing      # 70 seats, 23 courts
    .venv/bin/python bench/bench_wallboard.py --mode direct --watcher process|thread|both

The seats are sipp (--publisher-impl sipp, the default: one sipp "call" per seat,
digest answered, its own publication refreshed with SIP-If-Match; see
sipp_scenario) or a Python publisher process (--publisher-impl python:
PublisherPool, one socket, every seat's account). sipp costs the shared two
cores far less, so what is measured is Kamailio and the wallboard; sipp's own
counts (failed seats, unexpected answers) are printed. Each document carries
its send time in hl:since. The wallboard (this process: the real model, feed,
tiles, grid and charts, offscreen) watches every seat through ONE
resource-list subscription served by Kamailio's rls module (--mode rls) or
one subscription per seat (--mode direct), with the SIP UA either in a
watcher child process (--watcher process, as the app does by default: see
sip/simple/watcher.py) or on threads in this process (--watcher thread).
Printed:

- latency PUBLISH -> wallboard model updated, p50/p99 (target p99 < 200 ms);
- latency PUBLISH -> frame painted (the grid's viewport painted after the
  update), p50/p99;
- frame time (every Paint event delivered in the wallboard), p50/p99/max
  (target < 16 ms);
- the wallboard's CPU (% of one core; target < 50 %) and RSS: with a
  watcher process, the GUI process and the watcher process each and summed.
Figures only, no assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.domain.presence_doc import SeatPresence, seat_pidf  # noqa: E402
from app.domain.seat_state import SeatState  # noqa: E402

from ui.main import SWITCH_INTERVAL_S  # noqa: E402

STATES = [SeatState.READY, SeatState.TALKING, SeatState.WRAP_UP, SeatState.NOT_READY, SeatState.OFFERED]


def seat_user(i: int) -> str:
    return f"s{i:05d}"


def court_of(i: int, courts: int) -> str:
    return f"c{i % courts:03d}"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * (len(xs) - 1)))] if xs else float("nan")


# ---------------------------------------------------------------- publisher --
def publisher(server: str, seats: int, courts: int, rate: float, seconds: float) -> None:
    from sip.simple.ua import PublisherPool
    host, port = server.rsplit(":", 1)
    users = [(seat_user(i), f"pw{i}") for i in range(seats)]
    pool = PublisherPool((host, int(port)), users, transport="udp", domain=host)
    rng = random.Random(1)

    def doc(i, st):
        u = seat_user(i)
        return seat_pidf(f"sip:{u}@{host}", SeatPresence(u, st, since=time.time(), court=court_of(i, courts)))

    # Everyone signs in first (not timed), then the timed changes.
    pool.publish_many([(seat_user(i), doc(i, SeatState.READY)) for i in range(seats)])
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # the wallboard says go once it has the full state
    t0 = time.monotonic()
    n = 0
    while True:
        elapsed = time.monotonic() - t0
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while n < due:
            i = rng.randrange(seats)
            pool.publish_async(seat_user(i), doc(i, rng.choice(STATES)))
            n += 1
        time.sleep(0.002)
    print(json.dumps({"sent": n, "seconds": time.monotonic() - t0}), flush=True)
    time.sleep(1.0)
    pool.close()


# ------------------------------------------------------- sipp publisher --
# The default load generator: sipp (C) instead of PublisherPool (Python), so that the
# publishing side costs the two cores of this machine as little as possible and what is
# measured is Kamailio + the wallboard. Each sipp "call" is one seat: it signs in (READY;
# PUBLISH with its digest answer, 200 with its SIP-ETag: sipp_credentials), waits LEAD seconds, then
# changes state every seats/rate seconds through the five states, each PUBLISH refreshing
# its own publication (SIP-If-Match) and carrying its send time (gettimeofday) in
# hl:since's epoch. The sipp calls start at --rate a second, so the seats' changes are
# spread evenly and the total is --rate changes a second.
SIPP_STATES = [SeatState.TALKING, SeatState.WRAP_UP, SeatState.NOT_READY, SeatState.OFFERED, SeatState.READY]
_SEAT, _COURT, _EPOCH = "s99999", "c999", 1234567890.5


def _sipp_body(state: SeatState) -> str:
    """seat_pidf's own document with sipp keywords in place of seat, court and time."""
    doc = seat_pidf(f"sip:{_SEAT}@HOST", SeatPresence(_SEAT, state, since=_EPOCH, court=_COURT))
    doc = doc.replace(f'epoch="{_EPOCH!r}"', 'epoch="[$t]"')
    assert '[$t]' in doc and "[" not in doc.replace("[$t]", "")
    return (doc.replace(_SEAT, "[field0]").replace(_COURT, "[field1]").replace("HOST", "[remote_ip]")
            .strip())


def sipp_scenario(lead_s: float, period_s: float) -> str:
    def now():
        return ('<nop><action><gettimeofday assign_to="sec,usec"/><assign assign_to="t" variable="usec"/>'
                '<divide assign_to="t" value="1000000"/><add assign_to="t" variable="sec"/></action></nop>')

    def publish(state, etag):
        hdrs = ["PUBLISH sip:[field0]@[remote_ip] SIP/2.0",
                "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                "Max-Forwards: 70", "From: <sip:[field0]@[remote_ip]>;tag=[pid]-[call_number]",
                "To: <sip:[field0]@[remote_ip]>", "Call-ID: [call_id]", "CSeq: [cseq] PUBLISH",
                "Event: presence", "Expires: 600", "Content-Type: application/pidf+xml",
                "Proxy-Authorization: [field2]"]
        if etag:
            hdrs.append("SIP-If-Match: [$etag]")
        hdrs.append("Content-Length: [len]")
        return "<send><![CDATA[\n" + "\n".join(hdrs) + "\n\n" + _sipp_body(state) + "\n]]></send>"

    def ok():
        return ('<recv response="200"><action><ereg regexp="[^ \\r\\n]+" search_in="hdr" '
                'header="SIP-ETag:" assign_to="etag"/></action></recv>')

    period_ms = int(period_s * 1000)
    steps = [now(), publish(SeatState.READY, False), ok(),
             f'<pause milliseconds="{int(lead_s * 1000)}"/>', '<label id="1"/>']
    for st in SIPP_STATES:
        steps += [f'<pause milliseconds="{period_ms}"/>', now(), publish(st, True), ok()]
    steps.append('<nop next="1"/>')
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="seat presence">\n'
            + "\n".join(steps) + "\n</scenario>\n")


def sipp_credentials(host: str, port: int, seats: int) -> list[str]:
    """Each seat's Proxy-Authorization for its PUBLISHes, computed once: sipp 3.6 cannot
    take a per-seat user name from its injection file into [authentication], so the
    bench asks Kamailio for one challenge (an unauthenticated PUBLISH) and answers it
    for every seat (RFC 2617, qop=auth, nc 1). Kamailio checks the nonce's signature and
    age (nonce_expire, 300 s), not its reuse (no nonce_count), so the same header serves
    each seat for the whole run; the server still checks every PUBLISH's digest against
    its subscriber table, as for a real seat."""
    import hashlib
    import re
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as so:
        so.bind(("127.0.0.1", 0))
        so.settimeout(5)
        lp = so.getsockname()[1]
        user = seat_user(0)
        so.sendto((f"PUBLISH sip:{user}@{host} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK-ch1\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:{user}@{host}>;tag=ch\r\nTo: <sip:{user}@{host}>\r\n"
                   f"Call-ID: challenge-{lp}\r\nCSeq: 1 PUBLISH\r\nEvent: presence\r\nExpires: 0\r\n"
                   f"Content-Length: 0\r\n\r\n").encode(), (host, port))
        resp = so.recv(65536).decode()
    realm = re.search(r'realm="([^"]+)"', resp).group(1)
    nonce = re.search(r'nonce="([^"]+)"', resp).group(1)

    def md5(x: str) -> str:
        return hashlib.md5(x.encode()).hexdigest()
    out = []
    for i in range(seats):
        user, uri, cnonce, nc = seat_user(i), f"sip:{seat_user(i)}@{host}", f"c{i:x}", "00000001"
        ha1, ha2 = md5(f"{user}:{realm}:pw{i}"), md5(f"PUBLISH:{uri}")
        resp = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        out.append(f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                   f'response="{resp}", algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={nc}')
    return out


def _sipp_report(workdir: Path) -> str:
    """What sipp says about its calls (one call = one seat): failed seats stop publishing,
    so the rate reached is only the asked one if none failed. Kept in
    /tmp/bench_wallboard_sipp for a look."""
    import shutil
    keep = Path(tempfile.gettempdir()) / "bench_wallboard_sipp"
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir()
    lines = []
    for f in workdir.glob("*"):
        if f.suffix in (".log", ".xml", ".csv") or f.name.endswith("screen.log"):
            shutil.copy(f, keep / f.name)
    for pattern, keys in (("*_.csv", ("OutgoingCall(C)", "FailedCall(C)", "FailedUnexpectedMessage(C)",
                                        "FailedMaxUDPRetrans(C)", "Retransmissions(C)", "DeadCallMsgs(C)")),
                          ("*_counts.csv", None)):
        for f in keep.glob(pattern):
            rows = [r.split(";") for r in f.read_text(errors="replace").splitlines() if r.strip()]
            if len(rows) < 2:
                continue
            head, last = rows[0], rows[-1]
            got = {h: v for h, v in zip(head, last) if v and (keys is None or h in keys)}
            if keys is None:
                got = {h: v for h, v in got.items() if v != "0" and ("PUBLISH" in h or "200" in h or
                       "Unexp" in h or "Timeout" in h or "Retrans" in h)}
            lines.append("  " + ", ".join(f"{h} {v}" for h, v in got.items()))
    errors = list(keep.glob("*errors.log"))
    n_err = sum(1 for f in errors for _ in f.open(errors="replace")) if errors else 0
    return "\n".join(lines[-14:]) + f"\n  sipp error log lines: {n_err} (in {keep})"


def _free_udp_port() -> int:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def start_sipp_publisher(host: str, port: int, seats: int, courts: int, rate: float,
                         lead_s: float, workdir: Path) -> subprocess.Popen:
    import shutil
    sipp = shutil.which("sipp")
    if sipp is None:
        raise SystemExit("sipp is not installed (apt install sip-tester), or use --publisher-impl python")
    creds = sipp_credentials(host, port, seats)
    (workdir / "seats.csv").write_text("SEQUENTIAL\n" + "".join(
        f"{seat_user(i)};{court_of(i, courts)};{creds[i]}\n" for i in range(seats)))
    (workdir / "seat_presence.xml").write_text(sipp_scenario(lead_s, seats / rate))
    return subprocess.Popen(
        [sipp, f"{host}:{port}", "-sf", str(workdir / "seat_presence.xml"),
         "-inf", str(workdir / "seats.csv"), "-i", "127.0.0.1", "-p", str(_free_udp_port()), "-t", "u1",
         "-r", str(int(rate)), "-m", str(seats), "-l", str(seats), "-nostdin", "-trace_err", "-trace_stat", "-trace_counts", "-fd", "2",
         "-error_file", str(workdir / "sipp_errors.log"), "-max_recv_loops", "10000",
         "-max_sched_loops", "10000"],
        cwd=str(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------- wallboard --
def proc_cpu_s(pid: int | str = "self") -> tuple[float, float]:
    """CPU seconds (user, system) a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(parts[11]) / tick, int(parts[12]) / tick


def proc_rss_mb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def run(seats: int, courts: int, rate: float, seconds: float, mode: str = "rls",
        watcher: str = "thread", impl: str = "sipp", lead: float = 20.0) -> dict:
    from PySide6.QtWidgets import QApplication

    from deploy.kamailio.launcher import KamailioServer, SipUser
    from sip.simple.ua import PresenceUA
    from ui.wallboard.feed import PresenceFeed
    from ui.wallboard.model import SeatTableModel
    from ui.wallboard.window import WallboardWindow

    class Entry:
        def __init__(self, number, name, court):
            self.number, self.name, self.court = number, name, court

    class Court:
        def __init__(self, code):
            self.code, self.name, self.short_name, self.is_main = code, code, code, code == "c000"

    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as ui/main.py does
    app = QApplication.instance() or QApplication([])
    entries = [Entry(seat_user(i), f"坐席{i}", court_of(i, courts)) for i in range(seats)]
    court_list = [Court(f"c{c:03d}") for c in range(courts)]
    model = SeatTableModel(entries, {c.code: c.code for c in court_list})
    feed = PresenceFeed(model)
    win = WallboardWindow(model, court_list)
    win.resize(1600, 1000)
    win.show()

    to_model: list[float] = []
    timeline: list[tuple[float, float]] = []   # (sent at, PUBLISH -> model) for the worst seconds
    pending_paint: list[float] = []
    to_paint: list[float] = []
    frames: list[float] = []
    orig_apply = model.apply_seat

    def timed_apply(p, received_at=None, live=True):
        ok = orig_apply(p, received_at, live)
        if ok and live and measuring[0]:
            now = time.time()
            to_model.append(now - p.since)
            timeline.append((p.since, now - p.since))
            t_in = arrived.get(f"sip:{p.seat}@127.0.0.1")
            if t_in is not None and t_in >= p.since:
                to_socket.append(t_in - p.since)
                in_app.append(now - t_in)
            if model.row_of(p.seat) in visible:  # only a visible row makes a frame
                pending_paint.append(p.since)
        return ok
    model.apply_seat = timed_apply
    measuring = [False]
    # Where the time goes: PUBLISH -> NOTIFY read by the wallboard's UA (server,
    # network, publisher queueing) and NOTIFY read -> model (our own work).
    arrived: dict[str, float] = {}
    to_socket: list[float] = []
    in_app: list[float] = []
    class TimedInbox:  # what the UA threads post into, timed on arrival
        def __init__(self, inner):
            self.inner = inner

        def put(self, item):
            if item[0] == "doc":
                arrived[item[1]] = time.time()
            self.inner.put(item)

        def get_nowait(self):
            return self.inner.get_nowait()
    feed.inbox = TimedInbox(feed.inbox)
    orig_apply_item = feed.apply_item

    def timed_item(item):  # the watcher process's items carry when it read the NOTIFY
        if item[0] == "s":
            arrived[item[1]] = item[2]
        orig_apply_item(item)
    feed.apply_item = timed_item
    visible: set[int] = set()

    def visible_rows():
        t = win.table
        top = max(0, t.rowAt(0))
        bottom = t.rowAt(t.viewport().height() - 1)
        bottom = t.model().rowCount() - 1 if bottom < 0 else bottom
        return {win.proxy.mapToSource(win.proxy.index(r, 0)).row() for r in range(top, bottom + 1)}

    # Frame time: the grid's own paint (SeatGridView.frame_times) and the
    # tiles' repaints; "to paint": updates applied before a grid paint ended.
    class Frames(list):
        on_paint = None

        def append(self, item):
            super().append(item)
            if self.on_paint is not None:
                self.on_paint()
    frames = Frames()
    win.table.frame_times = frames
    orig_paint_done = len(frames)

    def after_paints():
        nonlocal orig_paint_done
        if len(frames) != orig_paint_done:
            if pending_paint:
                now = time.time()
                to_paint.extend(now - s for s in pending_paint)
                pending_paint.clear()
            visible.clear()
            visible.update(visible_rows())
        orig_paint_done = len(frames)

    with tempfile.TemporaryDirectory() as tmp:
        users = [SipUser(seat_user(i), f"pw{i}") for i in range(seats)] + [SipUser("wall", "pw-wall")]
        srv = KamailioServer(Path(tmp), users=users, shm_mb=512)
        list_uri = srv.set_resource_list("wallboard", "wall", [f"sip:{seat_user(i)}@{srv.host}" for i in range(seats)])
        srv.start(timeout=30)
        if impl == "sipp":
            t_sipp = time.monotonic()
            pub = start_sipp_publisher(srv.host, srv.udp_port, seats, courts, rate, lead, Path(tmp))
            # changes run at full rate once the last seat has signed in, waited and changed once
            t_go = t_sipp + seats / rate + lead + seats / rate
        else:
            pub = subprocess.Popen([sys.executable, __file__, "--publisher", f"{srv.host}:{srv.udp_port}",
                                    "--seats", str(seats), "--courts", str(courts), "--rate", str(rate),
                                    "--seconds", str(seconds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True)
        try:
            if impl == "sipp":
                time.sleep(seats / rate + 1.0)   # every seat signed in (READY)
            else:
                assert json.loads(pub.stdout.readline())["ready"]
            ua = None
            uris = [f"sip:{seat_user(i)}@{srv.host}" for i in range(seats)]
            t_attach = time.monotonic()  # the GUI thread is busy subscribing until attach returns
            if watcher == "process":
                from sip.simple.watcher import WatcherConfig
                feed.attach_watcher(WatcherConfig(srv.host, srv.tcp_port, "wall", "pw-wall", srv.host, "tcp",
                                                  uris=[] if mode == "rls" else uris,
                                                  list_uri=list_uri if mode == "rls" else None))
            else:
                ua = PresenceUA(srv.host, srv.tcp_port, "wall", "pw-wall", transport="tcp", keepalive_interval=None)
                if mode == "rls":
                    feed.attach_list(ua, list_uri)
                else:
                    feed.attach_direct(ua, uris)
            attach_s = time.monotonic() - t_attach
            t_full = time.monotonic()
            while sum(1 for r in model.rows if not r.stale) < seats and time.monotonic() - t_full < 60:
                app.processEvents()
                time.sleep(0.002)
            full_s = time.monotonic() - t_full
            late_s = 0.0
            if impl == "sipp":
                late_s = max(0.0, time.monotonic() - t_go)  # > 0: --lead was too short
                while time.monotonic() < t_go:
                    app.processEvents()
                    time.sleep(0.005)
            visible.update(visible_rows())
            measuring[0] = True
            child = feed.watcher.child_pid if watcher == "process" and feed.watcher else None
            k0 = proc_cpu_s(child) if child else (0.0, 0.0)
            s0 = proc_cpu_s()
            c0, w0 = time.process_time(), time.monotonic()
            if impl != "sipp":
                pub.stdin.write("go\n")
                pub.stdin.flush()
            # The measured minute runs on a real Qt event loop, as in the app (a
            # processEvents/sleep polling loop here cost the wallboard ~5 % of a
            # core that the app does not spend); paints are attributed every 5 ms.
            from PySide6.QtCore import QEventLoop, QTimer
            loop = QEventLoop()
            frames.on_paint = after_paints     # attributed as each grid paint ends
            QTimer.singleShot(int((seconds + (0 if impl == "sipp" else 2)) * 1000), loop.quit)
            loop.exec()
            frames.on_paint = None
            wall = time.monotonic() - w0
            cpu = (time.process_time() - c0) / wall
            k1 = proc_cpu_s(child) if child else (0.0, 0.0)
            cpu_child = (sum(k1) - sum(k0)) / wall
            sys_child = (k1[1] - k0[1]) / wall
            sys_gui = (proc_cpu_s()[1] - s0[1]) / wall
            rss_child = proc_rss_mb(child) if child else 0
            measuring[0] = False
            if impl == "sipp":
                sent = {"sent": len(to_model)}   # sipp runs on: what arrived in the window
            else:
                sent = json.loads(pub.stdout.readline())
            if ua is not None:
                ua.close()
            feed.close_watcher()
        finally:
            if impl == "sipp":
                pub.terminate()          # sipp writes its screen (-trace_screen) and exits
                try:
                    pub.wait(10)
                except subprocess.TimeoutExpired:
                    pub.kill()
                sipp_summary = _sipp_report(Path(tmp))
            else:
                pub.kill()
            srv.stop()
    rss = proc_rss_mb()
    win.close()
    if impl == "sipp":
        print("sipp (the seats):\n" + sipp_summary)
    if timeline:   # where the tail comes from: spread out, or a few bad seconds?
        t0 = timeline[0][0]
        per_s: dict[int, list[float]] = {}
        for sent_at, lat in timeline:
            per_s.setdefault(int(sent_at - t0), []).append(lat)
        worst = sorted(per_s.items(), key=lambda kv: -max(kv[1]))[:5]
        over = sum(1 for _, v in timeline if v > 0.2)
        print(f"  updates over 200 ms: {over} of {len(timeline)}, in {sum(1 for v in per_s.values() if max(v) > 0.2)}"
              f" of {len(per_s)} seconds; worst seconds (s from start: max, p50 ms): "
              + ", ".join(f"{k}: {max(v) * 1000:.0f}/{pct(v, 50) * 1000:.0f}" for k, v in worst))
    return {"mode": mode, "watcher": watcher, "cpu_gui": cpu * 100, "cpu_child": cpu_child * 100,
            "sys_gui": sys_gui * 100, "sys_child": sys_child * 100,
            "rss_child_mb": rss_child, "seats": seats, "courts": courts, "rate": rate, "sent": sent["sent"], "applied": len(to_model),
            "full_state_s": full_s, "attach_s": attach_s, "model_p50": pct(to_model, 50) * 1000, "model_p99": pct(to_model, 99) * 1000,
            "socket_p50": pct(to_socket, 50) * 1000, "socket_p99": pct(to_socket, 99) * 1000,
            "app_p50": pct(in_app, 50) * 1000, "app_p99": pct(in_app, 99) * 1000,
            "paint_p50": pct(to_paint, 50) * 1000, "paint_p99": pct(to_paint, 99) * 1000,
            "frame_p50": pct(frames, 50) * 1000, "frame_p99": pct(frames, 99) * 1000,
            "frame_max": max(frames) * 1000 if frames else float("nan"), "frames": len(frames),
            "cpu": (cpu + cpu_child) * 100, "rss_mb": rss, "malformed": feed.malformed,
            "publisher": impl, "wall_s": wall, "late_s": late_s,
            "per_1000": (cpu + cpu_child) * 100 / max(1e-9, len(to_model) / wall / 1000)}


def report(r: dict) -> None:
    print(f"[{r['mode']}, UA in {'a watcher process' if r['watcher'] == 'process' else 'threads'}, publisher "
          f"{r['publisher']}] {r['seats']} seats in {r['courts']} courts, {r['rate']:.0f} changes/s asked: sent "
          f"{r['sent']}, applied {r['applied']} in {r['wall_s']:.1f} s = {r['applied'] / r['wall_s']:.0f} updates/s; "
          f"GUI thread blocked {r['attach_s']:.2f} s subscribing, then every seat live {r['full_state_s']:.2f} s later"
          + (f" (LATE by {r['late_s']:.1f} s: raise --lead)" if r["late_s"] else ""))
    print(f"  PUBLISH -> model: p50 {r['model_p50']:.1f} ms, p99 {r['model_p99']:.1f} ms (target p99 < 200)")
    print(f"    of which PUBLISH -> NOTIFY read at the wallboard's socket: p50 {r['socket_p50']:.1f} ms, "
          f"p99 {r['socket_p99']:.1f} ms; NOTIFY read -> model: p50 {r['app_p50']:.1f} ms, p99 {r['app_p99']:.1f} ms")
    print(f"  PUBLISH -> frame painted: p50 {r['paint_p50']:.1f} ms, p99 {r['paint_p99']:.1f} ms")
    print(f"  frame time: p50 {r['frame_p50']:.2f} ms, p99 {r['frame_p99']:.2f} ms, max {r['frame_max']:.1f} ms "
          f"over {r['frames']} paints (target < 16 ms)")
    if r["watcher"] == "process":
        print(f"  wallboard CPU {r['cpu']:.1f} % of one core (target < 50 %) = GUI process {r['cpu_gui']:.1f} % "
              f"(kernel {r['sys_gui']:.1f}) + watcher process {r['cpu_child']:.1f} % (kernel {r['sys_child']:.1f}); "
              f"RSS {r['rss_mb']} MB + {r['rss_child_mb']} MB, malformed {r['malformed']}")
        print(f"  per 1,000 updates/s applied: {r['per_1000']:.1f} % of one core")
    else:
        print(f"  wallboard CPU {r['cpu']:.1f} % of one core (target < 50 %, kernel {r['sys_gui']:.1f}), "
              f"RSS {r['rss_mb']} MB, malformed {r['malformed']}")
    print("  JSON " + json.dumps(r), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seats", type=int, default=3000)
    ap.add_argument("--courts", type=int, default=200)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--beijing", action="store_true", help="70 seats, 23 courts, 20 changes/s")
    ap.add_argument("--mode", choices=("rls", "direct", "both"), default="both",
                    help="rls: one resource-list subscription; direct: one subscription per seat "
                         "over one connection (our own UA)")
    ap.add_argument("--watcher", choices=("process", "thread", "both"), default="process",
                    help="where the wallboard's SIP UA runs: a watcher child process (the app's default) "
                         "or threads in the GUI process")
    ap.add_argument("--publisher-impl", choices=("sipp", "python"), default="sipp",
                    help="the load generator: sipp (default; cheapest, so the cores go to Kamailio and "
                         "the wallboard) or our own PublisherPool in a Python process")
    ap.add_argument("--lead", type=float, default=20.0,
                    help="sipp: seconds between the last seat signing in and the timed changes "
                         "(the wallboard subscribes and gets the full state meanwhile)")
    ap.add_argument("--publisher", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.publisher:
        publisher(a.publisher, a.seats, a.courts, a.rate, a.seconds)
        return 0
    if a.beijing:
        a.seats, a.courts, a.rate = 70, 23, 20
    if a.mode == "both" or a.watcher == "both":  # each in its own process (a clean Qt and SIP state)
        for mode in (("rls", "direct") if a.mode == "both" else (a.mode,)):
            for watcher in (("process", "thread") if a.watcher == "both" else (a.watcher,)):
                subprocess.run([sys.executable, __file__, "--mode", mode, "--watcher", watcher,
                                "--seats", str(a.seats), "--courts", str(a.courts), "--rate", str(a.rate),
                                "--seconds", str(a.seconds), "--publisher-impl", a.publisher_impl,
                                "--lead", str(a.lead)])
        return 0
    report(run(a.seats, a.courts, a.rate, a.seconds, a.mode, a.watcher, a.publisher_impl, a.lead))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
