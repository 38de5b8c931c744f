"""The ``store`` fixture: an open, migrated store for repository tests.

Parametrized over the backends the desk supports, so every test written
against ``store`` runs on each: the local SQLite file (one desk, the demo)
and, where added, PostgreSQL (desks of all courts sharing one database).
Yields the open peewee database; models are bound while the test runs.
"""
from __future__ import annotations

import pytest

from app.storage.db import close_database, open_database

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    if request.param == "sqlite":
        database = open_database(tmp_path / "data" / "store.sqlite3")
    else:  # pragma: no cover - filled in by the PostgreSQL backend
        pytest.skip(f"backend {request.param} not available")
    try:
        yield database
    finally:
        close_database()
