"""Shared helpers of the outreach tests: an event row made directly, without the service under test."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from webapp.auth.models import User
from webapp.demo_data import DEMO_PASSWORD
from webapp.outreach.codes import new_code
from webapp.outreach.models import EventVolunteer, OutreachEvent


def make_event(session, base_data, recorder=None, **overrides) -> OutreachEvent:
    """An outreach event of the volunteer's district (CX), held today unless told otherwise; committed."""
    recorder = recorder or base_data.users["volunteer"]
    values = dict(
        client_uuid=str(uuid.uuid4()), body_sha256="0" * 64,
        public_code=new_code(session, OutreachEvent.public_code),
        district_id=recorder.district_id or base_data.districts["CX"].id, recorder_id=recorder.id,
        held_on=date.today(), venue_type="community", place="幸福社区广场", formats=["desk", "leaflets"],
        audiences=["elderly"], topic="防范养老诈骗", participants=120, consultations=35, leaflets=400,
        banners=2, boards=4, volunteers=5, captured_at=datetime.now(timezone.utc))
    values.update(overrides)
    event = OutreachEvent(**values)
    session.add(event)
    session.flush()
    session.add(EventVolunteer(event_id=event.id, user_id=recorder.id))
    session.commit()
    return event


def make_user(session, base_data, role: str, district: str | None = "CX", name: str = "张三") -> User:
    """Another account of `role` in `district` (a code, or None for city level), password DEMO_PASSWORD."""
    district_id = base_data.districts[district].id if district else None
    user = User(username=f"{role}-{district}-{uuid.uuid4().hex[:6]}".lower(), display_name=name, role=role,
                district_id=district_id)
    user.set_password(DEMO_PASSWORD)
    session.add(user)
    session.commit()
    return user


def sign_in(client, user) -> None:
    """Sign the test client in as `user`."""
    response = client.post("/login", data={"username": user.username, "password": DEMO_PASSWORD})
    assert response.status_code in (200, 303), response.status_code
