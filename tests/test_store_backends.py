"""The store on both backends: the local SQLite file and the shared PostgreSQL.

Every test taking ``store`` runs once per backend (tests/store_backends.py):
migrations, models against the migrated columns, the append-only audit, call
history, knowledge-base search, settings, the wallboard and case repositories.
The PostgreSQL-only tests cover what only a server can do: a dead server or a
dropped connection, a desk refused, the database in maintenance, desks
migrating a new database together, the search ranking the same articles as
SQLite, and the desk's settings kept on its own file.

A real PostgreSQL 15 from Debian's package (one server per session, a fresh
database per test); no mock of the database anywhere.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import psycopg2
import pytest

from app.domain.calls import CallDirection, CallPhase, CallResult, CallSnapshot
from app.domain.cases import LookupAuditEntry, LookupMethod, LookupOutcome
from app.domain.knowledge import Article
from app.domain.presence_doc import QueuePresence, SeatPresence
from app.domain.seat_state import SeatState
from app.paths import resource
from app.services.demo_cases import generate_demo_cases
from app.services.knowledge_base import KnowledgeBase, parse_markdown
from app.storage import db as dbmod
from app.storage.audit_repo import AuditRepository
from app.storage.case_repo import CaseRepository
from app.storage.db import (SCHEMA_VERSION, StorageError, close_database, credential_entry,
                            is_postgres, local_database, open_database, open_shared_database)
from app.storage.history_repo import INTERRUPTED_REASON, HistoryRepository
from app.storage.kb_repo import KnowledgeRepository
from app.storage.models import ALL_MODELS, CaseFile, Setting
from app.storage.settings_repo import SettingsRepository
from app.storage.wallboard_repo import WallboardRepository
from tests.pg_server import SUPERUSER, free_port

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 2, 10, 0).timestamp()
AOR = "sip:8001@hotline.court"


def _admin(server, dbname: str, sql: str, params=None):
    conn = psycopg2.connect(server.dsn(dbname))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def _dbname(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1]


@pytest.fixture
def pg_target(pg_server):
    """For PostgreSQL-only tests: the URL of a fresh migrated database (not opened)."""
    name = pg_server.new_database(template=pg_server.template)
    try:
        yield pg_server.dsn(name)
    finally:
        close_database()
        pg_server.drop_database(name)


# --- migrations and models ------------------------------------------------------------

def test_migrated_and_reopening_keeps_data_without_migrating_again(store, store_target):
    assert dbmod.schema_version(store) == SCHEMA_VERSION
    SettingsRepository().set("ui.theme", "light")
    close_database()
    db = open_database(store_target)
    assert dbmod.schema_version(db) == SCHEMA_VERSION
    assert SettingsRepository().get("ui.theme") == "light"
    assert is_postgres(db) == (not isinstance(store_target, Path))


_TYPES = {  # peewee field type -> column types accepted (SQLite, PostgreSQL)
    "AUTO": {"INTEGER", "bigint", "integer"},
    "INT": {"INTEGER", "bigint", "integer"},
    "FLOAT": {"REAL", "double precision"},
    "TEXT": {"TEXT", "text"},
    "BOOL": {"INTEGER", "boolean"},
}


def test_models_match_the_migrated_columns(store):
    tables = set(store.get_tables())
    for model in ALL_MODELS:
        table = model._meta.table_name
        assert table in tables
        columns = {c.name: c for c in store.get_columns(table)}
        assert set(columns) == set(model._meta.columns), table
        for name, field in model._meta.columns.items():
            column = columns[name]
            kind = field.field_type if field.field_type in _TYPES else "INT"  # FKs
            assert column.data_type in _TYPES[kind], (table, name, column.data_type)
            if not field.primary_key:
                assert column.null == field.null, (table, name)
    # The search index has no model; each backend has its own.
    assert ("kb_index" in tables) == is_postgres(store)


def test_a_new_postgres_database_is_migrated_from_empty(pg_server):
    name = pg_server.new_database()
    try:
        db = open_database(pg_server.dsn(name))
        assert dbmod.schema_version(db) == SCHEMA_VERSION
        assert {m._meta.table_name for m in ALL_MODELS} <= set(db.get_tables())
        close_database()
        # Reopening finds nothing to do.
        open_database(pg_server.dsn(name))
        assert _admin(pg_server, name, "SELECT version FROM schema_version") == [
            (SCHEMA_VERSION,)]
    finally:
        close_database()
        pg_server.drop_database(name)


MIGRATE = """
import sys
sys.path.insert(0, {root!r})
from app.storage.db import open_database, schema_version, close_database
db = open_database(sys.argv[1])
print(schema_version(db))
close_database()
"""


def test_desks_starting_together_migrate_a_new_database_once(pg_server):
    """Three desks open the same empty database at the same moment: the
    advisory lock lets one migrate; the others wait and find it done."""
    name = pg_server.new_database()
    try:
        procs = [subprocess.Popen([sys.executable, "-c", MIGRATE.format(root=str(ROOT)),
                                   pg_server.dsn(name)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        results = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, results):
            assert p.returncode == 0, err
            assert out.strip() == str(SCHEMA_VERSION)
        assert _admin(pg_server, name, "SELECT count(*), max(version) FROM schema_version") \
            == [(1, SCHEMA_VERSION)]
    finally:
        pg_server.drop_database(name)


def test_a_newer_shared_schema_is_refused(pg_server, pg_target):
    _admin(pg_server, _dbname(pg_target), "UPDATE schema_version SET version = %s",
           (SCHEMA_VERSION + 3,))
    with pytest.raises(StorageError) as err:
        open_database(pg_target)
    assert err.value.code == "server_schema_too_new"
    assert "newer version" in str(err.value)
    assert dbmod.database_proxy.obj is None


# --- the audit is append-only -------------------------------------------------------------

def test_audit_is_append_only(store):
    audit = AuditRepository()
    for i, outcome in enumerate((LookupOutcome.DENIED, LookupOutcome.FOUND)):
        audit.record(LookupAuditEntry(at=T0 + i, seat="8001", caller_number="139",
                                      method=LookupMethod.CODE, subject="ABCD2345",
                                      outcome=outcome, case_ids=("7",) if i else ()))
    assert [o for _, o in audit.outcomes_since(LookupMethod.CODE, "ABCD2345", T0)] == [
        LookupOutcome.DENIED, LookupOutcome.FOUND]
    statements = ["UPDATE case_lookup_audit SET outcome = 'found'",
                  "DELETE FROM case_lookup_audit"]
    if is_postgres(store):
        # Statement triggers: even a DELETE matching nothing, and TRUNCATE.
        statements += ["DELETE FROM case_lookup_audit WHERE id < 0",
                       "TRUNCATE case_lookup_audit"]
    for sql in statements:
        with pytest.raises(Exception, match="append-only"):
            store.execute_sql(sql)
    assert audit.count() == 2
    assert audit.entries()[0].case_ids == ("7",)


# --- call history -------------------------------------------------------------------------

def _snap(**kw) -> CallSnapshot:
    base = dict(call_id=1, sip_call_id="abc@host", direction=CallDirection.INCOMING,
                phase=CallPhase.RINGING_IN, peer_uri="sip:13912345678@pbx",
                peer_number="13912345678", peer_display="王伟", started_at=T0)
    base.update(kw)
    return CallSnapshot(**base)


def test_call_history_round_trip(store):
    repo = HistoryRepository(clock=lambda: T0 + 100)
    first = repo.upsert_from_snapshot(_snap(), AOR)
    repo.upsert_from_snapshot(_snap(phase=CallPhase.ACTIVE, answered_at=T0 + 5), AOR)
    done = repo.upsert_from_snapshot(
        _snap(phase=CallPhase.ENDED, answered_at=T0 + 5, ended_at=T0 + 65), AOR)
    assert done.id == first.id and done.result == CallResult.ANSWERED
    assert done.duration_s == 60.0 and done.peer_display == "王伟"
    missed = repo.upsert_from_snapshot(
        _snap(call_id=2, sip_call_id="m@host", peer_number="010-5555", started_at=T0 + 200,
              peer_uri="sip:0105555@pbx",
              phase=CallPhase.ENDED, ended_at=T0 + 210, peer_display="50%_off"), AOR)
    assert [e.id for e in repo.list_recent()] == [missed.id, done.id]
    assert [e.id for e in repo.search("王")] == [done.id]
    assert [e.id for e in repo.search("%_")] == [missed.id]      # wildcards are literal
    assert [e.id for e in repo.search("SIP:139")] == [done.id]   # case-insensitive
    counts = repo.count_by_result(date.fromtimestamp(T0))
    assert counts[CallResult.ANSWERED] == 1 and counts[CallResult.MISSED] == 1
    assert repo.get(done.id) == done


def test_each_desk_sees_and_closes_only_its_own_calls(store):
    """On a shared store every desk's calls are in one table: a desk scoped to
    its account lists, counts and closes (after a crash) only its own."""
    mine = HistoryRepository(clock=lambda: T0, account=AOR)
    other = HistoryRepository(clock=lambda: T0, account="sip:8002@hotline.court")
    mine.upsert_from_snapshot(_snap(), AOR)
    other.upsert_from_snapshot(_snap(sip_call_id="x@host", phase=CallPhase.ACTIVE,
                                     answered_at=T0 + 1), "sip:8002@hotline.court")
    assert mine.count() == 1 and other.count() == 1 and HistoryRepository().count() == 2
    assert mine.close_interrupted() == 1
    assert mine.list_recent()[0].reason == INTERRUPTED_REASON
    assert other.list_recent()[0].result is None          # the other desk's call goes on
    assert other.close_interrupted() == 1


# --- knowledge base -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def starter():
    return parse_markdown(resource("kb_starter.md").read_text(encoding="utf-8"))


def test_kb_search_edit_and_delete(store, starter):
    kb = KnowledgeBase(KnowledgeRepository(), clock=lambda: T0)
    assert kb.import_markdown(resource("kb_starter.md").read_text(encoding="utf-8")) == (
        len(starter), 0)
    hits = kb.search("诉讼费用")
    assert hits[0].article.question == "诉讼费用最后由谁承担？能退费吗？"
    assert hits[0].marked_question().startswith("【诉讼费用】")
    assert all("费" in h.article.question for h in kb.search("费")[:5])
    assert kb.search("上诉 旁听") == [] and kb.search("'; DROP TABLE kb_article") == []
    edited = kb.save(replace(hits[0].article, answer="由败诉方负担，胜诉方预交的退还。"), editor="王颖")
    assert kb.search("胜诉方预交")[0].article.id == edited.id
    assert kb.delete(edited.id)
    assert all(h.article.id != edited.id for h in kb.search("诉讼费用"))
    assert KnowledgeRepository().count() == len(starter) - 1


QUERIES = ["费", "诉", "上诉", "诉讼费用", "讼费用", "保全 费", "12348", "法律援助", "执行",
           "开庭 传票", "哈哈哈", "哈哈", "ems", "立案", "证据 期限", "调解", "判决书", "民法典",
           "第", "x", "xxxx", "甲乙甲"]


def _ranked(repo, query, limit=100):
    return [(a.question, round(score, 9)) for a, score in repo.search(query, limit)]


def test_kb_ranking_is_the_same_on_both_backends(pg_server, tmp_path, starter):
    """The PostgreSQL search reproduces FTS5's bm25(): same articles, same
    order, same scores, for 1-, 2- and 4-character words, several words,
    numbers and latin, with limits that cut the list."""
    extra = [Article(question="测试哈哈哈", answer="哈哈哈哈，笑声。EMS 邮寄 ems2"),
             Article(question="费费费", answer="费用费用费用"),
             # Long: phrases late in the text, a pasted code as one latin word.
             Article(question="长文", answer="甲乙" * 10000 + "诉讼费用，上诉。" + "x" * 3000)]
    results = {}
    name = pg_server.new_database(template=pg_server.template)
    try:
        for backend, target in (("sqlite", tmp_path / "kb.sqlite3"),
                                ("postgres", pg_server.dsn(name))):
            open_database(target)
            repo = KnowledgeRepository(clock=lambda: T0)
            repo.add_many(starter + extra)
            results[backend] = {(q, limit): _ranked(repo, q, limit)
                                for q in QUERIES for limit in (100, 3)}
            close_database()
    finally:
        close_database()
        pg_server.drop_database(name)
    assert any(len(v) > 5 for v in results["sqlite"].values())
    for key, expected in results["sqlite"].items():
        assert results["postgres"][key] == expected, key


# --- settings, wallboard, cases ------------------------------------------------------------

def test_settings_round_trip(store):
    s = SettingsRepository(clock=lambda: T0)
    s.set("ui.history.columns", ["time", "number", "名称"])
    s.set("audio.ring_volume", 0.8)
    s.set("audio.ring_volume", 0.5)
    assert s.get("ui.history.columns") == ["time", "number", "名称"]
    assert s.all("audio.") == {"audio.ring_volume": 0.5}
    assert s.all("AUDIO.") == {"audio.ring_volume": 0.5}    # as SQLite's LIKE: any case
    assert s.delete("audio.ring_volume") and not s.has("audio.ring_volume")
    with pytest.raises(ValueError):
        s.set("sip.password", "x")


def test_wallboard_round_trip_and_retention(store):
    now = T0
    repo = WallboardRepository(clock=lambda: now)
    seat = SeatPresence("8001", SeatState.READY, reason="", since=now - 10, court="朝阳法院",
                        queues=("main",), calls_today=3, name="张三")
    queue = QueuePresence("main", court="朝阳法院", waiting=2, oldest_wait_s=12.5, answered=4,
                          abandoned=1, service_level=0.9, sl_threshold_s=20,
                          overflow_active=True, lent_in=1, lent_out=0,
                          lending_until=now + 600, updated=now)
    repo.record_many(seats=[(seat, now - 40 * 86400), (seat, now - 31 * 86400),
                            (replace(seat, seat="8002"), now - 35 * 86400)],
                     queues=[queue, (replace(queue, overflow_active=False), now - 40 * 86400)])
    assert repo.delete_older_than(30) == (1, 1)         # 8002's only row is kept
    assert repo.last_known_seats() == [(seat, now - 31 * 86400),
                                       (replace(seat, seat="8002"), now - 35 * 86400)]
    assert repo.queue_samples_since(0) == [queue]


def test_case_directory_round_trip(store):
    from app.domain.directory import Directory
    demo = generate_demo_cases(Directory.load(resource("directory.json")), 5, seed=3, now=T0,
                               hash_n=2 ** 10)
    repo = CaseRepository(clock=lambda: T0)
    ids = repo.add_many(d.case for d in demo)
    assert len(set(ids)) == 5 and repo.count() == 5
    d = demo[2]
    got = repo.get(ids[2])
    assert got.case_number == d.case.case_number
    assert [p.name for p in got.parties] == [p.name for p in d.case.parties]
    assert [s.text for s in got.steps] == [s.text for s in sorted(d.case.steps,
                                                                   key=lambda s: s.at)]
    assert repo.verify_code(d.case.query_code, d.password).cases[0].case_id == ids[2]
    phone = next(p.phone for p in d.case.parties if p.phone)
    assert d.case.case_number in [c.case_number for c in repo.cases_of_phone(phone)]
    with pytest.raises(StorageError):
        repo.add(d.case)                                  # the case number is unique
    assert repo.count() == 5
    assert CaseFile.get(CaseFile.id == int(ids[2])).password_hash.startswith("scrypt$")


# --- the shared server: failures a seat can meet --------------------------------------------

def test_a_dead_server_gives_a_seat_facing_error():
    dsn = f"postgresql://desk@127.0.0.1:{free_port()}/hotline"
    with pytest.raises(StorageError) as err:
        open_database(dsn)
    assert err.value.code == "server_unreachable"
    assert "shared database server cannot be reached" in str(err.value)
    assert "127.0.0.1" in err.value.detail            # the cause, for the log
    assert dbmod.database_proxy.obj is None
    with pytest.raises(StorageError) as err:
        HistoryRepository().list_recent()
    assert err.value.code == "not_open"


def test_a_refused_desk_and_a_bad_address(pg_server):
    with pytest.raises(StorageError) as err:
        open_database(pg_server.dsn("no_such_database"))
    assert err.value.code == "server_denied"
    with pytest.raises(StorageError) as err:
        open_database(f"postgresql://nobody@127.0.0.1:{pg_server.port}/postgres")
    assert err.value.code == "server_denied"
    for bad in ("postgresql://desk:hunter2@db.court/hotline",     # a password in the file
                "postgresql://db.court", "host=db.court dbname=x password=y", "host = ="):
        with pytest.raises(StorageError) as err:
            open_shared_database(bad)
        assert err.value.code == "bad_address", bad
        assert "hunter2" not in str(err.value)
    assert credential_entry("postgresql://desk@db.court/hotline?sslmode=require") == (
        "postgresql://db.court:5432/hotline", "desk")


def test_a_dropped_connection_is_replaced(pg_server, pg_target):
    """The server drops the desk's connection (a restart, a fail-over, a cut
    cable that came back): the next read and the next write just work."""
    store = open_database(pg_target)
    repo = HistoryRepository(clock=lambda: T0)
    repo.upsert_from_snapshot(_snap(), AOR)

    def drop_connections():
        killed = _admin(pg_server, "postgres",
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        (_dbname(pg_target),))
        assert killed and all(ok for ok, in killed)
        while _admin(pg_server, "postgres", "SELECT count(*) FROM pg_stat_activity "
                     "WHERE datname = %s", (_dbname(pg_target),)) != [(0,)]:
            time.sleep(0.01)

    drop_connections()
    assert repo.count() == 1                                  # a read, retried
    drop_connections()
    assert WallboardRepository().last_known_seats() == []     # a WITH ... SELECT, retried
    drop_connections()
    repo.upsert_from_snapshot(_snap(sip_call_id="second@host"), AOR)   # BEGIN, retried
    assert repo.count() == 2
    # A write whose connection drops inside the transaction is not retried:
    # the seat is told, and the next attempt works.
    pid = store.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    with pytest.raises(StorageError) as err:
        with dbmod.transaction() as db:
            db.execute_sql("INSERT INTO setting (key, value, updated_at) "
                           "VALUES ('k', '1', 0)")
            _admin(pg_server, "postgres", "SELECT pg_terminate_backend(%s)", (pid,))
            db.execute_sql("SELECT 1")
    assert err.value.code == "server_unreachable"
    assert SettingsRepository().get("k") is None              # rolled back with the server
    SettingsRepository().set("k", 2)
    assert SettingsRepository().get("k") == 2


def test_a_read_only_database_gives_server_read_only(pg_server, pg_target):
    """IT puts the database read-only (maintenance, a standby after fail-over)."""
    _admin(pg_server, "postgres", f'ALTER DATABASE "{_dbname(pg_target)}" '
           "SET default_transaction_read_only = on")
    open_database(pg_target)
    assert HistoryRepository().count() == 0                  # reading still works
    with pytest.raises(StorageError) as err:
        SettingsRepository().set("a", 1)
    assert err.value.code == "server_read_only"
    assert "read-only" in str(err.value)


def test_settings_stay_on_the_desk_when_the_store_is_shared(pg_server, pg_target, tmp_path):
    """With ``local=``, the desk's own settings live in its SQLite file while
    calls go to the shared server; closing puts everything back."""
    store_target = pg_target
    local = tmp_path / "desk.sqlite3"
    open_database(store_target, local=local)
    try:
        assert local_database() is not None and Setting._meta.database is local_database()
        SettingsRepository().set("audio", {"mic": "Headset"})
        HistoryRepository().upsert_from_snapshot(_snap(), AOR)
        assert SettingsRepository().get("audio") == {"mic": "Headset"}
        assert _admin(pg_server, _dbname(store_target), "SELECT count(*) FROM setting") == [(0,)]
        assert _admin(pg_server, _dbname(store_target),
                      "SELECT count(*) FROM call_record") == [(1,)]
    finally:
        close_database()
    assert local_database() is None and Setting._meta.database is dbmod.database_proxy
    open_database(local)
    assert SettingsRepository().get("audio") == {"mic": "Headset"}
    assert HistoryRepository().count() == 0


def test_threads_each_get_their_own_connection(store):
    """peewee opens one connection per thread on both backends; a worker
    thread writes while the main thread reads."""
    repo = HistoryRepository(clock=lambda: T0)
    errors = []

    def work():
        try:
            for i in range(20):
                repo.upsert_from_snapshot(_snap(sip_call_id=f"t{i}@host"), AOR)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            if not store.is_closed():
                store.close()

    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        repo.count()
    t.join()
    assert not errors and repo.count() == 20


# --- the site setting -----------------------------------------------------------------------

def test_the_shared_store_is_a_site_setting_without_a_password():
    from app import site_config
    good = "postgresql://desk@db.court.gov.cn:5432/hotline?sslmode=verify-full"
    cfg = site_config.parse({"store_dsn": good, "locked": ["store_dsn"]})
    assert cfg.ok and cfg.get("store_dsn") == good and cfg.is_locked("store_dsn")
    for bad in ("postgresql://desk:hunter2@db.court/hotline",
                "postgresql://desk@db.court/hotline?password=hunter2",
                "db.court/hotline", "postgresql://db.court", "mysql://desk@db/hotline"):
        cfg = site_config.parse({"store_dsn": bad})
        assert cfg.get("store_dsn") is None and len(cfg.problems) == 1, bad
        assert "store_dsn" in cfg.problems[0] and "hunter2" not in cfg.problems[0]


# --- the server set-up in docs/shared_store.md ------------------------------------------------

def _doc_sql(name: str) -> str:
    text = (ROOT / "docs" / "shared_store.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {name} -->", 1)[1].split(f"<!-- /{name} -->", 1)[0]
    return block.strip().removeprefix("```sql").removesuffix("```")


def test_desk_role_with_the_documented_grants(pg_server):
    """IT's set-up as docs/shared_store.md writes it: owner and desk roles, the
    owner migrates with ``python -m app.storage``, the desk role may use the
    rows but not rewrite the audit or change the schema."""
    def as_(user, dbname, sql, params=None):
        conn = psycopg2.connect(f"postgresql://{user}@127.0.0.1:{pg_server.port}/{dbname}")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql, params)
        finally:
            conn.close()

    superuser = SUPERUSER
    desk = f"postgresql://hotline_desk@127.0.0.1:{pg_server.port}/hotline"
    for statement in _doc_sql("superuser-sql").split(";"):
        if statement.strip():
            as_(superuser, "postgres", statement)
    try:
        as_(superuser, "hotline", _doc_sql("schema-sql"))
        cli = subprocess.run(
            [sys.executable, "-m", "app.storage", "--no-password",
             f"postgresql://hotline_owner@127.0.0.1:{pg_server.port}/hotline"],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0, cli.stderr
        assert f"schema {SCHEMA_VERSION}" in cli.stdout
        as_("hotline_owner", "hotline", _doc_sql("desk-grants-sql"))

        open_database(desk)
        HistoryRepository(clock=lambda: T0).upsert_from_snapshot(_snap(), AOR)
        AuditRepository().record(LookupAuditEntry(at=T0, seat="8001", caller_number="",
                                                  method=LookupMethod.CODE, subject="X",
                                                  outcome=LookupOutcome.DENIED))
        kb = KnowledgeRepository(clock=lambda: T0)
        kb.add(Article(question="诉讼费用怎么交？", answer="网上缴费。"))
        assert kb.search("缴费")[0][0].question == "诉讼费用怎么交？"
        SettingsRepository().set("k", 1)
        with pytest.raises(Exception, match="permission denied"):
            dbmod.current_database().execute_sql("DELETE FROM case_lookup_audit")
        with pytest.raises(Exception, match="permission denied"):
            dbmod.current_database().execute_sql("CREATE TABLE intruder (x int)")
        close_database()
        # A desk of a newer version than the store waits for IT's upgrade.
        as_("hotline_owner", "hotline", "UPDATE schema_version SET version = %s",
            (SCHEMA_VERSION - 1,))
        with pytest.raises(StorageError) as err:
            open_database(desk)
        assert err.value.code == "server_needs_upgrade"
    finally:
        close_database()
        pg_server.drop_database("hotline")
        as_(superuser, "postgres", "DROP ROLE IF EXISTS hotline_desk")
        as_(superuser, "postgres", "DROP ROLE IF EXISTS hotline_owner")
