"""Work orders and the escalation ladder: the rules, the store, the services.

Domain rules in plain pytest; the repository and services over the ``store``
fixture (a real migrated store, once per backend). The SMS gateway is the
log-only adapter, or a failing one standing for the port we own; the real
SMPP path is in test_sms_smpp.py, the ladder's real calls in
test_work_orders_ui.py.
"""
from __future__ import annotations

from datetime import date, datetime
from datetime import time as dtime

import pytest

from app import paths
from app.adapters.sms import LogOnlyGateway, SmsError, SmsReceipt, gateway_from_settings
from app.domain.calls import CallDirection, CallPhase, CallSnapshot
from app.domain.directory import Directory
from app.domain.escalation import (EscalationAttempt, LadderStep, Outcome, Rung, next_step,
                                   outcome_of)
from app.domain.work_orders import (ID_MASK, CaseRef, DuePolicy, EventKind, OrderStatus,
                                    Recipient, RecipientKind, ReminderPolicy, SmsKind, SmsStatus,
                                    Urgency, WorkOrder, WorkOrderDraft, WorkOrderError,
                                    compose_sms, redact, reminder_due, sms_parts)
from app.services.escalation import EscalationService
from app.services.work_orders import WorkOrderService
from app.storage.workorder_repo import WorkOrderRepository

MON_10 = datetime(2026, 3, 2, 10, 0).timestamp()          # a Monday
CASE = "（2026）京0101民初1234号"
REF = CaseRef(CASE, "bjgy", "立案庭", "叶宇勇")
JUDGE_MOBILE = "13800112838"
CHIEF_MOBILE = "13800111302"


class Clock:
    def __init__(self, t: float = MON_10):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def directory():
    return Directory.load(paths.resource("directory.json"))


def judge() -> Recipient:
    return Recipient(RecipientKind.JUDGE, "叶宇勇", JUDGE_MOBILE, "立案庭", "bjgy", "60112")


def draft(content="当事人询问开庭时间，请回电。", urgency=Urgency.NORMAL, **kw) -> WorkOrderDraft:
    base = dict(case_number=CASE, court_code="bjgy", recipient=judge(), content=content,
                urgency=urgency, caller_number="13900001111", caller_name="张三")
    base.update(kw)
    return WorkOrderDraft(**base)


def order(**kw) -> WorkOrder:
    base = dict(id=7, case_number=CASE, court_code="bjgy", recipient_kind=RecipientKind.JUDGE,
                recipient_name="叶宇勇", recipient_phone=JUDGE_MOBILE, division="立案庭",
                caller_number="13900001111", caller_name="张三", content="请回电",
                urgency=Urgency.NORMAL, due_at=MON_10 + 3600, status=OrderStatus.SENT,
                sms_status=SmsStatus.SENT, created_by="8001", created_at=MON_10)
    base.update(kw)
    return WorkOrder(**base)


class FailingGateway:
    """The SMS port failing the way a dead SMS centre does."""
    name = "failing"

    def __init__(self):
        self.calls = 0

    def send(self, to, text):
        self.calls += 1
        raise SmsError("unreachable", "127.0.0.1:1: cannot connect")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def gateway():
    return LogOnlyGateway()


@pytest.fixture
def service(store, clock, gateway, directory):
    return WorkOrderService(WorkOrderRepository(clock), gateway, directory=directory, clock=clock)


# --- due times ----------------------------------------------------------------------

def test_normal_orders_fall_due_at_the_end_of_the_second_working_day():
    p = DuePolicy()
    assert datetime.fromtimestamp(p.due_at(Urgency.NORMAL, MON_10)) == datetime(2026, 3, 4, 17, 30)
    fri_18 = datetime(2026, 3, 6, 18, 0).timestamp()
    assert datetime.fromtimestamp(p.due_at(Urgency.NORMAL, fri_18)) == datetime(2026, 3, 10, 17, 30)
    # A holiday is skipped; a make-up Sunday counts.
    hol = DuePolicy(holidays=frozenset({date(2026, 3, 3)}))
    assert datetime.fromtimestamp(hol.due_at(Urgency.NORMAL, MON_10)).date() == date(2026, 3, 5)
    extra = DuePolicy(extra_workdays=frozenset({date(2026, 3, 8)}))
    assert datetime.fromtimestamp(extra.due_at(Urgency.NORMAL, fri_18)).date() == date(2026, 3, 9)


def test_urgent_orders_fall_due_in_hours_and_the_policy_is_configurable():
    assert DuePolicy().due_at(Urgency.URGENT, MON_10) == MON_10 + 4 * 3600
    p = DuePolicy.from_settings({"work_order_normal_days": 1, "work_order_urgent_hours": 2,
                                 "work_order_due_time": "17:00",
                                 "work_order_holidays": ["2026-03-03", "not a date"]})
    assert p.urgent_hours == 2 and p.workday_end == dtime(17, 0)
    assert datetime.fromtimestamp(p.due_at(Urgency.NORMAL, MON_10)) == datetime(2026, 3, 4, 17, 0)
    assert DuePolicy.from_settings({"work_order_normal_days": "x"}) == DuePolicy()


# --- the SMS ------------------------------------------------------------------------

def test_sms_names_case_caller_request_and_due_time_in_one_segment():
    o = order(content="请回电", due_at=datetime(2026, 3, 4, 17, 30).timestamp())
    text = compose_sms(o)
    assert text.startswith("[12368派单#7]")
    for part in (CASE, "张三13900001111", "请回电", "3月4日17:30"):
        assert part in text
    assert sms_parts(text) == 1 and len(text) <= 70
    urgent = compose_sms(order(urgency=Urgency.URGENT))
    assert "【急】" in urgent
    assert "已过期限" in compose_sms(o, SmsKind.OVERDUE)
    assert compose_sms(o, SmsKind.DUE_SOON).startswith("[12368催办#7]")


def test_sms_never_carries_an_id_number_and_long_requests_are_cut():
    id_number = "11010519491231002X"
    text = compose_sms(order(content=f"当事人身份证{id_number}，请核对 110105491231002"))
    assert id_number not in text and "110105491231002" not in text and ID_MASK in text
    assert redact("案号2026 电话13800138000") == "案号2026 电话13800138000"   # phones stay
    long = compose_sms(order(content="请回电说明情况" * 60))
    assert sms_parts(long) == 3 and "…" in long and long.endswith("前")


# --- reminders (pure) -----------------------------------------------------------------

def test_reminder_rules():
    p = ReminderPolicy()
    due = MON_10 + 3 * 3600
    assert reminder_due(order(due_at=MON_10 + 5 * 3600), MON_10, p) is None   # 5 h to go
    assert reminder_due(order(due_at=due), MON_10, p) is SmsKind.DUE_SOON    # within 4 h
    assert reminder_due(order(due_at=due, last_reminded_at=MON_10, reminders=1),
                        MON_10 + 60, p) is None                                # only once
    acked = order(due_at=due, acknowledged_at=MON_10)
    assert reminder_due(acked, MON_10 + 60, p) is None               # the judge has it
    assert reminder_due(acked, due, p) is SmsKind.OVERDUE             # ... but missed the time
    reminded = order(due_at=due, last_reminded_at=due, reminders=1)
    assert reminder_due(reminded, due + 60, p) is None
    assert reminder_due(reminded, due + 4 * 3600, p) is SmsKind.OVERDUE
    assert reminder_due(order(due_at=due, reminders=3), due + 99999, p) is None
    night = datetime(2026, 3, 2, 23, 0).timestamp()
    assert reminder_due(order(due_at=night - 60), night, p) is None   # normal: not at night
    assert reminder_due(order(due_at=night - 60, urgency=Urgency.URGENT), night, p) is SmsKind.OVERDUE
    assert reminder_due(order(status=OrderStatus.DONE, due_at=due), due + 10, p) is None


# --- the ladder (pure) -----------------------------------------------------------------

def test_call_outcomes_and_next_rung():
    assert outcome_of(True, 200) == (Outcome.ANSWERED, "")
    assert outcome_of(False, 486, "Busy Here") == (Outcome.BUSY, "486 Busy Here")
    assert outcome_of(False, 487, "Request Terminated")[0] is Outcome.NO_ANSWER
    assert outcome_of(False, 480, "Temporarily Unavailable")[0] is Outcome.NO_ANSWER
    assert outcome_of(False, 404, "Not Found") == (Outcome.FAILED, "404 Not Found")
    assert outcome_of(False, 0) == (Outcome.FAILED, "no response")
    steps = [LadderStep(Rung.JUDGE, "j", "1"), LadderStep(Rung.DIVISION_OFFICE, "o", "2"),
             LadderStep(Rung.DIVISION_CHIEF, "c", "3")]

    def att(number, outcome):
        return EscalationAttempt(1, 0, "", "", "", Rung.JUDGE, "", number, outcome)
    assert next_step(steps, []) == 0
    assert next_step(steps, [att("1", Outcome.BUSY)]) == 1
    assert next_step(steps, [att("1", Outcome.BUSY), att("2", Outcome.PENDING)]) is None
    assert next_step(steps, [att("1", Outcome.BUSY), att("2", Outcome.NO_ANSWER)]) == 2
    assert next_step(steps, [att("1", Outcome.ANSWERED)]) is None
    assert next_step(steps, [att("1", Outcome.BUSY), att("3", Outcome.FAILED)]) is None


def test_ladder_and_recipients_come_from_the_directory(store, directory, service):
    ladder = EscalationService(WorkOrderRepository(), directory).ladder(REF)
    assert [(s.rung, s.number) for s in ladder] == [
        (Rung.JUDGE, "60112"), (Rung.DIVISION_OFFICE, "60110"), (Rung.DIVISION_CHIEF, "60111")]
    # Unknown judge: the division's office and chief are still there.
    rest = EscalationService(WorkOrderRepository(), directory).ladder(
        CaseRef(CASE, "bjgy", "立案庭", "没有此人"))
    assert [s.rung for s in rest] == [Rung.DIVISION_OFFICE, Rung.DIVISION_CHIEF]
    recipients = service.recipients(REF)
    assert [(r.kind, r.phone) for r in recipients] == [
        (RecipientKind.JUDGE, JUDGE_MOBILE), (RecipientKind.DIVISION, CHIEF_MOBILE)]
    assert recipients[1].name == "立案庭办公室"


# --- the service over the store -----------------------------------------------------------

def test_create_stores_the_order_and_sends_the_sms(service, gateway, clock):
    o = service.create(draft(), actor="8001")
    assert o.id > 0 and o.status is OrderStatus.SENT and o.sms_status is SmsStatus.SENT
    assert datetime.fromtimestamp(o.due_at) == datetime(2026, 3, 4, 17, 30)
    assert o.created_by == "8001" and o.recipient_phone == JUDGE_MOBILE
    (mid, to, text), = gateway.sent
    assert to == JUDGE_MOBILE and f"#{o.id}]" in text and CASE in text and "开庭时间" in text
    kinds = [e.kind for e in service.events(o.id)]
    assert kinds == [EventKind.CREATED, EventKind.SMS_SENT]
    assert mid in service.events(o.id)[1].detail
    assert service.get(o.id) == o
    assert [x.id for x in service.orders(open_only=True)] == [o.id]
    assert service.orders(case_number="other") == []


def test_bad_drafts_are_refused_and_nothing_is_stored(service, gateway):
    cases = [(draft(content="  "), "empty_content"),
             (draft(recipient=Recipient(RecipientKind.JUDGE, "叶宇勇", "")), "bad_phone"),
             (draft(recipient=None), "no_recipient"),
             (draft(due_at=MON_10 - 1), "bad_due")]
    for d, code in cases:
        with pytest.raises(WorkOrderError) as e:
            service.create(d, actor="8001")
        assert e.value.code == code
    assert service.orders() == [] and not gateway.sent


def test_acknowledge_done_cancel(service, clock):
    a = service.create(draft(), actor="8001")
    clock.t += 600
    a = service.acknowledge(a.id, actor="8001", note="叶法官电话确认")
    assert a.status is OrderStatus.ACKNOWLEDGED and a.acknowledged_at == clock.t
    with pytest.raises(WorkOrderError) as e:
        service.acknowledge(a.id, actor="8001")
    assert e.value.code == "cannot_change"
    clock.t += 600
    a = service.done(a.id, actor="8001")
    assert a.status is OrderStatus.DONE and a.done_at == clock.t
    with pytest.raises(WorkOrderError) as e:
        service.cancel(a.id, actor="8001")
    assert e.value.code == "not_open"
    b = service.create(draft(content="另一件事"), actor="8001")
    assert service.cancel(b.id, actor="8001", reason="当事人已撤回").status is OrderStatus.CANCELLED
    assert [e.kind for e in service.events(a.id)] == [
        EventKind.CREATED, EventKind.SMS_SENT, EventKind.ACKNOWLEDGED, EventKind.DONE]
    assert service.events(a.id)[2].detail == "叶法官电话确认"
    assert service.orders(open_only=True) == []
    with pytest.raises(WorkOrderError) as e:
        service.done(9999, actor="8001")
    assert e.value.code == "not_found"


def test_overdue_at_the_due_time_with_reminders_not_repeated_too_often(service, gateway, clock):
    o = service.create(draft(urgency=Urgency.URGENT), actor="8001")     # due in 4 h
    assert o.due_at == MON_10 + 4 * 3600
    report = service.check_due(o.due_at - 3600)                         # 1 h left, not acked
    assert report.overdue == [] and report.reminded == []               # urgent: 30 min window
    report = service.check_due(o.due_at - 1200)
    assert report.reminded == [(o.id, SmsKind.DUE_SOON)]
    assert service.check_due(o.due_at - 1).reminded == []               # once only
    assert service.get(o.id).status is OrderStatus.SENT

    report = service.check_due(o.due_at)
    assert report.overdue == [o.id] and report.reminded == [(o.id, SmsKind.OVERDUE)]
    now = service.get(o.id)
    assert now.status is OrderStatus.OVERDUE and now.reminders == 2
    assert "已过期限" in gateway.sent[-1][2]
    again = service.check_due(o.due_at + 60)
    assert again.overdue == [] and again.reminded == []
    assert service.check_due(o.due_at + 3600).reminded == [(o.id, SmsKind.OVERDUE)]
    assert service.check_due(o.due_at + 7200).reminded == []            # max 3 reminders
    kinds = [e.kind for e in service.events(o.id)]
    assert kinds.count(EventKind.OVERDUE) == 1 and kinds.count(EventKind.REMINDED) == 3
    assert len(gateway.sent) == 4                                       # new + 3 reminders

    # An overdue order acknowledged stays overdue; done closes it.
    assert service.acknowledge(o.id, actor="8001").status is OrderStatus.OVERDUE
    assert service.done(o.id, actor="8001").status is OrderStatus.DONE


def test_two_desks_checking_the_same_store_remind_once(store, directory, clock):
    g1, g2 = LogOnlyGateway(), LogOnlyGateway()
    desk1 = WorkOrderService(WorkOrderRepository(clock), g1, directory=directory, clock=clock)
    desk2 = WorkOrderService(WorkOrderRepository(clock), g2, directory=directory, clock=clock)
    o = desk1.create(draft(urgency=Urgency.URGENT), actor="8001")
    r1 = desk1.check_due(o.due_at + 1)
    r2 = desk2.check_due(o.due_at + 1)
    assert r1.overdue == [o.id] and r2.overdue == []
    assert len(r1.reminded) == 1 and r2.reminded == []
    assert len(g1.sent) == 2 and len(g2.sent) == 0
    # The reminder is claimed by compare-and-set: a stale read loses.
    stale = desk2.get(o.id)
    assert WorkOrderRepository(clock).claim_reminder(
        o.id, at=o.due_at + 9999, expected_last=stale.last_reminded_at - 1) is None


def test_sms_failure_keeps_the_order_and_a_retry_sends_it(store, directory, clock):
    failing = FailingGateway()
    svc = WorkOrderService(WorkOrderRepository(clock), failing, directory=directory, clock=clock)
    o = svc.create(draft(), actor="8001")
    assert o.id and o.status is OrderStatus.SENT and o.sms_status is SmsStatus.FAILED
    ev = svc.events(o.id)[-1]
    assert ev.kind is EventKind.SMS_FAILED and "unreachable" in ev.detail
    svc.gateway = good = LogOnlyGateway()
    o = svc.retry_sms(o.id, actor="8001")
    assert o.sms_status is SmsStatus.SENT and len(good.sent) == 1
    assert [e.kind for e in svc.events(o.id)][-1] is EventKind.SMS_SENT


def test_a_deferred_dispatcher_leaves_the_sms_pending_until_it_finishes(service, gateway):
    queued = []
    service.set_dispatcher(lambda job, send, finish: queued.append((job, send, finish)))
    o = service.create(draft(), actor="8001")
    assert o.sms_status is SmsStatus.PENDING and not gateway.sent
    job, send, finish = queued[0]
    assert job.order_id == o.id and job.to == JUDGE_MOBILE and job.kind is SmsKind.NEW
    outcome = send()
    assert isinstance(outcome, SmsReceipt)
    finish(outcome)
    assert service.get(o.id).sms_status is SmsStatus.SENT


def test_orders_to_a_division_text_the_chief(service, gateway):
    division = service.recipients(REF)[1]
    o = service.create(draft(recipient=division), actor="8001")
    assert o.recipient_kind is RecipientKind.DIVISION and o.recipient_name == "立案庭办公室"
    assert gateway.sent[-1][1] == CHIEF_MOBILE


def test_gateway_factory():
    assert isinstance(gateway_from_settings({}), LogOnlyGateway)
    half = gateway_from_settings({"sms_gateway": "smpp", "sms_smpp_host": "127.0.0.1"})
    with pytest.raises(SmsError) as e:
        half.send(JUDGE_MOBILE, "x")
    assert e.value.code == "not_configured" and "system_id" in e.value.detail

    class Secrets:
        def get_password(self, server, user):
            assert (server, user) == ("smpp://127.0.0.1:2776", "court")
            return "pw"
    g = gateway_from_settings({"sms_gateway": "smpp", "sms_smpp_host": "127.0.0.1",
                               "sms_smpp_port": 2776, "sms_smpp_system_id": "court",
                               "sms_source_addr": "1236801"}, Secrets())
    assert g.name == "smpp" and g.source_addr == "1236801" and "pw" not in repr(g)


# --- escalation attempts over the store ------------------------------------------------------

def snap(call_id=1, phase=CallPhase.RINGING_OUT, status=0, reason="", answered=None,
         ended=None, sip="abc@host"):
    return CallSnapshot(call_id=call_id, sip_call_id=sip, direction=CallDirection.OUTGOING,
                        phase=phase, peer_uri="sip:60112@x", peer_number="60112",
                        last_status=status, last_reason=reason, started_at=MON_10,
                        answered_at=answered, ended_at=ended)


def test_attempts_are_recorded_with_their_outcomes(store, directory, clock):
    esc = EscalationService(WorkOrderRepository(clock), directory, clock=clock)
    judge_step, office, chief = esc.ladder(REF)
    a = esc.start(judge_step, seat="8001", caller_number="13900001111", case_number=CASE)
    assert a.outcome is Outcome.PENDING and a.rung is Rung.JUDGE and a.number == "60112"
    a = esc.follow(a.id, snap(sip="j@h"))
    assert a.sip_call_id == "j@h" and a.outcome is Outcome.PENDING
    a = esc.follow(a.id, snap(phase=CallPhase.ENDED, status=486, reason="Busy Here",
                              ended=MON_10 + 3, sip="j@h"))
    assert (a.outcome, a.reason, a.ended_at) == (Outcome.BUSY, "486 Busy Here", MON_10 + 3)

    b = esc.start(office, seat="8001", case_number=CASE)
    b = esc.follow(b.id, snap(phase=CallPhase.ENDED, status=487, reason="Request Terminated"),
                   note="no answer within 30 s")
    assert b.outcome is Outcome.NO_ANSWER and b.reason.startswith("no answer within 30 s")

    c = esc.start(chief, seat="8001", case_number=CASE)
    c = esc.follow(c.id, snap(phase=CallPhase.ACTIVE, status=200, answered=MON_10 + 9))
    assert c.outcome is Outcome.ANSWERED and c.ended_at is None
    c = esc.follow(c.id, snap(phase=CallPhase.ENDED, status=200, answered=MON_10 + 9,
                              ended=MON_10 + 70))
    assert c.outcome is Outcome.ANSWERED and c.ended_at == MON_10 + 70

    d = esc.not_dialled(judge_step, "too many calls at once", seat="8001", case_number=CASE)
    assert d.outcome is Outcome.FAILED and d.reason == "too many calls at once"
    rows = esc.attempts(case_number=CASE)
    assert [(r.rung, r.outcome) for r in rows] == [
        (Rung.JUDGE, Outcome.BUSY), (Rung.DIVISION_OFFICE, Outcome.NO_ANSWER),
        (Rung.DIVISION_CHIEF, Outcome.ANSWERED), (Rung.JUDGE, Outcome.FAILED)]
    assert esc.link_to_order([a.id, b.id], 42) == 2
    assert [r.work_order_id for r in esc.attempts(case_number=CASE)] == [42, 42, None, None]
