"""The handler's transitions, deadlines with pauses, optimistic locking and notifications, hit directly."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from webapp import workdays
from webapp.audit import AuditLog
from webapp.auth.models import User
from webapp.complaints import deadlines, handling, service, states
from webapp.complaints.models import Complaint, ComplaintEvent, ComplaintPause
from webapp.complaints.workflow import Conflict
from webapp.forms import FieldErrors

SHANGHAI_NOON = 4  # 12:00 in Shanghai is 04:00 UTC


def utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, SHANGHAI_NOON, tzinfo=timezone.utc)


@pytest.fixture
def people(base_data):
    return base_data.users


def _events(session, complaint):
    return [e.kind for e in service.timeline(session, complaint, public_only=False)]


def _mediating(session, people, make_complaint):
    complaint = make_complaint()
    handling.accept(session, people["handler"], complaint, complaint.version)
    handling.assign(session, people["handler"], complaint, complaint.version, people["handler"])
    session.commit()
    return complaint


# --- every allowed transition -------------------------------------------------------------------

def test_accept_sets_owner_and_mediation_deadline(session, people, make_complaint):
    complaint = make_complaint()
    handling.accept(session, people["handler"], complaint, 1)
    session.commit()
    assert complaint.state == states.ACCEPTED and complaint.owner_id == people["handler"].id
    accepted = deadlines.local_date(complaint.accepted_at)
    assert complaint.conclude_due_on == workdays.add_workdays(accepted, 45)
    audit = session.exec(select(AuditLog).where(AuditLog.action == "complaint.accept")).one()
    assert audit.before["state"] == "submitted" and audit.after["state"] == "accepted"
    assert audit.actor_id == people["handler"].id


def test_reject_needs_a_listed_reason_and_the_consumer_sees_it(session, people, make_complaint):
    complaint = make_complaint()
    with pytest.raises(FieldErrors):
        handling.reject(session, people["handler"], complaint, 1, "", "")
    with pytest.raises(FieldErrors):
        handling.reject(session, people["handler"], complaint, 1, "because", "")
    session.rollback()
    handling.reject(session, people["handler"], complaint, 1, "court_or_arbitration", "法院已受理")
    session.commit()
    assert complaint.state == states.REJECTED and complaint.reject_reason == "court_or_arbitration"
    public = [(e.kind, e.note) for e in service.timeline(session, complaint)]
    assert ("rejected", "法院已受理") in public


def test_mediation_steps_internal_notes_stay_internal(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    handling.log_step(session, people["handler"], complaint, complaint.version, "call", "已电话联系商家", True)
    handling.log_step(session, people["handler"], complaint, complaint.version, "note", "商家态度差,内部记录", False)
    session.commit()
    public = [e.kind for e in service.timeline(session, complaint)]
    assert "step_call" in public and "step_note" not in public
    assert "step_note" in _events(session, complaint)
    with pytest.raises(FieldErrors):
        handling.log_step(session, people["handler"], complaint, complaint.version, "gossip", "x", True)


def test_resolve_records_outcome_and_money(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    with pytest.raises(FieldErrors):
        handling.resolve(session, people["handler"], complaint, complaint.version, "退款", -100)
    with pytest.raises(FieldErrors):
        handling.resolve(session, people["handler"], complaint, complaint.version, "", 100)
    session.rollback()
    handling.resolve(session, people["handler"], complaint, complaint.version, "商家退款并赔偿", 22720)
    session.commit()
    assert complaint.state == states.RESOLVED and complaint.recovered_fen == 22720 and complaint.concluded_at


def test_fail_with_advice_then_close_and_archive(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    handling.fail(session, people["handler"], complaint, complaint.version, "arbitration", "建议申请仲裁")
    handling.close(session, people["handler"], complaint, complaint.version)
    handling.archive(session, people["handler"], complaint, complaint.version)
    session.commit()
    assert complaint.state == states.ARCHIVED
    assert _events(session, complaint)[-3:] == ["failed_arbitration", "closed", "archived"]


def test_refer_to_enforcement(session, people, make_complaint):
    complaint = make_complaint()
    handling.accept(session, people["handler"], complaint, 1)
    handling.refer(session, people["handler"], complaint, complaint.version, "涉嫌销售过期食品,转执法")
    session.commit()
    assert complaint.state == states.REFERRED and complaint.outcome.startswith("涉嫌")


def test_only_a_supervisor_reassigns_with_a_reason(session, people, make_complaint, base_data):
    complaint = _mediating(session, people, make_complaint)
    colleague = User(username="handler2", display_name="二号", role="handler",
                     district_id=complaint.district_id, password_hash="x")
    session.add(colleague)
    session.commit()
    with pytest.raises(handling.NotPermitted):
        handling.assign(session, people["handler"], complaint, complaint.version, colleague, "忙")
    with pytest.raises(FieldErrors):
        handling.assign(session, people["supervisor"], complaint, complaint.version, colleague, "")
    session.rollback()
    handling.assign(session, people["supervisor"], complaint, complaint.version, colleague, "原承办人休假")
    session.commit()
    assert complaint.assignee_id == colleague.id
    assert complaint.owner_id == people["handler"].id  # 首问负责: the first handler stays the owner
    assert "reassigned" in _events(session, complaint)


def test_assignee_must_be_staff_of_the_district(session, people, make_complaint):
    complaint = make_complaint()
    handling.accept(session, people["handler"], complaint, 1)
    with pytest.raises(FieldErrors):
        handling.assign(session, people["handler"], complaint, complaint.version, people["inspector"])
    other = User(username="far", display_name="远", role="handler", password_hash="x",
                 district_id=next(d.id for d in _districts(session) if d.id != complaint.district_id))
    session.add(other)
    session.flush()
    with pytest.raises(FieldErrors):
        handling.assign(session, people["handler"], complaint, complaint.version, other)


def _districts(session):
    from webapp.auth.models import District
    return session.exec(select(District)).all()


def test_follow_up_and_consumer_rating(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    handling.resolve(session, people["handler"], complaint, complaint.version, "退款", 5680)
    service.accept_outcome(session, None, complaint)
    session.commit()
    assert complaint.state == states.CLOSED and complaint.closed_at
    handling.follow_up(session, people["handler"], complaint, complaint.version, 4, "电话回访,基本满意")
    session.commit()
    assert complaint.satisfaction == 4
    with pytest.raises(FieldErrors):
        service.rate(session, None, complaint, 5, "")


def test_consumer_rates_once_in_range(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    handling.resolve(session, people["handler"], complaint, complaint.version, "退款", 100)
    handling.close(session, people["handler"], complaint, complaint.version)
    with pytest.raises(FieldErrors):
        service.rate(session, None, complaint, 6, "")
    service.rate(session, None, complaint, 5, "很满意")
    session.commit()
    assert complaint.satisfaction == 5 and complaint.satisfaction_comment == "很满意"


def test_dispute_within_15_days_reopens_mediation(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    handling.resolve(session, people["handler"], complaint, complaint.version, "换货", 0)
    session.commit()
    service.dispute(session, None, complaint, "换的货还是坏的")
    session.commit()
    assert complaint.state == states.MEDIATING and complaint.concluded_at is None
    assert complaint.conclude_due_on == workdays.add_workdays(deadlines.local_date(complaint.accepted_at), 45)


def test_dispute_after_15_days_is_refused(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    handling.resolve(session, people["handler"], complaint, complaint.version, "换货", 0)
    complaint.concluded_at = datetime.now(timezone.utc) - timedelta(days=16)
    session.commit()
    assert not service.dispute_open(complaint)
    with pytest.raises(states.TransitionNotAllowed):
        service.dispute(session, None, complaint, "太晚了")


def test_supervisor_reminder_is_internal(session, people, make_complaint):
    complaint = _mediating(session, people, make_complaint)
    with pytest.raises(handling.NotPermitted):
        handling.remind(session, people["handler"], complaint, "请尽快")
    event = handling.remind(session, people["supervisor"], complaint, "已超期,请今天处理")
    session.commit()
    assert event.kind == "reminder" and event.public is False
    assert "reminder" not in [e.kind for e in service.timeline(session, complaint)]


# --- forbidden transitions --------------------------------------------------------------------

FORBIDDEN = [
    ("resolve", states.SUBMITTED), ("accept", states.ACCEPTED), ("reject", states.MEDIATING),
    ("close", states.MEDIATING), ("archive", states.MEDIATING), ("withdraw", states.CLOSED),
    ("fail", states.ACCEPTED), ("refer", states.CLOSED), ("assign", states.SUBMITTED),
    ("log_step", states.ACCEPTED), ("dispute", states.MEDIATING), ("accept_outcome", states.MEDIATING),
    ("rate", states.RESOLVED), ("add_info", states.CLOSED), ("request_info", states.RESOLVED),
]


@pytest.mark.parametrize("action,state", FORBIDDEN)
def test_forbidden_transitions_leave_the_complaint_unchanged(session, people, make_complaint, action, state):
    complaint = make_complaint()
    complaint.state = state
    session.commit()
    version = complaint.version
    handler = people["handler"]
    calls = {
        "resolve": lambda: handling.resolve(session, handler, complaint, version, "x", 0),
        "accept": lambda: handling.accept(session, handler, complaint, version),
        "reject": lambda: handling.reject(session, handler, complaint, version, "duplicate", ""),
        "close": lambda: handling.close(session, handler, complaint, version),
        "archive": lambda: handling.archive(session, handler, complaint, version),
        "withdraw": lambda: service.withdraw(session, None, complaint, ""),
        "fail": lambda: handling.fail(session, handler, complaint, version, "court", ""),
        "refer": lambda: handling.refer(session, handler, complaint, version, "x"),
        "assign": lambda: handling.assign(session, handler, complaint, version, handler),
        "log_step": lambda: handling.log_step(session, handler, complaint, version, "call", "x", True),
        "dispute": lambda: service.dispute(session, None, complaint, "x"),
        "accept_outcome": lambda: service.accept_outcome(session, None, complaint),
        "rate": lambda: service.rate(session, None, complaint, 5, ""),
        "add_info": lambda: service.add_info(session, None, complaint, "x", [], None),
        "request_info": lambda: handling.request_info(session, handler, complaint, version, "x"),
    }
    with pytest.raises(states.TransitionNotAllowed):
        calls[action]()
    session.rollback()
    session.refresh(complaint)
    assert complaint.state == state and complaint.version == version


def test_every_action_in_the_table_is_tested():
    tested = {a for a, _ in FORBIDDEN} | {"follow_up", "remind"}
    assert set(states.TRANSITIONS) <= tested


# --- optimistic locking ----------------------------------------------------------------------

def test_stale_version_is_a_conflict_and_changes_nothing(session, people, make_complaint, app):
    from sqlmodel import Session
    complaint = make_complaint()
    stale = complaint.version
    with Session(app.extensions["db_engine"]) as other:
        theirs = other.get(Complaint, complaint.id)
        handling.accept(other, people["handler"], theirs, stale)
        other.commit()
    with pytest.raises(Conflict):
        handling.reject(session, people["handler"], complaint, stale, "duplicate", "重复")
    session.rollback()
    fresh = session.get(Complaint, complaint.id)
    session.refresh(fresh)
    assert fresh.state == states.ACCEPTED and fresh.version == stale + 1
    assert session.exec(select(AuditLog).where(AuditLog.action == "complaint.reject")).first() is None


# --- deadlines in working days, with pauses -----------------------------------------------------

def test_accept_deadline_across_national_day(session, make_complaint):
    complaint = make_complaint()
    complaint.received_at = utc(date(2026, 9, 29))
    deadlines.recompute(session, complaint)
    # 30 Sep, then the holiday 1–7 Oct, then 9, 10 (Saturday, an adjusted workday), 12, 13, 14 Oct.
    assert complaint.accept_due_on == date(2026, 10, 14)


def test_mediation_deadline_across_spring_festival(session, make_complaint):
    complaint = make_complaint()
    complaint.state, complaint.accepted_at = states.ACCEPTED, utc(date(2026, 2, 10))
    deadlines.recompute(session, complaint)
    assert complaint.conclude_due_on == workdays.add_workdays(date(2026, 2, 10), 45)
    days = workdays.workdays_between(date(2026, 2, 10), complaint.conclude_due_on)
    assert days == 45 and not workdays.is_workday(date(2026, 2, 17))  # Spring Festival off
    assert workdays.is_workday(date(2026, 2, 14))  # the adjusted Saturday counts


def test_pause_excludes_days_waiting_for_the_consumer(session, make_complaint):
    complaint = make_complaint()
    complaint.received_at = utc(date(2026, 9, 29))
    session.add(ComplaintPause(complaint_id=complaint.id, started_on=date(2026, 9, 30), ended_on=date(2026, 10, 12)))
    session.flush()
    deadlines.recompute(session, complaint)
    # 30 Sep and 9–10 Oct are paused: counting resumes on 12 Oct: 12, 13, 14, 15, 16, 19, 20.
    assert complaint.accept_due_on == date(2026, 10, 20)


def test_open_pause_stops_the_clock_and_answer_restarts_it(session, people, make_complaint, app):
    complaint = make_complaint()
    handling.request_info(session, people["handler"], complaint, complaint.version, "请补充购物小票")
    session.commit()
    assert complaint.paused_since is not None and complaint.accept_due_on is None
    clock = deadlines.clock(complaint, date.today())
    assert clock.paused and clock.left is None and not clock.overdue
    with pytest.raises(FieldErrors):
        handling.request_info(session, people["handler"], complaint, complaint.version, "再补充")
    session.rollback()
    service.add_info(session, None, complaint, "小票已上传", [], None)
    session.commit()
    assert complaint.paused_since is None and complaint.accept_due_on is not None
    pause = session.exec(select(ComplaintPause)).one()
    assert pause.ended_on is not None


def test_clock_counts_working_days_left_and_overdue(session, make_complaint):
    complaint = make_complaint()
    complaint.accept_due_on = date(2026, 10, 12)
    assert deadlines.clock(complaint, date(2026, 9, 30)).left == 4  # 9, 10 (Sat, workday) and 12 Oct
    assert deadlines.clock(complaint, date(2026, 10, 9)).due_soon
    late = deadlines.clock(complaint, date(2026, 10, 14))
    assert late.overdue and late.left == -2


# --- notifications -----------------------------------------------------------------------------

class Collector:
    name = "email"

    def __init__(self):
        self.sent = []

    def send(self, to, subject, body):
        self.sent.append((to, subject, body))


def test_consumer_is_notified_of_public_updates_only(app, session, people, make_complaint):
    from webapp.complaints import notices
    collector = Collector()
    app.extensions["notify_channels"]["email"] = collector
    complaint = make_complaint(consumer_email="wang@example.com")
    event = handling.accept(session, people["handler"], complaint, 1) or service.timeline(session, complaint)[-1]
    session.commit()
    internal = ComplaintEvent(complaint_id=complaint.id, kind="step_note", note="内部", public=False)
    with app.test_request_context():
        assert notices.consumer_update(complaint, event)
        assert not notices.consumer_update(complaint, internal)
    to, subject, body = collector.sent[0]
    assert to == "wang@example.com" and complaint.tracking_code in subject and "受理" in subject
    assert len(collector.sent) == 1


def test_smtp_channel_delivers_a_real_message():
    from aiosmtpd.controller import Controller
    from webapp.notify import SmtpChannel

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        SmtpChannel("127.0.0.1", port, "noreply@xiaobao.local").send("wang@example.com", "投诉进度", "已受理")
    finally:
        controller.stop()
    import email
    from email.policy import default
    assert handler.messages[0].rcpt_tos == ["wang@example.com"]
    message = email.message_from_bytes(handler.messages[0].content, policy=default)
    assert message["Subject"] == "投诉进度" and message.get_content().strip() == "已受理"


def test_unread_updates_counted_until_seen(session, people, make_complaint):
    complaint = make_complaint()
    assert service.unread_count(session, complaint) == 0  # the consumer's own submission is not news
    handling.accept(session, people["handler"], complaint, 1)
    handling.assign(session, people["handler"], complaint, complaint.version, people["handler"])
    session.commit()
    assert service.unread_count(session, complaint) == 2
    quiet = make_complaint()
    assert service.unread_counts(session, [complaint, quiet]) == {complaint.id: 2}   # the list's one query
    assert service.mark_seen(session, complaint) == 2
    session.commit()
    assert service.unread_count(session, complaint) == 0
    assert service.unread_counts(session, [complaint, quiet]) == {}
