#!/usr/bin/env python
"""Screenshots of the service desk for the README, made by the app's own widgets.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/desk_screenshots.py [--lang zh_CN] [OUT_DIR]

Builds the real desk pages over a temporary store filled like the demo's
(generated cases, the starter knowledge base), plays a caller through them
(a screen pop, a verified lookup, a knowledge-base search, a work order, a
question answered by the consulting judge) and saves PNGs into
docs/screenshots/. No SIP server is involved: the pages get call snapshots
as the engine would send them, and the window's engine is a stand-in with the
engine's signals (this is a picture tool, not a test).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


class StandInEngine(QObject):
    """The SipEngine's signals and read-only calls, nothing else."""
    registrationChanged = Signal(object)
    registeredAgain = Signal()
    callChanged = Signal(object)
    callIncoming = Signal(object)
    dtmfReceived = Signal(int, str)
    transferProgressed = Signal(int, int, str, bool)
    audioProblem = Signal(str)
    presenceReceived = Signal(str, str)
    presenceSubscriptionChanged = Signal(str, str, str)
    messageReceived = Signal(str, str, str)
    messageFinished = Signal(int, int, str)

    def __init__(self, aor: str):
        super().__init__()
        self.aor = aor
        self._calls = {}

    def registration(self):
        from app.domain.calls import RegistrationSnapshot, RegState
        return RegistrationSnapshot(self.aor, RegState.REGISTERED, 200, "OK", 600)

    def register_again(self):
        pass

    def calls(self):
        return list(self._calls.values())

    def call_snapshot(self, call_id):
        return self._calls.get(call_id)

    def audio_levels(self):
        return (-60.0, -60.0)

    def send_message(self, *a, **k):
        return 1

    def play(self, s):
        if s.phase.value == "ended":
            self._calls.pop(s.call_id, None)
        else:
            self._calls[s.call_id] = s
        self.callChanged.emit(s)


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--lang", default="zh_CN")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication([])
    from ui.main import install_translator
    install_translator(app, args.lang)

    import dataclasses

    from app.domain.calls import CallDirection, CallPhase, CallSnapshot
    from app.domain.consult import Channel, ConsultQuestion, encode_question, CONTENT_TYPE
    from app.domain.directory import Directory
    from app.paths import resource
    from app.services.demo_cases import generate_demo_cases
    from app.storage.case_repo import CaseRepository
    from app.storage.db import close_database, open_database
    from ui.desk.seat_desk import SeatDesk
    from ui.softphone.controller import PhoneController
    from ui.softphone.window import SoftphoneWindow
    from app.services.call_history import CallHistoryService
    from app.storage.history_repo import HistoryRepository
    from types import SimpleNamespace

    directory = Directory.load(resource("directory.json"))
    with tempfile.TemporaryDirectory() as tmp:
        open_database(Path(tmp) / "desk.sqlite3")
        try:
            cases = generate_demo_cases(directory, 40, hash_n=2 ** 8)
            first = cases[0]
            caller = "13911082736"
            parties = list(first.case.parties)
            parties[0] = dataclasses.replace(parties[0], phone=caller)
            cases[0] = dataclasses.replace(first, case=dataclasses.replace(first.case, parties=tuple(parties)))
            CaseRepository().add_many([c.case for c in cases])
            engine = StandInEngine("sip:8001@12368.bjcourt")
            history = CallHistoryService(HistoryRepository())
            controller = PhoneController(engine, history)
            win = SoftphoneWindow(engine, controller, directory, history)
            desk = SimpleNamespace(args=SimpleNamespace(demo=False), site=None, directory=directory,
                                   data_dir=Path(tmp), engine=engine, secrets=None)
            from app.domain.seat_state import SeatStateMachine
            from app.services.seat_presence import SeatPresenceService
            machine = SeatStateMachine(wrap_up_s=120)
            machine.sign_in()
            presence = SeatPresenceService(machine, lambda *a, **k: None, entity="sip:8001@12368.bjcourt",
                                           seat="8001", court="bjgy", name="陆玉丽", queues=("bjgy",))
            engine.callChanged.connect(presence.on_call)
            sd = SeatDesk(desk, win, SimpleNamespace(user="8001", display_name=""), court="bjgy",
                          seat_name="陆玉丽", machine=machine)
            win.resize(1400, 860)
            win.show()
            t0 = time.time() - 95
            s = CallSnapshot(call_id=1, sip_call_id="demo-1", direction=CallDirection.INCOMING,
                             phase=CallPhase.ACTIVE, peer_uri=f"sip:{caller}@gw", peer_number=caller,
                             started_at=t0, answered_at=t0 + 4, queue="bjgy")
            engine.play(s)
            pump(app, 0.3)
            page = sd.caller
            page.code.setText(cases[0].case.query_code)
            page.password.setText(cases[0].password)
            page.lookup_by_code()
            pump(app, 1.5)
            win.grab().save(str(out / "desk_caller.png"))

            sd.knowledge.search.setText("上诉期限")
            win.tabs.setCurrentWidget(sd.knowledge)
            pump(app, 0.8)
            win.grab().save(str(out / "desk_knowledge.png"))

            wo = sd.work_orders
            win.tabs.setCurrentWidget(wo)
            wo.content.setPlainText("当事人询问开庭时间能否调整，请承办法官回电。")
            pump(app, 0.5)
            win.grab().save(str(out / "desk_work_orders.png"))

            # The call ends: the wrap-up record comes up, pre-filled.
            engine.play(dataclasses.replace(s, phase=CallPhase.ENDED, ended_at=time.time()))
            pump(app, 0.5)
            sd.wrap_up.notes.setPlainText("查询开庭时间；已告知下次开庭安排，并派单请法官回电。")
            win.tabs.setCurrentWidget(sd.wrap_up)
            pump(app, 0.3)
            win.grab().save(str(out / "desk_wrap_up.png"))

            # The consulting judge's desk with a question from a seat.
            from ui.desk.judge_desk import JudgeDesk
            jengine = StandInEngine("sip:8901@12368.bjcourt")
            jd = JudgeDesk(SimpleNamespace(directory=directory, engine=jengine),
                           SimpleNamespace(user="8901", display_name=""))
            q = ConsultQuestion(uid="shot0000001", question="被执行人名下没有财产，执行程序会终结吗？",
                                channel=Channel.WRITTEN, asked_at=time.time() - 120, seat="8011",
                                seat_name="袁霞", court="bj1zy", caller_number="13911112222",
                                case_number=cases[1].case.case_number,
                                notes="申请执行人很着急，已经等了半年")
            jengine.messageReceived.emit("sip:8011@12368.bjcourt", CONTENT_TYPE, encode_question(q))
            pump(app, 0.5)
            jd.inbox.list.setCurrentItem(jd.inbox.list.topLevelItem(0))
            jd.inbox.answer.setPlainText("可以裁定终结本次执行程序；发现被执行人有可供执行的财产后，"
                                         "申请执行人可以再次申请执行。")
            jd.window.resize(1200, 760)
            jd.show()
            pump(app, 0.5)
            jd.window.grab().save(str(out / "judge_desk.png"))
            jd.close()
            sd.close()
            win.close()
        finally:
            close_database()
    for name in ("desk_caller", "desk_knowledge", "desk_work_orders", "desk_wrap_up", "judge_desk"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
