"""Diagnostics for IT: rotating logs, versions, and "export diagnostics" (a zip).

- Logs: ``hotline.log`` in ``app.paths.log_dir()`` (Linux: ``~/.local/state/
  hotline12368/logs``; Windows: ``%LOCALAPPDATA%\\hotline12368\\logs``), rotated at
  2 MB, 5 files kept. The SIP engine writes ``pjsip.log`` beside it; with
  ``--sip-trace`` that file holds every SIP message.
- Export: Ctrl+Shift+D in the softphone window, or the button in the settings
  dialog. The zip holds the logs, ``versions.json`` (app, Python, Qt, PySide6,
  pjsua2, OS), ``settings.json`` (the user's settings with every secret-looking
  key dropped) and ``site.json``; every known password is also scrubbed from
  every file's bytes before it goes in.
"""
from __future__ import annotations

import json
import logging
import logging.handlers
import platform
import re
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

LOG_FILE = "hotline.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
_SECRET_KEY = re.compile(r"password|passwd|secret|credential|token|(^|[^a-z])pass(wd)?([^a-z]|$)", re.I)
_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def setup_logging(log_dir: Path | None, level: int = logging.INFO) -> Path | None:
    """Root logging to stderr and to a rotating file in ``log_dir``; returns the file
    (None when the folder cannot be written: the desk still runs, logging to stderr)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_hotline", False) for h in root.handlers):
        err = logging.StreamHandler()
        err.setFormatter(logging.Formatter(_FORMAT))
        err._hotline = True  # type: ignore[attr-defined]
        root.addHandler(err)
    if log_dir is None:
        return None
    path = Path(log_dir) / LOG_FILE
    for h in root.handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler) and Path(h.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                  encoding="utf-8")
    except OSError as e:
        logging.getLogger("hotline").warning("no log file in %s: %s", log_dir, e)
        return None
    fh.setFormatter(logging.Formatter(_FORMAT))
    fh._hotline = True  # type: ignore[attr-defined]
    root.addHandler(fh)
    return path


def _dist_version(*names: str) -> str | None:
    from importlib import metadata
    for n in names:
        try:
            return metadata.version(n)
        except Exception:
            continue
    return None


def versions() -> dict[str, Any]:
    out: dict[str, Any] = {
        "app": _dist_version("hotline12368") or "0.1.0",
        "python": sys.version,
        "os": platform.platform(),
        "machine": platform.machine(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "pjsua2_python": _dist_version("pjsua2-python", "pjsua2"),
        "keyring": _dist_version("keyring"),
    }
    try:
        import PySide6
        from PySide6 import QtCore
        out["pyside6"] = PySide6.__version__
        out["qt"] = QtCore.qVersion()
    except Exception as e:  # pragma: no cover
        out["qt"] = f"unavailable: {e}"
    try:
        from PySide6.QtGui import QGuiApplication
        out["qt_platform"] = QGuiApplication.platformName() if QGuiApplication.instance() else None
    except Exception:  # pragma: no cover
        pass
    if sys.platform.startswith("linux"):
        try:
            osr = Path("/etc/os-release").read_text()
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', osr, re.M)
            out["distribution"] = m.group(1) if m else None
        except OSError:
            pass
    return out


def redact(value: Any) -> Any:
    """A copy with every secret-looking key removed, at any depth."""
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def _scrub(data: bytes, secrets: Iterable[str]) -> bytes:
    for s in secrets:
        if s and len(s) >= 1:
            for enc in (s.encode("utf-8"), json.dumps(s)[1:-1].encode("ascii")):
                data = data.replace(enc, b"********")
    return data


def export_diagnostics(dest: Path, log_dir: Path | None, settings: Mapping[str, Any],
                       site: Mapping[str, Any] | None = None, secrets: Iterable[str] = (),
                       extra: Mapping[str, Any] | None = None) -> Path:
    """Write the diagnostics zip to ``dest``; returns it."""
    secrets = [s for s in secrets if s]
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc = lambda obj: _scrub(json.dumps(obj, ensure_ascii=False, indent=2, default=str).encode("utf-8"), secrets)  # noqa: E731
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("versions.json", doc({**versions(), **dict(extra or {})}))
        z.writestr("settings.json", doc(redact(dict(settings))))
        z.writestr("site.json", doc(redact(dict(site or {}))))
        if log_dir is not None and Path(log_dir).is_dir():
            for f in sorted(Path(log_dir).iterdir()):
                if f.is_file():
                    try:
                        z.writestr(f"logs/{f.name}", _scrub(f.read_bytes(), secrets))
                    except OSError as e:
                        z.writestr(f"logs/{f.name}.unreadable", str(e))
        z.writestr("README.txt", "12368 desk diagnostics, made "
                   + time.strftime("%Y-%m-%d %H:%M:%S %z") + "\nNo passwords are included.\n")
    return dest


def default_export_path() -> Path:
    return Path.home() / time.strftime("hotline12368-diagnostics-%Y%m%d-%H%M%S.zip")


# ------------------------------------------------------------------ Qt side
def ask_and_export(parent, export: Callable[[Path], Path]) -> Path | None:
    """Ask where to save, export, tell the user where it went."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QFileDialog, QMessageBox
    title = QCoreApplication.translate("Diagnostics", "Export diagnostics")
    name, _ = QFileDialog.getSaveFileName(parent, title, str(default_export_path()),
                                          QCoreApplication.translate("Diagnostics", "Zip files (*.zip)"))
    if not name:
        return None
    try:
        out = export(Path(name))
    except Exception as e:
        QMessageBox.warning(parent, title, QCoreApplication.translate(
            "Diagnostics", "Could not export: %1").replace("%1", str(e)))
        return None
    QMessageBox.information(parent, title, QCoreApplication.translate(
        "Diagnostics", "Saved to %1. Send this file to IT; it holds no password.").replace("%1", str(out)))
    return out


def install_shortcut(window, export: Callable[[Path], Path]):
    """Ctrl+Shift+D in ``window`` exports diagnostics; returns the QShortcut."""
    from PySide6.QtGui import QKeySequence, QShortcut
    sc = QShortcut(QKeySequence("Ctrl+Shift+D"), window)
    sc.setObjectName("exportDiagnosticsShortcut")
    sc.activated.connect(lambda: ask_and_export(window, export))
    return sc
