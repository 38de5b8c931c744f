"""Tests for call-history rules (app.domain.history), the history repository
and the CallHistoryService, over a real SQLite file in tmp_path. No Qt, no SIP:
the snapshots are the frozen dataclasses the engine emits."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from app.domain.calls import CallDirection, CallPhase, CallResult, CallSnapshot
from app.domain.history import duration, format_duration, reason_of, result_of
from app.services.call_history import CallHistoryService
from app.storage.db import StorageError, close_database, open_database
from app.storage.history_repo import HistoryRepository

ACCOUNT = "sip:8001@pbx.bjcourt"
T0 = dt.datetime(2024, 5, 6, 10, 0).timestamp()


@pytest.fixture
def repo(tmp_path):
    open_database(tmp_path / "hotline.db")
    yield HistoryRepository(clock=lambda: T0 + 3600)
    close_database()


@pytest.fixture
def service(repo):
    return CallHistoryService(repo)


def incoming(call_id=1, **kw) -> CallSnapshot:
    base = dict(call_id=call_id, sip_call_id=f"in-{call_id}@gw",
                direction=CallDirection.INCOMING, phase=CallPhase.RINGING_IN,
                peer_uri="\"李先生\" <sip:13912345678@gw>", peer_number="13912345678",
                peer_display="李先生", started_at=T0)
    base.update(kw)
    return CallSnapshot(**base)


def outgoing(call_id=2, **kw) -> CallSnapshot:
    base = dict(call_id=call_id, sip_call_id=f"out-{call_id}@desk",
                direction=CallDirection.OUTGOING, phase=CallPhase.DIALING,
                peer_uri="sip:60112@pbx", peer_number="60112", peer_display="",
                started_at=T0)
    base.update(kw)
    return CallSnapshot(**base)


def ended(s: CallSnapshot, at: float, status: int, reason: str) -> CallSnapshot:
    return replace(s, phase=CallPhase.ENDED, ended_at=at,
                   last_status=status, last_reason=reason)


# --- rules --------------------------------------------------------------------

@pytest.mark.parametrize("snap, rejected, expected", [
    (ended(incoming(answered_at=T0 + 5), T0 + 65, 200, "Normal call clearing"),
     False, CallResult.ANSWERED),
    (ended(outgoing(answered_at=T0 + 8), T0 + 20, 200, "OK"), False, CallResult.ANSWERED),
    (ended(incoming(), T0 + 30, 487, "Request Terminated"), False, CallResult.MISSED),
    (ended(incoming(), T0 + 3, 603, "Decline"), True, CallResult.REJECTED),
    (ended(incoming(), T0 + 3, 486, "Busy Here"), True, CallResult.REJECTED),
    (ended(outgoing(), T0 + 4, 487, "Request Terminated"), False, CallResult.CANCELLED),
    (ended(outgoing(), T0 + 4, 486, "Busy Here"), False, CallResult.FAILED),
    (ended(outgoing(), T0 + 32, 408, "Request Timeout"), False, CallResult.FAILED),
])
def test_result_of(snap, rejected, expected):
    assert result_of(snap, rejected_by_us=rejected) == expected


def test_reason_and_duration():
    answered = ended(incoming(answered_at=T0 + 5), T0 + 65.5, 200, "Normal call clearing")
    assert duration(answered) == 60.5
    assert reason_of(answered, CallResult.ANSWERED) == ""
    failed = ended(outgoing(), T0 + 4, 486, "Busy Here")
    assert duration(failed) == 0.0
    assert reason_of(failed, CallResult.FAILED) == "486 Busy Here"
    assert reason_of(ended(outgoing(), T0 + 4, 0, ""), CallResult.FAILED) == "No response"
    active = replace(incoming(), phase=CallPhase.ACTIVE, answered_at=T0 + 5)
    assert duration(active, now=T0 + 15) == 10.0
    clock_stepped = ended(incoming(answered_at=T0 + 5), T0 + 1, 200, "")
    assert duration(clock_stepped) == 0.0
    assert [format_duration(x) for x in (7, 754, 3723)] == ["0:07", "12:34", "1:02:03"]


# --- service + repository: one scenario each ----------------------------------------

def run(service, *snaps, reject=False):
    entry = None
    for s in snaps:
        if reject and s.phase == CallPhase.ENDED:
            service.mark_rejected(s.call_id)
        entry = service.on_call_changed(s, ACCOUNT) or entry
    return entry


def test_answered_incoming_is_written_at_offer_answer_and_end(service, repo):
    offer = incoming()
    first = service.on_call_changed(offer, ACCOUNT)
    assert first.result is None and first.in_progress
    assert repo.get(first.id).peer_display == "李先生"
    answer = replace(offer, phase=CallPhase.ACTIVE, answered_at=T0 + 5)
    assert service.on_call_changed(answer, ACCOUNT).answered_at == T0 + 5
    # Hold is not recorded: no write.
    assert service.on_call_changed(replace(answer, local_hold=True), ACCOUNT) is None
    last = service.on_call_changed(ended(answer, T0 + 125, 200, "OK"), ACCOUNT)
    assert last.id == first.id
    assert (last.result, last.duration_s, last.reason) == (CallResult.ANSWERED, 120.0, "")
    assert last.account == ACCOUNT
    assert len(repo.list_recent()) == 1


def test_answered_outgoing(service):
    dial = outgoing()
    ring = replace(dial, phase=CallPhase.RINGING_OUT, last_status=180)
    talk = replace(ring, phase=CallPhase.ACTIVE, answered_at=T0 + 9, last_status=200)
    e = run(service, dial, ring, talk, ended(talk, T0 + 39, 200, "Normal"))
    assert (e.result, e.duration_s, e.direction) == (CallResult.ANSWERED, 30.0,
                                                     CallDirection.OUTGOING)


def test_missed(service):
    e = run(service, incoming(), ended(incoming(), T0 + 25, 487, "Request Terminated"))
    assert e.result == CallResult.MISSED and e.duration_s == 0.0


def test_rejected_by_the_seat(service):
    e = run(service, incoming(), ended(incoming(), T0 + 2, 603, "Decline"), reject=True)
    assert e.result == CallResult.REJECTED and e.reason == "603 Decline"


def test_cancelled(service):
    e = run(service, outgoing(), ended(outgoing(), T0 + 6, 487, "Request Terminated"))
    assert e.result == CallResult.CANCELLED


def test_failed_with_reason(service):
    e = run(service, outgoing(), ended(outgoing(), T0 + 1, 404, "Not Found"))
    assert (e.result, e.reason) == (CallResult.FAILED, "404 Not Found")


def test_call_first_seen_already_ended_is_recorded_once(service, repo):
    e = run(service, ended(outgoing(), T0 + 1, 503, "Service Unavailable"))
    assert e.result == CallResult.FAILED
    # A late duplicate END for the same call is ignored.
    assert service.on_call_changed(ended(outgoing(), T0 + 1, 503, ""), ACCOUNT) is None
    assert repo.count() == 1


def test_reused_call_slot_starts_a_new_record(service, repo):
    a = run(service, incoming(call_id=0, sip_call_id="first@gw"))
    b = service.on_call_changed(incoming(call_id=0, sip_call_id="second@gw"), ACCOUNT)
    assert a.id != b.id and repo.count() == 2


def test_both_ends_on_our_own_accounts_are_two_records(repo):
    out = outgoing(sip_call_id="same@x")
    inc = incoming(sip_call_id="same@x")
    a = repo.upsert_from_snapshot(out, "sip:8001@pbx")
    b = repo.upsert_from_snapshot(inc, "sip:8002@pbx")
    assert a.id != b.id
    again = repo.upsert_from_snapshot(replace(inc, answered_at=T0 + 1), "sip:8002@pbx")
    assert again.id == b.id


# --- queries --------------------------------------------------------------------

def test_search_recent_and_redial(service, repo):
    run(service, incoming(call_id=1), ended(incoming(call_id=1), T0 + 9, 487, "Gone"))
    run(service, outgoing(call_id=2, started_at=T0 + 100),
        ended(outgoing(call_id=2, started_at=T0 + 100), T0 + 101, 486, "Busy Here"))
    anon = incoming(call_id=3, sip_call_id="anon", peer_number="anonymous",
                    peer_display="", peer_uri="sip:anonymous@anonymous.invalid",
                    started_at=T0 + 200)
    run(service, anon, ended(anon, T0 + 210, 487, ""))
    assert [e.peer_number for e in service.recent()] == ["anonymous", "60112", "13912345678"]
    assert [e.peer_number for e in service.recent(limit=1, offset=1)] == ["60112"]
    assert [e.peer_number for e in service.search("李先")] == ["13912345678"]
    assert [e.peer_number for e in service.search("1391234")] == ["13912345678"]
    assert [e.peer_number for e in service.search("busy")] == ["60112"]
    assert service.search("100%") == []           # wildcards are literal
    assert len(service.search("")) == 3
    by_number = {e.peer_number: e.id for e in service.recent()}
    assert service.redial_target(by_number["60112"]) == "60112"
    assert service.redial_target(by_number["anonymous"]) is None
    assert service.redial_target(987654) is None


def test_count_by_result_and_delete_older_than(repo):
    day = dt.date.fromtimestamp(T0)
    repo.upsert_from_snapshot(ended(incoming(answered_at=T0 + 1), T0 + 9, 200, ""), ACCOUNT)
    repo.upsert_from_snapshot(ended(incoming(call_id=5, sip_call_id="m"), T0 + 9, 487, ""),
                              ACCOUNT)
    old = outgoing(sip_call_id="old", started_at=T0 - 40 * 86400)
    repo.upsert_from_snapshot(ended(old, old.started_at + 1, 404, "Not Found"), ACCOUNT)
    repo.upsert_from_snapshot(outgoing(sip_call_id="live", started_at=T0 - 50 * 86400),
                              ACCOUNT)  # unfinished: never deleted
    counts = repo.count_by_result(day)
    assert counts[CallResult.ANSWERED] == 1 and counts[CallResult.MISSED] == 1
    assert counts[CallResult.FAILED] == 0
    assert repo.delete_older_than(30) == 1
    assert repo.count() == 3


# --- failures ---------------------------------------------------------------------

class _BrokenRepo:
    def __init__(self, inner):
        self.inner, self.broken = inner, True

    def upsert_from_snapshot(self, *a, **kw):
        if self.broken:
            raise StorageError("disk_full", "database or disk is full")
        return self.inner.upsert_from_snapshot(*a, **kw)


def test_storage_error_does_not_break_the_call_and_is_retried(repo):
    broken = _BrokenRepo(repo)
    errors = []
    service = CallHistoryService(broken, on_error=errors.append)
    assert service.on_call_changed(incoming(), ACCOUNT) is None
    assert service.last_error.code == "disk_full" and errors[0].code == "disk_full"
    broken.broken = False
    e = service.on_call_changed(ended(incoming(), T0 + 9, 487, ""), ACCOUNT)
    assert e.result == CallResult.MISSED and service.last_error is None
    assert repo.count() == 1
