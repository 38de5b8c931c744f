"""The headless SIP peer (sip.peer.agent) driven through sip.peer.client.PeerAgent.

Agents call each other directly by IP on loopback (no registrar). No pjsua2 object
lives in this process: every agent is its own process.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from sip.peer.client import ROOT, PeerAgent, PeerError
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def agents():
    """Factory: started agents, each stopped at teardown with exit code 0 expected."""
    started: list[PeerAgent] = []

    def make(name: str, **kw) -> PeerAgent:
        a = PeerAgent(name, **kw).start()
        started.append(a)
        return a

    yield make
    codes = {}
    for a in started:
        try:
            codes[a.name] = a.stop(timeout=10)
        finally:
            a.kill()
    garbage = {a.name: a.find_events(event="garbage") for a in started}
    assert all(c == 0 for c in codes.values()), codes
    assert not any(garbage.values()), f"non-JSON on stdout: {garbage}"


def _connect(a: PeerAgent, b: PeerAgent, headers=None) -> tuple[int, int]:
    """a calls b (b must have an auto-answer 200 account 'b'); returns (a_call, b_call)."""
    mb = b.mark()
    ca = a.call(b.uri("b"), headers=headers)
    inc = b.wait_event(event="incoming", since=mb)
    cb = inc["call"]
    a.wait_state(ca, "CONFIRMED")
    b.wait_state(cb, "CONFIRMED", since=mb)
    return ca, cb


def _level(m: dict) -> float:
    return m["dbfs"] if m["dbfs"] is not None else -200.0


def _wait_heard(agent: PeerAgent, call: int, hz: float | None = None, timeout: float = 10.0,
                what: str = "the tone") -> None:
    """Wait until ``agent`` hears a signal on ``call`` (0.3 s measurements: above -30 dBFS
    and, given ``hz``, within 10 Hz of it). The jitter buffer fills and a mode switch takes
    effect in their own time on a busy machine; the measurement that counts comes after."""
    def heard():
        m = agent.measure(call, 0.3)
        return _level(m) > -30 and (hz is None or (m["hz"] is not None and abs(m["hz"] - hz) <= 10))
    wait_for(heard, timeout, what=what, poll=0.02)


def _wait_silent(agent: PeerAgent, call: int, timeout: float = 10.0,
                 what: str = "silence") -> None:
    """Wait until a 0.3 s measurement on ``call`` is below -60 dBFS (what was sent before
    a switch to silence may still be in the jitter buffer)."""
    wait_for(lambda: _level(agent.measure(call, 0.3)) < -60, timeout, what=what, poll=0.02)


def test_call_answer_and_hangup_from_each_side(agents):
    a, b = agents("A"), agents("B")
    a.local_account("a")
    b.local_account("b")  # auto_answer null: rings until told
    ca = a.call(b.uri("b"), headers={"X-Case-Id": "(2024)京0105民初123号"})
    inc = b.wait_event(event="incoming")
    cb = inc["call"]
    assert inc["headers"].get("X-Case-Id") == "(2024)京0105民初123号"
    assert "sip:a@127.0.0.1" in inc["from"]
    a.wait_event(event="call_state", call=ca, state="EARLY")
    b.answer(cb)
    ev_a = a.wait_state(ca, "CONFIRMED")
    ev_b = b.wait_state(cb, "CONFIRMED")
    assert ev_a["sip_call_id"] == ev_b["sip_call_id"]
    assert ev_a["role"] == "caller" and ev_b["role"] == "callee"
    media = a.wait_event(event="media", call=ca)
    assert media["dir"] == "sendrecv" and media["codec"].startswith("G722")
    a.hangup(ca)
    a.wait_state(ca, "DISCONNECTED")
    b.wait_state(cb, "DISCONNECTED")

    # second call, now hung up by the callee; handles are never reused
    ca2 = a.call(b.uri("b"))
    assert ca2 != ca
    cb2 = b.wait_event(event="incoming", call=lambda c: c != cb)["call"]
    b.answer(cb2)
    a.wait_state(ca2, "CONFIRMED")
    b.hangup(cb2)
    assert a.wait_state(ca2, "DISCONNECTED")["code"] == 200
    b.wait_state(cb2, "DISCONNECTED")
    # gone calls are reported as such
    time.sleep(0.1)
    with pytest.raises(PeerError, match="no such call"):
        a.hangup(ca)


def test_delayed_auto_answer_and_registration_failure(agents):
    a, b = agents("A", tcp=True), agents("B")
    # nothing listens on TCP port 9: the registration fails at once
    a.account("1001", password="pw", registrar="sip:127.0.0.1:9", transport="tcp")
    reg = a.wait_event(event="reg")
    assert reg["active"] is False and reg["code"] >= 400
    a.local_account("a")
    b.local_account("b", auto_answer=200, answer_delay=0.3)
    t0 = time.monotonic()
    ca = a.call(b.uri("b"), account=1)
    a.wait_event(event="call_state", call=ca, state="EARLY")
    a.wait_state(ca, "CONFIRMED")
    assert time.monotonic() - t0 >= 0.25


def test_reject_with_auto_answer_code(agents):
    a, b = agents("A"), agents("B")
    a.local_account("a")
    b.local_account("b", auto_answer=486)
    ca = a.call(b.uri("b"))
    ev = a.wait_state(ca, "DISCONNECTED")
    assert ev["code"] == 486


def test_dtmf_and_hold_unhold(agents):
    a, b = agents("A"), agents("B")
    a.local_account("a")
    b.local_account("b", auto_answer=200)
    ca, cb = _connect(a, b)

    a.dtmf(ca, "123#")
    for d in "123#":
        b.wait_event(event="dtmf", call=cb, digit=d, timeout=5)
    assert [e["digit"] for e in b.find_events(event="dtmf")] == list("123#")

    ma, mb = a.mark(), b.mark()
    a.hold(ca)
    held_b = b.wait_event(event="media", call=cb, since=mb)
    held_a = a.wait_event(event="media", call=ca, since=ma)
    # the held party sees a sendonly offer and answers recvonly
    assert held_b["remote_sdp_dir"] == "sendonly"
    assert held_b["dir"] == "recvonly"
    assert held_b["status"] == "remote_hold"
    assert held_a["dir"] == "sendonly" and held_a["remote_sdp_dir"] == "recvonly"
    assert held_a["status"] == "local_hold"

    ma, mb = a.mark(), b.mark()
    a.unhold(ca)
    back_b = b.wait_event(event="media", call=cb, since=mb)
    back_a = a.wait_event(event="media", call=ca, since=ma)
    assert back_b["remote_sdp_dir"] == back_b["dir"] == "sendrecv"
    assert back_a["remote_sdp_dir"] == back_a["dir"] == "sendrecv"
    assert back_a["status"] == back_b["status"] == "active"

    # back to back: the unhold waits (retried by the agent) until the hold's
    # offer/answer is done instead of failing with PJ_EINVALIDOP
    mb = b.mark()
    a.hold(ca)
    a.unhold(ca)
    b.wait_event(event="media", call=cb, dir="recvonly", since=mb)
    b.wait_event(event="media", call=cb, dir="sendrecv", since=mb)
    b.hangup(cb)
    a.wait_state(ca, "DISCONNECTED")


@pytest.mark.parametrize("codec", ["G722", "PCMU"])
def test_tone_measured_at_far_end(agents, codec):
    a, b = agents("A", codecs=codec), agents("B", codecs=codec)
    a.local_account("a", mode="tone", tone_hz=1000, tone_dbfs=-12)
    b.local_account("b", auto_answer=200)
    ca, cb = _connect(a, b)
    assert b.wait_event(event="media", call=cb)["codec"].startswith(codec)
    _wait_heard(b, cb, what="A's tone at B")  # the jitter buffer fills first
    m = b.measure(cb, 1.0)
    # a 1 s wall-clock window of the agent's 16 kHz clock: allow a late clock thread
    assert m["samples"] >= 0.85 * m["rate"], m
    assert abs(m["hz"] - 1000) <= 10, m
    assert abs(m["dbfs"] - (-12)) <= 3, m
    # the caller hears nothing: B is silent
    back = a.measure(ca, 0.5)
    assert back["dbfs"] < -60, back
    a.hangup(ca)
    b.wait_state(cb, "DISCONNECTED")


def test_echo_mode_returns_the_tone(agents):
    a, b = agents("A"), agents("B")
    a.local_account("a", mode="tone", tone_hz=1000, tone_dbfs=-12)
    b.local_account("b", auto_answer=200, mode="echo")
    ca, cb = _connect(a, b)
    _wait_heard(a, ca, what="the echo")
    m = a.measure(ca, 1.0)
    assert abs(m["hz"] - 1000) <= 10, m
    assert abs(m["dbfs"] - (-12)) <= 3, m
    # switch the echo off per call: silence comes back (the echo still in the jitter
    # buffer drains first), and stays
    b.mode("silence", call=cb)
    _wait_silent(a, ca, what="the echo switched off")
    assert _level(a.measure(ca, 0.5)) < -60
    # and a per-call tone at another frequency
    b.mode("tone", call=cb, tone_hz=440, tone_dbfs=-20)
    _wait_heard(a, ca, hz=440, what="B's 440 Hz tone")
    m = a.measure(ca, 1.0)
    assert abs(m["hz"] - 440) <= 10 and abs(m["dbfs"] - (-20)) <= 3, m
    b.hangup(cb)
    a.wait_state(ca, "DISCONNECTED")


def test_blind_transfer_to_third_agent(agents):
    a, b, c = agents("A"), agents("B"), agents("C")
    a.local_account("a")
    b.local_account("b", auto_answer=200)
    c.local_account("c", auto_answer=200)
    ca, cb = _connect(a, b)

    b.xfer(cb, c.uri("c"))
    req = a.wait_event(event="xfer_request", call=ca)
    assert req["to"].startswith(c.uri("c"))
    new = req["new_call"]
    inc = c.wait_event(event="incoming")
    assert "Referred-By" in inc["headers"]
    a.wait_state(new, "CONFIRMED")
    c.wait_state(inc["call"], "CONFIRMED")
    b.wait_event(event="xfer_status", call=cb, code=200, final=True)
    # the transferor drops its leg after the final 200 NOTIFY
    b.wait_state(cb, "DISCONNECTED")
    a.wait_state(ca, "DISCONNECTED")
    c.hangup(inc["call"])
    a.wait_state(new, "DISCONNECTED")


def test_attended_transfer_replaces(agents):
    a, b, c = agents("A"), agents("B"), agents("C")
    a.local_account("a")
    b.local_account("b", auto_answer=200)
    c.local_account("c", auto_answer=200)
    ab, ba = _connect(a, b)
    mc = c.mark()
    ac = a.call(c.uri("c"))
    ca = c.wait_event(event="incoming", since=mc)["call"]
    a.wait_state(ac, "CONFIRMED")

    a.xfer_replaces(ab, ac)  # B is asked to call C, replacing C's call with A
    req = b.wait_event(event="xfer_request", call=ba)
    assert "Replaces" in req["to"]
    rep = c.wait_event(event="replaced", call=ca)
    b.wait_state(req["new_call"], "CONFIRMED")
    c.wait_state(rep["new_call"], "CONFIRMED")
    a.wait_state(ab, "DISCONNECTED")
    a.wait_state(ac, "DISCONNECTED")
    b.hangup(req["new_call"])
    c.wait_state(rep["new_call"], "DISCONNECTED")


def test_conference_bridges_two_calls(agents):
    a, b, c = agents("A"), agents("B"), agents("C")
    a.local_account("a")  # the host, silent
    b.local_account("b", auto_answer=200, mode="tone", tone_hz=1000, tone_dbfs=-12)
    c.local_account("c", auto_answer=200)
    ab, ba = _connect(a, b)
    mc = c.mark()
    ac = a.call(c.uri("c"))
    ca = c.wait_event(event="incoming", since=mc)["call"]
    a.wait_state(ac, "CONFIRMED")
    c.wait_state(ca, "CONFIRMED")
    time.sleep(0.2)
    assert c.measure(ca, 0.5)["dbfs"] < -60  # not bridged yet
    a.conference(ab, ac)
    _wait_heard(c, ca, what="B's tone at C through A's conference")
    m = c.measure(ca, 1.0)
    assert abs(m["hz"] - 1000) <= 10 and abs(m["dbfs"] - (-12)) <= 3, m


def test_errors_are_replies_not_crashes(agents):
    a = agents("A")
    with pytest.raises(PeerError, match="no account"):
        a.call("sip:x@127.0.0.1:9")
    a.local_account("a")
    with pytest.raises(PeerError, match="unknown command"):
        a.command({"cmd": "frobnicate"})
    with pytest.raises(PeerError, match="no such call"):
        a.measure(42, 0.1)
    with pytest.raises(PeerError, match="mode must be"):
        a.mode("karaoke")
    with pytest.raises(PeerError, match="pjsua2"):
        a.call("not a uri")
    assert a.command({"cmd": "ping"})["udp_port"] == a.udp_port


def _raw_agent():
    return subprocess.Popen(
        [sys.executable, "-m", "sip.peer.agent", "--name", "raw"], cwd=str(ROOT),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _lines(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines()]  # every line is JSON


@pytest.mark.parametrize("how", ["quit", "eof", "sigterm"])
def test_clean_exit(how):
    p = _raw_agent()
    try:
        first = json.loads(p.stdout.readline())
        assert first["event"] == "ready" and first["udp_port"] > 0 and first["tcp_port"] is None
        p.stdin.write(b'{"cmd":"account","id":1,"user":"x","register":false}\n')
        p.stdin.flush()
        assert json.loads(p.stdout.readline())["ok"]
        if how == "quit":
            p.stdin.write(b'{"cmd":"quit","id":2}\n')
            p.stdin.flush()
        elif how == "eof":
            p.stdin.close()
        else:
            p.send_signal(signal.SIGTERM)
        out = p.stdout.read()  # to EOF: the agent closed its stdout
        assert p.wait(10) == 0
        events = _lines(out)
        assert events[-1] == {"event": "stopped"}
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_sigterm_during_call_and_tcp(agents):
    b = agents("B", tcp=True)
    assert b.tcp_port
    b.local_account("b", auto_answer=200, transport="tcp")
    a = PeerAgent("A", tcp=True).start()
    try:
        a.local_account("a", transport="tcp")
        ca = a.call(b.uri("b", "tcp"))
        a.wait_state(ca, "CONFIRMED")
        a.proc.send_signal(signal.SIGTERM)
        assert a.proc.wait(10) == 0
        b.wait_event(event="call_state", state="DISCONNECTED")
        assert a.events[-1] == {"event": "stopped"}
    finally:
        a.kill()
