"""Which store a desk opens (ui/main.py open_store): the site's shared PostgreSQL,
or this PC's SQLite file; a shared server that is down never stops the desk."""
from __future__ import annotations

import socket

from app import site_config
from app.secrets import SecretStore
from app.storage.db import close_database, current_database
from app.storage.models import Setting
from ui.main import open_store


def test_site_dsn_opens_the_shared_store_and_keeps_settings_local(pg_server, tmp_path, qapp,
                                                                   monkeypatch):
    monkeypatch.setenv("HOTLINE_SECRET_STORE", "memory")
    name = pg_server.new_database(template=pg_server.template)
    try:
        site = site_config.parse({"store_dsn": pg_server.dsn(name)})
        assert site.ok, site.problems
        problems: list[str] = []
        db, shared = open_store(site, SecretStore(), tmp_path, problems)
        try:
            assert shared and problems == []
            import peewee
            assert isinstance(current_database(), peewee.PostgresqlDatabase)
            # The desk's own settings stay in its file beside the shared store.
            assert (tmp_path / "desk.sqlite3").exists()
            assert Setting._meta.database is not current_database()
        finally:
            close_database()
    finally:
        pg_server.drop_database(name)


def test_dead_shared_server_falls_back_to_the_local_file_with_a_message(tmp_path, qapp,
                                                                         monkeypatch):
    monkeypatch.setenv("HOTLINE_SECRET_STORE", "memory")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                       # nothing listens there
    site = site_config.parse({"store_dsn": f"postgresql://desk@127.0.0.1:{port}/hotline"})
    assert site.ok, site.problems
    problems: list[str] = []
    db, shared = open_store(site, SecretStore(), tmp_path, problems)
    try:
        assert not shared
        assert type(db).__name__.startswith("Sqlite") and (tmp_path / "desk.sqlite3").exists()
        assert len(problems) == 1 and "cannot be reached" in problems[0]
    finally:
        close_database()
