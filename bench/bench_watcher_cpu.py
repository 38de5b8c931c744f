"""Bench: CPU per presence update on the wallboard's path, without Kamailio.

    .venv/bin/python bench/bench_watcher_cpu.py                 # stages, this tree
    .venv/bin/python bench/bench_watcher_cpu.py --child         # + the real watcher child
    .venv/bin/python bench/bench_watcher_cpu.py --compare DIR   # DIR (e.g. an older tree) vs this one

Stages (us per update, median of --rounds; one thread, no sockets):

child (sip/simple/watcher.py's process, per NOTIFY as Kamailio sends them:
headers as captured from Kamailio 5.6, our seats' document re-serialized
with empty elements written <x/>):
  - ``framer``: StreamFramer.feed of one NOTIFY (its own TCP read), which
    includes parse_message;
  - ``ua``: the UA's handling (_Core._on_message: retransmission check,
    dialog lookup, 200 OK built, Subscription-State, Contact ...), socket
    send stubbed out, callback empty;
  - ``ok_build``: of which building the 200 OK (build_response);
  - ``item``: item_of_document (the PIDF into a plain tuple); ``item_sipp``:
    the same documents with every line trimmed (as bench_wallboard's sipp
    seats send them);
  - ``batch``: the batcher's append + frame() of a batch of --batch items;
  - ``child_py``: all of it in a row, with the watcher's real callbacks.

GUI (ui/wallboard, per item):
  - ``reader``: FrameReader.feed of one frame of --batch items;
  - ``apply``: PresenceFeed.apply_item (presence_of + model.apply_seat);
  - ``flush``: SeatTableModel.flush of the rows changed in one batch, with
    the grid's SeatGridModel copy listening (ui/wallboard/window.py);
  - ``gui_py``: all of it.

``--child`` also runs the real watcher child (``python -m sip.simple.watcher``)
against a small fake SIP server in this process (answers SUBSCRIBE/OPTIONS
with 200, then sends --rate NOTIFYs a second, each its own TCP write) and
reports the child's CPU (user + kernel, from /proc) per NOTIFY: threads,
syscalls and the 200 OKs' sends included, which the stages leave out.

``--tree DIR`` imports the project from DIR instead of this checkout (a copy
of an older commit: ``git archive <rev> | tar -x -C DIR``); ``--compare DIR``
runs DIR and this tree alternately in fresh processes (--runs each) and
prints the medians side by side. Figures only; the machine is shared, so
compare runs made together.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", default=str(HERE), help="import the project from here")
    ap.add_argument("--compare", metavar="DIR", help="run DIR and this tree alternately")
    ap.add_argument("--runs", type=int, default=3, help="--compare: runs per tree")
    ap.add_argument("--seats", type=int, default=3000)
    ap.add_argument("--courts", type=int, default=200)
    ap.add_argument("--n", type=int, default=3000, help="NOTIFYs per round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--batch", type=int, default=5, help="items per frame (1,000/s, 5 ms)")
    ap.add_argument("--child", action="store_true", help="also run the real watcher child")
    ap.add_argument("--no-stages", action="store_true")
    ap.add_argument("--rate", type=float, default=1000.0, help="--child: NOTIFYs a second")
    ap.add_argument("--seconds", type=float, default=10.0, help="--child: how long")
    ap.add_argument("--burst", type=int, default=1,
                    help="--child: NOTIFYs sent back to back (each its own write) per burst")
    ap.add_argument("--idle", type=float, default=3.0, help="--child: idle CPU measured this long")
    ap.add_argument("--json", action="store_true", help="one JSON line (for --compare)")
    return ap.parse_args(argv)


# --------------------------------------------------------------- NOTIFYs --
STATE_NAMES = ["ready", "talking", "wrap_up", "not_ready", "offered"]  # bench_wallboard's


def seat_user(i: int) -> str:
    return f"s{i:05d}"


def kamailio_body(i: int, state, courts: int, host: str) -> str:
    """seat_pidf's document as Kamailio forwards it (libxml2: <x/>)."""
    import re

    from app.domain.presence_doc import SeatPresence, seat_pidf
    u = seat_user(i)
    body = seat_pidf(f"sip:{u}@{host}", SeatPresence(u, state, since=time.time(),
                                                      court=f"c{i % courts:03d}"))
    return re.sub(r"<([a-z:-]+)></\1>", r"<\1/>", body)


class Dialogs:
    """Per seat: the Call-ID and tags of its subscription dialog."""

    def __init__(self, seats: int, host: str = "127.0.0.1", port: int = 5060):
        self.host, self.port = host, port
        rng = random.Random(3)
        self.call_id = [f"{rng.getrandbits(128):032x}@{host}" for _ in range(seats)]
        self.local_tag = [f"{rng.getrandbits(48):012x}" for _ in range(seats)]
        self.remote_tag = [f"{rng.getrandbits(128):032x}-{rng.getrandbits(32):08x}" for _ in range(seats)]
        self.cseq = [1] * seats
        self._branch = 0

    def notify(self, i: int, body: str, local_port: int = 42135) -> bytes:
        """One NOTIFY exactly as Kamailio 5.6 lays it out (captured)."""
        self.cseq[i] += 1
        self._branch += 1
        b = body.encode()
        h, p = self.host, self.port
        return (f"NOTIFY sip:judge@{h}:{local_port};transport=tcp SIP/2.0\r\n"
                f"Via: SIP/2.0/TCP {h}:{p};branch=z9hG4bK{self._branch:x}.614ce2540000000000000000000000"
                f"00.0\r\n"
                f"To: <sip:judge@{h}>;tag={self.local_tag[i]}\r\n"
                f"From: <sip:{seat_user(i)}@{h}>;tag={self.remote_tag[i]}\r\n"
                f"CSeq: {self.cseq[i]} NOTIFY\r\n"
                f"Call-ID: {self.call_id[i]}\r\n"
                f"Content-Length: {len(b)}\r\n"
                "User-Agent: hotline12368-kamailio\r\n"
                "Max-Forwards: 70\r\n"
                "Event: presence\r\n"
                f"Contact: <sip:{h}:{p};transport=tcp>\r\n"
                "Subscription-State: active;expires=120\r\n"
                "Content-Type: application/pidf+xml\r\n\r\n").encode() + b


def make_notifies(args, dialogs: Dialogs, n: int, seed: int = 1) -> list[bytes]:
    from app.domain.seat_state import SeatState
    rng = random.Random(seed)
    states = [SeatState(s) for s in STATE_NAMES]
    out = []
    for _ in range(n):
        i = rng.randrange(args.seats)
        out.append(dialogs.notify(i, kamailio_body(i, rng.choice(states), args.courts, dialogs.host)))
    return out


# ----------------------------------------------------------------- stages --
def _median_us(fn, rounds: int, per: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) / per * 1e6)
    return statistics.median(times)


def stages(args) -> dict:
    import gc

    from sip.simple import watcher as W
    from sip.simple.message import StreamFramer, build_response
    from sip.simple.ua import USER_AGENT, PresenceUA, Subscription

    # A UA with a real (idle) TCP connection to a listener nobody reads from:
    # sending is stubbed out below, the stages measure Python only.
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    port = lst.getsockname()[1]
    ua = PresenceUA("127.0.0.1", port, "judge", "pw", transport="tcp", keepalive_interval=None,
                    auto_recover=False, list_heal_after=None)
    peer, _ = lst.accept()
    ua._core.transport.send = lambda data: None
    ua._maintenance_step = lambda: None   # no refreshes of these made-up dialogs
    dialogs = Dialogs(args.seats, port=port)
    notifies = make_notifies(args, dialogs, args.n)
    items: list = []

    class Batcher:   # the watcher's _Batcher without its thread: items into a list
        def doc(self, uri, body, received):
            it = W.item_of_document(uri, body, received)
            if it is not None:
                items.append(it)

        def item(self, kind, uri, payload):
            items.append((kind, uri, time.time(), payload))

    def subscribe_all(on_notify=None, on_state=None):
        with ua._lock:
            ua._subs.clear()
            for i in range(args.seats):
                sub = Subscription(ua, f"sip:{seat_user(i)}@127.0.0.1", "presence", 600, False,
                                   "application/pidf+xml", on_notify, on_state)
                sub.call_id, sub.local_tag, sub.state = dialogs.call_id[i], dialogs.local_tag[i], "active"
                ua._subs[sub.call_id] = sub

    res: dict[str, float] = {}
    n, rounds = len(notifies), args.rounds

    framer = StreamFramer()
    res["framer"] = _median_us(lambda: [framer.feed(raw) for raw in notifies], rounds, n)
    msgs = [m for raw in notifies for m in StreamFramer().feed(raw)]
    assert len(msgs) == n

    subscribe_all()
    on_msg = ua._core._on_message

    def ua_round():
        ua._core._answered.clear()
        for m in msgs:
            on_msg(m)
    res["ua"] = _median_us(ua_round, rounds, n)
    res["ok_build"] = _median_us(
        lambda: [build_response(m, 200, "OK", [("Server", USER_AGENT)]) for m in msgs], rounds, n)

    bodies = [m.text() for m in msgs]
    uris = [f"sip:{seat_user(i % args.seats)}@127.0.0.1" for i in range(n)]
    now = time.time()
    iod = W.item_of_document
    res["item"] = _median_us(lambda: [iod(u, b, now) for u, b in zip(uris, bodies)], rounds, n)
    assert all(iod(u, b, now)[0] == "s" for u, b in zip(uris[:50], bodies[:50]))
    # The same documents with every line trimmed, as bench_wallboard's sipp seats send them.
    trimmed = ["\n".join(ln.strip() for ln in b.split("\n")) for b in bodies]
    res["item_sipp"] = _median_us(lambda: [iod(u, b, now) for u, b in zip(uris, trimmed)], rounds, n)
    ready = [iod(u, b, now) for u, b in zip(uris, bodies)]
    k = args.batch

    def batch_round():   # what _Batcher does per item and per batch
        cond = threading.Condition()
        pending: list = []
        for j in range(0, n, k):
            for it in ready[j:j + k]:
                with cond:
                    pending.append(it)
                    if len(pending) == 1:
                        cond.notify()
            with cond:
                got, pending = pending, []
            W.frame(got)
    res["batch"] = _median_us(batch_round, rounds, n)

    # All of it in a row, with the watcher's own callbacks into a list.
    batcher = Batcher()
    cb = {}

    class Grab:   # take the on_notify/on_state closures _subscriber made
        def subscribe(self, uri, **kw):
            cb.update(kw)
    _, subscribe_one = W._subscriber(Grab(), batcher, {"uris": ["x"]})
    subscribe_one("x")
    subscribe_all(cb["on_notify"], cb["on_state"])
    frames: list = []

    def child_round():
        ua._core._answered.clear()
        fr = StreamFramer()
        for raw in notifies:
            for m in fr.feed(raw):
                on_msg(m)
            if len(items) >= k:
                frames.append(W.frame(items))
                items.clear()
    res["child_py"] = _median_us(child_round, rounds, n)
    assert frames and len(frames[0]) > 4

    # ---------------------------------------------------------------- GUI --
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from ui.wallboard.feed import PresenceFeed
    from ui.wallboard.model import SeatTableModel
    from ui.wallboard.window import SeatGridModel

    class Entry:
        def __init__(self, i):
            self.number, self.name, self.court = seat_user(i), f"Seat {i}", f"c{i % args.courts:03d}"
    model = SeatTableModel([Entry(i) for i in range(args.seats)], {})
    grid = SeatGridModel(model)
    grid.set_visible(range(40))
    feed = PresenceFeed(model)
    wire = [W.frame(ready[j:j + k]) for j in range(0, n, k)]

    def reader_round():
        r = FrameReader()
        for f in wire:
            r.feed(f)
    FrameReader = W.FrameReader
    res["reader"] = _median_us(reader_round, rounds, n)
    batches = [ready[j:j + k] for j in range(0, n, k)]
    t_base = [time.time()]

    def fresh(batch):   # newer than what the model holds, else it is ignored
        t_base[0] += 1.0
        return [(it[0], it[1], t_base[0]) + it[3:] for it in batch]
    res_apply, res_flush = [], []
    model.clock = lambda: t_base[0]
    feed.clock = lambda: t_base[0]
    for _ in range(rounds):
        bs = [fresh(b) for b in batches]
        ta = tf = 0.0
        for b in bs:
            t = time.perf_counter()
            for it in b:
                feed.apply_item(it)
            t2 = time.perf_counter()
            model.flush()
            t3 = time.perf_counter()
            ta += t2 - t
            tf += t3 - t2
        res_apply.append(ta / n * 1e6)
        res_flush.append(tf / n * 1e6)
        feed._seat_batch.clear()
        app.processEvents()
    res["apply"] = statistics.median(res_apply)
    res["flush"] = statistics.median(res_flush)

    def gui_round():
        r = FrameReader()
        for f in wire:
            t_base[0] += 1.0
            for batch in r.feed(f):
                for it in batch:
                    feed.apply_item((it[0], it[1], t_base[0]) + it[3:])
            model.flush()
        feed._seat_batch.clear()
    res["gui_py"] = _median_us(gui_round, rounds, n)
    assert model.updates > n
    with ua._lock:
        ua._subs.clear()
    ua.close(timeout=0.2)
    peer.close()
    lst.close()
    gc.collect()
    return res


# ------------------------------------------------------------ real child --
class FakeServer:
    """Enough of a SIP server for one watcher: 200 to SUBSCRIBE (with an
    initial NOTIFY, as Kamailio sends) and OPTIONS; 200s to NOTIFYs eaten."""

    def __init__(self, args, dialogs: Dialogs):
        self.args, self.d = args, dialogs
        self.lst = socket.socket()
        self.lst.bind(("127.0.0.1", 0))
        self.lst.listen(1)
        self.port = dialogs.port = self.lst.getsockname()[1]
        self.conn: socket.socket | None = None
        self.by_uri: dict[str, int] = {f"sip:{seat_user(i)}@127.0.0.1": i for i in range(args.seats)}
        self.subscribed = 0
        self.oks = 0
        self._send = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def send(self, data: bytes) -> None:
        with self._send:
            self.conn.sendall(data)

    def _serve(self):
        from sip.simple.message import StreamFramer, build_response
        self.conn, _ = self.lst.accept()
        self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fr = StreamFramer()
        while True:
            data = self.conn.recv(1 << 18)
            if not data:
                return
            for m in fr.feed(data):
                if m.is_response:
                    self.oks += 1
                    continue
                if m.method == "SUBSCRIBE" and m.uri in self.by_uri:
                    i = self.by_uri[m.uri]
                    # the subscriber's own dialog: take its Call-ID and tag
                    self.d.call_id[i], self.d.local_tag[i] = m.call_id, m.from_tag
                    self.send(build_response(m, 200, "OK", [("Expires", m.header("expires") or "600"),
                                                            ("Contact", f"<sip:127.0.0.1:{self.port};transport=tcp>")],
                                             to_tag=self.d.remote_tag[i]))
                    from app.domain.seat_state import SeatState
                    self.send(self.d.notify(i, kamailio_body(i, SeatState.READY, self.args.courts, "127.0.0.1")))
                    self.subscribed += 1
                else:
                    self.send(build_response(m, 200, "OK", to_tag="fake"))


def proc_cpu_s(pid) -> tuple[float, float]:
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(f[11]) / tick, int(f[12]) / tick


def run_child(args) -> dict:
    """The real watcher child, --rate NOTIFYs a second for --seconds."""
    from sip.simple.watcher import WatcherConfig, WatcherProcess
    dialogs = Dialogs(args.seats)
    srv = FakeServer(args, dialogs)
    cfg = WatcherConfig("127.0.0.1", srv.port, "judge", "pw", "127.0.0.1", "tcp",
                        uris=list(srv.by_uri))
    argv = [sys.executable, "-c", (f"import sys; sys.path.insert(0, {args.tree!r}); "
                                   "from sip.simple.watcher import main; sys.exit(main())")]
    w = WatcherProcess(cfg, argv)
    w.start()
    got = 0
    try:
        end = time.monotonic() + 20
        while not w.accept():
            if time.monotonic() > end:
                raise RuntimeError("the watcher did not connect")
            time.sleep(0.01)
        up = False
        end = time.monotonic() + 120
        while not up:
            items, alive = w.read()
            assert alive, "the watcher ended"
            up = any(it[0] == "i" for it in items)
            if time.monotonic() > end:
                raise RuntimeError("subscribing took too long")
            time.sleep(0.01)
        time.sleep(1.0)
        w.read()
        total = int(args.rate * args.seconds)
        from app.domain.seat_state import SeatState
        rng = random.Random(2)
        states = [SeatState(s) for s in STATE_NAMES]
        plan = [rng.randrange(args.seats) for _ in range(total)]
        # bodies made up front (not to burden this process while measuring)
        bodies = {(i, s): kamailio_body(i, s, args.courts, "127.0.0.1")
                  for i in set(plan) for s in states}
        msgs = [dialogs.notify(i, bodies[(i, rng.choice(states))]) for i in plan]
        i0, t0 = proc_cpu_s(w.proc.pid), time.monotonic()
        time.sleep(args.idle)
        i1, t1 = proc_cpu_s(w.proc.pid), time.monotonic()
        idle_pct = (sum(i1) - sum(i0)) / (t1 - t0) * 100
        c0, w0 = proc_cpu_s(w.proc.pid), time.monotonic()
        sent, step = 0, max(1, args.burst)
        while sent < total:
            due = min(total, (int((time.monotonic() - w0) * args.rate / step) + 1) * step)
            while sent < due:
                srv.send(msgs[sent])
                sent += 1
            items, _ = w.read()
            got += sum(it[0] == "s" for it in items)
            time.sleep(0.001)
        wall_send = time.monotonic() - w0
        end = time.monotonic() + 10
        while got < total and time.monotonic() < end:
            items, _ = w.read()
            got += sum(it[0] == "s" for it in items)
            time.sleep(0.002)
        c1, w1 = proc_cpu_s(w.proc.pid), time.monotonic()
    finally:
        w.close(wait=3)
    user, sys_ = c1[0] - c0[0], c1[1] - c0[1]
    return {"child_us": (user + sys_) / total * 1e6, "child_user_us": user / total * 1e6,
            "child_sys_us": sys_ / total * 1e6, "child_pct": (user + sys_) / (w1 - w0) * 100,
            "rate": total / wall_send, "delivered": got / total, "child_idle_pct": idle_pct}


# ------------------------------------------------------------------ main --
ORDER = ["framer", "ua", "ok_build", "item", "item_sipp", "batch", "child_py", "reader", "apply", "flush",
         "gui_py", "child_us", "child_user_us", "child_sys_us", "child_pct", "child_idle_pct", "rate", "delivered"]


def compare(args) -> None:
    mine = str(HERE)
    other = str(Path(args.compare).resolve())
    runs: dict[str, list[dict]] = {other: [], mine: []}
    base = [a for a in sys.argv[1:]]
    i = base.index("--compare")
    del base[i:i + 2]
    for r in range(args.runs):
        for tree in ((other, mine) if r % 2 == 0 else (mine, other)):
            out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *base, "--tree", tree,
                                  "--json"], capture_output=True, text=True, cwd=tree, check=False)
            if out.returncode:
                sys.exit(out.stderr)
            runs[tree].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"medians of {args.runs} runs each, alternated (us per update unless said)")
    print(f"{'':14s}{'before':>10s}{'after':>10s}")
    for k in ORDER:
        a = [x[k] for x in runs[other] if k in x]
        b = [x[k] for x in runs[mine] if k in x]
        if a and b:
            print(f"{k:14s}{statistics.median(a):10.1f}{statistics.median(b):10.1f}")


def main(argv=None) -> None:
    args = _args(argv)
    if args.compare:
        compare(args)
        return
    sys.path.insert(0, args.tree)
    os.chdir(args.tree)
    res: dict = {}
    if not args.no_stages:
        res.update(stages(args))
    if args.child:
        res.update(run_child(args))
    if args.json:
        print(json.dumps(res))
        return
    for k in ORDER:
        if k in res:
            print(f"{k:14s}{res[k]:10.1f}")


if __name__ == "__main__":
    main()
