"""Run the project's Kamailio (registrar, proxy, presence server) as a subprocess.

Standard library only (no Qt, no pjsua2), so tests, the demo and real
deployments can all use it::

    from deploy.kamailio.launcher import KamailioServer, SipUser

    with KamailioServer(tmp_path, users=[SipUser("1001", "secret")]) as srv:
        srv.uri("1001", "tcp")        # 'sip:1001@127.0.0.1:PORT;transport=tcp'

Command line (foreground until Ctrl-C)::

    python -m deploy.kamailio.launcher --users users.json \
        --udp-port 5060 --tcp-port 5060 --workdir /var/lib/hotline-kamailio

See docs/kamailio.md for what the configuration does.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import quoteattr

log = logging.getLogger(__name__)

__all__ = ["SipUser", "KamailioServer", "KamailioError", "find_kamailio", "CONFIG_PATH",
           "build_rls_services", "queue_rows", "RtpEngine", "find_rtpengine", "build_hold_audio",
           "ANNOUNCEMENT_TEXT"]

CONFIG_PATH = Path(__file__).resolve().with_name("kamailio.cfg")


class KamailioError(RuntimeError):
    """Kamailio could not be started (the message carries the tail of its log)."""


@dataclass
class SipUser:
    user: str
    password: str
    display: str = ""


def find_kamailio() -> str:
    """Path of the kamailio binary: /usr/sbin/kamailio, else PATH."""
    for cand in ("/usr/sbin/kamailio", "/usr/local/sbin/kamailio"):
        if os.access(cand, os.X_OK):
            return cand
    found = shutil.which("kamailio")
    if found:
        return found
    raise KamailioError("kamailio binary not found (apt-get install kamailio)")


# --------------------------------------------------------------------------
# Database schemas (from Kamailio 5.6 utils/kamctl: db_sqlite and dbtext)
# --------------------------------------------------------------------------

_SUBSCRIBER_SQL = """
CREATE TABLE IF NOT EXISTS version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT OR IGNORE INTO version (table_name, table_version) values ('version','1');
CREATE TABLE IF NOT EXISTS subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX IF NOT EXISTS subscriber_username_idx ON subscriber (username);
INSERT OR IGNORE INTO version (table_name, table_version) values ('subscriber','7');
"""

_PRESENCE_SQL = """
CREATE TABLE IF NOT EXISTS version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT OR IGNORE INTO version (table_name, table_version) values ('version','1');
CREATE TABLE IF NOT EXISTS presentity (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    event VARCHAR(64) NOT NULL,
    etag VARCHAR(128) NOT NULL,
    expires INTEGER NOT NULL,
    received_time INTEGER NOT NULL,
    body BLOB NOT NULL,
    sender VARCHAR(255) NOT NULL,
    priority INTEGER DEFAULT 0 NOT NULL,
    ruid VARCHAR(64),
    CONSTRAINT presentity_presentity_idx UNIQUE (username, domain, event, etag),
    CONSTRAINT presentity_ruid_idx UNIQUE (ruid)
);
CREATE INDEX IF NOT EXISTS presentity_presentity_expires ON presentity (expires);
CREATE INDEX IF NOT EXISTS presentity_account_idx ON presentity (username, domain, event);
INSERT OR IGNORE INTO version (table_name, table_version) values ('presentity','5');
CREATE TABLE IF NOT EXISTS active_watchers (
    id INTEGER PRIMARY KEY NOT NULL,
    presentity_uri VARCHAR(255) NOT NULL,
    watcher_username VARCHAR(64) NOT NULL,
    watcher_domain VARCHAR(64) NOT NULL,
    to_user VARCHAR(64) NOT NULL,
    to_domain VARCHAR(64) NOT NULL,
    event VARCHAR(64) DEFAULT 'presence' NOT NULL,
    event_id VARCHAR(64),
    to_tag VARCHAR(128) NOT NULL,
    from_tag VARCHAR(128) NOT NULL,
    callid VARCHAR(255) NOT NULL,
    local_cseq INTEGER NOT NULL,
    remote_cseq INTEGER NOT NULL,
    contact VARCHAR(255) NOT NULL,
    record_route TEXT,
    expires INTEGER NOT NULL,
    status INTEGER DEFAULT 2 NOT NULL,
    reason VARCHAR(64),
    version INTEGER DEFAULT 0 NOT NULL,
    socket_info VARCHAR(64) NOT NULL,
    local_contact VARCHAR(255) NOT NULL,
    from_user VARCHAR(64) NOT NULL,
    from_domain VARCHAR(64) NOT NULL,
    updated INTEGER NOT NULL,
    updated_winfo INTEGER NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    user_agent VARCHAR(255) DEFAULT '',
    CONSTRAINT active_watchers_active_watchers_idx UNIQUE (callid, to_tag, from_tag)
);
CREATE INDEX IF NOT EXISTS active_watchers_active_watchers_expires ON active_watchers (expires);
CREATE INDEX IF NOT EXISTS active_watchers_active_watchers_pres ON active_watchers (presentity_uri, event);
CREATE INDEX IF NOT EXISTS active_watchers_updated_idx ON active_watchers (updated);
CREATE INDEX IF NOT EXISTS active_watchers_updated_winfo_idx ON active_watchers (updated_winfo, presentity_uri);
INSERT OR IGNORE INTO version (table_name, table_version) values ('active_watchers','12');
CREATE TABLE IF NOT EXISTS watchers (
    id INTEGER PRIMARY KEY NOT NULL,
    presentity_uri VARCHAR(255) NOT NULL,
    watcher_username VARCHAR(64) NOT NULL,
    watcher_domain VARCHAR(64) NOT NULL,
    event VARCHAR(64) DEFAULT 'presence' NOT NULL,
    status INTEGER NOT NULL,
    reason VARCHAR(64),
    inserted_time INTEGER NOT NULL,
    CONSTRAINT watchers_watcher_idx UNIQUE (presentity_uri, watcher_username, watcher_domain, event)
);
INSERT OR IGNORE INTO version (table_name, table_version) values ('watchers','3');
CREATE TABLE IF NOT EXISTS xcap (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    doc BLOB NOT NULL,
    doc_type INTEGER NOT NULL,
    etag VARCHAR(128) NOT NULL,
    source INTEGER NOT NULL,
    doc_uri VARCHAR(255) NOT NULL,
    port INTEGER NOT NULL,
    CONSTRAINT xcap_doc_uri_idx UNIQUE (doc_uri)
);
CREATE INDEX IF NOT EXISTS xcap_account_doc_type_idx ON xcap (username, domain, doc_type);
CREATE INDEX IF NOT EXISTS xcap_account_doc_type_uri_idx ON xcap (username, domain, doc_type, doc_uri);
CREATE INDEX IF NOT EXISTS xcap_account_doc_uri_idx ON xcap (username, domain, doc_uri);
INSERT OR IGNORE INTO version (table_name, table_version) values ('xcap','4');
"""

# db_text tables for rls and pua (rls on db_sqlite crashes Kamailio 5.6.3).
_DBTEXT_TABLES = {
    "version": "id(int,auto) table_name(string) table_version(int) \n"
    "0:version:1\n0:pua:7\n0:rls_presentity:1\n0:rls_watchers:3\n0:xcap:4\n0:htable:2\n",
    "rls_presentity": "id(int,auto) rlsubs_did(string) resource_uri(string) content_type(string) "
    "presence_state(string) expires(int) updated(int) auth_state(int) reason(string) \n",
    "rls_watchers": "id(int,auto) presentity_uri(string) to_user(string) to_domain(string) "
    "watcher_username(string) watcher_domain(string) event(string) event_id(string,null) "
    "to_tag(string) from_tag(string) callid(string) local_cseq(int) remote_cseq(int) "
    "contact(string) record_route(string,null) expires(int) status(int) reason(string) "
    "version(int) socket_info(string) local_contact(string) from_user(string) "
    "from_domain(string) updated(int) \n",
    "xcap": "id(int,auto) username(string) domain(string) doc(string) doc_type(int) "
    "etag(string) source(int) doc_uri(string) port(int) \n",
    # queue routing configuration, loaded into $sht(qcfg=>...) at start
    "htable": "id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) "
    "expires(int) \n",
    "pua": "id(int,auto) pres_uri(string) pres_id(string) event(int) expires(int) "
    "desired_expires(int) flag(int) etag(string) tuple_id(string,null) watcher_uri(string) "
    "call_id(string) to_tag(string) from_tag(string) cseq(int) record_route(string,null) "
    "contact(string) remote_contact(string) version(int) extra_headers(string) \n",
}


# --------------------------------------------------------------------------
# Resource lists (rls-services documents in the db_text xcap table)
# --------------------------------------------------------------------------

XCAP_DOC_RLS_SERVICES = 8  # doc_type of rls-services: xcap_client RLS_SERVICE (1<<3); 2 is pres-rules
_RLS_NS = "urn:ietf:params:xml:ns:rls-services"
_RL_NS = "urn:ietf:params:xml:ns:resource-lists"
_XCAP_COLUMNS = ("id", "username", "domain", "doc", "doc_type", "etag", "source", "doc_uri", "port")


def build_rls_services(services: dict[str, Iterable[str]], package: str = "presence") -> str:
    """One rls-services document (RFC 4826) on a single line:
    ``{service_uri: [member uri, ...]}``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<rls-services xmlns="{_RLS_NS}" xmlns:rl="{_RL_NS}">']
    for uri, members in services.items():
        out.append(f"<service uri={quoteattr(uri)}><list>")
        out.extend(f"<rl:entry uri={quoteattr(m)}/>" for m in members)
        out.append(f"</list><packages><package>{package}</package></packages></service>")
    out.append("</rls-services>")
    return "".join(out)


def _parse_rls_services(doc: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    try:
        root = ET.fromstring(doc)
    except ET.ParseError:
        return out
    for svc in root:
        if svc.tag.rsplit("}", 1)[-1] != "service" or not svc.get("uri"):
            continue
        members = [e.get("uri", "") for e in svc.iter() if e.tag.rsplit("}", 1)[-1] == "entry"]
        out[svc.get("uri", "")] = [m for m in members if m]
    return out


def _dbtext_escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(":", "\\:").replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t").replace("\0", "\\0"))


def _dbtext_split(line: str) -> list[str]:
    """Split one db_text row at unescaped ':' and unescape the fields."""
    fields, cur, i = [], [], 0
    esc = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", ":": ":", "0": "\0"}
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            cur.append(esc.get(line[i + 1], line[i + 1]))
            i += 2
            continue
        if ch == ":":
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    fields.append("".join(cur))
    return fields


def _port_free(host: str, port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def pick_free_port(host: str = "127.0.0.1", avoid: Iterable[int] = ()) -> int:
    """A port that is free for both UDP and TCP on host (never 5060/5061)."""
    avoid = set(avoid) | {5060, 5061}
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((host, 0))
        port = s.getsockname()[1]
        s.close()
        if port not in avoid and _port_free(host, port):
            return port
    raise KamailioError("no free port found")


def _group_gone(pgid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` s until no live process of group ``pgid`` is left. A
    dead process its parent has not reaped yet (a zombie: an orphan waits for init,
    which can take a second) counts as gone."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return True
        if not _group_has_live_process(pgid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _group_has_live_process(pgid: int) -> bool:
    """Whether a process of group ``pgid`` is alive, zombies aside (Linux /proc; where
    there is none, any process counts as alive)."""
    try:
        pids = [d for d in os.listdir("/proc") if d.isdigit()]
    except OSError:
        return True
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()   # state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def stop_leftover(pid_file: Path, must_contain: str) -> int | None:
    """Stop a server a previous owner left running (the app killed with SIGKILL, a
    crash, a power cut of the desk's session): ``pid_file`` names its process, which
    is only stopped when its command line still contains ``must_contain`` (a reused pid
    is left alone). Each server runs in its own session, so its group goes with it.
    Returns the pid stopped, or None."""
    try:
        pid = int(pid_file.read_text().split()[0])
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError, IndexError):
        pid_file.unlink(missing_ok=True)
        return None
    if must_contain not in cmd:
        pid_file.unlink(missing_ok=True)
        return None
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        if _group_gone(pid, wait):
            break
    pid_file.unlink(missing_ok=True)
    log.warning("stopped a server left running by an earlier start: pid %s (%s)", pid, cmd[:80])
    return pid


def _sqlite_exec(path: Path, script: str) -> None:
    con = sqlite3.connect(str(path), timeout=10)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(script)
        con.commit()
    finally:
        con.close()


_AUDIT_SQL = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    request TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS qsetting (
    queue TEXT PRIMARY KEY,
    ovn INTEGER NOT NULL,
    ovt INTEGER NOT NULL,
    mw INTEGER NOT NULL,
    rt INTEGER NOT NULL,
    ts REAL NOT NULL,
    who TEXT NOT NULL
);
"""

# qsetting column -> the qcfg key suffix routing.cfg reads (set-thresholds)
_THRESHOLD_KEYS = ("ovn", "ovt", "mw", "rt")


def queue_rows(queues, supervisors: Iterable[str] = ()) -> list[tuple[str, int | str]]:
    """(key, value) rows of the ``qcfg`` hash table that routing.cfg reads.

    ``queues``: ``app.domain.routing.QueueConfig`` objects (the first is the
    main platform's unless one is named by its number 12368)."""
    from xml.sax.saxutils import escape
    queues = list(queues)
    if not queues:
        return [("nq", 0)]
    try:
        from app.domain.routing import validate_queues
        validate_queues(queues)
    except ImportError:  # launcher used on its own
        pass
    main = next((q for q in queues if q.number == "12368"), queues[0])
    rows: list[tuple[str, int | str]] = [("nq", len(queues)), ("main", main.name)]
    for i, q in enumerate(queues):
        rows += [(f"ql/{i}", q.name), (f"num/{q.number}", q.name),
                 (f"{q.name}/n", len(q.members)), (f"{q.name}/mw", int(q.max_wait_s)),
                 (f"{q.name}/rt", int(q.ring_timeout_s)), (f"{q.name}/fb", str(q.fallback)),
                 (f"{q.name}/ovn", int(q.overflow_waiting_n)),
                 (f"{q.name}/ovt", int(q.overflow_wait_s)),
                 (f"{q.name}/no", len(q.overflow_to)),
                 (f"{q.name}/court", escape(q.court or q.name))]
        rows += [(f"{q.name}/m/{k}", m) for k, m in enumerate(q.members)]
        rows += [(f"{q.name}/o/{k}", o) for k, o in enumerate(q.overflow_to)]
        rows += [(f"home/{m}", q.name) for m in q.members]
    rows += [(f"sup/{u}", 1) for u in supervisors]
    return rows


# --------------------------------------------------------------------------
# Announcements and music on hold (rtpengine, docs/routing.md)
# --------------------------------------------------------------------------

ANNOUNCEMENT_TEXT = "您好，这里是一二三六八诉讼服务热线，坐席正忙，请稍候。"
SOUNDS_DIR = Path(__file__).resolve().parents[2] / "resources" / "sounds"
HOLD_MUSIC_WAV = SOUNDS_DIR / "hold_music.wav"


def find_rtpengine() -> str | None:
    """Path of Debian's rtpengine daemon (package rtpengine-daemon), or None."""
    for cand in ("/usr/bin/rtpengine", "/usr/sbin/rtpengine", "/usr/local/bin/rtpengine"):
        if os.access(cand, os.X_OK):
            return cand
    return shutil.which("rtpengine")


def _hold_music(rate: int) -> bytes:
    """About 8 s of a quiet two-voice melody (16-bit mono PCM at ``rate``):
    the same tune as resources/sounds/hold_music.wav (440-784 Hz)."""
    import math
    import struct
    notes = [(523.25, 659.25), (587.33, 698.46), (659.25, 783.99), (587.33, 698.46),
             (523.25, 659.25), (440.0, 523.25), (493.88, 587.33), (523.25, 659.25)]
    out: list[int] = []
    for f1, f2 in notes:
        n = int(rate * 0.9)
        for i in range(n):
            env = min(1.0, i / (rate / 20)) * min(1.0, (n - i) / (rate / 10))
            v = 0.18 * math.sin(2 * math.pi * f1 * i / rate) + 0.12 * math.sin(2 * math.pi * f2 * i / rate)
            out.append(int(32767 * env * v))
        out += [0] * int(rate * 0.1)
    return struct.pack("<%dh" % len(out), *out)


def build_hold_audio(dest: Path, text: str = ANNOUNCEMENT_TEXT) -> Path:
    """The file queued callers hear, looped: the announcement spoken by
    espeak-ng (Mandarin voice), a pause, then the hold melody. Without
    espeak-ng: the shipped melody alone (resources/sounds/hold_music.wav).
    Returns the path of the WAV to play."""
    import wave
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return HOLD_MUSIC_WAV
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    speech = dest.with_name(dest.stem + "-speech.wav")
    try:
        subprocess.run([espeak, "-v", "cmn", "-s", "165", "-w", str(speech), text],
                       check=True, capture_output=True, timeout=30)
        with wave.open(str(speech), "rb") as w:
            rate, width, chans = w.getframerate(), w.getsampwidth(), w.getnchannels()
            frames = w.readframes(w.getnframes())
    except (OSError, subprocess.SubprocessError, wave.Error):
        return HOLD_MUSIC_WAV
    if width != 2 or chans != 1:
        return HOLD_MUSIC_WAV
    with wave.open(str(dest), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames + b"\0\0" * int(rate * 0.8) + _hold_music(rate))
    speech.unlink(missing_ok=True)
    return dest


class RtpEngine:
    """Debian's rtpengine in userspace (no kernel module: ``--table=-1``),
    on loopback, with its own NG control port and RTP port range. Kamailio's
    rtpengine module drives it (routing.cfg: queued callers' early media)."""

    def __init__(self, workdir: Path, host: str = "127.0.0.1", ng_port: int | None = None,
                 port_min: int | None = None, ports: int = 400, log_level: int = 5) -> None:
        binary = find_rtpengine()
        if binary is None:
            raise KamailioError("rtpengine not found (apt-get install rtpengine-daemon)")
        self.binary = binary
        self.workdir = Path(workdir)
        self.host = host
        self.ng_port = int(ng_port) if ng_port else pick_free_port(host)
        if port_min is None:
            import random
            port_min = random.randrange(20000, 59000 - ports, 2)
        self.port_min = int(port_min)
        self.port_max = self.port_min + int(ports) - 1
        self.log_level = int(log_level)  # 5 notice; 7 debug logs every packet
        self._proc: subprocess.Popen | None = None
        self._log_fh = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "rtpengine.log"

    @property
    def pid_path(self) -> Path:
        return self.workdir / "rtpengine.pid"

    @property
    def ng_socket(self) -> str:
        """The rtpengine_sock value for Kamailio."""
        return f"udp:{self.host}:{self.ng_port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        return [self.binary, "--config-file=none", "--table=-1", "--foreground",
                "--log-stderr", f"--log-level={self.log_level}", f"--interface={self.host}",
                f"--listen-ng={self.host}:{self.ng_port}",
                f"--port-min={self.port_min}", f"--port-max={self.port_max}",
                "--timeout=60", "--delete-delay=0"]

    def ping(self, wait: float = 0.3) -> bool:
        cookie = uuid.uuid4().hex[:8]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.settimeout(wait)
            sock.sendto(f"{cookie} d7:command4:pinge".encode(), (self.host, self.ng_port))
            data, _ = sock.recvfrom(4096)
            return data.startswith(cookie.encode()) and b"pong" in data
        except OSError:
            time.sleep(0.02)
            return False
        finally:
            sock.close()

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        stop_leftover(self.pid_path, "rtpengine")
        self._log_fh = open(self.log_path, "ab", buffering=0)
        self._proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                      stdout=self._log_fh, stderr=subprocess.STDOUT,
                                      cwd=str(self.workdir), start_new_session=True)
        self.pid_path.write_text(f"{self._proc.pid}\n")
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                try:
                    tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
                except OSError:
                    tail = ""
                raise KamailioError(f"rtpengine did not start:\n{tail}")

    def stop(self, timeout: float = 5.0) -> None:
        if self._proc is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
            if self._proc.poll() is not None:
                break
            try:
                os.killpg(self._proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._proc.wait(wait)
            except subprocess.TimeoutExpired:
                pass
        self._proc = None
        self.pid_path.unlink(missing_ok=True)
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None

    def __del__(self) -> None:
        try:
            if self._proc is not None and self._proc.poll() is None:
                os.killpg(self._proc.pid, signal.SIGKILL)
        except Exception:
            pass


class KamailioServer:
    """One Kamailio process on loopback (or any host) with its own workdir.

    Ports given as None are picked free at construction time, UDP and TCP on
    the same number when possible; they stay fixed across restart().
    """

    def __init__(
        self,
        workdir: Path,
        host: str = "127.0.0.1",
        udp_port: int | None = None,
        tcp_port: int | None = None,
        users: Iterable[SipUser] = (),
        shm_mb: int = 64,
        debug: int = 1,
        queues: Iterable = (),
        supervisors: Iterable[str] = (),
        announcements: bool = False,
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self._host = host
        if udp_port is None and tcp_port is None:
            udp_port = tcp_port = pick_free_port(host)
        elif udp_port is None:
            udp_port = tcp_port if _port_free(host, tcp_port) else pick_free_port(host)  # type: ignore[arg-type]
        elif tcp_port is None:
            tcp_port = udp_port if _port_free(host, udp_port) else pick_free_port(host)
        self._udp_port = int(udp_port)
        self._tcp_port = int(tcp_port)  # type: ignore[arg-type]
        self._users: dict[str, SipUser] = {}
        for u in users:
            self._users[u.user] = u
        self.shm_mb = int(shm_mb)
        self.debug = int(debug)
        # queue routing (routing.cfg): QueueConfig objects, supervisor users
        self.queues = list(queues)
        self.supervisors = list(supervisors)
        self._queue_rows = queue_rows(self.queues, self.supervisors)  # validates early
        # announcements and music on hold for queued callers through rtpengine
        # (started beside Kamailio); without the rtpengine binary the queue
        # behaves as without announcements (182 Queued, the caller's ringback)
        self.rtpengine: RtpEngine | None = None
        if announcements and find_rtpengine() is not None:
            self.rtpengine = RtpEngine(self.workdir, host=host)
        self.hold_audio: Path | None = None
        self.config = CONFIG_PATH
        self.binary = find_kamailio()
        self._proc: subprocess.Popen | None = None
        self._log_fh = None

    # ---------------------------------------------------------------- paths
    @property
    def rundir(self) -> Path:
        return self.workdir / "run"

    @property
    def log_path(self) -> Path:
        return self.workdir / "kamailio.log"

    @property
    def pid_path(self) -> Path:
        return self.rundir / "kamailio.pid"

    @property
    def subscriber_db(self) -> Path:
        return self.workdir / "subscriber.sqlite"

    @property
    def presence_db(self) -> Path:
        return self.workdir / "presence.sqlite"

    @property
    def dbtext_dir(self) -> Path:
        return self.workdir / "dbtext"

    @property
    def audit_db(self) -> Path:
        """SQLite file of the lending audit trail (table ``audit``)."""
        return self.workdir / "audit.sqlite"

    def audit_entries(self) -> list[dict]:
        """The supervisors' lending actions, oldest first:
        ``{"ts", "who", "action", "request", "result"}``."""
        if not self.audit_db.exists():
            return []
        con = sqlite3.connect(str(self.audit_db), timeout=10)
        try:
            rows = con.execute("SELECT ts, who, action, request, result FROM audit ORDER BY id")
            return [dict(zip(("ts", "who", "action", "request", "result"), r)) for r in rows]
        finally:
            con.close()

    def queue_uri(self, queue: str) -> str:
        """The queue's presentity, which the wallboard subscribes to."""
        return f"sip:q-{queue}@{self.domain}"

    # ---------------------------------------------------------- addressing
    @property
    def host(self) -> str:
        return self._host

    @property
    def domain(self) -> str:
        return self._host

    @property
    def udp_port(self) -> int:
        return self._udp_port

    @property
    def tcp_port(self) -> int:
        return self._tcp_port

    @property
    def announcements(self) -> bool:
        """True when queued callers hear the announcement and music (rtpengine)."""
        return self.rtpengine is not None

    @property
    def users(self) -> list[SipUser]:
        return list(self._users.values())

    def _port_for(self, transport: str) -> int:
        t = transport.lower()
        if t == "udp":
            return self._udp_port
        if t == "tcp":
            return self._tcp_port
        raise ValueError(f"unsupported transport {transport!r} (udp or tcp)")

    def uri(self, user: str, transport: str = "udp") -> str:
        """AoR with the server's address, e.g. sip:1001@127.0.0.1:5071;transport=tcp."""
        port = self._port_for(transport)
        suffix = "" if transport.lower() == "udp" else f";transport={transport.lower()}"
        return f"sip:{user}@{self._host}:{port}{suffix}"

    def registrar_uri(self, transport: str = "udp") -> str:
        port = self._port_for(transport)
        suffix = "" if transport.lower() == "udp" else f";transport={transport.lower()}"
        return f"sip:{self._host}:{port}{suffix}"

    # ----------------------------------------------------------- provision
    def _provision(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rundir.mkdir(parents=True, exist_ok=True)
        _sqlite_exec(self.subscriber_db, _SUBSCRIBER_SQL)
        _sqlite_exec(self.presence_db, _PRESENCE_SQL)
        self.dbtext_dir.mkdir(parents=True, exist_ok=True)
        for name, content in _DBTEXT_TABLES.items():
            path = self.dbtext_dir / name
            if name == "version" or not path.exists():
                path.write_text(content)
        _sqlite_exec(self.audit_db, _AUDIT_SQL)
        self._write_queue_config()
        self._write_users(self._users.values())
        if self.rtpengine is not None and self.hold_audio is None:
            self.hold_audio = build_hold_audio(self.workdir / "sounds" / "queue_hold.wav")

    def live_thresholds(self) -> dict[str, dict]:
        """Thresholds a supervisor set at run time (``set-thresholds``), by
        queue: ``{"ovn", "ovt", "mw", "rt", "ts", "who"}``. They are applied
        again at each start over the configured ones, until
        :meth:`reset_live_thresholds`."""
        if not self.audit_db.exists():
            return {}
        con = sqlite3.connect(str(self.audit_db), timeout=10)
        try:
            try:
                rows = con.execute("SELECT queue, ovn, ovt, mw, rt, ts, who FROM qsetting").fetchall()
            except sqlite3.OperationalError:  # an audit file from before the table
                return {}
        finally:
            con.close()
        return {r[0]: dict(zip(("ovn", "ovt", "mw", "rt", "ts", "who"), r[1:])) for r in rows}

    def reset_live_thresholds(self) -> None:
        """Forget the run-time thresholds: the next start uses the configured
        ones (after IT changed the queue configuration on purpose)."""
        if self.audit_db.exists():
            _sqlite_exec(self.audit_db, _AUDIT_SQL + "DELETE FROM qsetting;")

    def _write_queue_config(self) -> None:
        """dbtext/htable: the queue configuration (rewritten at each start),
        with the thresholds set at run time laid over it."""
        live = self.live_thresholds()
        rows = []
        for key, value in self._queue_rows:
            q, _, suffix = key.rpartition("/")
            if q in live and suffix in _THRESHOLD_KEYS:
                value = int(live[q][suffix])
            rows.append((key, value))
        text = _DBTEXT_TABLES["htable"]
        for i, (key, value) in enumerate(rows, 1):
            vtype = 1 if isinstance(value, int) else 0
            text += ":".join([str(i), _dbtext_escape(key), "0", str(vtype),
                              _dbtext_escape(str(value)), "0"]) + "\n"
        path = self.dbtext_dir / "htable"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    def _write_user(self, user: SipUser) -> None:
        self._write_users([user])

    def _write_users(self, users: Iterable[SipUser]) -> None:
        con = sqlite3.connect(str(self.subscriber_db), timeout=10)
        try:
            con.executemany(
                "INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                "VALUES (?, ?, ?, '', '') ON CONFLICT(username, domain) "
                "DO UPDATE SET password = excluded.password",
                [(u.user, self.domain, u.password) for u in users],
            )
            con.commit()
        finally:
            con.close()

    def add_user(self, user: SipUser) -> None:
        """Add or update a subscriber; takes effect at once, also while running."""
        self._users[user.user] = user
        if self.subscriber_db.exists() or self.running:
            self._write_user(user)

    def remove_user(self, name: str) -> None:
        self._users.pop(name, None)
        if self.subscriber_db.exists():
            con = sqlite3.connect(str(self.subscriber_db), timeout=10)
            try:
                con.execute("DELETE FROM subscriber WHERE username = ?", (name,))
                con.commit()
            finally:
                con.close()

    # ------------------------------------------------------- resource lists
    def list_uri(self, list_user: str) -> str:
        """URI of a resource list served by the RLS, e.g. sip:wallboard@127.0.0.1."""
        return f"sip:{list_user}@{self.domain}"

    def _xcap_path(self) -> Path:
        return self.dbtext_dir / "xcap"

    def _read_xcap(self) -> list[list[str]]:
        path = self._xcap_path()
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").split("\n")
        return [_dbtext_split(ln) for ln in lines[1:] if ln.strip()]

    def _write_xcap(self, rows: list[list[str]]) -> None:
        self.dbtext_dir.mkdir(parents=True, exist_ok=True)
        text = _DBTEXT_TABLES["xcap"]
        for i, row in enumerate(rows, 1):
            row = list(row)
            row[0] = str(i)
            text += ":".join(_dbtext_escape(v) for v in row) + "\n"
        tmp = self._xcap_path().with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self._xcap_path())

    def resource_lists(self, owner: str) -> dict[str, list[str]]:
        """The services (list URI -> member URIs) provisioned for ``owner``."""
        for row in self._read_xcap():
            if (len(row) == len(_XCAP_COLUMNS) and row[1] == owner
                    and row[4] == str(XCAP_DOC_RLS_SERVICES)):
                return _parse_rls_services(row[3])
        return {}

    def set_resource_list(self, list_user: str, owner: str, member_uris: Iterable[str],
                          restart: bool | None = None) -> str:
        """Provision the resource list ``sip:<list_user>@<domain>`` with
        ``member_uris`` for the watcher ``owner`` (a subscriber user name).

        Kamailio's rls (``integrated_xcap_server 1``) looks the list up in
        the ``xcap`` table by the *subscriber's* user and domain
        (``username``/``domain`` of the SUBSCRIBE's From), ``doc_type`` 8
        (rls-services), and reads only the first such row: all lists of one
        owner therefore live in one rls-services document, whose
        ``doc_uri`` is ``.../rls-services/users/sip:<owner>@<domain>/index``.
        An empty member list removes the list.

        db_text caches a table once read and never re-reads the file, so a
        running server is restarted to apply the change (``restart=None``:
        only if running; this drops registrations and list subscriptions,
        which clients recover).  Returns the list URI.
        """
        uri = self.list_uri(list_user)
        members = [m for m in member_uris]
        rows = self._read_xcap()
        services: dict[str, list[str]] = {}
        keep: list[list[str]] = []
        for row in rows:
            if (len(row) == len(_XCAP_COLUMNS) and row[1] == owner
                    and row[4] == str(XCAP_DOC_RLS_SERVICES)):
                services = _parse_rls_services(row[3])
            elif len(row) == len(_XCAP_COLUMNS):
                keep.append(row)
        if members:
            services[uri] = members
        else:
            services.pop(uri, None)
        if services:
            doc = build_rls_services(services)
            doc_uri = (f"http://{self.domain}/xcap-root/rls-services/users/"
                       f"sip:{owner}@{self.domain}/index")
            keep.append(["0", owner, self.domain, doc, str(XCAP_DOC_RLS_SERVICES),
                         uuid.uuid4().hex, "1", doc_uri, "0"])
        self._write_xcap(keep)
        if restart or (restart is None and self.running):
            self.restart()
        return uri

    def remove_resource_list(self, list_user: str, owner: str, restart: bool | None = None) -> None:
        self.set_resource_list(list_user, owner, [], restart=restart)

    # ------------------------------------------------------------ process
    def command(self) -> list[str]:
        """The kamailio command line (also useful to run it by hand)."""

        def s(value: str) -> str:
            return '"' + value.replace('"', '\\"') + '"'

        defines = {
            "LISTEN_IP": self._host,
            "UDP_PORT": str(self._udp_port),
            "TCP_PORT": str(self._tcp_port),
            "SIP_DOMAIN": s(self.domain),
            "PRES_SERVER": s(f"sip:{self._host}:{self._udp_port}"),
            "RLS_SERVER": s(f"sip:rls@{self._host}:{self._udp_port}"),
            "RLS_PROXY": s(f"sip:{self._host}:{self._tcp_port};transport=tcp"),
            "DBURL": s(f"sqlite://{self.subscriber_db}"),
            "DBFILE_JOURNAL": s(f"{self.subscriber_db}=WAL;"),
            "PRES_DBURL": s(f"sqlite://{self.presence_db}"),
            "PRES_DBFILE_JOURNAL": s(f"{self.presence_db}=WAL;"),
            "DBTEXT_URL": s(f"text://{self.dbtext_dir}"),
            "DBG_LEVEL": str(self.debug),
            "AUDIT_SQLCON": s(f"audit=>sqlite://{self.audit_db}"),
            "AUDIT_DBFILE_JOURNAL": s(f"{self.audit_db}=WAL;"),
        }
        if self.rtpengine is not None:
            defines["WITH_RTPENGINE"] = ""
            defines["RTPENGINE_SOCK"] = s(self.rtpengine.ng_socket)
            defines["HOLD_AUDIO"] = s(str(self.hold_audio or HOLD_MUSIC_WAV))
        cmd = [self.binary, "-f", str(self.config), "-DD", "-E",
               "-Y", str(self.rundir), "-P", str(self.pid_path),
               "-m", str(self.shm_mb), "-M", "16"]
        for k, v in defines.items():
            cmd += ["-A", f"{k}={v}" if v != "" else k]
        return cmd

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        self._provision()
        stop_leftover(self.pid_path, str(self.pid_path))   # -P <this pid file> in its argv
        if self.rtpengine is not None:
            self.rtpengine.start()
        self._log_fh = open(self.log_path, "ab", buffering=0)
        self._log_fh.write(f"\n==== start {time.strftime('%Y-%m-%d %H:%M:%S')} ====\n".encode())
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            cwd=str(self.workdir),
            start_new_session=True,  # own process group: stop/kill reach the workers too
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                rc = self._proc.returncode
                self._cleanup()
                if self.rtpengine is not None:
                    self.rtpengine.stop()
                raise KamailioError(f"kamailio exited with {rc} during start:\n{self.log_tail()}")
            if self._probe(0.2):
                return
            if time.monotonic() > deadline:
                self.kill()
                if self.rtpengine is not None:
                    self.rtpengine.stop()
                raise KamailioError(f"kamailio did not answer within {timeout}s:\n{self.log_tail()}")

    def _probe(self, wait: float) -> bool:
        """True once OPTIONS over UDP gets a reply and the TCP port accepts."""
        branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self._host, 0))
            lport = sock.getsockname()[1]
            msg = (
                f"OPTIONS sip:{self._host}:{self._udp_port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {self._host}:{lport};branch={branch};rport\r\n"
                f"Max-Forwards: 70\r\n"
                f"From: <sip:launcher@{self._host}>;tag={uuid.uuid4().hex[:8]}\r\n"
                f"To: <sip:{self._host}:{self._udp_port}>\r\n"
                f"Call-ID: {uuid.uuid4().hex}@launcher\r\n"
                f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            )
            sock.settimeout(wait)
            sock.sendto(msg.encode(), (self._host, self._udp_port))
            data, _ = sock.recvfrom(65535)
            if not data.startswith(b"SIP/2.0"):
                return False
        except OSError:  # timeout, ICMP port unreachable
            time.sleep(0.02)
            return False
        finally:
            sock.close()
        try:
            with socket.create_connection((self._host, self._tcp_port), timeout=wait):
                return True
        except OSError:
            return False

    def _signal_group(self, sig: int) -> None:
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                self._proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, wait, then SIGKILL; idempotent."""
        if self._proc is None:
            if self.rtpengine is not None:
                self.rtpengine.stop()
            return
        if self._proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # workers may outlive a dead main process: sweep the group
        self._signal_group(signal.SIGKILL)
        try:
            self._proc.wait(2)
        except subprocess.TimeoutExpired:
            pass
        self._cleanup()
        if self.rtpengine is not None:
            self.rtpengine.stop()

    def kill(self) -> None:
        """SIGKILL the whole process group (simulates a crashed server)."""
        if self._proc is None:
            return
        self._signal_group(signal.SIGKILL)
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._cleanup()

    def _wait_group_gone(self, timeout: float = 3.0) -> None:
        """Wait until no process of the group is left (SIGKILLed workers are
        orphans, reaped by init a moment later: up to ~1 s here)."""
        if self._proc is not None:
            _group_gone(self._proc.pid, timeout)

    def _cleanup(self) -> None:
        self._wait_group_gone()
        self._proc = None
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None
        self.pid_path.unlink(missing_ok=True)
        # give the kernel a moment to release the TCP listener
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not _port_free(self._host, self._tcp_port):
            time.sleep(0.02)

    def restart(self, timeout: float = 10.0) -> None:
        """stop() then start() on the same ports; registrations are lost."""
        self.stop()
        self.start(timeout)

    def __enter__(self) -> "KamailioServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self) -> None:  # last resort: never leave a server behind
        try:
            if self._proc is not None and self._proc.poll() is None:
                self._signal_group(signal.SIGKILL)
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (f"<KamailioServer {self._host} udp:{self._udp_port} tcp:{self._tcp_port} "
                f"{state} {self.workdir}>")


def load_users(path: Path) -> list[SipUser]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [SipUser(str(d["user"]), str(d["password"]), str(d.get("display", ""))) for d in data]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.kamailio.launcher",
                                 description="Run the 12368 Kamailio in the foreground.")
    ap.add_argument("--users", type=Path, help='JSON list of {"user","password","display"}')
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--udp-port", type=int, default=None)
    ap.add_argument("--tcp-port", type=int, default=None)
    ap.add_argument("--workdir", type=Path, default=Path("kamailio-run"))
    ap.add_argument("--shm-mb", type=int, default=64)
    ap.add_argument("--debug", type=int, default=1)
    args = ap.parse_args(argv)

    users = load_users(args.users) if args.users else []
    srv = KamailioServer(args.workdir, host=args.host, udp_port=args.udp_port,
                         tcp_port=args.tcp_port, users=users, shm_mb=args.shm_mb,
                         debug=args.debug)
    stop = False

    def _on_signal(signum, frame):  # noqa: ARG001
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        srv.start()
    except KamailioError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"kamailio running: {srv.registrar_uri('udp')} / {srv.registrar_uri('tcp')}, "
          f"domain {srv.domain}, {len(users)} users, log {srv.log_path}", flush=True)
    try:
        while not stop:
            if not srv.running:
                print("kamailio exited:\n" + srv.log_tail(), file=sys.stderr)
                return 1
            time.sleep(0.5)
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
