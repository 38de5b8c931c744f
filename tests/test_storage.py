"""Tests for the storage package: opening, pragmas, migrations, errors,
durability against a killed process, and the settings repository.

Plain pytest; no Qt. Tests of the store's contract take ``store`` and run on
both backends (a real SQLite file in tmp_path and a real PostgreSQL, see
tests/store_backends.py); what only a SQLite file has (WAL, pragmas, a full
disk, a read-only or damaged file, a killed writer) uses ``db``, a SQLite file.
tests/test_store_backends.py has the PostgreSQL-only cases.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.domain.calls import CallDirection, CallPhase, CallResult, CallSnapshot
from app.storage import db as dbmod
from app.storage.db import (SCHEMA_VERSION, StorageError, close_database,
                            current_database, open_database, translate_error)
from app.storage.history_repo import HistoryRepository
from app.storage.models import ALL_MODELS
from app.storage.settings_repo import SettingsRepository, is_secret_key

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "data" / "hotline.db")
    yield database
    close_database()


def _snap(**kw) -> CallSnapshot:
    base = dict(call_id=1, sip_call_id="abc@host", direction=CallDirection.INCOMING,
                phase=CallPhase.RINGING_IN, peer_uri="sip:13912345678@pbx",
                peer_number="13912345678", started_at=1000.0)
    base.update(kw)
    return CallSnapshot(**base)


# --- opening and pragmas -----------------------------------------------------

def test_pragmas_wal_normal_fk_busy_timeout(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1   # NORMAL
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_open_creates_parent_directory_and_schema(tmp_path, db):
    assert (tmp_path / "data" / "hotline.db").exists()
    assert dbmod.schema_version(db) == SCHEMA_VERSION
    assert {"call_record", "setting"} <= set(db.get_tables())


def test_models_match_migrated_schema(store):
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name for c in store.get_columns(table)}
        assert set(model._meta.columns) <= columns, table


def test_reopen_keeps_data_and_does_not_rerun_migrations(store, store_target):
    SettingsRepository().set("ui.theme", "light")
    close_database()
    db = open_database(store_target)
    try:
        assert dbmod.schema_version(db) == SCHEMA_VERSION
        assert SettingsRepository().get("ui.theme") == "light"
    finally:
        close_database()


def test_not_open_is_a_storage_error():
    close_database()
    with pytest.raises(StorageError) as err:
        current_database()
    assert err.value.code == "not_open"
    with pytest.raises(StorageError):
        HistoryRepository().list_recent()


def test_schema_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "h.db"
    db = open_database(path)
    db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    close_database()
    with pytest.raises(StorageError) as err:
        open_database(path)
    assert err.value.code == "schema_too_new"
    assert dbmod.database_proxy.obj is None


def test_garbage_file_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "h.db"
    path.write_bytes(b"this is not an sqlite file at all" * 100)
    with pytest.raises(StorageError) as err:
        open_database(path)
    assert err.value.code == "corrupt"
    assert "damaged" in str(err.value)


def test_directory_in_place_of_file_cannot_be_opened(tmp_path):
    (tmp_path / "h.db").mkdir()
    with pytest.raises(StorageError) as err:
        open_database(tmp_path / "h.db")
    assert err.value.code == "cannot_open"


# --- errors a seat can meet ----------------------------------------------------

def test_full_database_gives_disk_full(db):
    repo = HistoryRepository()
    repo.upsert_from_snapshot(_snap(), "sip:8001@pbx")
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError) as err:
        for i in range(200):
            repo.upsert_from_snapshot(
                _snap(call_id=i, sip_call_id=f"c{i}", peer_display="x" * 4000),
                "sip:8001@pbx")
    assert err.value.code == "disk_full"
    assert "disk is full" in str(err.value)
    assert err.value.detail  # the original text, for the log
    # The failed transaction rolled back; what was committed is intact, and
    # writing works again once there is room.
    before = repo.count()
    assert before >= 1
    db.execute_sql("PRAGMA max_page_count = 1073741823")
    repo.upsert_from_snapshot(_snap(call_id=999, sip_call_id="after"), "sip:8001@pbx")
    assert repo.count() == before + 1


def test_read_only_database_gives_read_only(db):
    db.execute_sql("PRAGMA query_only = 1")
    try:
        with pytest.raises(StorageError) as err:
            SettingsRepository().set("a", 1)
        assert err.value.code == "read_only"
    finally:
        db.execute_sql("PRAGMA query_only = 0")


def test_os_errors_are_translated():
    assert translate_error(OSError(28, "No space left on device")).code == "disk_full"
    assert translate_error(OSError(30, "Read-only file system")).code == "read_only"
    assert StorageError("no_such_code").code == "error"


# --- durability ------------------------------------------------------------------

KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from app.domain.calls import CallDirection, CallPhase, CallSnapshot
    from app.storage import open_database, HistoryRepository
    open_database(Path(sys.argv[1]))
    repo = HistoryRepository()
    snap = CallSnapshot(call_id=0, sip_call_id="killed@host",
                        direction=CallDirection.INCOMING, phase=CallPhase.RINGING_IN,
                        peer_uri="sip:13700001111@pbx", peer_number="13700001111",
                        started_at=1000.0)
    repo.upsert_from_snapshot(snap, "sip:8001@pbx")
    from dataclasses import replace
    entry = repo.upsert_from_snapshot(
        replace(snap, phase=CallPhase.ACTIVE, answered_at=1005.0), "sip:8001@pbx")
    print(entry.id, flush=True)
    time.sleep(60)
""")


def test_committed_row_survives_sigkill(tmp_path):
    path = tmp_path / "h.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(root=str(ROOT)), str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip(), proc.stderr.read()
        entry_id = int(line)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    # Killed before any checkpoint: the committed rows are only in the WAL.
    assert Path(str(path) + "-wal").exists()
    open_database(path)
    try:
        repo = HistoryRepository()
        entry = repo.get(entry_id)
        assert entry is not None
        assert entry.peer_number == "13700001111"
        assert entry.answered_at == 1005.0 and entry.result is None
        # Start-up closes what the kill left open.
        assert repo.close_interrupted() == 1
        assert repo.get(entry_id).result == CallResult.ANSWERED
    finally:
        close_database()


def test_second_connection_sees_commit_immediately(tmp_path, db):
    import sqlite3
    HistoryRepository().upsert_from_snapshot(_snap(), "sip:8001@pbx")
    other = sqlite3.connect(tmp_path / "data" / "hotline.db")
    try:
        assert other.execute("SELECT count(*) FROM call_record").fetchone()[0] == 1
    finally:
        other.close()


# --- settings -------------------------------------------------------------------

def test_settings_roundtrip_json_values(store):
    s = SettingsRepository()
    assert s.get("missing") is None
    assert s.get("missing", 42) == 42
    s.set("ui.history.columns", ["time", "number", "名称"])
    s.set("audio.ring_volume", 0.8)
    s.set("seat.court", {"code": "bjgy", "name": "北京市高级人民法院"})
    s.set("audio.ring_volume", 0.5)  # overwrite
    assert s.get("ui.history.columns") == ["time", "number", "名称"]
    assert s.get("audio.ring_volume") == 0.5
    assert s.get("seat.court")["name"] == "北京市高级人民法院"
    assert s.has("seat.court") and not s.has("nope")
    assert set(s.all("audio.")) == {"audio.ring_volume"}
    assert s.delete("audio.ring_volume") is True
    assert s.delete("audio.ring_volume") is False


def test_settings_refuse_passwords_and_bad_values(store):
    s = SettingsRepository()
    for key in ("sip.password", "account.8001.passwd", "sip_pass", "api_secret"):
        assert is_secret_key(key)
        with pytest.raises(ValueError):
            s.set(key, "hunter2")
    assert not is_secret_key("audio.bypass_agc")
    with pytest.raises(ValueError):
        s.set("", 1)
    with pytest.raises(TypeError):
        s.set("x", object())
    assert s.all() == {}


def test_unreadable_setting_value_returns_default(store):
    store.execute_sql("INSERT INTO setting (key, value, updated_at) VALUES ('bad', '{', 0)")
    assert SettingsRepository().get("bad", "dflt") == "dflt"
