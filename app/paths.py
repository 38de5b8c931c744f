"""Where things live on disk: bundled resources and the per-user data folder.

Works from a source checkout and from a PyInstaller bundle (sys._MEIPASS).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "hotline12368"


def root() -> Path:
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if base else Path(__file__).resolve().parent.parent


def resource(*parts: str) -> Path:
    return root().joinpath("resources", *parts)


def user_data_dir() -> Path:
    """The seat's own store and logs: %LOCALAPPDATA% on Windows, XDG on Linux."""
    override = os.environ.get("HOTLINE_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_NAME


def log_dir() -> Path:
    if sys.platform == "win32":
        return user_data_dir() / "logs"
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return Path(os.environ.get("HOTLINE_LOG_DIR", base / APP_NAME / "logs"))
