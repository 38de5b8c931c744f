"""Test harness: a real Kamailio on loopback, the app's SIP engine, real peers.

- `kamailio`: the project's own Kamailio configuration, started once per
  session on free loopback ports with digest authentication on.
- `engine`: the app's SipEngine (one pjsua2 endpoint per process, so one per
  test module, shut down cleanly even when a test fails).
- `seat`: the engine registered as seat 8001 over TCP; every call is hung up
  after each test.
- `peer`: a factory of headless pjsua2 agents in their own processes
  (sip.peer.agent), registered through Kamailio.
"""
from __future__ import annotations

import os
import time
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# SIP and RTP of the app under test stay on loopback.
os.environ["HOTLINE_SIP_BIND"] = "127.0.0.1"

import pytest  # noqa: E402

from app.domain.accounts import AccountSettings, Transport  # noqa: E402
from app.domain.calls import RegState  # noqa: E402

# ``store``: an open store, once per supported backend (tests/store_backends.py).
pytest_plugins = ["tests.store_backends"]

SEAT = "8001"
SEAT_PW = "seat-8001-pw"
USERS = {SEAT: SEAT_PW, "8002": "pw-8002", "8003": "pw-8003",
         "9001": "pw-9001", "9002": "pw-9002", "9003": "pw-9003", "9196": "pw-9196",
         "8901": "pw-8901"}


def pytest_runtest_makereport(item, call):
    # A failing test's traceback keeps pjsua2 proxies alive past libDestroy,
    # which aborts the process at exit (stack-notes.md): drop the frames' locals.
    if call.excinfo is not None and call.excinfo.tb is not None:
        try:
            traceback.clear_frames(call.excinfo.tb)
        except Exception:
            pass


@pytest.fixture(scope="session")
def kamailio(tmp_path_factory):
    from deploy.kamailio.launcher import KamailioServer, SipUser
    srv = KamailioServer(tmp_path_factory.mktemp("kamailio"),
                         users=[SipUser(u, p) for u, p in USERS.items()])
    srv.start()
    yield srv
    srv.stop()


def wait_for(pred, timeout=10.0, what="condition", poll=0.05):
    """wait_until without Qt: for tests that only watch processes and files."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not reaped yet, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(pred, timeout=10.0, app=None, what="condition"):
    from PySide6.QtWidgets import QApplication
    app = app or QApplication.instance()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        v = pred()
        if v:
            return v
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def engine(qapp, tmp_path_factory):
    from sip.engine import SipEngine
    eng = SipEngine(log_dir=tmp_path_factory.mktemp("siplogs"), sip_trace=True)
    eng.start()
    yield eng
    eng.shutdown()


def seat_settings(kamailio, user=SEAT, password=SEAT_PW, transport=Transport.TCP, **kw):
    port = kamailio.tcp_port if transport is Transport.TCP else kamailio.udp_port
    return AccountSettings(server=f"127.0.0.1:{port}", user=user, password=password,
                           display_name="Seat " + user, transport=transport, **kw)


@pytest.fixture
def seat(engine, kamailio, qapp):
    acc = engine.account
    if acc is None or acc.settings.user != SEAT or acc.state is not RegState.REGISTERED:
        engine.set_account(seat_settings(kamailio))
        wait_until(lambda: engine.account.state is RegState.REGISTERED, what="seat registered")
    yield engine
    for c in engine.calls():
        try:
            engine.hangup(c.call_id)
        except Exception:
            pass
    wait_until(lambda: not engine.calls(), timeout=10, what="all calls ended")


@pytest.fixture
def peer(kamailio):
    """peer("9001", **account options) -> a registered PeerAgent."""
    from sip.peer.client import PeerAgent
    made = []

    def make(user, transport="udp", **kw):
        from PySide6.QtWidgets import QApplication
        a = PeerAgent(name=f"peer{user}", tcp=(transport == "tcp"))
        a.idle = QApplication.processEvents  # keep the engine under test polling
        a.start()
        made.append(a)
        port = kamailio.tcp_port if transport == "tcp" else kamailio.udp_port
        suffix = ";transport=tcp" if transport == "tcp" else ""
        a.account(user, password=USERS[user], registrar=f"sip:127.0.0.1:{port}{suffix}",
                  domain=f"127.0.0.1:{port}", transport=transport, **kw)
        a.wait_event(event="reg", code=200, timeout=10)
        return a

    yield make
    for a in made:
        try:
            a.stop(timeout=5)
        except Exception:
            a.kill()
