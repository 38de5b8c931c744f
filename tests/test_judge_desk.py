"""The consulting judge's desk assembled as the judge role builds it (ui/desk/judge_desk.py).

The engine signs in with the consulting judge's own number through the real
Kamailio; a seat (a pjsua2 agent) sends a written question over SIP MESSAGE:
the desk window comes up with the inbox in front. The complaints tab sees
complaints about every court (the judge's visibility), which a seat of one
court does not.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from app.domain.calls import RegState
from app.domain.complaints import Viewer
from app.domain.consult import CONTENT_TYPE, Channel, ConsultQuestion, encode_question
from app.domain.directory import Directory
from app.paths import resource
from app.services.complaints import ComplaintService
from app.storage.complaint_repo import ComplaintRepository
from tests.conftest import USERS, seat_settings, wait_until

pytestmark = pytest.mark.e2e
JUDGE = "8901"


@pytest.fixture
def judge_engine(engine, kamailio, qapp):
    acc = engine.account
    if acc is None or acc.settings.user != JUDGE or acc.state is not RegState.REGISTERED:
        engine.set_account(seat_settings(kamailio, user=JUDGE, password=USERS[JUDGE]))
        wait_until(lambda: engine.account.state is RegState.REGISTERED, what="judge registered")
    return engine


def test_judge_desk_raises_the_inbox_on_a_question_and_sees_every_courts_complaints(
        judge_engine, kamailio, store, peer, qtbot, tmp_path):
    from ui.desk.judge_desk import JudgeDesk
    directory = Directory.load(resource("directory.json"))
    # Complaints about two courts, filed by seats of those courts.
    for seat, court in (("8001", "bjgy"), ("8011", "bj1zy")):
        ComplaintService(ComplaintRepository(), Viewer(seat=seat, court=court)).file(
            court_code=court, content=f"投诉{court}", caller_number="13900000000")

    desk = SimpleNamespace(directory=directory, engine=judge_engine)
    jd = JudgeDesk(desk, SimpleNamespace(user=JUDGE, display_name=""))
    try:
        titles = [jd.window.tabs.tabText(i) for i in range(jd.window.tabs.count())]
        assert len(titles) == 4 and jd.window.tabs.widget(0) is jd.inbox
        jd.window.tabs.setCurrentWidget(jd.report)
        assert not jd.window.isVisible()
        # The judge's complaints list holds both courts' complaints.
        jd.complaints.refresh()
        seen = {c.court_code for c in jd.complaints.service.visible()}
        assert seen == {"bjgy", "bj1zy"}

        asker = peer("8002")
        q = ConsultQuestion(uid="judgedesk001", question="诉讼费可以缓交吗？", channel=Channel.WRITTEN,
                            asked_at=time.time(), seat="8002", seat_name="侯海涛", court="bjgy",
                            caller_number="13911112222", case_number="", notes="")
        asker.message(f"sip:{JUDGE}@127.0.0.1:{kamailio.udp_port}", encode_question(q), CONTENT_TYPE)
        wait_until(lambda: jd.window.isVisible(), what="the judge's desk came up")
        assert jd.window.tabs.currentWidget() is jd.inbox
        assert jd.inbox.service.get("judgedesk001").question == "诉讼费可以缓交吗？"
    finally:
        jd.close()
        for sig, slot in ((judge_engine.messageReceived, jd.inbox.on_message),
                          (judge_engine.messageFinished, jd.inbox.on_message_finished),
                          (judge_engine.callChanged, jd.inbox.on_call)):
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
