"""Key/value settings stored as JSON in the local database.

Storage side of the boundary. Values are anything ``json`` can encode (str,
int, float, bool, None, lists and dicts of those); they come back as decoded
JSON (so a tuple comes back as a list).

Never store a password here. SIP passwords go to the operating system's
keyring (Windows Credential Manager, Secret Service), handled by the account
set-up code elsewhere; the database file is readable by anyone who can copy it
off the seat's PC. As a guard, keys that name a secret are refused.

Keys are dotted names by convention: ``"ui.history.columns"``,
``"audio.ring_device"``.

Settings belong to the desk: when the store is shared (PostgreSQL), the
``setting`` table stays in the desk's own SQLite file if the store was opened
with ``local=`` (see ``app.storage.db.LOCAL_TABLES``); this repository follows
the ``Setting`` model wherever it is bound.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any, Callable

from app.storage.db import database_of, storage_errors, transaction
from app.storage.models import Setting

_SECRET_KEY = re.compile(
    r"password|passwd|secret|credential|(^|[^a-z])pass(wd)?([^a-z]|$)", re.I)
_MISSING = object()


def is_secret_key(key: str) -> bool:
    """True for keys that look like they would hold a password or secret."""
    return bool(_SECRET_KEY.search(key))


class SettingsRepository:
    """get/set JSON values by key."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value, or ``default`` when absent or unreadable."""
        database_of(Setting)
        with storage_errors():
            row = Setting.get_or_none(Setting.key == key)
        if row is None:
            return default
        try:
            return json.loads(row.value)
        except ValueError:
            # A hand-edited or truncated value: behave as if unset.
            return default

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` (committed on return).

        Raises ValueError for an empty key or one that names a secret, and
        TypeError when ``value`` cannot be encoded as JSON.
        """
        self._check_key(key)
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        now = self._clock()
        with transaction(Setting):
            (Setting.insert(key=key, value=text, updated_at=now)
             .on_conflict(conflict_target=[Setting.key],
                          update={Setting.value: text, Setting.updated_at: now})
             .execute())

    def delete(self, key: str) -> bool:
        """Remove ``key``; True if it was there."""
        with transaction(Setting):
            return Setting.delete().where(Setting.key == key).execute() > 0

    def has(self, key: str) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def all(self, prefix: str = "") -> dict[str, Any]:
        """Every setting whose key starts with ``prefix``, decoded."""
        database_of(Setting)
        with storage_errors():
            query = Setting.select().order_by(Setting.key)
            if prefix:
                query = query.where(Setting.key.startswith(prefix))
            rows = list(query)
        out: dict[str, Any] = {}
        for row in rows:
            try:
                out[row.key] = json.loads(row.value)
            except ValueError:
                continue
        return out

    @staticmethod
    def _check_key(key: str) -> None:
        if not isinstance(key, str) or not key.strip():
            raise ValueError("a setting key must be a non-empty string")
        if is_secret_key(key):
            raise ValueError(
                f"refusing to store {key!r}: passwords belong in the OS keyring")
