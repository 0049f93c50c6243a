"""The staff's merchant pages: who may do what, the registry, one merchant's record over time, the edit. No Flask."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from flask_babel import gettext as _
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Integer, exists, func, or_
from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import ADMIN, HANDLER, INSPECTOR, SUPERVISOR, District, User, utcnow
from webapp.complaints import states
from webapp.complaints.models import Category, Complaint
from webapp.complaints.schemas import SHANGHAI, today_shanghai
from webapp.forms import FieldErrors, parse_id
from webapp.inspections.models import Inspection, InspectionTask, RectificationOrder, Sample
from webapp.merchants import dedup, uscc
from webapp.merchants.models import SECTORS, DuplicateSuspect, Merchant
from webapp.paging import Page, page_count

READERS = (HANDLER, INSPECTOR, SUPERVISOR, ADMIN)   # open the registry and merchant pages
EDITORS = (HANDLER, SUPERVISOR, ADMIN)              # correct a record (inspectors only read)
TRUSTERS = (SUPERVISOR, ADMIN)                      # award or withdraw 放心消费示范单位
MERGERS = (HANDLER, SUPERVISOR)                     # merge duplicates and dismiss suspects
PER_PAGE = 50
MONTHS = 12
LATEST = 10


# ---- who may do what -----------------------------------------------------------------------------------

def in_scope(user: User, district_id: int | None) -> bool:
    """Staff of the district, or city-level staff (no district) for every district."""
    return user.district_id is None or user.district_id == district_id


def can(user: User, action: str, merchant: Merchant | None = None) -> bool:
    """True when `user` may take `action` ("list", "view", "edit", "trust", "merge", "duplicates") on `merchant`."""
    if not getattr(user, "is_authenticated", False) or user.role not in READERS:
        return False
    roles = {"list": READERS, "view": READERS, "edit": EDITORS, "trust": TRUSTERS,
             "merge": MERGERS, "duplicates": MERGERS}.get(action)
    if roles is None or user.role not in roles:
        return False
    return merchant is None or in_scope(user, merchant.district_id)




# ---- the registry --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """The registry's filters as they travel in the query string (unknown values are dropped)."""

    q: str = ""
    sector: str = ""
    unverified: bool = False
    trusted: bool = False
    suspects: bool = False
    district_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the filters from request.args."""
        sector = args.get("sector", "")
        return cls(q=" ".join(args.get("q", "").split())[:60], sector=sector if sector in SECTORS else "",
                   unverified=args.get("unverified") == "1", trusted=args.get("trusted") == "1",
                   suspects=args.get("suspects") == "1", district_id=parse_id(args.get("district_id")),
                   page=parse_id(args.get("page")) or 1)

    def args(self, **changes) -> dict:
        """The filters that are set, as query arguments (for the pager's links)."""
        values = {}
        for key, value in vars(replace(self, **changes)).items():
            if value is True:
                values[key] = "1"
            elif value not in ("", None, False) and not (key == "page" and value == 1):
                values[key] = value
        return values

    @property
    def refined(self) -> bool:
        return any((self.sector, self.unverified, self.trusted, self.suspects, self.district_id))


@dataclass
class Row:
    merchant: Merchant
    complaints: int = 0
    open_complaints: int = 0
    suspect: bool = False



def _open_suspect_of(merchant_id_column):
    return exists().where(DuplicateSuspect.status == "open",
                          or_(DuplicateSuspect.merchant_id == merchant_id_column,
                              DuplicateSuspect.candidate_id == merchant_id_column))


def _fullwidth(text: str) -> str:
    # Names typed on a phone's Chinese keyboard often carry full-width letters and digits: ＡＢＣ, ３号.
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _search(q: str):
    """Name or address containing the text as typed, half-width or full-width; or part of the credit code."""
    text = unicodedata.normalize("NFKC", q)
    conditions = []
    # SQLite's lower() folds ASCII only: the full-width form is tried in both cases.
    for variant in dict.fromkeys((q, text, _fullwidth(text), _fullwidth(text.upper()))):
        conditions += [Merchant.name.icontains(variant, autoescape=True),
                       Merchant.address.icontains(variant, autoescape=True)]
    code = "".join(text.split()).upper()
    if code.isalnum():
        conditions.append(Merchant.uscc.contains(code, autoescape=True))
    return or_(*conditions)


def _registry_where(user: User, filters: Filters) -> list:
    where = [Merchant.merged_into_id.is_(None)]
    if user.district_id is not None:
        where.append(Merchant.district_id == user.district_id)
    elif filters.district_id:
        where.append(Merchant.district_id == filters.district_id)
    if filters.q:
        where.append(_search(filters.q))
    if filters.sector:
        where.append(Merchant.sector == filters.sector)
    if filters.unverified:
        where.append(Merchant.verified == False)  # noqa: E712
    if filters.trusted:
        where.append(Merchant.trusted == True)  # noqa: E712
    if filters.suspects:
        where.append(_open_suspect_of(Merchant.id))
    return where


def registry(session: Session, user: User, filters: Filters) -> Page:
    """Active (not merged-away) merchants the user may see matching `filters`, by name, a page at a time."""
    where = _registry_where(user, filters)
    total = session.exec(select(func.count(Merchant.id)).where(*where)).one()
    page = min(filters.page, page_count(total, PER_PAGE))
    merchants = session.exec(select(Merchant).where(*where).order_by(Merchant.name, Merchant.id)
                             .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    ids = [m.id for m in merchants]
    counts = complaint_counts(session, ids)
    flagged = suspect_ids(session, ids)
    rows = [Row(m, *counts.get(m.id, (0, 0)), suspect=m.id in flagged) for m in merchants]
    return Page(rows=rows, total=total, page=page, per_page=PER_PAGE, filters=replace(filters, page=page))


def complaint_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """{merchant id: (complaints, open complaints)} in one query."""
    if not ids:
        return {}
    is_open = func.sum(func.cast(Complaint.state.in_(states.OPEN_STATES), Integer()))
    stmt = (select(Complaint.merchant_id, func.count(Complaint.id), is_open)
            .where(Complaint.merchant_id.in_(ids)).group_by(Complaint.merchant_id))
    return {mid: (n, int(o or 0)) for mid, n, o in session.exec(stmt)}


def suspect_ids(session: Session, ids: list[int]) -> set[int]:
    """Which of these merchants take part in an open duplicate suspicion."""
    if not ids:
        return set()
    rows = session.exec(select(DuplicateSuspect.merchant_id, DuplicateSuspect.candidate_id).where(
        DuplicateSuspect.status == "open",
        or_(DuplicateSuspect.merchant_id.in_(ids), DuplicateSuspect.candidate_id.in_(ids)))).all()
    return {i for pair in rows for i in pair} & set(ids)


@dataclass
class Counts:
    """What hangs on a merchant record: what a merge would move."""

    complaints: int = 0
    inspections: int = 0
    samples: int = 0
    orders: int = 0
    tasks: int = 0


def counts(session: Session, ids: list[int]) -> dict[int, Counts]:
    """{merchant id: Counts} for several merchants, one grouped query per kind of record."""
    result = {i: Counts() for i in ids}
    if not ids:
        return result
    queries = {
        "complaints": select(Complaint.merchant_id, func.count(Complaint.id)).where(Complaint.merchant_id.in_(ids))
        .group_by(Complaint.merchant_id),
        "inspections": select(Inspection.merchant_id, func.count(Inspection.id))
        .where(Inspection.merchant_id.in_(ids)).group_by(Inspection.merchant_id),
        "samples": select(Inspection.merchant_id, func.count(Sample.id))
        .join(Inspection, Inspection.id == Sample.inspection_id)
        .where(Inspection.merchant_id.in_(ids)).group_by(Inspection.merchant_id),
        "orders": select(RectificationOrder.merchant_id, func.count(RectificationOrder.id))
        .where(RectificationOrder.merchant_id.in_(ids)).group_by(RectificationOrder.merchant_id),
        "tasks": select(InspectionTask.merchant_id, func.count(InspectionTask.id))
        .where(InspectionTask.merchant_id.in_(ids)).group_by(InspectionTask.merchant_id),
    }
    for name, stmt in queries.items():
        for merchant_id, n in session.exec(stmt):
            setattr(result[merchant_id], name, n)
    return result



# ---- one merchant over time ----------------------------------------------------------------------------

@dataclass
class Period:
    """One month's figures on the merchant page."""

    key: str                 # "2026-11"
    received: int = 0
    closed: int = 0
    recovered_fen: int = 0
    inspections: int = 0
    failed: int = 0
    samples: int = 0
    nonconforming: int = 0
    orders: int = 0


@dataclass
class Totals:
    """All-time figures of a merchant (within what the user may see)."""

    received: int = 0
    open: int = 0
    closed: int = 0
    recovered_fen: int = 0
    inspections: int = 0
    failed: int = 0
    samples: int = 0
    tested: int = 0
    nonconforming: int = 0
    orders: int = 0
    open_orders: int = 0
    overdue_orders: int = 0


@dataclass
class Record:
    """Everything the staff's merchant page shows."""

    merchant: Merchant
    district: District | None
    totals: Totals
    periods: list[Period]
    complaints: list[tuple[Complaint, Category]]
    inspections: list[Inspection]
    samples: list[tuple[Sample, Inspection]]
    orders: list[tuple[RectificationOrder, Inspection]]
    absorbed: list[Merchant]  # records merged into this one


def _local(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI).date()


def month_keys(today: date, n: int = MONTHS) -> list[str]:
    """The last `n` calendar months up to today's, oldest first, as "YYYY-MM"."""
    keys, year, month = [], today.year, today.month
    for _i in range(n):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def _scoped(stmt, column, user: User):
    return stmt if user.district_id is None else stmt.where(column == user.district_id)


def record(session: Session, user: User, merchant: Merchant, today: date | None = None) -> Record:
    """A merchant's complaints, inspections, samples and orders: totals, the last 12 months, the latest rows."""
    today = today or today_shanghai()
    periods = {k: Period(k) for k in month_keys(today)}
    totals = Totals()

    def bucket(moment):
        day = _local(moment)
        return periods.get(f"{day.year:04d}-{day.month:02d}") if day else None

    complaints = session.exec(_scoped(select(Complaint.state, Complaint.received_at, Complaint.closed_at,
                                             Complaint.concluded_at, Complaint.recovered_fen)
                                      .where(Complaint.merchant_id == merchant.id), Complaint.district_id, user)).all()
    for state, received_at, closed_at, concluded_at, recovered in complaints:
        totals.received += 1
        totals.open += state in states.OPEN_STATES
        if p := bucket(received_at):
            p.received += 1
        if closed_at is not None:
            totals.closed += 1
            if p := bucket(closed_at):
                p.closed += 1
        if recovered:
            totals.recovered_fen += recovered
            if p := bucket(concluded_at or closed_at):
                p.recovered_fen += recovered

    inspection_stmt = _scoped(select(Inspection).where(Inspection.merchant_id == merchant.id),
                              Inspection.district_id, user)
    inspections = session.exec(inspection_stmt.order_by(Inspection.captured_at.desc(), Inspection.id.desc())).all()
    by_id = {i.id: i for i in inspections}
    for inspection in inspections:
        totals.inspections += 1
        totals.failed += inspection.result == "fail"
        if p := bucket(inspection.captured_at):
            p.inspections += 1
            p.failed += inspection.result == "fail"

    samples = session.exec(select(Sample).where(Sample.inspection_id.in_(list(by_id) or [0]))
                           .order_by(Sample.id.desc())).all() if by_id else []
    for sample in samples:
        totals.samples += 1
        totals.tested += sample.lab_result is not None
        totals.nonconforming += sample.lab_result == "fail"
        if p := bucket(by_id[sample.inspection_id].captured_at):
            p.samples += 1
            p.nonconforming += sample.lab_result == "fail"

    orders = session.exec(select(RectificationOrder).where(RectificationOrder.merchant_id == merchant.id,
                                                           RectificationOrder.inspection_id.in_(list(by_id) or [0]))
                          ).all() if by_id else []
    for order in orders:
        totals.orders += 1
        if order.closed_at is None:
            totals.open_orders += 1
            totals.overdue_orders += order.due_on < today
        if p := bucket(by_id[order.inspection_id].captured_at):
            p.orders += 1
    # Open orders first, earliest deadline first; then the ones put right, latest first.
    orders = (sorted((o for o in orders if o.closed_at is None), key=lambda o: (o.due_on, o.id))
              + sorted((o for o in orders if o.closed_at is not None), key=lambda o: (o.due_on, o.id), reverse=True))

    latest = session.exec(_scoped(select(Complaint, Category).join(Category, Category.id == Complaint.category_id)
                                  .where(Complaint.merchant_id == merchant.id), Complaint.district_id, user)
                          .order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(LATEST)).all()
    return Record(
        merchant=merchant,
        district=session.get(District, merchant.district_id) if merchant.district_id else None,
        totals=totals, periods=list(periods.values()),
        complaints=list(latest),
        inspections=list(inspections[:LATEST]),
        samples=[(s, by_id[s.inspection_id]) for s in samples[:LATEST]],
        orders=[(o, by_id[o.inspection_id]) for o in orders[:LATEST]],
        absorbed=list(session.exec(select(Merchant).where(Merchant.merged_into_id == merchant.id)
                                   .order_by(Merchant.id))),
    )


# ---- duplicates ----------------------------------------------------------------------------------------

@dataclass
class Duplicate:
    """Another record that may be the same shop, with why we think so."""

    merchant: Merchant
    score: int
    reason: str
    suspect: DuplicateSuspect | None = None


def possible_duplicates(session: Session, user: User, merchant: Merchant) -> list[Duplicate]:
    """Open suspicions about this merchant, then look-alikes found now; only active records the user may see."""
    found: dict[int, Duplicate] = {}
    suspects = session.exec(select(DuplicateSuspect).where(
        DuplicateSuspect.status == "open",
        or_(DuplicateSuspect.merchant_id == merchant.id, DuplicateSuspect.candidate_id == merchant.id))
        .order_by(DuplicateSuspect.score.desc(), DuplicateSuspect.id)).all()
    for suspect in suspects:
        other_id = suspect.candidate_id if suspect.merchant_id == merchant.id else suspect.merchant_id
        other = session.get(Merchant, other_id)
        if other is not None and other.merged_into_id is None and in_scope(user, other.district_id):
            found.setdefault(other.id, Duplicate(other, suspect.score, suspect.reason, suspect))
    for other, score, reason in dedup.candidates(session, merchant.name, merchant.address, merchant.district_id,
                                                 exclude_id=merchant.id):
        if other.merged_into_id is None and in_scope(user, other.district_id):
            found.setdefault(other.id, Duplicate(other, int(score), reason))
    return list(found.values())


def suspects(session: Session, user: User) -> list[tuple[DuplicateSuspect, Merchant, Merchant]]:
    """Open suspicions the user may decide: both records visible to them."""
    return [(s, newer, older) for s, newer, older in dedup.open_suspects(session, user.district_id)
            if in_scope(user, newer.district_id) and in_scope(user, older.district_id)]


# ---- the edit ------------------------------------------------------------------------------------------

class MerchantForm(BaseModel):
    """The staff's edit form (fields the actor may not change are ignored by `update`)."""

    name: str = Field(min_length=1, max_length=120)
    uscc: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=200)
    district_id: int | None = None
    sector: str = "other"
    verified: bool = False
    trusted: bool = False

    @field_validator("name", "address")
    @classmethod
    def _spaces(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        # The registry's rule (GB 32100-2015) lives in uscc.py: the message says what is wrong.
        if not value.strip():
            return ""
        code = uscc.problem(value)
        if code:
            raise ValueError(uscc.messages()[code])
        return uscc.normalize(value)

    @field_validator("district_id", mode="before")
    @classmethod
    def _blank_district(cls, value):
        return None if value in ("", None) else value

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        if value not in SECTORS:
            raise ValueError(_("Please choose one of the options."))
        return value


class UsccTaken(FieldErrors):
    """The credit code belongs to another active record: the page links to it (perhaps a merge is due)."""

    def __init__(self, other: Merchant):
        super().__init__({"uscc": _("Another merchant already has this credit code: %(name)s.", name=other.name)})
        self.other = other


EDITABLE = ("name", "uscc", "address", "district_id", "sector", "verified", "trusted", "trusted_since")


def form_values(merchant: Merchant) -> dict:
    """The edit form's values for a record."""
    return {"name": merchant.name, "uscc": merchant.uscc or "", "address": merchant.address,
            "district_id": str(merchant.district_id or ""), "sector": merchant.sector,
            "verified": merchant.verified, "trusted": merchant.trusted}


def update(session: Session, actor: User, merchant: Merchant, data: MerchantForm) -> dict:
    """Apply the edit: district only by city-level staff, trusted only by supervisors and admins; audited."""
    code = data.uscc or None
    if code:
        other = session.exec(select(Merchant).where(Merchant.uscc == code, Merchant.id != merchant.id,
                                                    Merchant.merged_into_id.is_(None))).first()
        if other is not None:
            raise UsccTaken(other)
    wanted = {"name": data.name, "uscc": code, "address": data.address, "sector": data.sector,
              "verified": data.verified}
    if actor.district_id is None and data.district_id != merchant.district_id:
        if data.district_id is None or session.get(District, data.district_id) is None:
            raise FieldErrors({"district_id": _("Please choose one of the options.")})
        wanted["district_id"] = data.district_id
    if can(actor, "trust", merchant) and data.trusted != merchant.trusted:
        wanted["trusted"] = data.trusted
        wanted["trusted_since"] = today_shanghai() if data.trusted else None
    before = {k: getattr(merchant, k) for k in EDITABLE}
    for key, value in wanted.items():
        setattr(merchant, key, value)
    changed = {k for k in EDITABLE if getattr(merchant, k) != before[k]}
    if not changed:
        return {}
    merchant.updated_at = utcnow()
    session.add(merchant)
    session.flush()
    after = {k: getattr(merchant, k) for k in sorted(changed)}
    audit.record(session, actor, "merchant.edit", merchant, before={k: before[k] for k in sorted(changed)},
                 after=after)
    return after
