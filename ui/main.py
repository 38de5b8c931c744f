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
    return p.parse_args(argv)


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


class Desk:
    """Everything one running desktop owns, torn down in reverse order."""

    def __init__(self, args):
        from app.services.call_history import CallHistoryService
        from app.storage.db import open_database
        from app.storage.history_repo import HistoryRepository
        from app.storage.settings_repo import SettingsRepository
        from sip.engine import SipEngine

        self.args = args
        self.data_dir = args.data_dir or paths.user_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = open_database(self.data_dir / "desk.sqlite3")
        self.settings = SettingsRepository()
        self.directory = Directory.load(paths.resource("directory.json"))
        repo = HistoryRepository()
        repo.close_interrupted()  # rows a kill left open
        self.history = CallHistoryService(repo)
        self.platform = None
        self.engine = SipEngine(log_dir=paths.log_dir(), sip_trace=args.sip_trace,
                                bind_address="127.0.0.1" if args.demo else "")
        self.engine.start()
        self.ringer = _make_ringer()

    def account_settings(self) -> AccountSettings | None:
        if self.args.demo:
            from deploy.demo import DemoPlatform
            self.platform = DemoPlatform(self.data_dir / "demo", self.directory, seat=self.args.seat)
            self.platform.start()
            return self.platform.seat_settings()
        saved = self.settings.get("account")
        if not saved:
            return None
        return AccountSettings(server=saved.get("server", ""), user=saved.get("user", ""),
                               password=_password_for(saved.get("user", "")),
                               display_name=saved.get("display_name", ""),
                               transport=Transport(saved.get("transport", "tcp")),
                               outbound_proxy=saved.get("outbound_proxy", ""),
                               auto_answer=bool(saved.get("auto_answer", False)))

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


def _password_for(user: str) -> str:
    # Passwords belong to the OS credential store (the installer issue wires keyring).
    return os.environ.get("HOTLINE_SIP_PASSWORD", "")


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
    args = parse_args(argv)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(paths.APP_NAME)
    install_translator(app, args.lang)

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

    role = args.role or ("both" if args.demo else "seat")
    roles = {}

    def apply(settings: AccountSettings):
        from ui.roles import JudgeRole, SeatRole
        controller.auto_answer = settings.auto_answer
        try:
            desk.engine.set_account(settings)
        except Exception as e:
            window.show_problem(str(e))
            return
        for r in roles.values():
            r.close()
        roles.clear()
        roles["seat"] = SeatRole(desk, window, settings)
        if role in ("judge", "both"):
            roles["judge"] = JudgeRole(desk, settings)
            roles["judge"].window.show()
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
        current = desk.engine.account.settings if desk.engine.account else None
        dlg = SettingsDialog(current, desk.audio_choice(), _device_names(), parent=window)
        if dlg.exec() == QDialog.Accepted:
            desk.settings.set("audio", dlg.audio_choice())
            controller.ringer_device = dlg.audio_choice().get("ringer")
            problem = desk.open_audio()
            if problem:
                window.show_problem(problem)
            s = dlg.account_settings()
            desk.settings.set("account", {"server": s.server, "user": s.user,
                                          "display_name": s.display_name,
                                          "transport": s.transport.value,
                                          "outbound_proxy": s.outbound_proxy,
                                          "auto_answer": s.auto_answer})
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


if __name__ == "__main__":
    sys.exit(main())
