"""What the consumer and the handlers are told, and through which channel (webapp.notify)."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlmodel import select

from webapp import notify
from webapp.auth.models import HANDLER, User
from webapp.complaints.choices import EVENT_KINDS
from webapp.complaints.models import Complaint, ComplaintEvent
from webapp.complaints.states import LABELS as STATE_LABELS
from webapp.db import get_session


def _link(complaint: Complaint) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/track?code={complaint.tracking_code}"


def consumer_update(complaint: Complaint, event: ComplaintEvent | None) -> bool:
    """E-mail the consumer about a public update on their complaint (Chinese, like the UI's default)."""
    if event is None or not event.public:
        return False
    address = complaint.consumer_email
    if not address and complaint.consumer_id:
        user = get_session().get(User, complaint.consumer_id)
        address = user.email if user else None
    with force_locale("zh_Hans_CN"):
        subject = _("Your complaint %(code)s: %(what)s", code=complaint.tracking_code,
                    what=EVENT_KINDS.get(event.kind, event.kind))
        body = "\n\n".join(filter(None, [
            _("Status: %(state)s", state=STATE_LABELS[complaint.state]),
            event.note,
            _("Follow it with your tracking code and the last four digits of your mobile number: %(link)s",
              link=_link(complaint)),
        ]))
    return notify.send("email", address, subject, body)


def staff_reminder(complaint: Complaint, event: ComplaintEvent) -> bool:
    """督办: tell the handler responsible (or, for an unassigned case, the district's handlers)."""
    session = get_session()
    handler_id = complaint.assignee_id or complaint.owner_id
    if handler_id:
        recipients = [session.get(User, handler_id)]
    else:
        recipients = list(session.exec(select(User).where(
            User.role == HANDLER, User.active == True, User.district_id == complaint.district_id)))  # noqa: E712
    with force_locale("zh_Hans_CN"):
        subject = _("Reminder on complaint %(code)s", code=complaint.tracking_code)
        body = "\n\n".join(filter(None, [event.note, _link(complaint)]))
    sent = [notify.send("email", user.email, subject, body) for user in recipients if user is not None]
    return any(sent)
