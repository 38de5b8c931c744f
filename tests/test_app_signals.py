"""The app ended by a signal stops everything it started.

A logout, a shutdown or ``kill`` sends SIGTERM (Ctrl+C in a terminal: SIGINT). Without
a handler Python dies at once and the embedded platform's Kamailio and rtpengine, which
run in their own sessions, were left running (seen: ``timeout 75 bash scripts/run``
left both behind). Here the real app starts on its embedded default (``--demo``) with
its data in a temporary directory, gets the signal once its platform is up, and must
exit cleanly with no process left that runs from that directory.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import process_alive, wait_for

ROOT = Path(__file__).resolve().parents[1]

needs_servers = pytest.mark.skipif(
    not (shutil.which("kamailio") or Path("/usr/sbin/kamailio").exists()),
    reason="kamailio is not installed")


def _descendants(root: int) -> dict[int, str]:
    """Live (not zombie) descendants of ``root``: pid -> command line. Kamailio and
    rtpengine run in their own sessions, but are still the app's children."""
    parent: dict[int, int] = {}
    cmd: dict[int, str] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmdline = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parent[int(d.name)], cmd[int(d.name)] = int(fields[1]), cmdline[:160]
    out: dict[int, str] = {}
    todo = [root]
    while todo:
        p = todo.pop()
        for child, pp in parent.items():
            if pp == p and child not in out:
                out[child] = cmd[child]
                todo.append(child)
    return out


@needs_servers
@pytest.mark.e2e
@pytest.mark.parametrize("sig, when", [(signal.SIGTERM, "running"), (signal.SIGINT, "running"),
                                       (signal.SIGTERM, "starting")])
def test_a_signal_closes_the_app_and_its_embedded_platform(tmp_path, sig, when):
    """``starting``: the signal comes as soon as the embedded Kamailio is up, while the
    app is still starting its platform (before Qt's loop runs; quit() alone is lost
    there and the app stayed up)."""
    data = tmp_path / "data"
    logs = tmp_path / "logs"
    env = dict(os.environ, HOTLINE_DATA_DIR=str(data), HOTLINE_LOG_DIR=str(logs),
               QT_QPA_PLATFORM="offscreen")
    started: dict[int, str] = {}
    app = subprocess.Popen([sys.executable, "-m", "ui.main", "--demo"], cwd=str(ROOT), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # the embedded Kamailio and rtpengine, children of the app
        def up() -> bool:
            cmds = " ".join(_descendants(app.pid).values())
            # the server itself ("-DD"), not a short-lived config check
            wanted = ("-DD",) if when == "starting" else ("-DD", "rtpengine")
            return all(w in cmds for w in wanted) or app.poll() is not None
        wait_for(up, 90, "the embedded Kamailio and rtpengine", poll=0.05)
        if when == "running":
            time.sleep(5)                   # the seat registers, the simulation starts
        assert app.poll() is None, app.stderr.read()
        started = _descendants(app.pid)
        assert len(started) >= (1 if when == "starting" else 2), started
        app.send_signal(sig)
        rc = app.wait(60)
        assert rc == 0, (rc, app.stderr.read()[-2000:])
        wait_for(lambda: not [p for p in started if process_alive(p)], 15,
                 f"every process the app started gone: {started}", poll=0.2)
        assert "closing" in (logs / "hotline.log").read_text(errors="replace")
    finally:
        leftover = set(started) | set(_descendants(app.pid))
        if app.poll() is None:
            app.kill()
            app.wait(10)
        for pid in leftover:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
