"""Tests for the wallboard repository (app.storage.wallboard_repo) on both
backends (a real SQLite file and a real PostgreSQL, the ``store`` fixture):
round trips of seat and queue presences, batches in one transaction, last
known state per seat with many rows, and retention.
"""
from __future__ import annotations

import random

import pytest

from app.domain.presence_doc import QueuePresence, SeatPresence
from app.domain.seat_state import SeatState
from app.storage import wallboard_repo
from app.storage.db import StorageError, close_database
from app.storage.models import QueueSample, SeatStateChange
from app.storage.wallboard_repo import WallboardRepository

DAY = 86400.0
NOW = 1_700_000_000.0


class Clock:
    def __init__(self, t: float = NOW):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def db(store):
    return store


@pytest.fixture
def repo(db):
    return WallboardRepository(clock=Clock())


def _seat(seat="8001", state=SeatState.READY, **kw) -> SeatPresence:
    base = dict(reason="", since=NOW - 10, court="北京市海淀区人民法院",
                queues=("main", "haidian"), calls_today=3, name="张三")
    base.update(kw)
    return SeatPresence(seat, state, **base)


def _queue(queue="main", ts=NOW, **kw) -> QueuePresence:
    base = dict(court="北京市高级人民法院", waiting=2, oldest_wait_s=12.5, answered=40,
                abandoned=2, service_level=0.9, sl_threshold_s=20, overflow_active=True,
                lent_in=3, lent_out=0, lending_until=NOW + 600, updated=ts)
    base.update(kw)
    return QueuePresence(queue, **base)


def test_tables_and_indexes_exist(db):
    assert {"seat_state_change", "queue_sample"} <= set(db.get_tables())
    seat_indexes = {tuple(i.columns) for i in db.get_indexes("seat_state_change")}
    queue_indexes = {tuple(i.columns) for i in db.get_indexes("queue_sample")}
    assert ("seat", "received_at") in seat_indexes
    assert ("queue", "ts") in queue_indexes


def test_insert_columns_match_the_models():
    assert set(wallboard_repo._SEAT_COLUMNS) == set(SeatStateChange._meta.columns) - {"id"}
    assert set(wallboard_repo._QUEUE_COLUMNS) == set(QueueSample._meta.columns) - {"id"}


def test_seat_round_trip(repo):
    p = _seat(state=SeatState.NOT_READY, reason="meal", name='李四 & "x"', queues=())
    repo.record_seat(p, received_at=NOW)
    repo.record_seat(_seat(seat="8002"))          # received now, by the clock
    assert repo.last_known_seats() == [(p, NOW), (_seat(seat="8002"), NOW)]
    assert repo.seat_changes_since(NOW - 1, seat="8001") == [(p, NOW)]


def test_queue_round_trip(repo):
    q = _queue()
    repo.record_queue(q)
    repo.record_queue(_queue(lending_until=None, overflow_active=False), ts=NOW + 5)
    samples = repo.queue_samples_since(NOW)
    assert samples[0] == q
    assert samples[1] == _queue(lending_until=None, overflow_active=False, ts=NOW + 5)
    assert repo.queue_samples_since(NOW + 1) == samples[1:]
    assert repo.queue_samples_since(0, queue="other") == []


def test_record_many_is_one_transaction(repo, db):
    seats = [(_seat(seat=str(i)), NOW + i) for i in range(250)]
    queues = [_queue(ts=NOW + i) for i in range(30)] + [(_queue(queue="b"), NOW + 99)]
    assert repo.record_many(seats=seats, queues=queues) == 281
    assert repo.count() == (250, 31)
    assert repo.record_many() == 0
    bad = [(_seat(seat="ok"), NOW), (_seat(seat=None), NOW)]   # NOT NULL fails
    with pytest.raises(StorageError):
        repo.record_many(seats=bad)
    assert repo.count() == (250, 31)               # nothing of the failed batch


def test_last_known_seats_with_many_rows(repo):
    rng = random.Random(12368)
    seats = [f"{8000 + i}" for i in range(300)]
    latest: dict[str, tuple[SeatPresence, float]] = {}
    batch = []
    for n in range(20_000):
        seat = rng.choice(seats)
        received = NOW + rng.randrange(5000)       # out of order, with ties
        p = _seat(seat=seat, state=rng.choice(list(SeatState)), calls_today=n)
        batch.append((p, received))
        best = latest.get(seat)
        if best is None or received >= best[1]:    # ties: the later insert wins
            latest[seat] = (p, received)
    for start in range(0, len(batch), 100):        # as the wallboard batches
        repo.record_many(seats=batch[start:start + 100])
    known = repo.last_known_seats()
    assert [p.seat for p, _ in known] == sorted(latest)
    assert known == [latest[s] for s in sorted(latest)]


def test_last_known_seats_empty(repo):
    assert repo.last_known_seats() == []


def test_seat_changes_since_is_ordered(repo):
    repo.record_many(seats=[(_seat(calls_today=i), NOW + (i % 3)) for i in range(6)])
    changes = repo.seat_changes_since(NOW + 1)
    assert [(p.calls_today, at) for p, at in changes] == [
        (1, NOW + 1), (4, NOW + 1), (2, NOW + 2), (5, NOW + 2)]


def test_retention_keeps_each_seats_latest_row(db):
    clock = Clock(NOW)
    repo = WallboardRepository(clock=clock)
    rows = []
    for day in range(40):
        rows.append((_seat(seat="busy", calls_today=day), NOW - day * DAY))
    rows.append((_seat(seat="gone", state=SeatState.SIGNED_OUT), NOW - 35 * DAY))
    rows.append((_seat(seat="gone", state=SeatState.SIGNED_OUT), NOW - 35 * DAY))  # a tie
    queues = [(_queue(), NOW - day * DAY) for day in range(40)]
    repo.record_many(seats=rows, queues=queues)
    deleted = repo.delete_older_than(30)
    assert deleted == (9 + 1, 9)                   # days 31..39, one "gone" twin
    assert repo.count() == (31 + 1, 31)
    known = dict((p.seat, at) for p, at in repo.last_known_seats())
    assert known == {"busy": NOW, "gone": NOW - 35 * DAY}
    assert repo.delete_older_than(30) == (0, 0)
    assert repo.delete_older_than(0, keep_latest=False) == (31, 30)
    assert repo.count() == (1, 1)                  # only rows at exactly now
    with pytest.raises(ValueError):
        repo.delete_older_than(-1)


def test_not_open_is_a_storage_error():
    close_database()
    repo = WallboardRepository()
    with pytest.raises(StorageError) as err:
        repo.last_known_seats()
    assert err.value.code == "not_open"
    with pytest.raises(StorageError):
        repo.record_seat(_seat())
