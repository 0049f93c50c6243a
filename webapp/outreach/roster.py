"""The volunteer roster: invitations district staff hand out, joining through one, and who took part.

No Flask here. Invitations are plain rows; a join claims one place with a single conditional UPDATE, so
two people racing for the last place cannot both get it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, update
from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import VOLUNTEER, District, User, utcnow
from webapp.forms import FieldErrors
from webapp.outreach import codes
from webapp.outreach.models import EventVolunteer, OutreachEvent, VolunteerInvite
from webapp.outreach.policy import ROSTER_ROLES, in_scope

DAYS = (1, 30)          # how long an invitation stays open
MAX_USES = (1, 200)     # how many people may join through one
PROBLEMS = ("unknown", "expired", "used_up", "revoked")


class InviteProblem(Exception):
    """The invitation cannot be used (any of PROBLEMS)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


@dataclass
class Participation:
    """One volunteer with the events they took part in, the last one's day, and the events they recorded."""

    user: User
    events: int
    last_held_on: date | None
    recorded: int


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _may_manage(actor: User, district_id: int | None) -> bool:
    return actor is not None and actor.role in ROSTER_ROLES and in_scope(actor, district_id)


def create_invite(session: Session, actor: User, district_id: int | None, days: int,
                  max_uses: int) -> VolunteerInvite:
    """An invitation to the roster of `district_id` (district staff: their own), open `days` days."""
    if actor.district_id is not None and district_id is None:
        district_id = actor.district_id
    errors = {}
    if district_id is None:
        errors["district_id"] = "required"
    elif session.get(District, district_id) is None:
        errors["district_id"] = "district"
    if not DAYS[0] <= days <= DAYS[1]:
        errors["days"] = "range"
    if not MAX_USES[0] <= max_uses <= MAX_USES[1]:
        errors["max_uses"] = "range"
    if errors:
        raise FieldErrors(errors)
    if not _may_manage(actor, district_id):
        raise PermissionError("not this district's staff")
    now = utcnow()
    invite = VolunteerInvite(code=codes.new_code(session, VolunteerInvite.code), district_id=district_id,
                             created_by_id=actor.id, created_at=now, expires_at=now + timedelta(days=days),
                             max_uses=max_uses, uses=0)
    session.add(invite)
    session.flush()
    audit.record(session, actor, "volunteer_invite.create", invite,
                 after={"district_id": district_id, "expires_at": invite.expires_at, "max_uses": max_uses})
    return invite


def revoke(session: Session, actor: User, invite: VolunteerInvite) -> VolunteerInvite:
    """Close an invitation now; a revoked one stays revoked."""
    if not _may_manage(actor, invite.district_id):
        raise PermissionError("not this district's staff")
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        session.add(invite)
        session.flush()
        audit.record(session, actor, "volunteer_invite.revoke", invite, after={"revoked_at": invite.revoked_at})
    return invite


def problem(invite: VolunteerInvite | None, now: datetime | None = None) -> str | None:
    """Why the invitation cannot be used now (one of PROBLEMS), or None when it can."""
    if invite is None:
        return "unknown"
    if invite.revoked_at is not None:
        return "revoked"
    if _aware(invite.expires_at) <= (now or utcnow()):
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return None


def usable(invite: VolunteerInvite, now: datetime | None = None) -> bool:
    """Open, not expired, with places left."""
    return problem(invite, now) is None


def find_usable(session: Session, raw_code: str | None,
                now: datetime | None = None) -> tuple[VolunteerInvite | None, str | None]:
    """(invite, None) when the code typed or carried by a link can be used, else (invite or None, problem)."""
    code = codes.normalize(raw_code)
    invite = session.exec(select(VolunteerInvite).where(VolunteerInvite.code == code)).first() if code else None
    trouble = problem(invite, now)
    return (invite, trouble)


def phone_taken(session: Session, phone: str) -> bool:
    """Someone already signs in with this number (as a username) or has it on their account."""
    found = session.exec(select(User.id).where((User.username == phone) | (User.phone == phone))).first()
    return found is not None


def join(session: Session, invite: VolunteerInvite, data) -> User:
    """A new volunteer of the invitation's district, signing in by mobile number; takes one place."""
    if phone_taken(session, data.phone):
        raise FieldErrors({"phone": "taken"})
    now = utcnow()
    # One statement checks and takes the place: the database serialises racing joins on this row.
    claimed = session.execute(
        update(VolunteerInvite)
        .where(VolunteerInvite.id == invite.id, VolunteerInvite.uses < VolunteerInvite.max_uses,
               VolunteerInvite.revoked_at.is_(None), VolunteerInvite.expires_at > now)
        .values(uses=VolunteerInvite.uses + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(invite)
    if claimed != 1:
        raise InviteProblem(problem(invite, now) or "used_up")
    user = User(username=data.phone, phone=data.phone, display_name=data.display_name, role=VOLUNTEER,
                district_id=invite.district_id)
    user.set_password(data.password)
    session.add(user)
    session.flush()
    audit.record(session, user, "volunteer.join", user,
                 after={"role": VOLUNTEER, "district_id": invite.district_id, "invite_id": invite.id})
    return user


def members(session: Session, district_id: int | None) -> list[User]:
    """The district's active volunteers by name (None: the whole city's), for "who took part"."""
    query = select(User).where(User.role == VOLUNTEER, User.active.is_(True))
    if district_id is not None:
        query = query.where(User.district_id == district_id)
    return list(session.exec(query.order_by(User.display_name, User.id)))


def participation(session: Session, district_id: int | None, since: date | None = None) -> list[Participation]:
    """Every volunteer of the district (None: the city), active or not, with their events since `since`."""
    took_part = (select(EventVolunteer.user_id.label("uid"), func.count(OutreachEvent.id).label("n"),
                        func.max(OutreachEvent.held_on).label("last"))
                 .join(OutreachEvent, OutreachEvent.id == EventVolunteer.event_id))
    recorded = select(OutreachEvent.recorder_id.label("uid"), func.count(OutreachEvent.id).label("n"))
    if since is not None:
        took_part = took_part.where(OutreachEvent.held_on >= since)
        recorded = recorded.where(OutreachEvent.held_on >= since)
    took_part = took_part.group_by(EventVolunteer.user_id).subquery()
    recorded = recorded.group_by(OutreachEvent.recorder_id).subquery()
    query = (select(User, took_part.c.n, took_part.c.last, recorded.c.n)
             .outerjoin(took_part, took_part.c.uid == User.id)
             .outerjoin(recorded, recorded.c.uid == User.id)
             .where(User.role == VOLUNTEER))
    if district_id is not None:
        query = query.where(User.district_id == district_id)
    query = query.order_by(User.active.desc(), User.display_name, User.id)
    return [Participation(user, events or 0, last, rec or 0) for user, events, last, rec in session.exec(query)]


def set_active(session: Session, actor: User, user: User, active: bool) -> User:
    """Deactivate a volunteer who left (they can no longer sign in), or take them back."""
    if user.role != VOLUNTEER or not _may_manage(actor, user.district_id):
        raise PermissionError("not a volunteer of this district")
    if user.active != active:
        user.active = active
        session.add(user)
        session.flush()
        audit.record(session, actor, "volunteer.activate" if active else "volunteer.deactivate", user,
                     before={"active": not active}, after={"active": active})
    return user


def open_invites(session: Session, district_id: int | None, now: datetime | None = None) -> list[VolunteerInvite]:
    """Invitations not revoked and not expired (used-up ones too, until they expire), newest first."""
    query = select(VolunteerInvite).where(VolunteerInvite.revoked_at.is_(None),
                                          VolunteerInvite.expires_at > (now or utcnow()))
    if district_id is not None:
        query = query.where(VolunteerInvite.district_id == district_id)
    return list(session.exec(query.order_by(VolunteerInvite.created_at.desc(), VolunteerInvite.id.desc())))


def grouped(code: str) -> str:
    """ABCDEFGH -> ABCD-EFGH: easier to read out and type; normalize() drops the dash again."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
