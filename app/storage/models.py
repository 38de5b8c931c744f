"""peewee models for the local database.

Storage side of the boundary: only app/storage imports this module; the rest of
the application sees the plain dataclasses the repositories return. The tables
themselves are created by the SQL migrations in ``app.storage.db`` (frozen
history); these models must describe the same columns, which a test checks.

Models bind to ``database_proxy``; nothing connects at import time.

Room for later tables (seat states, queue samples, work orders): add a model
here and a migration at the end of ``db.MIGRATIONS``, then add it to
``ALL_MODELS``.
"""
from __future__ import annotations

import peewee

from app.storage.db import database_proxy


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class CallRecord(BaseModel):
    """One call in the seat's history; written at offer/dial, answer and end.

    ``result`` is NULL while the call is still going (or when the desktop was
    killed mid-call; see HistoryRepository.close_interrupted).
    """
    id = peewee.AutoField()
    sip_call_id = peewee.TextField(default="", index=True)
    direction = peewee.TextField()                 # CallDirection value: in/out
    peer_uri = peewee.TextField(default="")
    peer_number = peewee.TextField(default="", index=True)
    peer_display = peewee.TextField(default="")
    started_at = peewee.FloatField(index=True)     # epoch seconds
    answered_at = peewee.FloatField(null=True)
    ended_at = peewee.FloatField(null=True)
    duration_s = peewee.FloatField(default=0.0)    # talk time, answer to end
    result = peewee.TextField(null=True)           # CallResult value
    reason = peewee.TextField(default="")          # e.g. "486 Busy Here"
    account = peewee.TextField(default="")         # our SIP account (AOR)
    updated_at = peewee.FloatField()

    class Meta:
        table_name = "call_record"


class Setting(BaseModel):
    """A key and its JSON-encoded value. Never a password (see settings_repo)."""
    key = peewee.TextField(primary_key=True)
    value = peewee.TextField()                     # JSON text
    updated_at = peewee.FloatField()

    class Meta:
        table_name = "setting"


class SeatStateChange(BaseModel):
    """One seat presence as the wallboard received it (a state change or a
    refresh). The latest row per seat is the seat's last known state."""
    id = peewee.AutoField()
    seat = peewee.TextField()
    court = peewee.TextField(default="")
    state = peewee.TextField()                     # SeatState value
    reason = peewee.TextField(default="")
    since = peewee.FloatField()                    # epoch s, from the seat
    name = peewee.TextField(default="")
    queues = peewee.TextField(default="")          # JSON list of queue ids
    calls_today = peewee.IntegerField(default=0)
    received_at = peewee.FloatField(index=True)    # epoch s, wallboard's clock

    class Meta:
        table_name = "seat_state_change"
        indexes = ((("seat", "received_at"), False),)


class QueueSample(BaseModel):
    """One queue presence (QueuePresence) at time ``ts``."""
    id = peewee.AutoField()
    queue = peewee.TextField()
    court = peewee.TextField(default="")
    ts = peewee.FloatField(index=True)             # epoch s (QueuePresence.updated)
    waiting = peewee.IntegerField()
    oldest_wait_s = peewee.FloatField(default=0.0)
    answered = peewee.IntegerField(default=0)
    abandoned = peewee.IntegerField(default=0)
    service_level = peewee.FloatField(default=1.0)
    sl_threshold_s = peewee.IntegerField(default=20)
    overflow_active = peewee.BooleanField(default=False)
    lent_in = peewee.IntegerField(default=0)
    lent_out = peewee.IntegerField(default=0)
    lending_until = peewee.FloatField(null=True)

    class Meta:
        table_name = "queue_sample"
        indexes = ((("queue", "ts"), False),)


class CaseFile(BaseModel):
    """One case in the local case directory (the demo's case source).

    ``password_hash`` is an scrypt string (app.domain.cases.hash_password);
    ``internal_notes`` never leaves the lookup service.
    """
    id = peewee.AutoField()
    case_number = peewee.TextField(unique=True)
    court_code = peewee.TextField(default="")
    court_name = peewee.TextField(default="")
    cause = peewee.TextField(default="")
    status = peewee.TextField(default="")
    stage = peewee.TextField(default="")
    division = peewee.TextField(default="")
    judge = peewee.TextField(default="")
    filed_at = peewee.FloatField(default=0.0)
    next_hearing_at = peewee.FloatField(null=True)
    hearing_room = peewee.TextField(default="")
    query_code = peewee.TextField(unique=True)
    password_hash = peewee.TextField()
    internal_notes = peewee.TextField(default="")
    updated_at = peewee.FloatField()

    class Meta:
        table_name = "case_file"


class CaseParty(BaseModel):
    id = peewee.AutoField()
    case = peewee.ForeignKeyField(CaseFile, column_name="case_id", backref="parties",
                                  on_delete="CASCADE")
    role = peewee.TextField(default="")
    name = peewee.TextField()
    id_number = peewee.TextField(default="", index=True)   # normalized, upper-case X
    phone = peewee.TextField(default="", index=True)       # 11 digits

    class Meta:
        table_name = "case_party"


class CaseStepRow(BaseModel):
    id = peewee.AutoField()
    case = peewee.ForeignKeyField(CaseFile, column_name="case_id", backref="steps",
                                  on_delete="CASCADE")
    at = peewee.FloatField()
    text = peewee.TextField()

    class Meta:
        table_name = "case_step"


class CaseLookupAudit(BaseModel):
    """One case lookup attempt. Append-only: triggers refuse UPDATE and DELETE."""
    id = peewee.AutoField()
    at = peewee.FloatField(index=True)
    seat = peewee.TextField(default="")
    caller_number = peewee.TextField(default="")
    method = peewee.TextField()                    # LookupMethod value
    subject = peewee.TextField(default="")         # query code / case number / phone
    outcome = peewee.TextField()                   # LookupOutcome value
    case_ids = peewee.TextField(default="")        # comma-separated source ids
    source = peewee.TextField(default="")
    detail = peewee.TextField(default="")

    class Meta:
        table_name = "case_lookup_audit"


class KbArticle(BaseModel):
    """A knowledge-base article; its search index is the kb_fts virtual table,
    maintained with SQL by KnowledgeRepository (peewee has no model for it)."""
    id = peewee.AutoField()
    question = peewee.TextField()
    answer = peewee.TextField()
    category = peewee.TextField(default="", index=True)
    tags = peewee.TextField(default="")            # comma-separated
    legal_basis = peewee.TextField(default="")
    updated_by = peewee.TextField(default="")
    updated_at = peewee.FloatField()

    class Meta:
        table_name = "kb_article"


class WrapUp(BaseModel):
    """The seat's record of one call, written at the end of wrap-up."""
    id = peewee.AutoField()
    sip_call_id = peewee.TextField(default="", index=True)
    seat = peewee.TextField(default="")
    caller_number = peewee.TextField(default="")
    court_code = peewee.TextField(default="")      # the court the call concerned
    queue = peewee.TextField(default="")           # the queue it came from ("" = direct)
    category = peewee.TextField()                  # WrapUpCategory value
    notes = peewee.TextField(default="")
    case_number = peewee.TextField(default="")
    work_order_id = peewee.IntegerField(null=True)
    call_started_at = peewee.FloatField(null=True)
    call_answered_at = peewee.FloatField(null=True)
    call_ended_at = peewee.FloatField(null=True)
    saved_at = peewee.FloatField(index=True)

    class Meta:
        table_name = "wrap_up"


class WorkOrder(BaseModel):
    """A task sent to a judge or a division about a case, tracked until done."""
    id = peewee.AutoField()
    case_number = peewee.TextField(default="", index=True)
    court_code = peewee.TextField(default="")
    recipient_kind = peewee.TextField()            # judge / division
    recipient_name = peewee.TextField(default="")
    recipient_phone = peewee.TextField(default="")
    division = peewee.TextField(default="")
    caller_number = peewee.TextField(default="")
    caller_name = peewee.TextField(default="")
    content = peewee.TextField()
    urgency = peewee.TextField()                   # normal / urgent
    due_at = peewee.FloatField()
    status = peewee.TextField()                    # sent/acknowledged/done/overdue/cancelled
    sms_status = peewee.TextField(default="")
    created_by = peewee.TextField(default="")
    created_at = peewee.FloatField(index=True)
    acknowledged_at = peewee.FloatField(null=True)
    done_at = peewee.FloatField(null=True)
    last_reminded_at = peewee.FloatField(null=True)
    reminders = peewee.IntegerField(default=0)
    updated_at = peewee.FloatField()

    class Meta:
        table_name = "work_order"
        indexes = ((("status", "due_at"), False),)


class WorkOrderEvent(BaseModel):
    """What happened to a work order: created, SMS sent/failed, reminded,
    acknowledged, done, overdue, cancelled."""
    id = peewee.AutoField()
    order = peewee.ForeignKeyField(WorkOrder, column_name="order_id", backref="events",
                                   on_delete="CASCADE")
    at = peewee.FloatField()
    kind = peewee.TextField()
    actor = peewee.TextField(default="")
    detail = peewee.TextField(default="")

    class Meta:
        table_name = "work_order_event"
        indexes = ((("order", "at"), False),)


class EscalationAttempt(BaseModel):
    """One rung of the urgent escalation ladder, dialled through the softphone."""
    id = peewee.AutoField()
    at = peewee.FloatField(index=True)
    seat = peewee.TextField(default="")
    caller_number = peewee.TextField(default="")
    case_number = peewee.TextField(default="", index=True)
    rung = peewee.TextField()                      # judge / division_office / division_chief
    name = peewee.TextField(default="")
    number = peewee.TextField(default="")
    outcome = peewee.TextField(default="")         # answered / no_answer / busy / failed / ""
    reason = peewee.TextField(default="")
    sip_call_id = peewee.TextField(default="")
    ended_at = peewee.FloatField(null=True)
    work_order_id = peewee.IntegerField(null=True)

    class Meta:
        table_name = "escalation_attempt"


class ConsultQuestion(BaseModel):
    """A question a seat put to the consulting judge, and the answer."""
    id = peewee.AutoField()
    uid = peewee.TextField(unique=True)            # travels in SIP between desks
    asked_at = peewee.FloatField(index=True)
    seat = peewee.TextField(default="")
    seat_name = peewee.TextField(default="")
    caller_number = peewee.TextField(default="")
    case_number = peewee.TextField(default="")
    court_code = peewee.TextField(default="")
    channel = peewee.TextField()                   # call / written
    question = peewee.TextField()
    context = peewee.TextField(default="")         # the seat's notes so far
    status = peewee.TextField()                    # open / answered
    answer = peewee.TextField(default="")
    answered_by = peewee.TextField(default="")
    answered_at = peewee.FloatField(null=True)
    kb_article_id = peewee.IntegerField(null=True)
    updated_at = peewee.FloatField()
    delivery = peewee.TextField(default="")        # "" / sending / delivered / failed
    delivery_note = peewee.TextField(default="")   # SIP final status or the local error
    delivery_to = peewee.TextField(default="")     # the number the MESSAGE went to
    answer_delivery = peewee.TextField(default="")         # the answer's MESSAGE, as delivery
    answer_delivery_note = peewee.TextField(default="")
    answer_category = peewee.TextField(default="")         # sent with the answer
    answer_legal_basis = peewee.TextField(default="")

    class Meta:
        table_name = "consult_question"


class Complaint(BaseModel):
    """A complaint about a court: priority, restricted visibility (that court
    and the consulting judge), followed to closure with a call back."""
    id = peewee.AutoField()
    created_at = peewee.FloatField(index=True)
    created_by = peewee.TextField(default="")
    caller_number = peewee.TextField(default="")
    caller_name = peewee.TextField(default="")
    court_code = peewee.TextField()
    case_number = peewee.TextField(default="")
    content = peewee.TextField()
    priority = peewee.TextField()                  # high / urgent
    status = peewee.TextField()                    # open/dispatched/in_progress/resolved/closed
    dispatched_to = peewee.TextField(default="")
    dispatched_at = peewee.FloatField(null=True)
    resolution = peewee.TextField(default="")
    callback_at = peewee.FloatField(null=True)
    callback_outcome = peewee.TextField(default="")
    closed_at = peewee.FloatField(null=True)
    updated_at = peewee.FloatField()

    class Meta:
        table_name = "complaint"
        indexes = ((("court_code", "status"), False),)


class ComplaintEvent(BaseModel):
    id = peewee.AutoField()
    complaint = peewee.ForeignKeyField(Complaint, column_name="complaint_id", backref="events",
                                       on_delete="CASCADE")
    at = peewee.FloatField()
    kind = peewee.TextField()
    actor = peewee.TextField(default="")
    detail = peewee.TextField(default="")

    class Meta:
        table_name = "complaint_event"
        indexes = ((("complaint", "at"), False),)


ALL_MODELS: tuple[type[BaseModel], ...] = (
    CallRecord, Setting, SeatStateChange, QueueSample,
    CaseFile, CaseParty, CaseStepRow, CaseLookupAudit, KbArticle,
    WrapUp, WorkOrder, WorkOrderEvent, EscalationAttempt, ConsultQuestion,
    Complaint, ComplaintEvent)
