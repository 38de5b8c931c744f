"""Answering digest challenges to requests that already carried credentials.

Right after a Kamailio restart every cached nonce is stale (auth's
``since < up_since`` check: rc -4, ``stale=true``; or rc -1 without
``stale`` for a nonce of the old process minted in the second the new one
started), and a request the server cannot check (auth_db's SQLite query
failing: rc -1) is challenged again with the nonce just used (Kamailio's
nonce is the same for a whole second). The client resends for each of these,
within bounds (sip/simple/ua.py ``_send_authenticated``):

* a scripted UDP registrar on loopback (no Kamailio) answers with each kind
  of challenge; only the requests it saw and the final answers are checked;
* against a real Kamailio: a client holding a nonce from before a restart
  gets through after one ``stale=true`` challenge, and a PUBLISH that
  auth_db could not check (its table briefly renamed: a DB error) gets
  through once the table is back.
"""
from __future__ import annotations

import re
import socket
import sqlite3
import threading

import pytest

from sip.simple import PresenceUA
from sip.simple.digest import DigestAuth
from sip.simple.message import build_response, new_tag, parse_message
from sip.simple.ua import _MAX_STALE_RESENDS, _UNVERIFIED_PAUSES_S, PublishError
from tests.test_simple_presence import needs_kamailio, pidf

HOST = "127.0.0.1"


def _challenge(nonce: str, stale: bool = False) -> bytes:
    return (b"SIP/2.0 407 Proxy Authentication Required\r\nCSeq: 1 PUBLISH\r\n"
            + f'Proxy-Authenticate: Digest realm="{HOST}", nonce="{nonce}", qop="auth"'
              f'{", stale=true" if stale else ""}\r\n\r\n'.encode())


def test_learn_tells_stale_new_same():
    auth = DigestAuth("u", "p")
    assert auth.learn(parse_message(_challenge("n1")), None) == "new"
    assert auth.learn(parse_message(_challenge("n1")), "n1") == "same"
    assert auth.learn(parse_message(_challenge("n2")), "n1") == "new"
    assert auth.learn(parse_message(_challenge("n2", stale=True)), "n2") == "stale"
    assert auth.current_nonce() == "n2"
    assert DigestAuth("u", None).learn(parse_message(_challenge("n3")), None) == "none"
    # the boolean form keeps its meaning: resend at once or not
    assert auth.on_challenge(parse_message(_challenge("n2")), "n2") is False
    assert auth.on_challenge(parse_message(_challenge("n4", stale=True)), "n2") is True


class ScriptedServer:
    """UDP on loopback. ``policy(nonce_used, n)`` -> ("ok" | "stale" | "same" | "new")
    decides the answer to the n-th PUBLISH (0-based) carrying ``nonce_used``
    (None without credentials): 200 with an ETag, or a 407 with a fresh nonce
    and stale=true, the very nonce used again, or a fresh nonce."""

    def __init__(self, policy):
        self.policy = policy
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[str | None] = []      # nonce carried by each PUBLISH
        self._branches: dict[str, bytes] = {}
        self._minted = 0
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _mint(self) -> str:
        self._minted += 1
        return f"nonce{self._minted}"

    def _run(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:  # timeout (a subclass), or closed
                continue
            req = parse_message(data)
            if req.method != "PUBLISH":
                self.sock.sendto(build_response(req, 200, "OK", to_tag=new_tag()), addr)
                continue
            branch = req.header("via") or ""
            if branch in self._branches:           # a retransmission: same answer
                self.sock.sendto(self._branches[branch], addr)
                continue
            authz = req.header("proxy-authorization")
            m = re.search(r'nonce="([^"]*)"', authz or "")
            used = m.group(1) if m else None
            verdict = self.policy(used, len(self.seen))
            self.seen.append(used)
            if verdict == "ok":
                out = build_response(req, 200, "OK", [("SIP-ETag", f"e{len(self.seen)}"),
                                                      ("Expires", "60")], to_tag=new_tag())
            else:
                nonce = used if verdict == "same" else self._mint()
                hdr = f'Digest realm="{HOST}", nonce="{nonce}", qop="auth", algorithm=MD5'
                if verdict == "stale":
                    hdr += ", stale=true"
                out = build_response(req, 407, "Proxy Authentication Required",
                                     [("Proxy-Authenticate", hdr)], to_tag=new_tag())
            self._branches[branch] = out
            self.sock.sendto(out, addr)

    def close(self) -> None:
        self._stop = True
        self._t.join(2)
        self.sock.close()


@pytest.fixture
def scripted():
    made = []

    def make(policy):
        srv = ScriptedServer(policy)
        ua = PresenceUA(HOST, srv.port, "u", "pw", transport="udp", keepalive_interval=None,
                        request_timeout=3.0)
        made.append((srv, ua))
        return srv, ua

    yield make
    for srv, ua in made:
        ua.close()
        srv.close()


def test_a_nonce_from_before_a_restart_costs_one_stale_challenge(scripted):
    restarted = threading.Event()

    def policy(used, n):
        if used is None:
            return "new"
        if restarted.is_set() and used in ("nonce1",):   # minted by the "old process"
            return "stale"
        return "ok"

    srv, ua = scripted(policy)
    assert ua.publish(pidf("u", "READY"), expires=60).status == 200
    assert srv.seen == [None, "nonce1"]
    restarted.set()
    assert ua.publish(pidf("u", "BUSY"), expires=60).status == 200
    assert srv.seen[2:] == ["nonce1", "nonce2"]      # the stale one, then the new nonce


def test_stale_challenges_are_not_rejections_but_are_bounded(scripted):
    # stale=true with a fresh nonce, as often as the client asks: it stops by itself
    srv, ua = scripted(lambda used, n: "new" if used is None else "stale")
    with pytest.raises(PublishError) as ei:
        ua.publish(pidf("u", "READY"), expires=60)
    assert ei.value.code == 407
    assert len(srv.seen) == 2 + _MAX_STALE_RESENDS


def test_a_request_the_server_could_not_check_is_sent_again(scripted):
    # the nonce just used comes back once without stale (auth_db's DB error), then 200
    srv, ua = scripted(lambda used, n: "new" if used is None else ("same" if n == 1 else "ok"))
    assert ua.publish(pidf("u", "READY"), expires=60).status == 200
    assert srv.seen == [None, "nonce1", "nonce1"]


def test_credentials_refused_again_and_again_end_in_407(scripted):
    # a server that keeps re-challenging the same nonce (its way of refusing them)
    srv, ua = scripted(lambda used, n: "new" if used is None else "same")
    with pytest.raises(PublishError) as ei:
        ua.publish(pidf("u", "READY"), expires=60)
    assert ei.value.code == 407
    assert srv.seen == [None] + ["nonce1"] * (1 + len(_UNVERIFIED_PAUSES_S))


# --------------------------------------------------------------------------
# Against Kamailio
# --------------------------------------------------------------------------

@pytest.fixture
def kamailio(tmp_path):
    from deploy.kamailio.launcher import KamailioServer, SipUser
    srv = KamailioServer(tmp_path / "kam", users=[SipUser("1001", "pw1001")])
    srv.start()
    yield srv
    srv.stop()


def _auth_lines(srv, start: int) -> list[str]:
    return [ln for ln in srv.log_path.read_text(errors="replace").splitlines()[start:]
            if "challenged again" in ln]


def _log_len(srv) -> int:
    return len(srv.log_path.read_text(errors="replace").splitlines())


@needs_kamailio
@pytest.mark.e2e
def test_kamailio_restart_one_stale_challenge_then_through(kamailio):
    srv = kamailio
    ua = PresenceUA(srv.host, srv.udp_port, "1001", "pw1001", transport="udp",
                    keepalive_interval=None)
    try:
        assert ua.publish(pidf("1001", "READY"), expires=60).status == 200
        old = ua.digest.current_nonce()
        srv.kill()
        srv.start()
        mark = _log_len(srv)
        # the refresh carries the old nonce and the old ETag: 407 (stale or, in the
        # second the server started, invalid), then 412, then a fresh PUBLISH: 200
        r = ua.refresh_publication()
        assert r.status == 200 and r.recovered_412
        assert ua.digest.current_nonce() != old
        # (a UDP retransmission of a slow first try is logged again: not counted)
        lines = _auth_lines(srv, mark)
        assert lines and all(re.search(r"\(rc -(4|1)\)", ln) for ln in lines), lines
    finally:
        ua.close()


@needs_kamailio
@pytest.mark.e2e
def test_kamailio_db_error_is_challenged_again_and_retried(kamailio, monkeypatch):
    """auth_db cannot read its table (renamed for a moment: a DB error, as a locked
    SQLite file gives): Kamailio challenges again with the nonce just used; the
    client sends again after a pause and gets through once the table is back.
    The pauses are made long here so that the table is surely back in time."""
    import sip.simple.ua as ua_mod
    monkeypatch.setattr(ua_mod, "_UNVERIFIED_PAUSES_S", (5.0, 5.0))
    srv = kamailio
    ua = PresenceUA(srv.host, srv.udp_port, "1001", "pw1001", transport="udp",
                    keepalive_interval=None)
    con = sqlite3.connect(str(srv.subscriber_db), timeout=10, isolation_level=None,
                          check_same_thread=False)
    try:
        assert ua.publish(pidf("1001", "READY"), expires=60).status == 200
        mark = _log_len(srv)
        con.execute("ALTER TABLE subscriber RENAME TO subscriber_gone")
        back = threading.Event()

        def restore():
            con.execute("ALTER TABLE subscriber_gone RENAME TO subscriber")
            back.set()

        # restored once Kamailio logged the failed check, within the client's pause
        seen_error = threading.Event()

        def watch():
            while not seen_error.is_set():
                if any("rc -1" in ln for ln in _auth_lines(srv, mark)):
                    seen_error.set()
                    restore()
                    return
                if back.wait(0.01):
                    return

        w = threading.Thread(target=watch, daemon=True)
        w.start()
        r = ua.publish(pidf("1001", "BUSY"), expires=60)
        w.join(5)
        assert seen_error.is_set() and back.is_set()
        assert r.status == 200
        assert any("rc -1" in ln for ln in _auth_lines(srv, mark))
    finally:
        if not back.is_set():
            try:
                con.execute("ALTER TABLE subscriber_gone RENAME TO subscriber")
            except sqlite3.Error:
                pass
        con.close()
        ua.close()
