"""The ``store`` fixture: an open, migrated store for repository tests.

Parametrized over the backends the desk supports, so every test written
against ``store`` runs on each: the local SQLite file (one desk, the demo)
and PostgreSQL (desks of all courts sharing one database). Yields the open
peewee database; models are bound while the test runs.

- ``store_target``: what ``open_database`` takes for this backend (the SQLite
  file's path, or the PostgreSQL URL of this test's own database), for tests
  that close and reopen the store.
- ``pg_server``: the session's PostgreSQL server (tests/pg_server.py), started
  on first use and stopped at the end of the session, also after failures.
  Each test gets a fresh database copied from a migrated template (~30 ms),
  dropped afterwards. Without PostgreSQL installed, the "postgres" cases skip.

Run one backend only with ``-k sqlite`` or ``-k postgres``.
"""
from __future__ import annotations

import pytest

from app.storage.db import close_database, open_database
from tests import pg_server as pg

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_server():
    reason = pg.unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = pg.PgServer().start()
    try:
        # A migrated template: a test's database is a copy, not 5 migrations.
        template = server.new_database()
        open_database(server.dsn(template))
        close_database()
        server.mark_template(template)
        server.template = template
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def store_target(request, tmp_path):
    if request.param == "sqlite":
        yield tmp_path / "data" / "store.sqlite3"
        return
    server = request.getfixturevalue("pg_server")
    name = server.new_database(template=server.template)
    try:
        yield server.dsn(name)
    finally:
        close_database()
        server.drop_database(name)


@pytest.fixture
def store(store_target):
    database = open_database(store_target)
    try:
        yield database
    finally:
        close_database()
