"""SMS over SMPP against a real, independent SMS centre on loopback.

The SMSC is tests/smpp_server.pl (Perl, Net::SMPP from Debian's
libnet-smpp-perl): a different implementation of the protocol from the
desk's smpplib. It checks the login, answers with message ids, and writes
what it received (destination, decoded text) as JSON lines that these tests
read back.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from app.adapters.sms import SmsError, gateway_from_settings
from app.adapters.sms_smpp import SmppGateway
from app.domain.work_orders import (EventKind, Recipient, RecipientKind, SmsStatus, Urgency,
                                    WorkOrderDraft)
from app.services.work_orders import WorkOrderService
from app.storage.workorder_repo import WorkOrderRepository

SERVER = Path(__file__).with_name("smpp_server.pl")
SYSTEM_ID, PASSWORD = "hotline", "s3cret"
JUDGE_MOBILE = "13800112838"
CASE = "（2026）京0101民初1234号"


def _have_net_smpp() -> bool:
    if shutil.which("perl") is None:
        return False
    return subprocess.run(["perl", "-MNet::SMPP", "-MJSON::PP", "-e", "1"],
                          capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _have_net_smpp(),
                                reason="perl Net::SMPP (Debian libnet-smpp-perl) not installed")


class Smsc:
    """tests/smpp_server.pl in a subprocess; ``events()`` reads what it logged."""

    def __init__(self, workdir: Path, *extra: str, port: int = 0):
        self.out = workdir / f"smsc-{time.monotonic_ns()}.jsonl"
        self.out.touch()
        self.proc = subprocess.Popen(
            ["perl", str(SERVER), "--port", str(port), "--out", str(self.out),
             "--system-id", SYSTEM_ID, "--password", PASSWORD, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"SMSC did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.split()[1])

    def events(self, event: str | None = None) -> list[dict]:
        rows = [json.loads(x) for x in self.out.read_text(encoding="utf-8").splitlines() if x]
        return [r for r in rows if event is None or r["event"] == event]

    def gateway(self, password: str = PASSWORD, timeout_s: float = 5.0) -> SmppGateway:
        return SmppGateway(host="127.0.0.1", port=self.port, system_id=SYSTEM_ID,
                           password=password, source_addr="12368", timeout_s=timeout_s)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()


@pytest.fixture
def smsc(tmp_path):
    s = Smsc(tmp_path, "--reject-dest", "10000000000")
    yield s
    s.stop()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def draft() -> WorkOrderDraft:
    judge = Recipient(RecipientKind.JUDGE, "叶宇勇", JUDGE_MOBILE, "立案庭", "bjgy", "60112")
    return WorkOrderDraft(case_number=CASE, court_code="bjgy", recipient=judge,
                          content="当事人询问开庭时间，请回电", urgency=Urgency.URGENT,
                          caller_number="13900001111", caller_name="张三")


# --- the adapter -------------------------------------------------------------------------

def test_chinese_sms_received_by_the_smsc_as_ucs2(smsc):
    text = "[12368派单#1]【急】（2026）京0101民初1234号：请回电"
    receipt = smsc.gateway().send(JUDGE_MOBILE, text)
    assert receipt.gateway == "smpp" and receipt.message_ids[0].startswith("smsc-")
    msg, = smsc.events("message")
    assert msg["destination"] == JUDGE_MOBILE and msg["text"] == text
    assert msg["data_coding"] == 8 and msg["parts"] == 1 and msg["source"] == "12368"
    assert msg["message_ids"] == list(receipt.message_ids)
    assert [e["event"] for e in smsc.events()] == ["bind", "part", "message", "unbind"]


def test_long_sms_is_split_and_reassembled(smsc):
    text = "请于明日上午联系当事人说明延期开庭的原因并告知新的开庭时间。" * 5    # 150 characters
    receipt = smsc.gateway().send(JUDGE_MOBILE, text)
    assert len(receipt.message_ids) == 3
    parts = smsc.events("part")
    assert [p["seq"] for p in parts] == [1, 2, 3] and {p["total"] for p in parts} == {3}
    assert all(p["esm_class"] & 0x40 for p in parts)                  # UDH present
    assert smsc.events("message")[0]["text"] == text


def test_wrong_password_is_refused_with_a_clear_error(smsc):
    with pytest.raises(SmsError) as e:
        smsc.gateway(password="wrong").send(JUDGE_MOBILE, "测试")
    assert e.value.code == "bind_refused"
    assert "0x0000000E" in e.value.detail and "Invalid Password" in e.value.detail
    assert "password" in str(e.value) and "IT staff" in str(e.value)
    bind, = smsc.events("bind")
    assert bind["ok"] is False and smsc.events("message") == []


def test_refused_number_and_overlong_password(smsc):
    with pytest.raises(SmsError) as e:
        smsc.gateway().send("10000000000", "测试")
    assert e.value.code == "bad_number" and "0x0000000B" in e.value.detail
    with pytest.raises(SmsError) as e:
        smsc.gateway(password="much-too-long").send(JUDGE_MOBILE, "测试")
    assert e.value.code == "not_configured"
    assert len(smsc.events("bind")) == 1                               # never sent a bind


def test_server_down_and_silent_server(tmp_path):
    port = free_port()
    down = SmppGateway(host="127.0.0.1", port=port, system_id=SYSTEM_ID, password=PASSWORD)
    with pytest.raises(SmsError) as e:
        down.send(JUDGE_MOBILE, "测试")
    assert e.value.code == "unreachable" and f"127.0.0.1:{port}" in e.value.detail
    assert "could not be reached" in str(e.value)

    silent = Smsc(tmp_path, "--silent-bind")
    try:
        with pytest.raises(SmsError) as e:
            silent.gateway(timeout_s=0.5).send(JUDGE_MOBILE, "测试")
        assert e.value.code == "timeout"
    finally:
        silent.stop()


# --- through the work-order service ------------------------------------------------------

def test_work_order_sms_reaches_the_smsc(store, smsc):
    class Secrets:
        def get_password(self, server, user):
            return PASSWORD if (server, user) == (f"smpp://127.0.0.1:{smsc.port}", SYSTEM_ID) else ""
    gateway = gateway_from_settings({"sms_gateway": "smpp", "sms_smpp_host": "127.0.0.1",
                                     "sms_smpp_port": smsc.port, "sms_smpp_system_id": SYSTEM_ID,
                                     "sms_source_addr": "12368"}, Secrets())
    svc = WorkOrderService(WorkOrderRepository(), gateway)
    o = svc.create(draft(), actor="8001")
    assert o.sms_status is SmsStatus.SENT
    msg, = smsc.events("message")
    assert msg["destination"] == JUDGE_MOBILE
    assert msg["text"].startswith(f"[12368派单#{o.id}]【急】{CASE}，张三13900001111：")
    assert "开庭时间" in msg["text"] and "限" in msg["text"]
    sent = svc.events(o.id)[-1]
    assert sent.kind is EventKind.SMS_SENT and msg["message_ids"][0] in sent.detail


def test_smsc_down_keeps_the_order_and_a_retry_delivers(store, tmp_path):
    port = free_port()
    svc = WorkOrderService(WorkOrderRepository(), SmppGateway(
        host="127.0.0.1", port=port, system_id=SYSTEM_ID, password=PASSWORD))
    o = svc.create(draft(), actor="8001")
    assert o.id and o.sms_status is SmsStatus.FAILED
    assert svc.get(o.id).content == "当事人询问开庭时间，请回电"
    failed = svc.events(o.id)[-1]
    assert failed.kind is EventKind.SMS_FAILED and "unreachable" in failed.detail

    smsc = Smsc(tmp_path, port=port)                     # the SMS centre is back
    try:
        o = svc.retry_sms(o.id, actor="8001")
        assert o.sms_status is SmsStatus.SENT
        msg, = smsc.events("message")
        assert msg["destination"] == JUDGE_MOBILE and f"#{o.id}]" in msg["text"]
    finally:
        smsc.stop()
