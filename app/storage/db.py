"""Opening, closing and migrating the store: a local SQLite file or a shared PostgreSQL.

Storage side of the boundary: this package is the only place that imports
peewee (and psycopg2). Nothing is opened at import time; start-up code calls
``open_database(target)`` once, and ``close_database()`` at shutdown. Models
bind to ``database_proxy`` so that tests and frozen builds choose the store.

Two backends, the same models and repositories:

- **SQLite** (``open_database(path)``): one desk, the demo, a court without a
  database server. The file lives on the seat's PC.
- **PostgreSQL** (``open_database("postgresql://desk@db.court/hotline")`` or
  ``open_shared_database(dsn)``): the desks of all courts share work orders,
  complaints, the knowledge base, the lookup audit and call records. The
  desk's password is never in the DSN; pass ``password=`` (from the OS
  credential store). ``local=path`` keeps the per-desk tables (``LOCAL_TABLES``:
  the desk's own settings) in a local SQLite file at the same time.
  docs/shared_store.md tells IT how to set it up.

Durability (SQLite): the database runs in WAL mode with ``synchronous=NORMAL``.
Every repository write is its own transaction; once ``COMMIT`` returns, the
data is in the WAL file in the operating system's cache, so it survives the
desktop being killed or crashing (the failure we expect on a seat's PC). Only
a power cut or OS crash within a second or so of a commit can lose the last
transactions, and even then the file is never corrupted. ``FULL`` would add an
fsync per commit, paid on the thread that records a call; for call history
that trade is not worth it. Pass ``synchronous="full"`` to choose otherwise.
(PostgreSQL: a commit is durable as the server is configured, by IT.)

Schema versioning: SQLite keeps the number of migrations applied in ``PRAGMA
user_version``, PostgreSQL in the one-row table ``schema_version``.
``MIGRATIONS`` is an append-only list; each entry runs in its own transaction
together with the version bump (PostgreSQL's DDL is transactional too, and an
advisory lock makes desks that start together migrate one after the other).
Write migrations as SQL, frozen at the time they are added (never
``Model.create_table``), because models change later and an old migration must
still build the old shape. Each migration holds one statement list per
dialect that builds the same tables: ``REAL`` becomes ``DOUBLE PRECISION``,
``INTEGER PRIMARY KEY AUTOINCREMENT`` an identity ``BIGINT``, triggers are
plpgsql functions, and SQLite's FTS5 table has its own PostgreSQL form.

Errors: every failure that a seat could meet (disk full, read-only file,
locked, damaged file; the shared server down, refusing the desk, busy or full)
is raised as ``StorageError`` with a stable ``code`` and an English message;
the UI translates by code. A connection the server dropped is replaced on the
next use: a read or the start of a transaction is retried once on a fresh
connection, so a server restart costs at most the one write that was in
flight.
"""
from __future__ import annotations

import errno
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import peewee

try:  # the shared store's driver; the SQLite desk works without it
    import psycopg2
    import psycopg2.extensions
    import psycopg2.extras
except ImportError:  # pragma: no cover - psycopg2-binary is a dependency
    psycopg2 = None

database_proxy = peewee.DatabaseProxy()

# code -> message a seat can act on (the UI translates via tr() by code).
MESSAGES: dict[str, str] = {
    "disk_full": "The disk is full, so the call history could not be saved. "
                 "Free some disk space or call IT staff.",
    "read_only": "The data file is read-only, so nothing can be saved. "
                 "Call IT staff to check the file permissions.",
    "locked": "The data file is in use by another program. "
              "Close other copies of the desktop and try again.",
    "corrupt": "The data file is damaged. Call IT staff to restore it from a backup.",
    "cannot_open": "The data file could not be opened. Call IT staff.",
    "io_error": "The disk reported an error while saving. Call IT staff.",
    "schema_too_new": "The data file was written by a newer version of the desktop. "
                      "Install the newer version or call IT staff.",
    "not_open": "The data file is not open.",
    "error": "Saving or reading local data failed. Call IT staff.",
    # The shared store (PostgreSQL).
    "server_unreachable": "The shared database server cannot be reached, so nothing "
                          "could be saved or looked up. Try again in a moment; if it "
                          "keeps happening, call IT staff.",
    "server_denied": "The shared database server refused this desk. "
                     "Call IT staff to check the desk's database account.",
    "server_busy": "The shared database server is busy. Try again in a moment; "
                   "if it keeps happening, call IT staff.",
    "server_full": "The shared database server is out of space, so nothing could be "
                   "saved. Call IT staff.",
    "server_read_only": "The shared database is read-only at the moment (maintenance), "
                        "so nothing could be saved. Try again later or call IT staff.",
    "server_schema_too_new": "The shared database was upgraded by a newer version of the "
                             "desktop. Install the newer version or call IT staff.",
    "server_error": "The shared database server reported an error. Call IT staff.",
    "bad_address": "The shared database address in the site settings is not valid. "
                   "Call IT staff.",
    "server_needs_upgrade": "The shared database must be upgraded for this version of the "
                            "desktop. Call IT staff.",
}

# Tables that stay on the desk's own SQLite file when the store is shared
# (``open_shared_database(..., local=path)``): the desk's settings (its SIP
# account, headset, layout) belong to that PC, not to every desk.
LOCAL_TABLES: tuple[str, ...] = ("setting",)

SHARED_SCHEMES = ("postgresql://", "postgres://")
# pg_advisory_xact_lock key held while migrating: "12368" + "mig".
_MIGRATION_LOCK = 12368_000_001


class StorageError(Exception):
    """A storage failure explained for a seat.

    ``code`` is stable (one of ``MESSAGES``); ``detail`` keeps the original
    text for the log. ``str(error)`` is the seat-facing message.
    """

    def __init__(self, code: str, detail: str = "", message: str | None = None):
        self.code = code if code in MESSAGES else "error"
        self.detail = detail
        self.message = message or MESSAGES[self.code]
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"StorageError(code={self.code!r}, detail={self.detail!r})"


def _code_of_sqlite(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name == "SQLITE_FULL" or "disk is full" in text:
        return "disk_full"
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return "read_only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "is locked" in text:
        return "locked"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or \
            "not a database" in text or "malformed" in text:
        return "corrupt"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "cannot_open"
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return "io_error"
    return "error"


# SQLSTATE -> code. Classes (two characters) where a whole class means one thing.
_PG_STATES = {
    "08": "server_unreachable",      # connection exception
    "57P01": "server_unreachable",   # admin shutdown (server stopping or restarting)
    "57P02": "server_unreachable",   # crash shutdown
    "57P03": "server_unreachable",   # cannot connect now (starting up)
    "28": "server_denied",           # invalid authorization
    "42501": "server_denied",        # insufficient privilege
    "3D000": "server_denied",        # no such database
    "53100": "server_full",          # disk full
    "53": "server_busy",             # out of memory, too many connections
    "40": "server_busy",             # serialization failure, deadlock
    "55P03": "server_busy",          # lock not available
    "57014": "server_busy",          # statement timeout / cancelled
    "25006": "server_read_only",     # read-only transaction (a standby, maintenance)
}
# libpq's own connection-time messages carry no SQLSTATE.
_PG_CONNECT_TEXTS = (
    ("password authentication failed", "server_denied"),
    ("no pg_hba.conf entry", "server_denied"),
    ("authentication failed", "server_denied"),
    ("does not exist", "server_denied"),           # role or database
    ("permission denied", "server_denied"),
    ("too many clients", "server_busy"),
    ("remaining connection slots", "server_busy"),
)


def _is_pg_error(exc: BaseException) -> bool:
    return psycopg2 is not None and isinstance(exc, psycopg2.Error)


def _code_of_postgres(exc: BaseException) -> str:
    state = getattr(exc, "pgcode", None) or ""
    if state:
        code = _PG_STATES.get(state) or _PG_STATES.get(state[:2])
        return code or "error"
    if isinstance(exc, psycopg2.OperationalError):
        text = str(exc).lower()
        for needle, code in _PG_CONNECT_TEXTS:
            if needle in text:
                return code
        return "server_unreachable"   # refused, timed out, closed unexpectedly
    if isinstance(exc, psycopg2.InterfaceError):
        return "server_unreachable"   # connection already closed
    return "error"


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's exception inside a peewee one (``orig`` in peewee 4, the
    first argument before), else ``exc`` itself."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        return orig
    if exc.args and isinstance(exc.args[0], BaseException):
        return exc.args[0]
    return exc


def _code_of(exc: BaseException) -> str:
    return _code_of_postgres(exc) if _is_pg_error(exc) else _code_of_sqlite(exc)


def translate_error(exc: BaseException) -> StorageError:
    """Map a peewee, sqlite3, psycopg2 or OS error to a StorageError."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            code = "disk_full"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            code = "read_only"
        else:
            code = "cannot_open"
        return StorageError(code, str(exc))
    # SQLite rolls back by itself on SQLITE_FULL and some I/O errors; peewee's
    # own rollback then fails with "no transaction is active", and the real
    # cause is only in the exception chain. Take the first specific code.
    first: StorageError | None = None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = _driver_error(current)
        code = _code_of(orig)
        error = StorageError(code, str(orig).strip())
        if error.code != "error":
            return error
        if _is_pg_error(orig):
            error = StorageError("server_error", str(orig).strip())
        first = first or error
        current = current.__cause__ or current.__context__
    return first or StorageError("error", str(exc))


_DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    (peewee.PeeweeException, sqlite3.Error, OSError)
    + ((psycopg2.Error,) if psycopg2 is not None else ()))


@contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise database and OS errors inside the block as StorageError.

    When the shared server dropped the connection, the dead connection is
    closed here, so the next call opens a fresh one.
    """
    try:
        yield
    except StorageError:
        raise
    except _DRIVER_ERRORS as exc:
        error = translate_error(exc)
        if error.code == "server_unreachable":
            _discard_connection(database_proxy.obj)
        raise error from exc


def current_database() -> peewee.Database:
    """The open database, or StorageError('not_open')."""
    db = database_proxy.obj
    if db is None:
        raise StorageError("not_open", "open_database() has not been called")
    return db


def database_of(model: type[peewee.Model]) -> peewee.Database:
    """The database ``model`` is bound to now (a local table may sit apart from
    the shared store, see ``LOCAL_TABLES``), or StorageError('not_open')."""
    db = model._meta.database
    if isinstance(db, peewee.DatabaseProxy):
        return current_database()
    return db


def is_postgres(db: peewee.Database | None = None) -> bool:
    """True when ``db`` (default: the open store) is PostgreSQL."""
    db = db if db is not None else current_database()
    return isinstance(db, peewee.PostgresqlDatabase)


@contextmanager
def transaction(model: type[peewee.Model] | None = None) -> Iterator[peewee.Database]:
    """One committed-or-rolled-back transaction; errors become StorageError.

    The commit happens before the block's caller continues, so what a
    repository wrote is on disk (see the module docstring) when it returns.
    ``model`` picks the database that model lives on (default: the store).
    """
    db = database_of(model) if model is not None else current_database()
    with storage_errors():
        with db.atomic():
            yield db


# --- portable bulk writes ---------------------------------------------------------

def insert_returning_id(db: peewee.Database, table: str, columns: Sequence[str],
                        row: Sequence[Any], cursor=None) -> int:
    """INSERT one row with raw SQL and return its ``id`` (on either backend)."""
    cursor = cursor if cursor is not None else db.cursor()
    marks = ", ".join(db.param for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    if is_postgres(db):
        cursor.execute(sql + " RETURNING id", tuple(row))
        return int(cursor.fetchone()[0])
    cursor.execute(sql, tuple(row))
    return int(cursor.lastrowid)


def insert_many(db: peewee.Database, table: str, columns: Sequence[str],
                rows: Iterable[Sequence[Any]], cursor=None) -> None:
    """INSERT many rows with one prepared statement (SQLite) or multi-row
    VALUES pages (PostgreSQL: one round trip per 500 rows, not per row)."""
    rows = [tuple(r) for r in rows]
    if not rows:
        return
    cursor = cursor if cursor is not None else db.cursor()
    if is_postgres(db):
        psycopg2.extras.execute_values(
            cursor, f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s", rows,
            page_size=500)
    else:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                           rows)


# --- schema migrations -------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    """One schema step: the statements that build it on each backend."""
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, db: peewee.Database) -> tuple[str, ...]:
        return self.postgres if is_postgres(db) else self.sqlite

    def __call__(self, db: peewee.Database) -> None:
        for statement in self.statements(db):
            db.execute_sql(statement)


# Portable DDL: the same statements on SQLite and PostgreSQL.
_MIGRATION_7 = (
    ("ALTER TABLE consult_question ADD COLUMN answer_delivery TEXT NOT NULL DEFAULT '' "
     "CHECK (answer_delivery IN ('', 'sending', 'delivered', 'failed'))"),
    "ALTER TABLE consult_question ADD COLUMN answer_delivery_note TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE consult_question ADD COLUMN answer_category TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE consult_question ADD COLUMN answer_legal_basis TEXT NOT NULL DEFAULT ''",
)

MIGRATIONS: list[Migration] = [
    # 1: call history and settings.
    Migration(
        sqlite=(
            """CREATE TABLE call_record (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                sip_call_id TEXT NOT NULL DEFAULT '',
                direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                peer_uri TEXT NOT NULL DEFAULT '',
                peer_number TEXT NOT NULL DEFAULT '',
                peer_display TEXT NOT NULL DEFAULT '',
                started_at REAL NOT NULL,
                answered_at REAL,
                ended_at REAL,
                duration_s REAL NOT NULL DEFAULT 0,
                result TEXT,
                reason TEXT NOT NULL DEFAULT '',
                account TEXT NOT NULL DEFAULT '',
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX call_record_sip_call_id ON call_record (sip_call_id)",
            "CREATE INDEX call_record_started_at ON call_record (started_at)",
            "CREATE INDEX call_record_peer_number ON call_record (peer_number)",
            """CREATE TABLE setting (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL,
                updated_at REAL NOT NULL
            )""",
        ),
        postgres=(
            """CREATE TABLE call_record (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                sip_call_id TEXT NOT NULL DEFAULT '',
                direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                peer_uri TEXT NOT NULL DEFAULT '',
                peer_number TEXT NOT NULL DEFAULT '',
                peer_display TEXT NOT NULL DEFAULT '',
                started_at DOUBLE PRECISION NOT NULL,
                answered_at DOUBLE PRECISION,
                ended_at DOUBLE PRECISION,
                duration_s DOUBLE PRECISION NOT NULL DEFAULT 0,
                result TEXT,
                reason TEXT NOT NULL DEFAULT '',
                account TEXT NOT NULL DEFAULT '',
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX call_record_sip_call_id ON call_record (sip_call_id)",
            "CREATE INDEX call_record_started_at ON call_record (started_at)",
            "CREATE INDEX call_record_peer_number ON call_record (peer_number)",
            """CREATE TABLE setting (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
        ),
    ),
    # 2: wallboard history: seat state changes and queue samples.
    Migration(
        sqlite=(
            """CREATE TABLE seat_state_change (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                seat TEXT NOT NULL,
                court TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                since REAL NOT NULL,
                name TEXT NOT NULL DEFAULT '',
                queues TEXT NOT NULL DEFAULT '',
                calls_today INTEGER NOT NULL DEFAULT 0,
                received_at REAL NOT NULL
            )""",
            "CREATE INDEX seat_state_change_seat_received_at "
            "ON seat_state_change (seat, received_at)",
            "CREATE INDEX seat_state_change_received_at ON seat_state_change (received_at)",
            """CREATE TABLE queue_sample (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                queue TEXT NOT NULL,
                court TEXT NOT NULL DEFAULT '',
                ts REAL NOT NULL,
                waiting INTEGER NOT NULL,
                oldest_wait_s REAL NOT NULL DEFAULT 0,
                answered INTEGER NOT NULL DEFAULT 0,
                abandoned INTEGER NOT NULL DEFAULT 0,
                service_level REAL NOT NULL DEFAULT 1,
                sl_threshold_s INTEGER NOT NULL DEFAULT 20,
                overflow_active INTEGER NOT NULL DEFAULT 0,
                lent_in INTEGER NOT NULL DEFAULT 0,
                lent_out INTEGER NOT NULL DEFAULT 0,
                lending_until REAL
            )""",
            "CREATE INDEX queue_sample_queue_ts ON queue_sample (queue, ts)",
            "CREATE INDEX queue_sample_ts ON queue_sample (ts)",
        ),
        postgres=(
            """CREATE TABLE seat_state_change (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                seat TEXT NOT NULL,
                court TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                since DOUBLE PRECISION NOT NULL,
                name TEXT NOT NULL DEFAULT '',
                queues TEXT NOT NULL DEFAULT '',
                calls_today INTEGER NOT NULL DEFAULT 0,
                received_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX seat_state_change_seat_received_at "
            "ON seat_state_change (seat, received_at)",
            "CREATE INDEX seat_state_change_received_at ON seat_state_change (received_at)",
            """CREATE TABLE queue_sample (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                queue TEXT NOT NULL,
                court TEXT NOT NULL DEFAULT '',
                ts DOUBLE PRECISION NOT NULL,
                waiting INTEGER NOT NULL,
                oldest_wait_s DOUBLE PRECISION NOT NULL DEFAULT 0,
                answered INTEGER NOT NULL DEFAULT 0,
                abandoned INTEGER NOT NULL DEFAULT 0,
                service_level DOUBLE PRECISION NOT NULL DEFAULT 1,
                sl_threshold_s INTEGER NOT NULL DEFAULT 20,
                overflow_active BOOLEAN NOT NULL DEFAULT false,
                lent_in INTEGER NOT NULL DEFAULT 0,
                lent_out INTEGER NOT NULL DEFAULT 0,
                lending_until DOUBLE PRECISION
            )""",
            "CREATE INDEX queue_sample_queue_ts ON queue_sample (queue, ts)",
            "CREATE INDEX queue_sample_ts ON queue_sample (ts)",
        ),
    ),
    # 3: service desk: the local case directory, the append-only lookup audit,
    # and the knowledge base with its bigram full-text index (kb_repo.py).
    Migration(
        sqlite=(
            """CREATE TABLE case_file (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                case_number TEXT NOT NULL UNIQUE,
                court_code TEXT NOT NULL DEFAULT '',
                court_name TEXT NOT NULL DEFAULT '',
                cause TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL DEFAULT '',
                stage TEXT NOT NULL DEFAULT '',
                division TEXT NOT NULL DEFAULT '',
                judge TEXT NOT NULL DEFAULT '',
                filed_at REAL NOT NULL DEFAULT 0,
                next_hearing_at REAL,
                hearing_room TEXT NOT NULL DEFAULT '',
                query_code TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                internal_notes TEXT NOT NULL DEFAULT '',
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE case_party (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                case_id INTEGER NOT NULL REFERENCES case_file (id) ON DELETE CASCADE,
                role TEXT NOT NULL DEFAULT '',
                name TEXT NOT NULL,
                id_number TEXT NOT NULL DEFAULT '',
                phone TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX case_party_case_id ON case_party (case_id)",
            "CREATE INDEX case_party_id_number ON case_party (id_number)",
            "CREATE INDEX case_party_phone ON case_party (phone)",
            """CREATE TABLE case_step (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                case_id INTEGER NOT NULL REFERENCES case_file (id) ON DELETE CASCADE,
                at REAL NOT NULL,
                text TEXT NOT NULL
            )""",
            "CREATE INDEX case_step_case_id_at ON case_step (case_id, at)",
            """CREATE TABLE case_lookup_audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at REAL NOT NULL,
                seat TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                method TEXT NOT NULL CHECK (method IN ('code', 'identity')),
                subject TEXT NOT NULL DEFAULT '',
                outcome TEXT NOT NULL,
                case_ids TEXT NOT NULL DEFAULT '',
                source TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX case_lookup_audit_subject_at ON case_lookup_audit (method, subject, at)",
            "CREATE INDEX case_lookup_audit_at ON case_lookup_audit (at)",
            # Append-only: the audit trail is evidence; no code path may rewrite it.
            """CREATE TRIGGER case_lookup_audit_no_update BEFORE UPDATE ON case_lookup_audit
               BEGIN SELECT RAISE(ABORT, 'case_lookup_audit is append-only'); END""",
            """CREATE TRIGGER case_lookup_audit_no_delete BEFORE DELETE ON case_lookup_audit
               BEGIN SELECT RAISE(ABORT, 'case_lookup_audit is append-only'); END""",
            """CREATE TABLE kb_article (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                category TEXT NOT NULL DEFAULT '',
                tags TEXT NOT NULL DEFAULT '',
                legal_basis TEXT NOT NULL DEFAULT '',
                updated_by TEXT NOT NULL DEFAULT '',
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX kb_article_category ON kb_article (category)",
            # Text pre-split in Python into CJK bigrams (*_bi, in order, so a
            # phrase of bigrams is a substring) and unigrams (*_uni); unicode61
            # then only splits on the spaces. rowid = kb_article.id.
            """CREATE VIRTUAL TABLE kb_fts USING fts5(
                q_bi, q_uni, meta_bi, meta_uni, a_bi, a_uni,
                tokenize = 'unicode61 remove_diacritics 0'
            )""",
        ),
        postgres=(
            """CREATE TABLE case_file (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                case_number TEXT NOT NULL UNIQUE,
                court_code TEXT NOT NULL DEFAULT '',
                court_name TEXT NOT NULL DEFAULT '',
                cause TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL DEFAULT '',
                stage TEXT NOT NULL DEFAULT '',
                division TEXT NOT NULL DEFAULT '',
                judge TEXT NOT NULL DEFAULT '',
                filed_at DOUBLE PRECISION NOT NULL DEFAULT 0,
                next_hearing_at DOUBLE PRECISION,
                hearing_room TEXT NOT NULL DEFAULT '',
                query_code TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                internal_notes TEXT NOT NULL DEFAULT '',
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE case_party (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                case_id BIGINT NOT NULL REFERENCES case_file (id) ON DELETE CASCADE,
                role TEXT NOT NULL DEFAULT '',
                name TEXT NOT NULL,
                id_number TEXT NOT NULL DEFAULT '',
                phone TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX case_party_case_id ON case_party (case_id)",
            "CREATE INDEX case_party_id_number ON case_party (id_number)",
            "CREATE INDEX case_party_phone ON case_party (phone)",
            """CREATE TABLE case_step (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                case_id BIGINT NOT NULL REFERENCES case_file (id) ON DELETE CASCADE,
                at DOUBLE PRECISION NOT NULL,
                text TEXT NOT NULL
            )""",
            "CREATE INDEX case_step_case_id_at ON case_step (case_id, at)",
            """CREATE TABLE case_lookup_audit (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                seat TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                method TEXT NOT NULL CHECK (method IN ('code', 'identity')),
                subject TEXT NOT NULL DEFAULT '',
                outcome TEXT NOT NULL,
                case_ids TEXT NOT NULL DEFAULT '',
                source TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX case_lookup_audit_subject_at ON case_lookup_audit (method, subject, at)",
            "CREATE INDEX case_lookup_audit_at ON case_lookup_audit (at)",
            # Append-only: the audit trail is evidence; no code path may rewrite it.
            # Statement triggers: even an UPDATE or DELETE that matches no row,
            # and TRUNCATE, are refused.
            """CREATE FUNCTION case_lookup_audit_append_only() RETURNS trigger
               LANGUAGE plpgsql AS $$
               BEGIN
                   RAISE EXCEPTION 'case_lookup_audit is append-only'
                       USING ERRCODE = 'restrict_violation';
               END $$""",
            """CREATE TRIGGER case_lookup_audit_no_update BEFORE UPDATE ON case_lookup_audit
               FOR EACH STATEMENT EXECUTE FUNCTION case_lookup_audit_append_only()""",
            """CREATE TRIGGER case_lookup_audit_no_delete BEFORE DELETE ON case_lookup_audit
               FOR EACH STATEMENT EXECUTE FUNCTION case_lookup_audit_append_only()""",
            """CREATE TRIGGER case_lookup_audit_no_truncate BEFORE TRUNCATE ON case_lookup_audit
               FOR EACH STATEMENT EXECUTE FUNCTION case_lookup_audit_append_only()""",
            """CREATE TABLE kb_article (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                category TEXT NOT NULL DEFAULT '',
                tags TEXT NOT NULL DEFAULT '',
                legal_basis TEXT NOT NULL DEFAULT '',
                updated_by TEXT NOT NULL DEFAULT '',
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX kb_article_category ON kb_article (category)",
            # The search index (kb_repo.py), one row per article: each field's
            # normalized text (its runs of Chinese, letters and digits, space
            # separated) to count a word's occurrences, the token count FTS5
            # would hold (BM25's document length), and a tsvector of the
            # field-tagged bigrams, characters and latin words, built in
            # Python (no text search parser or dictionary touches Chinese),
            # under a GIN index.
            """CREATE TABLE kb_index (
                article_id BIGINT PRIMARY KEY REFERENCES kb_article (id) ON DELETE CASCADE,
                q_text TEXT NOT NULL,
                m_text TEXT NOT NULL,
                a_text TEXT NOT NULL,
                ntok INTEGER NOT NULL,
                doc TSVECTOR NOT NULL
            )""",
            "CREATE INDEX kb_index_doc ON kb_index USING GIN (doc)",
            # BM25's corpus figures (rows, tokens), kept by trigger so that a
            # search never counts the whole index.
            """CREATE TABLE kb_stats (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                n_rows BIGINT NOT NULL,
                n_tokens BIGINT NOT NULL
            )""",
            "INSERT INTO kb_stats (id, n_rows, n_tokens) VALUES (1, 0, 0)",
            """CREATE FUNCTION kb_stats_count() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                   IF TG_OP = 'INSERT' THEN
                       UPDATE kb_stats SET n_rows = n_rows + 1, n_tokens = n_tokens + NEW.ntok;
                   ELSIF TG_OP = 'DELETE' THEN
                       UPDATE kb_stats SET n_rows = n_rows - 1, n_tokens = n_tokens - OLD.ntok;
                   ELSIF TG_OP = 'UPDATE' THEN
                       UPDATE kb_stats SET n_tokens = n_tokens - OLD.ntok + NEW.ntok;
                   ELSE
                       UPDATE kb_stats SET n_rows = 0, n_tokens = 0;
                   END IF;
                   RETURN NULL;
               END $$""",
            """CREATE TRIGGER kb_index_stats AFTER INSERT OR UPDATE OR DELETE ON kb_index
               FOR EACH ROW EXECUTE FUNCTION kb_stats_count()""",
            """CREATE TRIGGER kb_index_stats_truncate AFTER TRUNCATE ON kb_index
               FOR EACH STATEMENT EXECUTE FUNCTION kb_stats_count()""",
        ),
    ),
    # 4: the desk's records: wrap-ups, work orders (with their event log and
    # SMS), escalation-ladder attempts, questions to the consulting judge,
    # complaints (with their event log). Shared by every desk when the store
    # is PostgreSQL; times are epoch seconds as elsewhere.
    Migration(
        sqlite=(
            """CREATE TABLE wrap_up (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                sip_call_id TEXT NOT NULL DEFAULT '',
                seat TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL DEFAULT '',
                queue TEXT NOT NULL DEFAULT '',
                category TEXT NOT NULL CHECK (category IN
                    ('case_enquiry', 'contact_judge', 'legal_question', 'complaint', 'other')),
                notes TEXT NOT NULL DEFAULT '',
                case_number TEXT NOT NULL DEFAULT '',
                work_order_id INTEGER,
                call_started_at REAL,
                call_answered_at REAL,
                call_ended_at REAL,
                saved_at REAL NOT NULL
            )""",
            "CREATE INDEX wrap_up_saved_at ON wrap_up (saved_at)",
            "CREATE INDEX wrap_up_sip_call_id ON wrap_up (sip_call_id)",
            """CREATE TABLE work_order (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                case_number TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL DEFAULT '',
                recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('judge', 'division')),
                recipient_name TEXT NOT NULL DEFAULT '',
                recipient_phone TEXT NOT NULL DEFAULT '',
                division TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                caller_name TEXT NOT NULL DEFAULT '',
                content TEXT NOT NULL,
                urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
                due_at REAL NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('sent', 'acknowledged', 'done', 'overdue', 'cancelled')),
                sms_status TEXT NOT NULL DEFAULT '',
                created_by TEXT NOT NULL DEFAULT '',
                created_at REAL NOT NULL,
                acknowledged_at REAL,
                done_at REAL,
                last_reminded_at REAL,
                reminders INTEGER NOT NULL DEFAULT 0,
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX work_order_status_due_at ON work_order (status, due_at)",
            "CREATE INDEX work_order_created_at ON work_order (created_at)",
            "CREATE INDEX work_order_case_number ON work_order (case_number)",
            """CREATE TABLE work_order_event (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                order_id INTEGER NOT NULL REFERENCES work_order (id) ON DELETE CASCADE,
                at REAL NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX work_order_event_order_id_at ON work_order_event (order_id, at)",
            """CREATE TABLE escalation_attempt (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at REAL NOT NULL,
                seat TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                case_number TEXT NOT NULL DEFAULT '',
                rung TEXT NOT NULL CHECK (rung IN ('judge', 'division_office', 'division_chief')),
                name TEXT NOT NULL DEFAULT '',
                number TEXT NOT NULL DEFAULT '',
                outcome TEXT NOT NULL DEFAULT '',
                reason TEXT NOT NULL DEFAULT '',
                sip_call_id TEXT NOT NULL DEFAULT '',
                ended_at REAL,
                work_order_id INTEGER
            )""",
            "CREATE INDEX escalation_attempt_at ON escalation_attempt (at)",
            "CREATE INDEX escalation_attempt_case_number ON escalation_attempt (case_number)",
            """CREATE TABLE consult_question (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uid TEXT NOT NULL UNIQUE,
                asked_at REAL NOT NULL,
                seat TEXT NOT NULL DEFAULT '',
                seat_name TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                case_number TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL DEFAULT '',
                channel TEXT NOT NULL CHECK (channel IN ('call', 'written')),
                question TEXT NOT NULL,
                context TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL CHECK (status IN ('open', 'answered')),
                answer TEXT NOT NULL DEFAULT '',
                answered_by TEXT NOT NULL DEFAULT '',
                answered_at REAL,
                kb_article_id INTEGER,
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX consult_question_asked_at ON consult_question (asked_at)",
            """CREATE TABLE complaint (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at REAL NOT NULL,
                created_by TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                caller_name TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL,
                case_number TEXT NOT NULL DEFAULT '',
                content TEXT NOT NULL,
                priority TEXT NOT NULL CHECK (priority IN ('high', 'urgent')),
                status TEXT NOT NULL CHECK (status IN
                    ('open', 'dispatched', 'in_progress', 'resolved', 'closed')),
                dispatched_to TEXT NOT NULL DEFAULT '',
                dispatched_at REAL,
                resolution TEXT NOT NULL DEFAULT '',
                callback_at REAL,
                callback_outcome TEXT NOT NULL DEFAULT '',
                closed_at REAL,
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX complaint_court_code_status ON complaint (court_code, status)",
            "CREATE INDEX complaint_created_at ON complaint (created_at)",
            """CREATE TABLE complaint_event (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                complaint_id INTEGER NOT NULL REFERENCES complaint (id) ON DELETE CASCADE,
                at REAL NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX complaint_event_complaint_id_at ON complaint_event (complaint_id, at)",
        ),
        postgres=(
            """CREATE TABLE wrap_up (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                sip_call_id TEXT NOT NULL DEFAULT '',
                seat TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL DEFAULT '',
                queue TEXT NOT NULL DEFAULT '',
                category TEXT NOT NULL CHECK (category IN
                    ('case_enquiry', 'contact_judge', 'legal_question', 'complaint', 'other')),
                notes TEXT NOT NULL DEFAULT '',
                case_number TEXT NOT NULL DEFAULT '',
                work_order_id BIGINT,
                call_started_at DOUBLE PRECISION,
                call_answered_at DOUBLE PRECISION,
                call_ended_at DOUBLE PRECISION,
                saved_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX wrap_up_saved_at ON wrap_up (saved_at)",
            "CREATE INDEX wrap_up_sip_call_id ON wrap_up (sip_call_id)",
            """CREATE TABLE work_order (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                case_number TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL DEFAULT '',
                recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('judge', 'division')),
                recipient_name TEXT NOT NULL DEFAULT '',
                recipient_phone TEXT NOT NULL DEFAULT '',
                division TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                caller_name TEXT NOT NULL DEFAULT '',
                content TEXT NOT NULL,
                urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
                due_at DOUBLE PRECISION NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('sent', 'acknowledged', 'done', 'overdue', 'cancelled')),
                sms_status TEXT NOT NULL DEFAULT '',
                created_by TEXT NOT NULL DEFAULT '',
                created_at DOUBLE PRECISION NOT NULL,
                acknowledged_at DOUBLE PRECISION,
                done_at DOUBLE PRECISION,
                last_reminded_at DOUBLE PRECISION,
                reminders INTEGER NOT NULL DEFAULT 0,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX work_order_status_due_at ON work_order (status, due_at)",
            "CREATE INDEX work_order_created_at ON work_order (created_at)",
            "CREATE INDEX work_order_case_number ON work_order (case_number)",
            """CREATE TABLE work_order_event (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                order_id BIGINT NOT NULL REFERENCES work_order (id) ON DELETE CASCADE,
                at DOUBLE PRECISION NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX work_order_event_order_id_at ON work_order_event (order_id, at)",
            """CREATE TABLE escalation_attempt (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                seat TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                case_number TEXT NOT NULL DEFAULT '',
                rung TEXT NOT NULL CHECK (rung IN ('judge', 'division_office', 'division_chief')),
                name TEXT NOT NULL DEFAULT '',
                number TEXT NOT NULL DEFAULT '',
                outcome TEXT NOT NULL DEFAULT '',
                reason TEXT NOT NULL DEFAULT '',
                sip_call_id TEXT NOT NULL DEFAULT '',
                ended_at DOUBLE PRECISION,
                work_order_id BIGINT
            )""",
            "CREATE INDEX escalation_attempt_at ON escalation_attempt (at)",
            "CREATE INDEX escalation_attempt_case_number ON escalation_attempt (case_number)",
            """CREATE TABLE consult_question (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                uid TEXT NOT NULL UNIQUE,
                asked_at DOUBLE PRECISION NOT NULL,
                seat TEXT NOT NULL DEFAULT '',
                seat_name TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                case_number TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL DEFAULT '',
                channel TEXT NOT NULL CHECK (channel IN ('call', 'written')),
                question TEXT NOT NULL,
                context TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL CHECK (status IN ('open', 'answered')),
                answer TEXT NOT NULL DEFAULT '',
                answered_by TEXT NOT NULL DEFAULT '',
                answered_at DOUBLE PRECISION,
                kb_article_id BIGINT,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX consult_question_asked_at ON consult_question (asked_at)",
            """CREATE TABLE complaint (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                created_at DOUBLE PRECISION NOT NULL,
                created_by TEXT NOT NULL DEFAULT '',
                caller_number TEXT NOT NULL DEFAULT '',
                caller_name TEXT NOT NULL DEFAULT '',
                court_code TEXT NOT NULL,
                case_number TEXT NOT NULL DEFAULT '',
                content TEXT NOT NULL,
                priority TEXT NOT NULL CHECK (priority IN ('high', 'urgent')),
                status TEXT NOT NULL CHECK (status IN
                    ('open', 'dispatched', 'in_progress', 'resolved', 'closed')),
                dispatched_to TEXT NOT NULL DEFAULT '',
                dispatched_at DOUBLE PRECISION,
                resolution TEXT NOT NULL DEFAULT '',
                callback_at DOUBLE PRECISION,
                callback_outcome TEXT NOT NULL DEFAULT '',
                closed_at DOUBLE PRECISION,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX complaint_court_code_status ON complaint (court_code, status)",
            "CREATE INDEX complaint_created_at ON complaint (created_at)",
            """CREATE TABLE complaint_event (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                complaint_id BIGINT NOT NULL REFERENCES complaint (id) ON DELETE CASCADE,
                at DOUBLE PRECISION NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX complaint_event_complaint_id_at ON complaint_event (complaint_id, at)",
        ),
    ),
    # 5: the shared store: a desk reads its own call history (by account) out
    # of every desk's, and closes at start-up only its own interrupted calls.
    Migration(
        sqlite=(
            "CREATE INDEX call_record_account_started_at ON call_record (account, started_at)",
            "CREATE INDEX call_record_open ON call_record (account) WHERE result IS NULL",
        ),
        postgres=(
            "CREATE INDEX call_record_account_started_at ON call_record (account, started_at)",
            "CREATE INDEX call_record_open ON call_record (account) WHERE result IS NULL",
        ),
    ),
    # 6: the seat's desk keeps how its question's MESSAGE fared, so that a
    # question the judge never got is shown as such after a restart.
    Migration(
        sqlite=(
            ("ALTER TABLE consult_question ADD COLUMN delivery TEXT NOT NULL DEFAULT '' "
             "CHECK (delivery IN ('', 'sending', 'delivered', 'failed'))"),
            "ALTER TABLE consult_question ADD COLUMN delivery_note TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE consult_question ADD COLUMN delivery_to TEXT NOT NULL DEFAULT ''",
        ),
        postgres=(
            ("ALTER TABLE consult_question ADD COLUMN delivery TEXT NOT NULL DEFAULT '' "
             "CHECK (delivery IN ('', 'sending', 'delivered', 'failed'))"),
            "ALTER TABLE consult_question ADD COLUMN delivery_note TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE consult_question ADD COLUMN delivery_to TEXT NOT NULL DEFAULT ''",
        ),
    ),
    # 7: the judge's desk keeps how its answer's MESSAGE fared, and what the
    # answer carried besides its text, so that an answer the seat never got
    # is shown as such after a restart and can be sent again unchanged.
    Migration(
        sqlite=_MIGRATION_7,
        postgres=_MIGRATION_7,
    ),
    # Append new migrations here.
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: peewee.Database) -> int:
    """Migrations applied to ``db`` (0 for a new, empty store)."""
    if is_postgres(db):
        if db.execute_sql("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        row = db.execute_sql("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def _set_schema_version(db: peewee.Database, version: int) -> None:
    if is_postgres(db):
        db.execute_sql("UPDATE schema_version SET version = %s", (int(version),))
    else:
        # user_version lives in the file header and commits with the DDL.
        db.execute_sql(f"PRAGMA user_version = {int(version)}")


def _too_new(db: peewee.Database, current: int) -> StorageError:
    code = "server_schema_too_new" if is_postgres(db) else "schema_too_new"
    return StorageError(code, f"store has schema {current}, this build knows {SCHEMA_VERSION}")


def _migrate(db: peewee.Database) -> None:
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise _too_new(db, current)
    if current == SCHEMA_VERSION:
        return
    postgres = is_postgres(db)
    try:
        _apply(db, current, postgres)
    except peewee.PeeweeException as exc:
        if postgres and getattr(_driver_error(exc), "pgcode", "") == "42501":
            # A desk's role may use the tables but not change them: IT
            # upgrades with the owner's account (python -m app.storage).
            raise StorageError("server_needs_upgrade", str(_driver_error(exc)).strip()) \
                from exc
        raise


def _apply(db: peewee.Database, current: int, postgres: bool) -> None:
    if postgres and current == 0:
        # Desks starting together: the first takes the lock and creates the
        # version table; the others wait, then find it there.
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            db.execute_sql("CREATE TABLE IF NOT EXISTS schema_version "
                           "(version INTEGER NOT NULL)")
            db.execute_sql("INSERT INTO schema_version (version) SELECT 0 "
                           "WHERE NOT EXISTS (SELECT 1 FROM schema_version)")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            if postgres:
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                done = schema_version(db)
                if done > SCHEMA_VERSION:
                    raise _too_new(db, done)
                if done >= version:
                    continue          # another desk applied it meanwhile
            MIGRATIONS[version - 1](db)
            _set_schema_version(db, version)


# --- opening and closing -----------------------------------------------------------

_local: dict[str, Any] = {"db": None, "models": ()}


def is_shared_address(target: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://...``), the form the site
    setting ``store_dsn`` takes."""
    return isinstance(target, str) and target.strip().lower().startswith(SHARED_SCHEMES)


def open_database(target: Path | str, *, synchronous: str = "normal",
                  password: str | None = None,
                  local: Path | None = None) -> peewee.Database:
    """Open (creating if needed) the store at ``target`` and bind the models.

    ``target`` is the SQLite file's path, or a ``postgresql://`` URL for the
    shared store (then ``password`` and ``local`` go to
    ``open_shared_database``). Applies pending migrations. Raises StorageError
    when the store cannot be opened, is damaged, or has a newer schema.
    """
    if is_shared_address(target):
        return open_shared_database(str(target), password=password, local=local)
    if database_proxy.obj is not None:
        close_database()
    db = _open_sqlite(Path(target), synchronous)
    database_proxy.initialize(db)
    return db


def _open_sqlite(path: Path, synchronous: str = "normal") -> peewee.SqliteDatabase:
    db = peewee.SqliteDatabase(
        str(path),
        timeout=5.0,
        pragmas=[
            ("journal_mode", "wal"),
            ("synchronous", synchronous),
            ("foreign_keys", 1),
            ("busy_timeout", 5000),
        ],
    )
    try:
        with storage_errors():
            path.parent.mkdir(parents=True, exist_ok=True)
            db.connect()
            mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError("cannot_open", f"journal_mode is {mode}, not wal")
            _migrate(db)
    except BaseException:
        if not db.is_closed():
            db.close()
        raise
    return db


def _connection_lost(exc: BaseException) -> bool:
    orig = _driver_error(exc)
    return _is_pg_error(orig) and _code_of_postgres(orig) == "server_unreachable"


def _discard_connection(db: peewee.Database | None) -> None:
    """Close this thread's connection to the shared server after the server
    dropped it, so that the next use connects afresh (no-op for SQLite, and
    inside a transaction, whose owner discards it on the way out)."""
    if not isinstance(db, SharedDatabase) or db.is_closed() or db.in_transaction():
        return
    try:
        db.close()
    except Exception:
        db.dispose()


class SharedDatabase(peewee.PostgresqlDatabase):
    """peewee's PostgreSQL database, surviving a server restart.

    Reads outside a transaction and ``BEGIN`` are retried once on a fresh
    connection when the server dropped the old one: neither has changed
    anything yet. A write inside a transaction is not retried (its effect is
    unknown); it fails with ``server_unreachable`` and the caller tries again.
    """

    def _retry_safe(self, sql: str) -> bool:
        """A statement run on its own that reads only (a query, or a WITH
        ending in one)."""
        if self.in_transaction():
            return False
        head = sql.lstrip()[:6].upper()
        if head == "SELECT":
            return True
        return head.startswith("WITH") and not any(
            verb in sql.upper() for verb in ("INSERT", "UPDATE", "DELETE"))

    def execute_sql(self, sql, params=None):
        try:
            return super().execute_sql(sql, params)
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            if not (_connection_lost(exc) and self._retry_safe(sql)):
                raise
            _discard_connection(self)
            return super().execute_sql(sql, params)

    def begin(self, isolation_level=None):
        try:
            return super().begin(isolation_level)
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            if not _connection_lost(exc):
                raise
            _discard_connection(self)
            return super().begin(isolation_level)

    def rollback(self):
        # On a dropped connection the transaction is gone with it: let the
        # error that ended the transaction speak, not "connection closed".
        try:
            return super().rollback()
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            if not _connection_lost(exc):
                raise


def parse_address(dsn: str) -> dict[str, str]:
    """The libpq parameters of ``dsn`` (URL or ``key=value`` form).

    Raises StorageError('bad_address') for a malformed address, and for one
    that carries a password: passwords belong in the OS credential store.
    """
    if psycopg2 is None:  # pragma: no cover
        raise StorageError("bad_address", "psycopg2 is not installed")
    try:
        params = psycopg2.extensions.parse_dsn(dsn.strip())
    except psycopg2.ProgrammingError as exc:
        raise StorageError("bad_address", str(exc).strip()) from exc
    if "password" in params:
        raise StorageError("bad_address", "the address holds a password; "
                           "keep it in the OS credential store instead")
    if not params.get("dbname"):
        raise StorageError("bad_address", "the address names no database")
    return params


def credential_entry(dsn: str) -> tuple[str, str]:
    """(server, user) under which the desk's database password is kept in the
    OS credential store (app.secrets.SecretStore), e.g.
    ("postgresql://db.court:5432/hotline", "desk")."""
    p = parse_address(dsn)
    server = f"postgresql://{p.get('host', '')}:{p.get('port', '5432')}/{p['dbname']}"
    return server, p.get("user", "")


def open_shared_database(dsn: str, *, password: str | None = None,
                         local: Path | None = None,
                         connect_timeout: int = 5) -> SharedDatabase:
    """Open the shared PostgreSQL store at ``dsn``, migrate it, bind the models.

    ``dsn`` is a libpq URL (``postgresql://desk@db.court:5432/hotline``) or
    ``key=value`` string without a password; ``password`` comes from the OS
    credential store (see ``credential_entry``) or libpq's own means (a
    ``.pgpass`` file IT deploys, client certificates). ``local`` is the desk's
    SQLite file for the tables in ``LOCAL_TABLES``; without it those tables
    are shared too. Raises StorageError (``server_unreachable``,
    ``server_denied``, ``bad_address``...) when it cannot be opened.
    """
    params: dict[str, Any] = dict(parse_address(dsn))
    if password:
        params["password"] = password
    params.setdefault("connect_timeout", str(int(connect_timeout)))
    params.setdefault("application_name", "hotline12368")
    # Notice a dead server or a cut cable within about a minute, not two hours.
    params.setdefault("keepalives", "1")
    params.setdefault("keepalives_idle", "30")
    params.setdefault("keepalives_interval", "10")
    params.setdefault("keepalives_count", "3")
    dbname = params.pop("dbname")
    if database_proxy.obj is not None:
        close_database()
    db = SharedDatabase(dbname, **params)
    local_db = None
    try:
        with storage_errors():
            db.connect()
            _migrate(db)
        if local is not None:
            local_db = _open_sqlite(Path(local))
    except BaseException:
        if not db.is_closed():
            db.close()
        raise
    database_proxy.initialize(db)
    if local_db is not None:
        _bind_local(local_db)
    return db


def _bind_local(local_db: peewee.SqliteDatabase) -> None:
    from app.storage.models import ALL_MODELS     # models import this module
    models = tuple(m for m in ALL_MODELS if m._meta.table_name in LOCAL_TABLES)
    for m in models:
        m.bind(local_db, bind_refs=False, bind_backrefs=False)
    _local["db"], _local["models"] = local_db, models


def local_database() -> peewee.Database | None:
    """The desk's own SQLite file when the store is shared and one was given."""
    return _local["db"]


def close_database() -> None:
    """Close the connection and unbind the models (safe to call twice).

    peewee keeps one connection per thread; this closes the calling thread's.
    Call it from the thread that opened the database, after worker threads
    that used it have stopped.
    """
    local_db, models = _local["db"], _local["models"]
    _local["db"], _local["models"] = None, ()
    for m in models:
        m.bind(database_proxy, bind_refs=False, bind_backrefs=False)
    if local_db is not None and not local_db.is_closed():
        try:
            local_db.close()
        except Exception:
            pass
    db = database_proxy.obj
    if db is None:
        return
    try:
        if not db.is_closed():
            db.close()
    finally:
        database_proxy.initialize(None)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m app.storage URL``: create or upgrade the shared store.

    For IT, with the database owner's account (docs/shared_store.md): desks
    then log in with a role that may read and write rows but not change the
    schema. The password comes from ``PGPASSWORD``, ``.pgpass`` or a prompt.
    """
    import argparse
    import getpass
    import os
    import sys

    parser = argparse.ArgumentParser(prog="python -m app.storage",
                                     description="Create or upgrade the shared store.")
    parser.add_argument("url", help="postgresql://OWNER@HOST:PORT/DATABASE")
    parser.add_argument("--no-password", action="store_true",
                        help="never prompt (PGPASSWORD, .pgpass, certificates or trust)")
    args = parser.parse_args(argv)
    password = None
    if not args.no_password and not os.environ.get("PGPASSWORD") and sys.stdin.isatty():
        password = getpass.getpass("Password of the database owner: ") or None
    try:
        before = SCHEMA_VERSION
        db = open_shared_database(args.url, password=password)
        print(f"shared store at schema {schema_version(db)} "
              f"(this build: {before}, {len(db.get_tables())} tables)")
        close_database()
        return 0
    except StorageError as exc:
        print(f"{exc} [{exc.code}] {exc.detail}", file=sys.stderr)
        return 1
