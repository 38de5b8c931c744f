"""The package boundaries of the design card, checked by import-linter.

app/ imports neither Qt nor pjsua2; only sip/ imports pjsua2; ui/ never
touches peewee; sip/ knows nothing of the UI or the store.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(exe), str(ROOT / "pyproject.toml")],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 4 kept, 0 broken" in r.stdout, r.stdout


def test_pjsua2_is_imported_only_in_sip():
    offenders = []
    for py in ROOT.rglob("*.py"):
        rel = py.relative_to(ROOT)
        if rel.parts[0] in (".venv", "sip", "tests", "build", "dist"):
            continue
        text = py.read_text(encoding="utf-8", errors="replace")
        if "import pjsua2" in text or "from pjsua2" in text:
            offenders.append(str(rel))
    assert offenders == []
