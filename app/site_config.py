"""Site configuration: what IT presets for every desk of a court, and locks.

One system-wide JSON file, read before the user's own settings:

- Linux: ``/etc/hotline12368/site.json``
- Windows: ``%PROGRAMDATA%\\hotline12368\\site.json``
- anywhere: the path in the environment variable ``HOTLINE_SITE_CONFIG`` (tests,
  unusual installs).

Example::

    {
      "server": "sip.bjcourt.gov.cn:5060",
      "domain": "bjcourt.gov.cn",
      "transport": "tcp",
      "role": "seat",
      "court": "1100",
      "directory_source": "/etc/hotline12368/directory.json",
      "locked": ["server", "domain", "transport"]
    }

Site values are defaults; the user's own settings override them, except for
the keys listed in ``locked``, where the site value always wins (the settings
dialog shows those fields disabled, and they are never stored per user).

A missing file is normal (nothing preset). A malformed file never stops the
desk: it starts with nothing preset and a message naming the file and the
error (``SiteConfig.problems``); the user's own settings are untouched.
Passwords never belong here: a key that names a secret is refused.

Plain Python (no Qt, no pjsua2, no store), see the import contracts.
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

APP_NAME = "hotline12368"
ENV_PATH = "HOTLINE_SITE_CONFIG"

TRANSPORTS = ("udp", "tcp", "tls")
ROLES = ("seat", "judge", "both")

# Key -> (type, allowed values or None). Account keys share their names with
# AccountSettings fields, so the merge below is a plain dict update.
KNOWN_KEYS: dict[str, tuple[type, tuple | None]] = {
    "server": (str, None),
    "domain": (str, None),
    "transport": (str, TRANSPORTS),
    "outbound_proxy": (str, None),
    "display_name": (str, None),
    "user": (str, None),
    "auto_answer": (bool, None),
    "role": (str, ROLES),
    "court": (str, None),
    "directory_source": (str, None),
    "language": (str, ("zh_cn", "en", "system")),  # compared lower-case
    # The shared store: a PostgreSQL URL such as
    # "postgresql://desk@db.court.gov.cn:5432/hotline?sslmode=verify-full"
    # (docs/shared_store.md). Without it each desk keeps its own SQLite file.
    # Never with a password: that is in the OS credential store.
    "store_dsn": (str, None),
    # The court's case system (app/adapters/case_http.py); without it the desk
    # looks cases up in the local case directory of the store.
    "case_source_url": (str, None),
    "case_source_timeout_s": (int, None),
    "case_source_cafile": (str, None),
    # SMS to judges' mobiles (app/adapters/sms.py, docs/work_orders.md). The
    # SMPP password is in the OS credential store under smpp://HOST:PORT.
    "sms_gateway": (str, ("log", "smpp")),
    "sms_smpp_host": (str, None),
    "sms_smpp_port": (int, None),
    "sms_smpp_system_id": (str, None),
    "sms_smpp_system_type": (str, None),
    "sms_source_addr": (str, None),
    "sms_smpp_timeout_s": (int, None),
    # Work orders: due times and the escalation ladder (app/domain/work_orders.py).
    "work_order_normal_days": (int, None),
    "work_order_urgent_hours": (int, None),
    "work_order_due_time": (str, None),          # "HH:MM"
    "work_order_ring_timeout_s": (int, None),
    "work_order_holidays": (list, None),         # ["YYYY-MM-DD", ...]
    "work_order_extra_workdays": (list, None),   # make-up working days
}
# Keys of the "account" settings (the rest are desk-wide: role, court, directory).
ACCOUNT_KEYS = ("server", "user", "display_name", "transport", "outbound_proxy",
                "domain", "auto_answer")

_SECRET = re.compile(r"password|passwd|secret|credential|token", re.I)


def _check_store_dsn(value: str) -> str:
    """Why ``value`` is not a usable shared-store URL ('' when it is)."""
    url = urlsplit(value)
    if url.scheme.lower() not in ("postgresql", "postgres") or not url.netloc \
            or not url.path.strip("/"):
        return "expected postgresql://USER@HOST:PORT/DATABASE"
    if url.password is not None or "password" in parse_qs(url.query):
        return "it holds a password: passwords belong in the OS credential store"
    return ""


# Key -> a check of the value beyond its type ('' when fine).
_CHECKS = {"store_dsn": _check_store_dsn}


def default_path() -> Path:
    override = os.environ.get(ENV_PATH)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData"))
        return base / APP_NAME / "site.json"
    return Path("/etc") / APP_NAME / "site.json"


@dataclass(frozen=True)
class SiteConfig:
    values: Mapping[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    path: Path | None = None
    problems: tuple[str, ...] = ()   # plain-words messages for the user / IT

    @property
    def ok(self) -> bool:
        return not self.problems

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def is_preset(self, key: str) -> bool:
        return key in self.values

    def is_locked(self, key: str) -> bool:
        """True when IT locked ``key`` (and gave it a value: a lock without a
        value would leave the user stuck with an empty field, so it is ignored)."""
        return key in self.locked

    def merge(self, user: Mapping[str, Any] | None) -> dict[str, Any]:
        """The effective settings: site values, then the user's, then locked site values."""
        out: dict[str, Any] = dict(self.values)
        for k, v in (user or {}).items():
            if not self.is_locked(k):
                out[k] = v
        for k in self.locked:
            out[k] = self.values[k]
        return out

    def user_part(self, effective: Mapping[str, Any]) -> dict[str, Any]:
        """What to store as the user's own settings: everything but locked keys."""
        return {k: v for k, v in effective.items() if not self.is_locked(k)}

    def redacted(self) -> dict[str, Any]:
        return {"path": str(self.path) if self.path else None, "values": dict(self.values),
                "locked": sorted(self.locked), "problems": list(self.problems)}


def parse(data: Any, path: Path | None = None) -> SiteConfig:
    """Validate decoded JSON; bad keys are dropped and named in ``problems``."""
    where = str(path) if path else "site configuration"
    if not isinstance(data, dict):
        return SiteConfig(path=path, problems=(f"{where}: expected a JSON object at the top level",))
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "locked":
            continue
        if _SECRET.search(key):
            problems.append(f"{where}: {key!r} ignored: passwords belong in the OS credential store")
            continue
        if key not in KNOWN_KEYS:
            problems.append(f"{where}: unknown key {key!r} ignored")
            continue
        typ, allowed = KNOWN_KEYS[key]
        if not isinstance(value, typ) or (typ is str and isinstance(value, bool)):
            problems.append(f"{where}: {key!r} must be a {typ.__name__}, not {value!r}")
            continue
        if typ is str:
            value = value.strip()
            if allowed:
                value = value.lower()
        if allowed and value not in allowed:
            problems.append(f"{where}: {key!r} must be one of {', '.join(allowed)}, not {value!r}")
            continue
        check = _CHECKS.get(key)
        problem = check(value) if check and value else ""
        if problem:
            problems.append(f"{where}: {key!r} ignored: {problem}")
            continue
        values[key] = value
    locked_raw = data.get("locked", [])
    locked: set[str] = set()
    if not isinstance(locked_raw, list) or not all(isinstance(k, str) for k in locked_raw):
        problems.append(f"{where}: 'locked' must be a list of key names")
    else:
        for k in locked_raw:
            if k not in KNOWN_KEYS:
                problems.append(f"{where}: cannot lock unknown key {k!r}")
            elif k not in values:
                problems.append(f"{where}: {k!r} is locked but has no valid value: not locked")
            else:
                locked.add(k)
    return SiteConfig(values=values, locked=frozenset(locked), path=path, problems=tuple(problems))


def load(path: Path | str | None = None) -> SiteConfig:
    """Read the site file; never raises for a missing, unreadable or malformed file."""
    p = Path(path) if path is not None else default_path()
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return SiteConfig(path=None)
    except OSError as e:
        return SiteConfig(path=p, problems=(f"{p}: cannot be read ({e.strerror or e}); nothing preset",))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        return SiteConfig(path=p, problems=(f"{p}: not UTF-8 text ({e.reason}); nothing preset",))
    except json.JSONDecodeError as e:
        return SiteConfig(path=p, problems=(
            f"{p}: malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}; nothing preset",))
    return parse(data, p)


def account_dict(cfg: SiteConfig, user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The effective account settings (no password) as a dict of AccountSettings fields."""
    merged = cfg.merge(user)
    return {k: merged[k] for k in ACCOUNT_KEYS if k in merged}
