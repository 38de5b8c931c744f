"""A throw-away PostgreSQL server for the test session, from Debian's package.

``PgServer`` runs ``initdb`` and ``postgres`` from the installed
``postgresql-NN`` (``/usr/lib/postgresql/NN/bin``, or ``HOTLINE_PG_BIN``) in a
temporary directory, listening on a free loopback port and on a Unix socket in
that directory. Nothing of the system's own cluster is touched.

PostgreSQL refuses to run as root; the tests run as root in CI, so the server
then runs as the ``postgres`` system user (``setpriv``, which execs, so the
process we hold *is* the postmaster and we stop it by its own pid). The
directory belongs to that user.

Durability is switched off (``fsync``, ``synchronous_commit``,
``full_page_writes``): the data is thrown away at the end, and ``CREATE
DATABASE`` per test stays cheap.

Each test gets its own database copied from a template (``new_database``), so
tests never see each other's rows; ``drop_database`` removes it, forcing out
connections a test left open in other threads.

A killed test run (SIGKILL, a timeout's ``os._exit``) runs no finalizer: a
small watchdog process stops the server and removes its directory when the
process that started it is gone.
"""
from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

SERVER_USER = "postgres"          # the system account Debian's package creates
SUPERUSER = "hotline_test"        # the cluster's superuser, trust authentication


def find_bin_dir() -> Path | None:
    """The directory holding initdb and postgres, newest version first."""
    override = os.environ.get("HOTLINE_PG_BIN")
    if override:
        return Path(override) if (Path(override) / "initdb").exists() else None
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                        else 0, reverse=True)
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "postgres").exists():
            return Path(c)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def unavailable_reason() -> str:
    """Why no test server can run here ('' when one can)."""
    if find_bin_dir() is None:
        return "PostgreSQL server binaries not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
        if shutil.which("setpriv") is None:
            return "running as root and setpriv (util-linux) is missing"
    return ""


# Run by the watchdog: argv = owner pid, postmaster pid, directory.
_WATCHDOG = """
import os, shutil, signal, sys, time
owner, server, directory = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
while alive(owner):
    time.sleep(0.5)
if alive(server):
    os.kill(server, signal.SIGINT)
    for _ in range(100):
        if not alive(server):
            break
        time.sleep(0.1)
shutil.rmtree(directory, ignore_errors=True)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One PostgreSQL cluster in a temporary directory."""

    def __init__(self, base: Path | None = None):
        self.bin = find_bin_dir()
        if self.bin is None:
            raise RuntimeError(unavailable_reason())
        self.dir = Path(tempfile.mkdtemp(prefix="hotline-pg-", dir=base))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._as_root = os.geteuid() == 0
        self._counter = 0
        self._watchdog: subprocess.Popen | None = None

    # --- life cycle --------------------------------------------------------------

    def _cmd(self, *args: str) -> list[str]:
        if not self._as_root:
            return list(args)
        return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}",
                "--init-groups", "--reset-env", *args]

    def start(self, timeout: float = 30.0) -> "PgServer":
        if self._as_root:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        os.chmod(self.dir, 0o700)
        subprocess.run(self._cmd(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                                 "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"),
                       check=True, capture_output=True, cwd="/")
        self.port = free_port()
        log = open(self.log, "ab")
        try:
            self.proc = subprocess.Popen(
                self._cmd(str(self.bin / "postgres"), "-D", str(self.data),
                          "-p", str(self.port), "-k", str(self.dir),
                          "-c", "listen_addresses=127.0.0.1",
                          "-c", "fsync=off", "-c", "synchronous_commit=off",
                          "-c", "full_page_writes=off", "-c", "max_connections=60",
                          "-c", "shared_buffers=32MB", "-c", "log_min_messages=warning"),
                stdout=log, stderr=subprocess.STDOUT, cwd="/", start_new_session=True)
        finally:
            log.close()
        # Also on an interpreter exit that skips the fixture's finalizer, and
        # (the watchdog) when this process is killed.
        atexit.register(self.stop)
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.proc.pid),
             str(self.dir)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd="/", start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}:\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            try:
                psycopg2.connect(self.dsn("postgres"), connect_timeout=2).close()
                return self
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("postgres did not accept connections in time:\n"
                                       + self.log.read_text(errors="replace")[-3000:])
                time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown (SIGINT to our postmaster), then remove the directory."""
        proc, self.proc = self.proc, None
        atexit.unregister(self.stop)
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog.poll() is None:
            watchdog.terminate()
            watchdog.wait(timeout=5)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "PgServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- databases -----------------------------------------------------------------

    def dsn(self, dbname: str) -> str:
        """A libpq URL for ``dbname`` over TCP on loopback, as a desk would use."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, sql: str) -> None:
        conn = psycopg2.connect(self.dsn("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def new_database(self, template: str = "template0") -> str:
        """Create an empty (or ``template``-copied) database; return its name."""
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def mark_template(self, name: str) -> None:
        self._admin(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')
