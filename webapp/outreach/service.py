"""Recording and correcting outreach events. No Flask here.

Everything sent is checked against the data before anything is written, so a refused record leaves no
trace; the route commits once. A replayed client_uuid is recognised by the route before it calls in here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import VOLUNTEER, District, User, utcnow
from webapp.campaigns.models import OUTREACH, Campaign
from webapp.forms import FieldErrors
from webapp.media.models import Photo
from webapp.media.photos import ProcessedPhoto
from webapp.media.records import save_photos
from webapp.media.storage import LocalStorage
from webapp.outreach.codes import new_code
from webapp.outreach.models import COUNTS, EventVolunteer, OutreachEvent
from webapp.outreach.schemas import EventCreate, EventFields

CAMPAIGN_LOOKBACK_DAYS = 60   # an event logged late may still belong to a campaign that just ended
EDITABLE = ("held_on", "start_time", "end_time", "campaign_id", "district_id", "venue_type", "place",
            "formats", "audiences", "topic", *COUNTS, "note")


@dataclass
class Checked:
    """What the form refers to, loaded and found acceptable."""

    district_id: int
    campaign: Campaign | None = None
    volunteer_ids: list[int] = field(default_factory=list)   # everyone who took part, the recorder included


def find_by_client_uuid(session: Session, client_uuid: str | None) -> OutreachEvent | None:
    """The event a phone already sent with this idempotency key, if any."""
    if not client_uuid:
        return None
    return session.exec(select(OutreachEvent).where(OutreachEvent.client_uuid == client_uuid)).first()


def offered_campaigns(session: Session, district_id: int | None, today: date) -> list[Campaign]:
    """Outreach campaigns an event logged today may belong to: active, of the city or the district."""
    stmt = select(Campaign).where(Campaign.kind == OUTREACH, Campaign.active == True,  # noqa: E712
                                  Campaign.starts_on <= today,
                                  Campaign.ends_on >= today - timedelta(days=CAMPAIGN_LOOKBACK_DAYS))
    if district_id is not None:
        stmt = stmt.where((Campaign.district_id == None) | (Campaign.district_id == district_id))  # noqa: E711
    return list(session.exec(stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def roster_ids(session: Session, district_id: int) -> set[int]:
    """The district's active volunteers."""
    return set(session.exec(select(User.id).where(User.role == VOLUNTEER, User.active == True,  # noqa: E712
                                                  User.district_id == district_id)))


def check(session: Session, data: EventFields, recorder: User, district_id: int | None) -> Checked:
    """Load and check every reference of the form; FieldErrors({field: code}) names all that are wrong."""
    errors: dict[str, str] = {}
    if district_id is None or session.get(District, district_id) is None:
        errors["district_id"] = "district"
    campaign = None
    if data.campaign_id:
        campaign = session.get(Campaign, data.campaign_id)
        if (campaign is None or campaign.kind != OUTREACH or not campaign.active
                or campaign.district_id not in (None, district_id)):
            errors["campaign_id"] = "campaign"
        elif not campaign.starts_on <= data.held_on <= campaign.ends_on:
            errors["campaign_id"] = "campaign_period"
    people = set(data.volunteer_ids)
    if people and district_id is not None and not people <= roster_ids(session, district_id) | {recorder.id}:
        errors["volunteer_ids"] = "volunteer"
    if recorder.role == VOLUNTEER:
        people.add(recorder.id)
    if len(people) > data.volunteers:
        errors["volunteers"] = "too_few_volunteers"
    if errors:
        raise FieldErrors(errors)
    # The recorder took part even when staff log the event: they were there to log it.
    return Checked(district_id=district_id, campaign=campaign, volunteer_ids=sorted(people | {recorder.id}))


def _fields(data: EventFields, checked: Checked) -> dict:
    values = {name: getattr(data, name) for name in EDITABLE}
    values.update(district_id=checked.district_id, campaign_id=getattr(checked.campaign, "id", None))
    return values


def create_event(session: Session, actor: User, data: EventCreate, photos: list[ProcessedPhoto],
                 storage: LocalStorage, body_sha256: str) -> OutreachEvent:
    """Record an event with who took part and its photos; all of it or (FieldErrors) nothing."""
    # District staff and volunteers log their own district's events; city-level recorders say which one.
    checked = check(session, data, actor, actor.district_id or data.district_id)
    event = OutreachEvent(client_uuid=data.client_uuid, body_sha256=body_sha256,
                          public_code=new_code(session, OutreachEvent.public_code), recorder_id=actor.id,
                          captured_at=data.captured_at or utcnow(), received_at=utcnow(),
                          **_fields(data, checked))
    session.add(event)
    session.flush()
    for user_id in checked.volunteer_ids:
        session.add(EventVolunteer(event_id=event.id, user_id=user_id))
    for row in save_photos(session, storage, photos, uploaded_by_id=actor.id):
        row.outreach_event_id = event.id
    session.flush()
    audit.record(session, actor, "outreach_event.create", event, after={
        **_fields(data, checked), "volunteer_ids": checked.volunteer_ids, "photos": len(photos),
        "captured_at": event.captured_at})
    return event


def volunteer_ids(session: Session, event: OutreachEvent) -> list[int]:
    """Everyone listed as having taken part, the recorder included."""
    return sorted(session.exec(select(EventVolunteer.user_id).where(EventVolunteer.event_id == event.id)))


def update_event(session: Session, actor: User, event: OutreachEvent, data: EventFields) -> OutreachEvent:
    """The recorder's edit, or staff's correction (audited as such, with what it was before)."""
    recorder = session.get(User, event.recorder_id)
    # Only city-level staff may move an event to another district.
    district_id = (data.district_id or event.district_id) if actor.district_id is None else event.district_id
    checked = check(session, data, recorder, district_id)
    new = _fields(data, checked)
    before = {k: getattr(event, k) for k in new if getattr(event, k) != new[k]}
    after = {k: new[k] for k in before}
    old_people = volunteer_ids(session, event)
    if old_people != checked.volunteer_ids:
        before["volunteer_ids"], after["volunteer_ids"] = old_people, checked.volunteer_ids
        for link in session.exec(select(EventVolunteer).where(EventVolunteer.event_id == event.id)):
            if link.user_id not in checked.volunteer_ids:
                session.delete(link)
        for user_id in set(checked.volunteer_ids) - set(old_people):
            session.add(EventVolunteer(event_id=event.id, user_id=user_id))
    if not after:
        return event
    for key, value in new.items():
        setattr(event, key, value)
    event.updated_at, event.updated_by_id = utcnow(), actor.id
    session.add(event)
    session.flush()
    action = "outreach_event.edit" if actor.id == event.recorder_id else "outreach_event.correct"
    audit.record(session, actor, action, event, before=before, after=after)
    return event


def photos_of(session: Session, event: OutreachEvent) -> list[Photo]:
    """The event's photos, in the order they were sent."""
    return list(session.exec(select(Photo).where(Photo.outreach_event_id == event.id).order_by(Photo.id)))


def taken_part_in(user: User):
    """A condition on OutreachEvent: the events `user` recorded or took part in."""
    return OutreachEvent.id.in_(select(EventVolunteer.event_id).where(EventVolunteer.user_id == user.id))


def events(session: Session, *where, limit: int = 50) -> list[tuple[OutreachEvent, str]]:
    """Events matching the conditions with their district's label, latest first."""
    stmt = (select(OutreachEvent, District).join(District, District.id == OutreachEvent.district_id)
            .where(*where).order_by(OutreachEvent.held_on.desc(), OutreachEvent.id.desc()).limit(limit))
    return list(session.exec(stmt))
