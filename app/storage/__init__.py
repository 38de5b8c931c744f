"""Local storage: the only package that imports peewee.

Start-up code calls ``open_database(path)`` once and ``close_database()`` at
shutdown; repositories return plain domain dataclasses. ``StorageError`` (with
a stable ``code``) is the one exception the rest of the app needs to catch.
"""
from app.storage.db import (
    SCHEMA_VERSION,
    StorageError,
    close_database,
    credential_entry,
    open_database,
    open_shared_database,
)
from app.storage.history_repo import HistoryRepository
from app.storage.settings_repo import SettingsRepository

__all__ = [
    "SCHEMA_VERSION",
    "StorageError",
    "close_database",
    "credential_entry",
    "open_database",
    "open_shared_database",
    "HistoryRepository",
    "SettingsRepository",
]
