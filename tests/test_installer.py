"""The packaged desk: PyInstaller bundle -> .deb -> dpkg -i -> installed self-test.

Slow (about a minute and a half on 2 cores): builds build_installer.spec,
packs it with packaging/build_deb.sh, installs the package on this machine (CI
runs as root), runs ``hotline12368 --self-test`` headless from /usr/bin and
checks its JSON summary, then removes the package. Bundle size and build time
are printed (run pytest with -s to see them live; they are also in the report).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = "hotline12368"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _need_tools():
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip("PyInstaller is not installed (pip install -e '.[build]')")
    if not shutil.which("dpkg-deb") or not shutil.which("dpkg"):
        pytest.skip("not a Debian system: no dpkg-deb to build the package with")


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HOTLINE_SITE_CONFIG")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".venv" not in p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    _need_tools()
    out = tmp_path_factory.mktemp("pyinstaller")
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                        "--distpath", str(out / "dist"), "--workpath", str(out / "build"),
                        str(ROOT / "build_installer.spec")],
                       cwd=ROOT, capture_output=True, text=True, timeout=400)
    seconds = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-4000:]
    m = re.search(r"\[build_installer\] bundle .*", r.stdout + r.stderr)
    path = out / "dist" / PKG
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"\nbundle: {size / 1e6:.1f} MB on disk; PyInstaller build {seconds:.1f} s"
          + (f"\n{m.group(0)}" if m else ""))
    return {"path": path, "size": size, "seconds": seconds, "out": out}


@pytest.fixture(scope="module")
def installed(bundle):
    if os.geteuid() != 0:
        pytest.skip("installing the .deb needs root (CI runs as root)")
    t0 = time.monotonic()
    r = subprocess.run(["bash", str(ROOT / "packaging" / "build_deb.sh"), "--bundle", str(bundle["path"]),
                        "--out", str(bundle["out"] / "deb")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    deb = Path(r.stdout.strip().splitlines()[-1])
    print(f"\n.deb: {deb.name} {deb.stat().st_size / 1e6:.1f} MB, packed in {time.monotonic() - t0:.1f} s")
    info = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends", "Recommends"],
                          capture_output=True, text=True, check=True).stdout
    r = subprocess.run(["dpkg", "-i", str(deb)], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, f"dpkg -i failed (missing Depends? {info}):\n{r.stdout}\n{r.stderr}"
    try:
        yield {"deb": deb, "fields": info}
    finally:
        subprocess.run(["dpkg", "--purge", PKG], capture_output=True, text=True, timeout=180)


def test_bundle_is_a_lean_onedir(bundle):
    path = bundle["path"]
    internal = path / "_internal"
    assert (path / PKG).is_file() and os.access(path / PKG, os.X_OK)
    assert (internal / "resources" / "directory.json").is_file()
    assert (internal / "resources" / "i18n" / "hotline_zh_CN.qm").is_file()
    assert (internal / "deploy" / "kamailio" / "kamailio.cfg").is_file()
    assert list(internal.glob("pjsua2*")), "pjsua2 not bundled"
    qt = internal / "PySide6"
    assert not list(qt.glob("QtQml*")) and not list(qt.glob("QtNetwork*")) and not list(qt.glob("QtWebEngine*"))
    assert not (qt / "Qt" / "qml").exists()
    assert bundle["size"] < 320e6, f"bundle grew to {bundle['size'] / 1e6:.0f} MB"


def test_installed_package_self_test(installed, tmp_path):
    fields = installed["fields"]
    for dep in ("libportaudio2", "fonts-noto-cjk", "libxcb-cursor0"):
        assert dep in fields.split("Recommends")[0], dep
    assert "Recommends: kamailio" in fields
    exe = Path("/usr/bin/hotline12368")
    assert exe.is_symlink() and os.readlink(exe) == "/opt/hotline12368/hotline12368"
    assert Path("/usr/share/applications/hotline12368.desktop").is_file()
    assert Path("/usr/share/icons/hicolor/256x256/apps/hotline12368.png").is_file()

    png = tmp_path / "wallboard.png"
    t0 = time.monotonic()
    r = subprocess.run([str(exe), "--self-test", "--wallboard-shot", str(png)], cwd=tmp_path,
                       env=_clean_env(), capture_output=True, text=True, timeout=90)
    seconds = time.monotonic() - t0
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no JSON summary (exit {r.returncode}):\n{r.stdout}\n{r.stderr[-3000:]}"
    summary = json.loads(lines[-1])
    print(f"\nself-test of the installed package: {seconds:.1f} s, steps "
          + ", ".join(f"{k} {v['seconds']}s" for k, v in summary["steps"].items()))
    assert summary["ok"] is True and r.returncode == 0, json.dumps(summary, indent=1) + r.stderr[-3000:]
    assert summary["frozen"] is True and summary["executable"].startswith("/opt/hotline12368/")
    assert set(summary["steps"]) == {"start", "store", "kamailio", "register", "call", "wallboard"}
    assert all(s["ok"] for s in summary["steps"].values())
    assert summary["steps"]["start"]["zh_CN_translation"] is True
    assert summary["steps"]["call"]["peer_agent"].startswith("/opt/hotline12368/hotline12368 -m sip.peer.agent")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
