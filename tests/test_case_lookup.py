"""Verified case lookup: by code and by identity, lockout, audit, the caller-safe
view, and the HTTP/JSON case source against a real local http.server.

Plain pytest, no Qt. The lookups through the local case directory and the
audit run on both backends (a real SQLite file and a real PostgreSQL, the
``store`` fixture); the HTTP source's tests keep their audit in a SQLite file.
The lookup service gets a settable clock so the lockout can be walked through
in time.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import ssl
import subprocess
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.adapters.case_http import HttpCaseSource
from app.domain.cases import (Case, CaseSourceError, LockoutPolicy, LookupOutcome, PartyView,
                              hash_password, locked_until, verify_password)
from app.domain.directory import Directory
from app.paths import resource
from app.services.case_lookup import CaseLookupService
from app.services.demo_cases import generate_demo_cases, id_number_check_digit
from app.storage.audit_repo import AuditRepository
from app.storage.case_repo import CaseRepository
from app.storage.db import StorageError, close_database, open_database
from app.storage.models import CaseFile

T0 = datetime(2026, 3, 2, 10, 0).timestamp()


class Clock:
    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path):
    """A SQLite store for the HTTP source's audit (the source is under test)."""
    database = open_database(tmp_path / "hotline.db")
    yield database
    close_database()


@pytest.fixture(scope="module")
def demo():
    directory = Directory.load(resource("directory.json"))
    return generate_demo_cases(directory, 60, seed=7, now=T0, hash_n=2 ** 10)


@pytest.fixture
def cases(store, demo):
    """The local case directory on the backend under test, with the demo cases."""
    repo = CaseRepository()
    repo.add_many(d.case for d in demo)
    return repo


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(cases, clock):
    return CaseLookupService(cases, AuditRepository(), clock=clock)


def _texts(obj, seen=None):
    """Every string reachable from obj (dataclass fields, tuples, reprs)."""
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield repr(obj)
    yield str(obj)
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from _texts(getattr(obj, f.name), seen)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _texts(item, seen)


def _assert_nothing_confidential(result, case: Case, password: str = "") -> None:
    secrets = [case.internal_notes, case.password_hash, case.query_code]
    secrets += [p.id_number for p in case.parties if p.id_number]
    secrets += [p.phone for p in case.parties if p.phone]
    if password:
        secrets.append(password)
    for text in _texts(result):
        for secret in secrets:
            assert secret not in text, (secret, text)


# --- the domain -----------------------------------------------------------------------

def test_password_hash_is_salted_scrypt_and_verifies():
    a, b = hash_password("123456", n=2 ** 10), hash_password("123456", n=2 ** 10)
    assert a.startswith("scrypt$1024$8$1$") and a != b          # per-case salt
    assert "123456" not in a
    assert verify_password("123456", a) and verify_password("123456", b)
    assert not verify_password("123457", a)
    assert not verify_password("123456", "md5$abc") and not verify_password("x", "garbage")
    assert hash_password("x").startswith("scrypt$16384$8$1$")   # the production cost


def test_party_view_has_no_confidential_fields():
    names = {f.name for f in dataclasses.fields(PartyView)}
    assert not names & {"internal_notes", "password_hash", "parties", "query_code", "case_id"}


def test_demo_cases_are_realistic(demo):
    numbers = [d.case.case_number for d in demo]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("（2") and "京" in n and n.endswith("号") for n in numbers)
    assert any("民初" in n for n in numbers) and any("执" in n for n in numbers)
    for d in demo:
        for p in d.case.parties:
            if p.id_number:
                assert len(p.id_number) == 18
                assert p.id_number[-1] == id_number_check_digit(p.id_number[:17])
        assert d.case.judge and d.case.division and d.case.internal_notes
    chaoyang = [d.case for d in demo if d.case.court_code == "cyfy"]
    assert all("京0105" in c.case_number for c in chaoyang)


def test_lockout_policy_walks_in_time():
    policy = LockoutPolicy(max_failures=3, window_s=600, lock_s=1200)
    D, F = LookupOutcome.DENIED, LookupOutcome.FOUND
    assert locked_until([(0, D), (10, D)], policy, 20) is None
    assert locked_until([(0, D), (10, D), (20, D)], policy, 30) == 1220
    assert locked_until([(0, D), (10, D), (20, D)], policy, 1221) is None
    assert locked_until([(0, D), (700, D), (710, D)], policy, 720) is None   # out of window
    assert locked_until([(0, D), (5, D), (6, F), (10, D)], policy, 20) is None  # success resets


# --- lookup through the local case directory ---------------------------------------------

def test_lookup_by_code_shows_only_the_party_view(service, demo):
    d = demo[0]
    spaced = " ".join(d.case.query_code.lower())            # as read out over the phone
    result = service.lookup_by_code(spaced, d.password, seat="8001",
                                    caller_number="+86 139 1234 5678")
    assert result.ok and result.outcome is LookupOutcome.FOUND
    view = result.view
    assert isinstance(view, PartyView)
    assert (view.case_number, view.judge, view.division, view.status, view.stage) == (
        d.case.case_number, d.case.judge, d.case.division, d.case.status, d.case.stage)
    assert view.recent_steps and len(view.recent_steps) <= 5
    assert view.recent_steps[0].at >= view.recent_steps[-1].at   # newest first
    _assert_nothing_confidential(result, d.case, d.password)
    stored = CaseFile.get(CaseFile.case_number == d.case.case_number).password_hash
    assert stored.startswith("scrypt$") and d.password not in stored


def test_lookup_by_identity_with_case_number_or_phone(service, demo):
    d = demo[3]
    p = d.case.parties[0]
    by_number = service.lookup_by_identity(p.name, p.id_number.lower(),
                                           case_number=d.case.case_number.replace("（", "("),
                                           seat="8002", caller_number="13800000000")
    assert by_number.ok and by_number.view.case_number == d.case.case_number
    by_phone = service.lookup_by_identity(p.name, p.id_number, phone=p.phone, seat="8002")
    assert by_phone.ok and d.case.case_number in [v.case_number for v in by_phone.views]
    for result in (by_number, by_phone):
        _assert_nothing_confidential(result, d.case)
    wrong_name = service.lookup_by_identity("张三丰", p.id_number, phone=p.phone, seat="8002")
    wrong_phone = service.lookup_by_identity(p.name, p.id_number, phone="13000000000",
                                             seat="8002")
    for result in (wrong_name, wrong_phone):
        assert result.outcome is LookupOutcome.DENIED and result.views == ()
    missing = service.lookup_by_identity(p.name, "", phone=p.phone, seat="8002")
    assert missing.outcome is LookupOutcome.INVALID and missing.views == ()


def test_nothing_is_shown_before_verification(service, demo):
    d = demo[1]
    for code, password in ((d.case.query_code, "000000"), ("NOSUCHCODE", d.password),
                           (d.case.query_code, "")):
        result = service.lookup_by_code(code, password, seat="8001")
        assert not result.ok and result.views == () and result.view is None
        _assert_nothing_confidential(result, d.case, d.password)
        assert d.case.case_number not in result.message


def test_wrong_passwords_lock_the_code_with_a_clear_message(service, demo, clock):
    d = demo[2]
    left = []
    for i in range(5):
        clock.now = T0 + i * 60
        r = service.lookup_by_code(d.case.query_code, f"99999{i}", seat="8001")
        assert r.outcome is LookupOutcome.DENIED
        left.append(r.failures_left)
    assert left == [4, 3, 2, 1, 0]
    assert r.locked_until == T0 + 4 * 60 + 30 * 60
    assert "locked until 2026-03-02 10:34" in r.message
    # Locked: even the right password is not checked, and nothing is shown.
    clock.now = T0 + 10 * 60
    r = service.lookup_by_code(d.case.query_code, d.password, seat="8001")
    assert r.outcome is LookupOutcome.LOCKED and r.code == "locked" and r.views == ()
    assert r.locked_until == T0 + 34 * 60
    assert "locked after 5 failed attempts until 2026-03-02 10:34" in r.message
    # Other codes are not affected.
    assert service.lookup_by_code(demo[5].case.query_code, demo[5].password, seat="8001").ok
    # After the lock the right password works again, and the count starts afresh.
    clock.now = T0 + 35 * 60
    assert service.lookup_by_code(d.case.query_code, d.password, seat="8001").ok
    r = service.lookup_by_code(d.case.query_code, "000000", seat="8001")
    assert r.outcome is LookupOutcome.DENIED and r.failures_left == 4


def test_lock_survives_a_restart(store, store_target, demo, clock):
    try:
        CaseRepository().add(demo[0].case)
        s = CaseLookupService(CaseRepository(), AuditRepository(), clock=clock)
        for _ in range(5):
            s.lookup_by_code(demo[0].case.query_code, "bad", seat="8001")
    finally:
        close_database()
    open_database(store_target)
    try:
        s = CaseLookupService(CaseRepository(), AuditRepository(), clock=clock)
        r = s.lookup_by_code(demo[0].case.query_code, demo[0].password, seat="8003")
        assert r.outcome is LookupOutcome.LOCKED
    finally:
        close_database()


def test_every_attempt_is_audited_append_only(service, demo, clock, store):
    audit = AuditRepository()
    d = demo[4]
    p = d.case.parties[0]
    service.lookup_by_code(d.case.query_code, d.password, seat="8001",
                           caller_number="13912345678")
    service.lookup_by_code(d.case.query_code, "111111", seat="8001", caller_number="139")
    service.lookup_by_code("", "", seat="8001")
    service.lookup_by_identity(p.name, p.id_number, phone=p.phone, seat="8002",
                               caller_number="010-12345678")
    rows = list(reversed(audit.entries()))
    assert [(r.method.value, r.outcome.value) for r in rows] == [
        ("code", "found"), ("code", "denied"), ("code", "invalid"), ("identity", "found")]
    assert rows[0].seat == "8001" and rows[0].caller_number == "13912345678"
    assert rows[0].subject == d.case.query_code and rows[0].case_ids
    assert rows[0].at == clock.now and rows[0].source == "local"
    assert rows[1].case_ids == () and rows[1].detail == "mismatch"
    assert rows[3].subject == p.phone and rows[3].seat == "8002"
    dump = json.dumps([dataclasses.astuple(r) for r in rows], default=str, ensure_ascii=False)
    assert d.password not in dump and "111111" not in dump and p.id_number not in dump
    for sql in ("UPDATE case_lookup_audit SET outcome = 'found'",
                "DELETE FROM case_lookup_audit"):
        with pytest.raises(Exception, match="append-only"):
            store.execute_sql(sql)
    assert audit.count() == 4


# --- the HTTP/JSON case source ---------------------------------------------------------------

SERVER_CASE = {
    "case_id": "c-77", "case_number": "（2026）京0108民初23456号", "court_code": "hdfy",
    "court_name": "北京市海淀区人民法院", "cause": "买卖合同纠纷", "status": "审理中",
    "stage": "排期开庭", "division": "民一庭", "judge": "李明",
    "filed_at": "2026-01-12T09:30:00", "next_hearing_at": "2026-03-20T14:00:00",
    "hearing_room": "第三法庭",
    "steps": [{"at": "2026-01-12T09:30:00", "text": "立案受理"},
              {"at": "2026-02-01T10:00:00", "text": "排期开庭"}],
    "internal_notes": "SERVER-SIDE-SECRET-NOTE", "parties": [{"id_number": "110108199001011234"}],
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):       # keep pytest output clean
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/slow/verify/code":
            time.sleep(3.0)
        if self.path == "/broken/verify/code":
            payload = b"<html>oops</html>"
        elif body.get("query_code") == "ABCD2345" and body.get("password") == "123456":
            payload = json.dumps({"verdict": "verified", "cases": [SERVER_CASE]}).encode()
        elif body.get("name") == "王伟" and body.get("id_number") == "110108199001011234":
            payload = json.dumps({"verdict": "verified", "cases": [SERVER_CASE]}).encode()
        else:
            payload = json.dumps({"verdict": "mismatch"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server, prefix=""):
    return f"http://127.0.0.1:{server.server_address[1]}{prefix}"


def test_http_source_success_through_the_service(http_server, db, clock):
    source = HttpCaseSource(_url(http_server), timeout_s=2)
    service = CaseLookupService(source, AuditRepository(), clock=clock)
    r = service.lookup_by_code("abcd-2345", "123456", seat="8001")
    assert r.ok and r.view.case_number == "（2026）京0108民初23456号"
    assert r.view.next_hearing_at == datetime(2026, 3, 20, 14, 0).timestamp()
    assert [s.text for s in r.view.recent_steps] == ["排期开庭", "立案受理"]
    assert all("SERVER-SIDE-SECRET-NOTE" not in t and "110108199001011234" not in t
               for t in _texts(r))
    assert service.lookup_by_identity("王伟", "110108199001011234",
                                      case_number="（2026）京0108民初23456号",
                                      seat="8001").ok
    denied = service.lookup_by_code("ABCD2345", "000000", seat="8001")
    assert denied.outcome is LookupOutcome.DENIED and denied.views == ()
    assert AuditRepository().entries()[0].source == "http"


def test_http_source_timeout(http_server, db, clock):
    source = HttpCaseSource(_url(http_server, "/slow"), timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(CaseSourceError) as err:
        source.verify_code("ABCD2345", "123456")
    assert time.monotonic() - started < 2.0   # the server answers after 3 s
    assert err.value.code == "timeout" and "did not answer within 0.2 s" in str(err.value)
    # Through the service: audited, not counted towards the lock, nothing shown.
    service = CaseLookupService(source, AuditRepository(), clock=clock)
    for _ in range(6):
        r = service.lookup_by_code("ABCD2345", "123456", seat="8001")
        assert r.outcome is LookupOutcome.SOURCE_ERROR and r.code == "source_timeout"
        assert r.views == ()
    assert [e.outcome for e in AuditRepository().entries()] == [LookupOutcome.SOURCE_ERROR] * 6


def test_http_source_down_and_broken(http_server):
    port = http_server.server_address[1]
    http_server.shutdown()
    http_server.server_close()                     # nothing listens on the port now
    with pytest.raises(CaseSourceError) as err:
        HttpCaseSource(f"http://127.0.0.1:{port}", timeout_s=1).verify_code("A", "1")
    assert err.value.code == "unreachable" and "cannot be reached" in str(err.value)


def test_http_source_bad_reply_and_config(http_server):
    with pytest.raises(CaseSourceError) as err:
        HttpCaseSource(_url(http_server, "/broken"), timeout_s=1).verify_code("A", "1")
    assert err.value.code == "bad_response"
    with pytest.raises(ValueError, match="https"):
        HttpCaseSource("http://cases.court.example/api")
    with pytest.raises(ValueError):
        HttpCaseSource("ftp://127.0.0.1/x")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_http_source_tls_verifies_the_certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}"
        ok = HttpCaseSource(url, cafile=str(cert), timeout_s=2).verify_code("ABCD2345", "123456")
        assert ok.cases[0].case_number == SERVER_CASE["case_number"]
        with pytest.raises(CaseSourceError) as err:
            HttpCaseSource(url, timeout_s=2).verify_code("ABCD2345", "123456")
        assert err.value.code == "tls"
    finally:
        server.shutdown()
        server.server_close()


def test_storage_failure_becomes_a_source_error(cases, demo):
    close_database()
    with pytest.raises(CaseSourceError) as err:
        cases.verify_code(demo[0].case.query_code, demo[0].password)
    assert err.value.code == "storage"
    with pytest.raises(StorageError):
        cases.count()
