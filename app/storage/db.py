"""Opening, closing and migrating the local SQLite database.

Storage side of the boundary: this package is the only place that imports
peewee. Nothing is opened at import time; start-up code calls
``open_database(path)`` once, and ``close_database()`` at shutdown. Models bind
to ``database_proxy`` so that tests and frozen builds choose the file.

Durability: the database runs in WAL mode with ``synchronous=NORMAL``. Every
repository write is its own transaction; once ``COMMIT`` returns, the data is
in the WAL file in the operating system's cache, so it survives the desktop
being killed or crashing (the failure we expect on a seat's PC). Only a power
cut or OS crash within a second or so of a commit can lose the last
transactions, and even then the file is never corrupted. ``FULL`` would add an
fsync per commit, paid on the thread that records a call; for call history
that trade is not worth it. Pass ``synchronous="full"`` to choose otherwise.

Schema versioning: ``PRAGMA user_version`` holds the number of migrations
applied. ``MIGRATIONS`` is an append-only list; each entry runs in its own
transaction together with the version bump. Write migrations as SQL, frozen at
the time they are added (never ``Model.create_table``), because models change
later and an old migration must still build the old shape.

Errors: every sqlite/peewee failure that a seat could meet (disk full,
read-only file, locked, damaged file) is raised as ``StorageError`` with a
stable ``code`` and an English message; the UI translates by code.
"""
from __future__ import annotations

import errno
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import peewee

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
}


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


def translate_error(exc: BaseException) -> StorageError:
    """Map a peewee, sqlite3 or OS error to a StorageError."""
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
        # peewee wraps the sqlite3 exception as its first argument.
        orig = current.args[0] if current.args and \
            isinstance(current.args[0], BaseException) else current
        error = StorageError(_code_of_sqlite(orig), str(orig))
        if error.code != "error":
            return error
        first = first or error
        current = current.__cause__ or current.__context__
    return first or StorageError("error", str(exc))


@contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise database and OS errors inside the block as StorageError."""
    try:
        yield
    except StorageError:
        raise
    except (peewee.PeeweeException, sqlite3.Error, OSError) as exc:
        raise translate_error(exc) from exc


def current_database() -> peewee.SqliteDatabase:
    """The open database, or StorageError('not_open')."""
    db = database_proxy.obj
    if db is None:
        raise StorageError("not_open", "open_database() has not been called")
    return db


@contextmanager
def transaction() -> Iterator[peewee.SqliteDatabase]:
    """One committed-or-rolled-back transaction; errors become StorageError.

    The commit happens before the block's caller continues, so what a
    repository wrote is on disk (see the module docstring) when it returns.
    """
    db = current_database()
    with storage_errors():
        with db.atomic():
            yield db


# --- schema migrations -------------------------------------------------------

Migration = Callable[[peewee.SqliteDatabase], None]


def _sql(*statements: str) -> Migration:
    def run(db: peewee.SqliteDatabase) -> None:
        for statement in statements:
            db.execute_sql(statement)
    return run


MIGRATIONS: list[Migration] = [
    # 1: call history and settings.
    _sql(
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
    # 2: wallboard history: seat state changes and queue samples.
    _sql(
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
    # 3: service desk: the local case directory, the append-only lookup audit,
    # and the knowledge base with its bigram full-text index (kb_repo.py).
    _sql(
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
    # 4: the desk's records: wrap-ups, work orders (with their event log and
    # SMS), escalation-ladder attempts, questions to the consulting judge,
    # complaints (with their event log). Shared by every desk when the store
    # is PostgreSQL; times are epoch seconds as elsewhere.
    _sql(
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
    # Append new migrations here.
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: peewee.SqliteDatabase) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def _migrate(db: peewee.SqliteDatabase) -> None:
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise StorageError(
            "schema_too_new",
            f"file has schema {current}, this build knows {SCHEMA_VERSION}")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[version - 1](db)
            # user_version lives in the file header and commits with the DDL.
            db.execute_sql(f"PRAGMA user_version = {int(version)}")


def open_database(path: Path, *, synchronous: str = "normal") -> peewee.SqliteDatabase:
    """Open (creating if needed) the database at ``path`` and bind the models.

    Applies pending migrations. Raises StorageError when the file cannot be
    opened, is damaged, or was written by a newer schema.
    """
    path = Path(path)
    if database_proxy.obj is not None:
        close_database()
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
    database_proxy.initialize(db)
    return db


def close_database() -> None:
    """Close the connection and unbind the models (safe to call twice).

    peewee keeps one connection per thread; this closes the calling thread's.
    Call it from the thread that opened the database, after worker threads
    that used it have stopped.
    """
    db = database_proxy.obj
    if db is None:
        return
    try:
        if not db.is_closed():
            db.close()
    finally:
        database_proxy.initialize(None)
