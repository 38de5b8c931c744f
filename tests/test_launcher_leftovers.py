"""A Kamailio and rtpengine left running by an owner that died are stopped at the next start.

The app (or the demo) owns its embedded Kamailio and rtpengine; both run in their own
sessions, so when the owner is killed with SIGKILL or crashes they keep running. The
next start in the same work directory must stop them (pid files checked against the
process's command line) instead of adding a second pair beside them. Real processes:
an owner process starts the servers and is SIGKILLed; the test then starts again.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from deploy.kamailio.launcher import (
    KamailioError,
    KamailioServer,
    SipUser,
    find_kamailio,
    find_rtpengine,
    stop_leftover,
)
from tests.conftest import process_alive, wait_for

ROOT = Path(__file__).resolve().parents[1]



def _servers_installed() -> bool:
    try:
        find_kamailio()
    except KamailioError:
        return False
    return find_rtpengine() is not None


pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not _servers_installed(), reason="kamailio or rtpengine is not installed")]

OWNER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from deploy.kamailio.launcher import KamailioServer, SipUser
    srv = KamailioServer(Path(sys.argv[1]), users=[SipUser("8001", "pw")], announcements=True)
    srv.start(timeout=30)
    print(srv.pid, srv.rtpengine._proc.pid, flush=True)
    time.sleep(600)
""")


def test_the_next_start_stops_what_a_killed_owner_left(tmp_path):
    work = tmp_path / "kam"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(work), str(ROOT)],
                             stdout=subprocess.PIPE, text=True)
    leftovers: list[int] = []
    srv = None
    try:
        line = owner.stdout.readline()
        assert line.strip(), "the owner did not start its servers"
        leftovers = [int(x) for x in line.split()]
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        time.sleep(0.3)
        assert all(process_alive(p) for p in leftovers), "the servers should outlive a killed owner"

        srv = KamailioServer(work, users=[SipUser("8001", "pw")], announcements=True)
        srv.start(timeout=30)
        wait_for(lambda: not any(process_alive(p) for p in leftovers), 10,
                 f"the leftovers gone: {[p for p in leftovers if process_alive(p)]}")
        assert srv.running and srv.rtpengine is not None and srv.rtpengine.running
        assert srv.pid not in leftovers
    finally:
        if srv is not None:
            srv.stop()
        for p in leftovers:
            try:
                os.killpg(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if owner.poll() is None:
            owner.kill()


def test_a_pid_file_naming_another_program_is_left_alone(tmp_path):
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        pid_file = tmp_path / "kamailio.pid"
        pid_file.write_text(f"{other.pid}\n")
        assert stop_leftover(pid_file, str(pid_file)) is None   # a reused pid: not ours
        assert other.poll() is None and not pid_file.exists()
        pid_file.write_text("garbage\n")
        assert stop_leftover(pid_file, "x") is None and not pid_file.exists()
    finally:
        other.kill()
        other.wait(5)
