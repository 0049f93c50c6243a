"""Queries behind the handler's inbox, the 督办 list and the referrals, scoped to the user's district."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import and_, case, func, null, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from webapp import workdays
from webapp.auth.models import User
from webapp.complaints import deadlines, states
from webapp.complaints.choices import CHANNELS
from webapp.complaints.models import Category, Complaint, ComplaintEvent
from webapp.forms import parse_id
from webapp.merchants.models import Merchant
from webapp.paging import Page, page_count

PER_PAGE = 25
DUE_FILTERS = ("overdue", "due_soon", "paused")
Assignee = aliased(User, name="assignee")
Owner = aliased(User, name="owner")

# The due date the complaint works against now (deadlines.current_due, in SQL): none when paused or done.
DUE = case(
    (and_(Complaint.paused_since.is_(None), Complaint.state == states.SUBMITTED), Complaint.accept_due_on),
    (and_(Complaint.paused_since.is_(None), Complaint.state.in_((states.ACCEPTED, states.MEDIATING))),
     Complaint.conclude_due_on),
    else_=null(),
)
# Most urgent first: running clocks by due date, then paused open cases, then everything concluded.
BUCKET = case((DUE.is_not(None), 0), (Complaint.state.in_(states.OPEN_STATES), 1), else_=2)






@dataclass(frozen=True)
class Filters:
    """The inbox filters as they travel in the query string (unknown values are ignored)."""

    state: str = ""
    category_id: int | None = None
    merchant: str = ""
    channel: str = ""
    due: str = ""
    assignee: str = ""  # "me", "none" or a user id
    q: str = ""
    district_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the filters from request.args, dropping what is not one of the choices."""
        state = args.get("state", "")
        assignee = args.get("assignee", "")
        return cls(
            state=state if state == "open" or state in states.LABELS else "",
            category_id=parse_id(args.get("category_id")),
            merchant=args.get("merchant", "").strip()[:60],
            channel=args.get("channel", "") if args.get("channel", "") in CHANNELS else "",
            due=args.get("due", "") if args.get("due", "") in DUE_FILTERS else "",
            assignee=assignee if assignee in ("me", "none") or parse_id(assignee) else "",
            q=args.get("q", "").strip()[:60],
            district_id=parse_id(args.get("district_id")),
            page=parse_id(args.get("page")) or 1,
        )

    def args(self, **changes) -> dict:
        """The non-empty filters as query arguments (for links to other pages of the list)."""
        values = {k: v for k, v in vars(replace(self, **changes)).items() if v not in ("", None)}
        if values.get("page") == 1:
            del values["page"]
        return values

    @property
    def refined(self) -> bool:
        """True when a filter beyond the search box is set (the filter panel then opens)."""
        return any((self.state, self.category_id, self.merchant, self.channel, self.due, self.assignee,
                    self.district_id))


@dataclass
class Row:
    """One complaint with what its card shows, loaded in the same query."""

    complaint: Complaint
    merchant: Merchant
    category: Category
    assignee: User | None
    clock: deadlines.Clock
    owner: User | None = None
    reminders: int = 0
    last_reminder: datetime | None = None



def scoped(stmt, user: User):
    """Limit to the user's district; city-level staff (no district) see all."""
    if user.district_id is not None:
        stmt = stmt.where(Complaint.district_id == user.district_id)
    return stmt


def _search(q: str):
    """Tracking code, the consumer's phone or the merchant's name, whichever the text looks like."""
    text = unicodedata.normalize("NFKC", q).strip()
    conditions = [Merchant.name.icontains(text, autoescape=True)]
    code = re.sub(r"[\s\-]", "", text).upper()
    if re.fullmatch(r"[A-Z0-9]{3,10}", code):
        conditions.append(Complaint.tracking_code.contains(code, autoescape=True))
    digits = re.sub(r"[\s\-]", "", text)
    if re.fullmatch(r"\d{4,11}", digits):
        conditions.append(Complaint.consumer_phone.contains(digits, autoescape=True))
    return or_(*conditions)


def _where(user: User, filters: Filters, today: date) -> list:
    where = []
    if user.district_id is None and filters.district_id:
        where.append(Complaint.district_id == filters.district_id)
    if filters.state == "open":
        where.append(Complaint.state.in_(states.OPEN_STATES))
    elif filters.state:
        where.append(Complaint.state == filters.state)
    if filters.category_id:
        where.append(Complaint.category_id == filters.category_id)
    if filters.merchant:
        where.append(Merchant.name.icontains(filters.merchant, autoescape=True))
    if filters.channel:
        where.append(Complaint.channel == filters.channel)
    if filters.due == "overdue":
        where.append(DUE < today)
    elif filters.due == "due_soon":
        # left = working days after today up to the due date, 0..2: due before the 3rd working day after today.
        soon_limit = workdays.add_workdays(today, deadlines.DUE_SOON_WORKDAYS + 1)
        where.append(and_(DUE >= today, DUE < soon_limit))
    elif filters.due == "paused":
        where.append(and_(Complaint.paused_since.is_not(None), Complaint.state.in_(states.OPEN_STATES)))
    if filters.assignee == "me":
        where.append(Complaint.assignee_id == user.id)
    elif filters.assignee == "none":
        where.append(Complaint.assignee_id.is_(None))
    elif filters.assignee:
        where.append(Complaint.assignee_id == int(filters.assignee))
    if filters.q:
        where.append(_search(filters.q))
    return where


def _rows(session: Session, stmt, today: date) -> list[Row]:
    return [Row(complaint=c, merchant=m, category=cat, assignee=a, clock=deadlines.clock(c, today))
            for c, m, cat, a in session.exec(stmt)]


def _joined(*columns):
    return (select(*columns).join(Merchant, Merchant.id == Complaint.merchant_id)
            .join(Category, Category.id == Complaint.category_id)
            .outerjoin(Assignee, Assignee.id == Complaint.assignee_id))


def inbox(session: Session, user: User, filters: Filters, today: date) -> Page:
    """The complaints of the user's district matching `filters`, most urgent first, a page at a time."""
    where = _where(user, filters, today)
    total = session.exec(scoped(_joined(func.count(Complaint.id)).where(*where), user)).one()
    pages = page_count(total, PER_PAGE)
    page = min(filters.page, pages)
    stmt = (scoped(_joined(Complaint, Merchant, Category, Assignee).where(*where), user)
            .order_by(BUCKET, DUE, Complaint.received_at.desc(), Complaint.id.desc())
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return Page(rows=_rows(session, stmt, today), total=total, page=page, per_page=PER_PAGE,
                filters=replace(filters, page=page))


def reminders(session: Session, complaint_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """{complaint id: (how many 督办 reminders, the latest one's time)} in one query."""
    if not complaint_ids:
        return {}
    stmt = (select(ComplaintEvent.complaint_id, func.count(ComplaintEvent.id), func.max(ComplaintEvent.created_at))
            .where(ComplaintEvent.kind == "reminder", ComplaintEvent.complaint_id.in_(complaint_ids))
            .group_by(ComplaintEvent.complaint_id))
    return {cid: (n, last) for cid, n, last in session.exec(stmt)}


def overdue(session: Session, user: User, today: date, only: int | None = None) -> list[Row]:
    """督办: open complaints overdue or due within 2 working days, with their handler and reminders."""
    soon_limit = workdays.add_workdays(today, deadlines.DUE_SOON_WORKDAYS + 1)
    stmt = (scoped(_joined(Complaint, Merchant, Category, Assignee, Owner)
                   .outerjoin(Owner, Owner.id == Complaint.owner_id)
                   .where(DUE < soon_limit), user)
            .order_by(DUE, Complaint.received_at, Complaint.id))
    if only is not None:
        stmt = stmt.where(Complaint.id == only)
    rows = [Row(complaint=c, merchant=m, category=cat, assignee=a, owner=o, clock=deadlines.clock(c, today))
            for c, m, cat, a, o in session.exec(stmt)]
    sent = reminders(session, [r.complaint.id for r in rows])
    for row in rows:
        row.reminders, row.last_reminder = sent.get(row.complaint.id, (0, None))
    return rows


def referrals(session: Session, user: User, page: int, today: date) -> Page:
    """诉转案: complaints handed to enforcement, latest first."""
    where = [Complaint.state == states.REFERRED]
    total = session.exec(scoped(_joined(func.count(Complaint.id)).where(*where), user)).one()
    pages = page_count(total, PER_PAGE)
    page = min(max(page, 1), pages)
    stmt = (scoped(_joined(Complaint, Merchant, Category, Assignee).where(*where), user)
            .order_by(Complaint.concluded_at.desc(), Complaint.id.desc())
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return Page(rows=_rows(session, stmt, today), total=total, page=page, per_page=PER_PAGE,
                filters=Filters(page=page))


def assignable(session: Session, user: User) -> list[User]:
    """People the assignee filter offers: active handlers and supervisors the user can see working."""
    stmt = select(User).where(User.role.in_(("handler", "supervisor")), User.active == True)  # noqa: E712
    if user.district_id is not None:
        stmt = stmt.where((User.district_id == user.district_id) | (User.district_id == None))  # noqa: E711
    return list(session.exec(stmt.order_by(User.display_name, User.id)))


def users_by_id(session: Session, ids) -> dict[int, User]:
    """Users for a set of ids in one query (timeline actors, audit actors)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))}
