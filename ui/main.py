"""Application start-up: the only place that wires store, SIP engine and windows.

`python -m ui.main --demo` starts the embedded default (a local Kamailio with
the project's configuration, an echo line, the consulting judge's line and a
demo caller) and the softphone registered as seat 8001.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402

from app import paths  # noqa: E402
from app.domain.accounts import AccountSettings, Transport  # noqa: E402
from app.domain.calls import RegState  # noqa: E402
from app.domain.directory import Directory  # noqa: E402
from app import site_config  # noqa: E402
from app.secrets import SecretStore  # noqa: E402
from ui import diagnostics  # noqa: E402
from ui.messages import explain

log = logging.getLogger("hotline")

# The GIL hand-over interval. Python's 5 ms default let a busy SIP reader
# thread hold the GUI thread (and pjmedia's 20 ms audio clock, stack-notes.md)
# for whole frames; 1 ms keeps paints and audio ticks on time.
SWITCH_INTERVAL_S = 0.001


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="hotline12368", description="12368 hotline desk")
    p.add_argument("--demo", action="store_true", help="start the embedded local platform")
    p.add_argument("--seat", default="8001", help="seat number to use in the demo")
    p.add_argument("--data-dir", type=Path, help="folder for the local store")
    p.add_argument("--lang", default="", help="zh_CN or en (default: the system's)")
    p.add_argument("--screenshot", type=Path, help="save a PNG of the window once registered, then quit")
    p.add_argument("--quit-after", type=float, default=0, help="quit after N seconds (tests)")
    p.add_argument("--sip-trace", action="store_true", help="log every SIP message")
    p.add_argument("--role", choices=("seat", "judge", "both"), default=None,
                   help="seat: softphone; judge: also the wallboard (default: both in the demo)")
    p.add_argument("--wallboard-shot", type=Path, help="with --screenshot: also save the wallboard")
    p.add_argument("--self-test", action="store_true",
                   help="headless check: store, a private Kamailio, register, a call, the wallboard; "
                        "prints a JSON summary, exit 0 only if every step worked")
    return p.parse_args(argv)


def _site_language() -> str:
    """The language IT set for the site ("zh_CN", "en"; "system" or none: the OS's)."""
    try:
        from app import site_config
        lang = site_config.load().get("language", "")
    except Exception:  # a malformed site file is reported elsewhere
        return ""
    return {"zh_cn": "zh_CN", "en": "en"}.get(str(lang).lower(), "")


def install_translator(app: QApplication, lang: str) -> QTranslator | None:
    name = lang or QLocale.system().name()
    if not name.startswith("zh"):
        return None
    qt = QTranslator(app)  # Qt's own buttons and menus (OK, Cancel, Copy ...)
    if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.TranslationsPath)):
        app.installTranslator(qt)
    tr = QTranslator(app)
    if tr.load(str(paths.resource("i18n", "hotline_zh_CN.qm"))):
        app.installTranslator(tr)
        return tr
    return None


def open_store(site, secrets, data_dir: Path, problems: list[str]):
    """(database, shared): the shared PostgreSQL store when the site names one
    (``store_dsn``), else this PC's SQLite file. A shared store that cannot be
    opened does not stop the desk: it starts on the local file, and a message
    for the seat is added to ``problems``."""
    from app.storage.db import StorageError, credential_entry, open_database
    local = data_dir / "desk.sqlite3"
    dsn = site.get("store_dsn", "")
    if not dsn:
        return open_database(local), False
    try:
        pw = secrets.get_password(*credential_entry(dsn)) or None
        return open_database(dsn, password=pw, local=local), True
    except StorageError as e:
        log.error("shared store not opened: %r", e)
        problems.append(QApplication.translate(
            "Desk", "Working on this PC's own data for now: %1").replace("%1", explain(e)))
        return open_database(local), False


class Desk:
    """Everything one running desktop owns, torn down in reverse order."""

    def __init__(self, args):
        from app.services.call_history import CallHistoryService
        from app.storage.history_repo import HistoryRepository
        from app.storage.settings_repo import SettingsRepository
        from sip.engine import SipEngine

        self.args = args
        self.data_dir = args.data_dir or paths.user_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.site = site_config.load()
        self.problems: list[str] = list(self.site.problems)
        self.secrets = SecretStore()
        self.db, self.shared = open_store(self.site, self.secrets, self.data_dir, self.problems)
        self.settings = SettingsRepository()
        self.accounts = AccountSetup(self.settings, self.site, self.secrets)
        self.directory = _load_directory(self.site, self.problems)
        self.history_repo = HistoryRepository()
        if not self.shared:
            # Rows a kill left open. On the shared store only this desk's own,
            # once its account is known (see account_applied).
            self.history_repo.close_interrupted()
        self.history = CallHistoryService(self.history_repo)
        self.platform = None
        self.engine = SipEngine(log_dir=paths.log_dir(), sip_trace=args.sip_trace,
                                bind_address="127.0.0.1" if args.demo else "")
        self.engine.start()
        self.ringer = _make_ringer()

    def account_applied(self, settings: AccountSettings) -> None:
        """On the shared store, this desk reads and closes only its own calls."""
        if self.shared:
            self.history_repo.account = settings.aor
            try:
                self.history_repo.close_interrupted()
            except Exception as e:
                log.warning("interrupted calls not closed: %r", e)

    def account_settings(self) -> AccountSettings | None:
        if self.args.demo:
            from deploy.demo import DemoPlatform
            self.platform = DemoPlatform(self.data_dir / "demo", self.directory, seat=self.args.seat)
            self.platform.start()
            return self.platform.seat_settings()
        return self.accounts.effective()

    def audio_choice(self) -> dict:
        return self.settings.get("audio", {}) or {}

    def open_audio(self) -> str | None:
        """Open the remembered headset; a message for the seat if it cannot be."""
        choice = self.audio_choice()
        try:
            self.engine.open_audio(choice.get("mic"), choice.get("speaker"))
        except Exception as e:
            return QApplication.translate("Desk", "No sound on this PC: %1 Calls still work; the other side hears silence.").replace("%1", str(e))
        return None

    def close(self):
        from app.storage.db import close_database
        if self.ringer is not None:
            try:
                self.ringer.stop()
            except Exception:
                pass
        self.engine.shutdown()
        if self.platform is not None:
            self.platform.stop()
        close_database()


class AccountSetup:
    """The seat's account: site preset, then the user's own settings, then the
    site's locked values; the password in the OS credential store (app/secrets.py,
    HOTLINE_SIP_PASSWORD overrides it), never in the settings store."""

    def __init__(self, settings_repo, site: site_config.SiteConfig, secrets: SecretStore):
        self.repo = settings_repo
        self.site = site
        self.secrets = secrets

    def _merged(self) -> dict:
        return site_config.account_dict(self.site, self.repo.get("account") or {})

    def initial(self) -> AccountSettings:
        """What the settings dialog starts from (may be incomplete on a first run)."""
        d = self._merged()
        password = self.secrets.get_password(d.get("server", ""), d.get("user", "")) if d.get("user") else ""
        try:
            transport = Transport(str(d.get("transport", "tcp")).lower())
        except ValueError:
            transport = Transport.TCP
        return AccountSettings(server=d.get("server", ""), user=d.get("user", ""), password=password,
                               display_name=d.get("display_name", ""), transport=transport,
                               outbound_proxy=d.get("outbound_proxy", ""), domain=d.get("domain", ""),
                               auto_answer=bool(d.get("auto_answer", False)))

    def effective(self) -> AccountSettings | None:
        """Complete settings to register with, or None (the first-run dialog is needed)."""
        s = self.initial()
        return None if s.problems() else s

    def locked(self) -> set[str]:
        return {k for k in site_config.ACCOUNT_KEYS if self.site.is_locked(k)}

    def save(self, s: AccountSettings) -> AccountSettings:
        """Store what the user chose (locked keys keep the site's value); returns
        the effective settings, password included."""
        current = self._merged()
        chosen = {"server": s.server, "user": s.user, "display_name": s.display_name,
                  "transport": s.transport.value, "outbound_proxy": s.outbound_proxy,
                  "auto_answer": s.auto_answer, "domain": s.domain or current.get("domain", "")}
        eff = self.site.merge(chosen)
        # Only what differs from the site's preset is the user's own (IT changes still reach them).
        own = {k: v for k, v in self.site.user_part(eff).items()
               if k in site_config.ACCOUNT_KEYS and self.site.get(k, object()) != v}
        self.repo.set("account", own)
        self.secrets.set_password(eff.get("server", ""), eff.get("user", ""), s.password)
        return self.initial_with(s.password)

    def initial_with(self, password: str) -> AccountSettings:
        from dataclasses import replace
        return replace(self.initial(), password=password)


def _load_directory(site: site_config.SiteConfig, problems: list[str]) -> Directory:
    src = site.get("directory_source")
    if src:
        try:
            return Directory.load(Path(src))
        except Exception as e:
            problems.append(f"directory_source {src}: {e}; using the bundled directory")
    return Directory.load(paths.resource("directory.json"))


def _device_names() -> tuple[list[str], list[str]]:
    try:
        from sip.audio import devices
        return ([d.name for d in devices.input_devices()], [d.name for d in devices.output_devices()])
    except Exception as e:  # no PortAudio at all
        log.info("no audio devices: %s", e)
        return ([], [])


def _make_ringer():
    try:
        from sip.audio.tones import Ringer
        return Ringer()
    except Exception as e:  # no audio library or device: calls still ring on screen
        log.info("no ringer: %s", e)
        return None


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    peer = _peer_agent_argv(argv)
    if peer is not None:
        return run_peer_agent(peer)
    if argv[:1] == ["--presence-watcher"]:  # the wallboard's watcher child (frozen app)
        from sip.simple import watcher
        return watcher.main(argv[1:])
    args = parse_args(argv)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return run_self_test(args)
    diagnostics.setup_logging(paths.log_dir())
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(paths.APP_NAME)
    install_translator(app, args.lang or _site_language())
    _quit_on_signals(app)

    from ui.softphone.controller import PhoneController
    from ui.softphone.settings_dialog import SettingsDialog
    from ui.softphone.window import SoftphoneWindow

    desk = Desk(args)
    controller = PhoneController(desk.engine, desk.history, desk.ringer)
    window = SoftphoneWindow(desk.engine, controller, desk.directory, desk.history)

    controller.ringer_device = desk.audio_choice().get("ringer")
    problem = desk.open_audio()
    if problem:
        window.show_problem(problem)
    for p in desk.problems:  # a malformed site file, an unreadable directory: say so, go on
        log.warning("%s", p)
        window.show_problem(p)

    role = args.role or desk.site.get("role") or ("both" if args.demo else "seat")
    roles = {}

    def export_diagnostics(dest: Path) -> Path:
        acc = desk.engine.account.settings if desk.engine.account else None
        secrets_ = [acc.password] if acc is not None and acc.password else []
        env_pw = os.environ.get("HOTLINE_SIP_PASSWORD")
        if env_pw:
            secrets_.append(env_pw)
        try:
            settings_now = desk.settings.all()
        except Exception as e:
            settings_now = {"error": str(e)}
        return diagnostics.export_diagnostics(
            dest, paths.log_dir(), settings_now, desk.site.redacted(), secrets_,
            extra={"account": {"server": acc.server, "user": acc.user, "transport": acc.transport.value}
                   if acc else None,
                   "credential_store": desk.secrets.backend_name, "sip_trace": args.sip_trace,
                   "log_dir": str(paths.log_dir()), "data_dir": str(desk.data_dir)})

    window._diagnostics_shortcut = diagnostics.install_shortcut(window, export_diagnostics)

    def apply(settings: AccountSettings):
        from ui.roles import JudgeRole, SeatRole
        controller.auto_answer = settings.auto_answer
        try:
            desk.engine.set_account(settings)
        except Exception as e:
            window.show_problem(explain(e))
            return
        desk.account_applied(settings)
        for r in roles.values():
            r.close()
        roles.clear()
        roles["seat"] = SeatRole(desk, window, settings)
        if role in ("judge", "both"):
            roles["judge"] = JudgeRole(desk, settings)
            roles["judge"].window.show()
            if role == "judge":
                roles["judge"].desk.show()
        watch = list(roles["seat"].team_model and roles["seat"].team_uris or [])

        def on_reg(snap, done=[]):
            if snap.state is RegState.REGISTERED and not done:
                done.append(True)
                if "judge" in roles:
                    roles["judge"].start_watching(desk.engine)
                desk.engine.watch(watch)  # the seat's team (already watched: skipped)
                if args.demo:
                    roles["seat"].machine.sign_in()
        desk.engine.registrationChanged.connect(on_reg)

    def edit_settings():
        current = desk.engine.account.settings if desk.engine.account else desk.accounts.initial()
        if args.demo and desk.engine.account:
            locked = set()  # the demo's own platform: nothing of IT's applies
        else:
            locked = desk.accounts.locked()
        dlg = SettingsDialog(current, desk.audio_choice(), _device_names(), locked=locked, parent=window,
                             on_export_diagnostics=lambda parent: diagnostics.ask_and_export(parent, export_diagnostics),
                             note=desk.secrets.warning)
        if dlg.exec() == QDialog.Accepted:
            desk.settings.set("audio", dlg.audio_choice())
            controller.ringer_device = dlg.audio_choice().get("ringer")
            problem = desk.open_audio()
            if problem:
                window.show_problem(problem)
            s = desk.accounts.save(dlg.account_settings())
            if desk.secrets.warning:
                window.show_problem(desk.secrets.warning)
            apply(s)

    window.settingsRequested.connect(edit_settings)
    settings = desk.account_settings()
    if args.demo and desk.platform is not None:
        desk.platform.start_simulation()
    window.show()
    if settings is not None:
        apply(settings)
    elif not args.screenshot:
        QTimer.singleShot(0, edit_settings)

    t0 = time.monotonic()
    if args.screenshot:
        def shot(snap):
            if snap.state is RegState.REGISTERED:
                log.info("registered after %.2f s", time.monotonic() - t0)
                def save():
                    window.grab().save(str(args.screenshot))
                    if args.wallboard_shot and "judge" in roles:
                        roles["judge"].window.grab().save(str(args.wallboard_shot))
                    app.quit()
                QTimer.singleShot(4000 if args.wallboard_shot else 300, save)
        desk.engine.registrationChanged.connect(shot)
        QTimer.singleShot(20000, app.quit)
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), app.quit)
    try:
        return app.exec()
    finally:
        for r in roles.values():
            r.close()
        desk.close()


def _quit_on_signals(app) -> None:
    """SIGTERM, SIGINT and SIGHUP (a logout, a shutdown, Ctrl+C, ``kill``) end the app the
    way closing it does: calls hung up, the store closed, and the embedded platform's
    Kamailio, rtpengine and simulated seats stopped, none of them left running. Python
    runs signal handlers only between bytecodes, so a short timer lets it look while Qt's
    loop waits."""
    import signal

    def on_signal(signum, _frame):
        log.info("signal %s: closing", signum)
        app.quit()
        # quit() does nothing while the loop is not running yet (a signal during the
        # start, e.g. while the embedded platform comes up): a zero timer is run by
        # the loop as soon as it starts
        QTimer.singleShot(0, app.quit)

    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, on_signal)
            except (ValueError, OSError):   # not the main thread, or not on this OS
                pass
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(250)
    app._signal_tick = tick


class _StepFailed(Exception):
    pass


def run_self_test(args) -> int:
    """Headless end-to-end check of an installed desk; prints one JSON object.

    Steps: start (Qt offscreen, translations), store (the SQLite store opened,
    a setting written and read back), kamailio (a private Kamailio on loopback
    with two test accounts), register (the SIP engine registers as 8001 over
    TCP), call (8001 calls 9001, an auto-answering peer agent in its own
    process, the call is answered and hung up), wallboard (the judge's
    wallboard rendered to a PNG). Exit 0 only if every step worked."""
    import json
    import secrets as pysecrets
    import shutil
    import tempfile

    t_start = time.monotonic()
    # stdout carries only the JSON summary: C libraries (pjlib) print to fd 1, so
    # fd 1 goes to stderr for the run and the summary uses a copy of the original.
    out_fd = None
    try:  # a windowed Windows build has no stdout: the summary file below still tells
        sys.stdout.flush()
        out_fd = os.dup(1)
        os.dup2(2, 1)
    except (OSError, AttributeError, ValueError):
        out_fd = None
    work = Path(tempfile.mkdtemp(prefix="hotline12368-selftest-"))
    data_dir = args.data_dir or work / "data"
    png = args.wallboard_shot or args.screenshot or work / "wallboard.png"
    summary: dict = {"ok": False, "frozen": bool(getattr(sys, "frozen", False)),
                     "executable": sys.executable, "workdir": str(work), "steps": {}}
    held: dict = {}

    def step(name, fn):
        t0 = time.monotonic()
        try:
            detail = fn() or {}
        except Exception as e:
            log.exception("self-test step %s failed", name)
            summary["steps"][name] = {"ok": False, "seconds": round(time.monotonic() - t0, 3),
                                      "error": f"{type(e).__name__}: {e}"}
            raise _StepFailed(name) from e
        summary["steps"][name] = {"ok": True, "seconds": round(time.monotonic() - t0, 3), **detail}

    def pump_until(pred, timeout, what):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            held["app"].processEvents()
            v = pred()
            if v:
                return v
            time.sleep(0.005)
        raise TimeoutError(f"no {what} within {timeout:.0f} s")

    def start():
        diagnostics.setup_logging(work / "logs")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setApplicationName(paths.APP_NAME)
        held["app"] = app
        tr = install_translator(app, args.lang or "zh_CN")
        held["directory"] = Directory.load(paths.resource("directory.json"))
        return {"qt_platform": app.platformName(), "zh_CN_translation": tr is not None,
                "directory_entries": len(held["directory"].entries("seat")),
                "versions": {k: v for k, v in diagnostics.versions().items()
                             if k in ("app", "pyside6", "qt", "pjsua2_python", "os")}}

    def store():
        from app.storage.db import open_database
        from app.storage.history_repo import HistoryRepository
        from app.storage.settings_repo import SettingsRepository
        data_dir.mkdir(parents=True, exist_ok=True)
        open_database(data_dir / "desk.sqlite3")
        repo = SettingsRepository()
        token = pysecrets.token_hex(4)
        repo.set("selftest.ping", token)
        if repo.get("selftest.ping") != token:
            raise RuntimeError("a setting written was not read back")
        HistoryRepository().close_interrupted()
        held["settings"] = repo
        return {"database": str(data_dir / "desk.sqlite3")}

    pw = {"8001": pysecrets.token_urlsafe(12), "9001": pysecrets.token_urlsafe(12)}

    def kamailio():
        from deploy.kamailio.launcher import KamailioServer, SipUser, find_kamailio
        srv = KamailioServer(work / "kamailio", users=[SipUser(u, p) for u, p in pw.items()])
        held["kamailio"] = srv
        srv.start()
        return {"binary": find_kamailio(), "udp_port": srv.udp_port, "tcp_port": srv.tcp_port}

    def register():
        from sip.engine import SipEngine
        srv = held["kamailio"]
        eng = SipEngine(log_dir=work / "logs", sip_trace=args.sip_trace, bind_address="127.0.0.1")
        held["engine"] = eng
        eng.start()
        t0 = time.monotonic()
        settings = AccountSettings(server=f"127.0.0.1:{srv.tcp_port}", user="8001", password=pw["8001"],
                                   display_name="Self-test 8001", transport=Transport.TCP)
        held["account"] = settings
        eng.set_account(settings)
        pump_until(lambda: eng.account.state is RegState.REGISTERED
                   or eng.account.state is RegState.FAILED, 10, "registration")
        if eng.account.state is not RegState.REGISTERED:
            raise RuntimeError(f"registration {eng.account.state.value}")
        return {"aor": settings.aor, "register_s": round(time.monotonic() - t0, 3)}

    def call():
        from app.domain.calls import CallPhase
        from sip.peer.client import PeerAgent
        srv, eng = held["kamailio"], held["engine"]
        a = PeerAgent(name="selftest9001", stderr=open(work / "peer9001.log", "w"))
        a.idle = held["app"].processEvents
        held["peer"] = a
        a.start(timeout=20)
        a.account("9001", password=pw["9001"], registrar=f"sip:127.0.0.1:{srv.udp_port}",
                  domain=f"127.0.0.1:{srv.udp_port}", transport="udp", auto_answer=200)
        a.wait_event(event="reg", code=200, timeout=10)
        t0 = time.monotonic()
        cid = eng.make_call("9001")
        pump_until(lambda: (c := eng.call_snapshot(cid)) is not None
                   and c.phase in (CallPhase.ACTIVE, CallPhase.ENDED), 15, "answer")
        snap = eng.call_snapshot(cid)
        if snap.phase is not CallPhase.ACTIVE:
            raise RuntimeError(f"call ended: {snap.last_status} {snap.last_reason}")
        setup = time.monotonic() - t0
        eng.hangup(cid)
        pump_until(lambda: not eng.calls(), 10, "hang-up")
        return {"to": "9001", "setup_s": round(setup, 3), "peer_agent": " ".join(a.args[:3])}

    def wallboard():
        from ui.roles import JudgeRole
        from types import SimpleNamespace
        desk = SimpleNamespace(directory=held["directory"], settings=held["settings"],
                               engine=held["engine"])
        role = JudgeRole(desk, held["account"])
        held["role"] = role
        role.window.resize(1280, 800)
        role.window.show()
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            held["app"].processEvents()
            time.sleep(0.01)
        img = role.window.grab()
        png.parent.mkdir(parents=True, exist_ok=True)
        if not img.save(str(png)) or png.stat().st_size == 0:
            raise RuntimeError(f"could not save {png}")
        return {"png": str(png), "bytes": png.stat().st_size, "size": [img.width(), img.height()]}

    try:
        for name, fn in (("start", start), ("store", store), ("kamailio", kamailio),
                         ("register", register), ("call", call), ("wallboard", wallboard)):
            step(name, fn)
        summary["ok"] = True
    except _StepFailed as e:
        summary["failed_step"] = str(e)
    finally:
        for key, stop in (("role", lambda r: r.close()), ("peer", lambda a: a.stop(timeout=5)),
                          ("engine", lambda e: e.shutdown()), ("kamailio", lambda k: k.stop())):
            if key in held:
                try:
                    stop(held[key])
                except Exception as e:  # teardown trouble does not hide the result
                    log.warning("self-test teardown %s: %s", key, e)
        try:
            from app.storage.db import close_database
            close_database()
        except Exception:
            pass
        summary["seconds"] = round(time.monotonic() - t_start, 3)
        if summary["ok"]:  # keep the logs and the PNG for IT, drop the rest
            for sub in ("data", "kamailio"):
                shutil.rmtree(work / sub, ignore_errors=True)
    text = json.dumps(summary, ensure_ascii=False)
    try:
        (work / "selftest.json").write_text(text + "\n", encoding="utf-8")
        log.info("self-test %s; summary in %s", "passed" if summary["ok"] else "FAILED", work / "selftest.json")
    except OSError:
        pass
    if out_fd is not None:
        with os.fdopen(out_fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0 if summary["ok"] else 1


def _peer_agent_argv(argv: list[str]) -> list[str] | None:
    """In a frozen app sys.executable is the app itself, so `sys.executable -m
    sip.peer.agent ...` (sip/peer/client.py) lands here: hand over to the agent."""
    if argv[:2] == ["-m", "sip.peer.agent"]:
        return argv[2:]
    if argv[:1] == ["--peer-agent"]:
        return argv[1:]
    return None


def run_peer_agent(argv: list[str]) -> int:
    from sip.peer import agent
    return agent.main(argv)


if __name__ == "__main__":
    sys.exit(main())
