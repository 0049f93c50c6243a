"""群体投诉: many complaints about one merchant and one category in a short time, flagged to supervisors.

The rule (decided here, and only here):
- Complaints count when they are about the same merchant (merchant_id) and the same category
  (category_id), were received within the last `window_days` days (counting back from the new one,
  which counts too), and are not withdrawn (撤诉) or rejected (不予受理): a withdrawn complaint is no
  longer a grievance, a rejected one was judged outside the office's remit.
- If an open cluster of that merchant and category received its last complaint within the window, the
  new complaint joins it (the same wave is still going on), whatever the count.
- Otherwise, when the counted complaints not yet in any cluster reach `threshold`, a cluster is created
  and all of them are linked. Complaints of a cluster already marked handled never count again: that
  wave was dealt with, and a new cluster needs `threshold` new complaints.
- A created cluster writes an audit row `cluster.flag` and, once the transaction commits, a notice to
  the supervisors of its district and the city-level supervisors. Joining an existing cluster is silent.
- A later withdrawal does not unlink a complaint: the cluster records what arrived.

Two complaints filed at once must not make two clusters: the merchant row is locked (SELECT … FOR NO KEY
UPDATE on PostgreSQL, which does not conflict with the key-share lock the complaint's own foreign key
takes; SQLite ignores it, and serialises writers anyway), then everything is read again under the lock.

No Flask here: the notice is composed and sent by webapp.complaints.cluster_notices after the commit.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import event, update
from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import HANDLER, SUPERVISOR, District, User, utcnow
from webapp.complaints import states
from webapp.complaints.models import Category, Complaint, ComplaintCluster
from webapp.forms import FieldErrors
from webapp.merchants.models import Merchant

log = logging.getLogger("xiaobao.clusters")

OPEN, HANDLED = "open", "handled"
NOT_COUNTED = (states.WITHDRAWN, states.REJECTED)
NOTE_MAX = 500
STAFF = (HANDLER, SUPERVISOR)
DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS = 5, 30


# --- detection -------------------------------------------------------------------------------------

def detect(session: Session, complaint: Complaint, threshold: int = DEFAULT_THRESHOLD,
           window_days: int = DEFAULT_WINDOW_DAYS) -> ComplaintCluster | None:
    """Link a just-flushed complaint to its collective complaint, creating one when the count is reached."""
    if complaint.cluster_id is not None:
        return session.get(ComplaintCluster, complaint.cluster_id)
    if complaint.state in NOT_COUNTED:
        return None
    # Serialise detection per merchant (FOR NO KEY UPDATE): a concurrent filing waits here until this one commits.
    session.exec(select(Merchant.id).where(Merchant.id == complaint.merchant_id)
                 .with_for_update(key_share=True)).one()
    cutoff = complaint.received_at - timedelta(days=window_days)
    cluster = open_cluster(session, complaint.merchant_id, complaint.category_id, cutoff)
    if cluster is not None:
        _link(cluster, [complaint])
        session.flush()
        return cluster
    members = list(session.exec(
        select(Complaint).where(Complaint.merchant_id == complaint.merchant_id,
                                Complaint.category_id == complaint.category_id,
                                Complaint.received_at >= cutoff,
                                Complaint.state.not_in(NOT_COUNTED),
                                Complaint.cluster_id.is_(None))
        .order_by(Complaint.received_at, Complaint.id)))
    if complaint not in members:  # its received_at is the cutoff's anchor: only a bad clock could drop it
        members.append(complaint)
    if len(members) < max(threshold, 1):
        return None
    cluster = ComplaintCluster(merchant_id=complaint.merchant_id, category_id=complaint.category_id,
                               district_id=complaint.district_id, first_received_at=complaint.received_at,
                               last_received_at=complaint.received_at, size=0, status=OPEN)
    session.add(cluster)
    session.flush()
    _link(cluster, members)
    session.flush()
    audit.record(session, None, "cluster.flag", cluster,
                 after={"merchant_id": cluster.merchant_id, "category_id": cluster.category_id,
                        "district_id": cluster.district_id, "size": cluster.size, "threshold": threshold,
                        "window_days": window_days, "complaints": [c.tracking_code for c in members]})
    _queue_notice(session, flagged_notice(session, cluster))
    return cluster


def open_cluster(session: Session, merchant_id: int, category_id: int,
                 since: datetime) -> ComplaintCluster | None:
    """The open cluster of this merchant and category whose last complaint came after `since` (oldest first)."""
    return session.exec(select(ComplaintCluster).where(
        ComplaintCluster.merchant_id == merchant_id, ComplaintCluster.category_id == category_id,
        ComplaintCluster.status == OPEN, ComplaintCluster.last_received_at >= since,
    ).order_by(ComplaintCluster.id)).first()


def _link(cluster: ComplaintCluster, complaints: list[Complaint]) -> None:
    for c in complaints:
        if c.cluster_id == cluster.id:
            continue
        c.cluster_id = cluster.id
        cluster.size += 1
        cluster.first_received_at = min(cluster.first_received_at, c.received_at)
        cluster.last_received_at = max(cluster.last_received_at, c.received_at)


def refresh(session: Session, cluster: ComplaintCluster) -> ComplaintCluster:
    """Recount size and first/last dates from the linked complaints (after back-dating or a merge)."""
    received = [c.received_at for c in members(session, cluster)]
    if received:
        cluster.size, cluster.first_received_at, cluster.last_received_at = len(received), min(received), max(received)
    session.flush()
    return cluster


# --- the notice to supervisors, sent only when the transaction commits ----------------------------

@dataclass
class FlaggedNotice:
    """What the supervisors are told about a new collective complaint (plain data, read before commit)."""

    cluster_id: int
    size: int
    merchant_name: str
    merchant_address: str
    category_name: str
    district_name: str
    first_received_at: datetime
    last_received_at: datetime
    recipients: list[str] = field(default_factory=list)  # e-mail addresses


def supervisors_for(session: Session, district_id: int) -> list[User]:
    """Active supervisors of the district and of the whole city."""
    return list(session.exec(select(User).where(
        User.role == SUPERVISOR, User.active == True,  # noqa: E712
        (User.district_id == district_id) | (User.district_id.is_(None))).order_by(User.id)))


def flagged_notice(session: Session, cluster: ComplaintCluster) -> FlaggedNotice:
    """The notice about `cluster`, with the addresses of the supervisors to tell."""
    merchant = session.get(Merchant, cluster.merchant_id)
    category = session.get(Category, cluster.category_id)
    district = session.get(District, cluster.district_id)
    return FlaggedNotice(
        cluster_id=cluster.id, size=cluster.size, merchant_name=merchant.name if merchant else "",
        merchant_address=(merchant.address or "") if merchant else "",
        category_name=category.name if category else "", district_name=district.name if district else "",
        first_received_at=cluster.first_received_at, last_received_at=cluster.last_received_at,
        recipients=[u.email for u in supervisors_for(session, cluster.district_id) if u.email])


_PENDING, _HOOKED = "clusters.pending_notices", "clusters.hooked"


def _queue_notice(session: Session, notice: FlaggedNotice) -> None:
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
        session.info[_HOOKED] = True
    session.info.setdefault(_PENDING, []).append(notice)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)  # the cluster was never saved: nobody is told


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    from webapp.complaints import cluster_notices  # Flask lives there, not here
    for notice in pending:
        log.info("collective complaint %s flagged: %s, %s, %s complaints", notice.cluster_id,
                 notice.merchant_name, notice.category_name, notice.size)
        cluster_notices.send_flagged(notice)


# --- what staff see and do ------------------------------------------------------------------------

def visible(user, cluster: ComplaintCluster) -> bool:
    """Handlers and supervisors see their district's clusters; city-level ones see all."""
    return (getattr(user, "role", None) in STAFF and
            (user.district_id is None or user.district_id == cluster.district_id))


def may_mark_handled(user, cluster: ComplaintCluster) -> bool:
    """Only a supervisor of the cluster's district (or the city) closes a collective complaint."""
    return visible(user, cluster) and user.role == SUPERVISOR


@dataclass
class Row:
    """One cluster with what its card shows."""

    cluster: ComplaintCluster
    merchant: Merchant
    category: Category
    district: District


LIST_LIMIT = 200


def for_user(session: Session, user: User) -> list[Row]:
    """The user's district's clusters: open ones first, then the most recently active."""
    stmt = (select(ComplaintCluster, Merchant, Category, District)
            .join(Merchant, Merchant.id == ComplaintCluster.merchant_id)
            .join(Category, Category.id == ComplaintCluster.category_id)
            .join(District, District.id == ComplaintCluster.district_id))
    if user.district_id is not None:
        stmt = stmt.where(ComplaintCluster.district_id == user.district_id)
    stmt = stmt.order_by((ComplaintCluster.status == OPEN).desc(), ComplaintCluster.last_received_at.desc(),
                         ComplaintCluster.id.desc()).limit(LIST_LIMIT)
    return [Row(*r) for r in session.exec(stmt)]


def members(session: Session, cluster: ComplaintCluster) -> list[Complaint]:
    """The linked complaints, oldest first."""
    return list(session.exec(select(Complaint).where(Complaint.cluster_id == cluster.id)
                             .order_by(Complaint.received_at, Complaint.id)))


def clean_note(raw: str | None) -> str:
    return "".join(ch for ch in (raw or "") if ch in "\n\t" or ord(ch) >= 32 and ord(ch) != 127).strip()


class AlreadyHandled(Exception):
    """Someone marked the cluster handled in the meantime."""


def mark_handled(session: Session, actor: User, cluster: ComplaintCluster, note: str) -> ComplaintCluster:
    """A supervisor records how the collective complaint was dealt with (e.g. joint mediation, referral)."""
    note = clean_note(note)
    if not note:
        raise FieldErrors({"note": "required"})
    if len(note) > NOTE_MAX:
        raise FieldErrors({"note": "too_long"})
    if cluster.status != OPEN:
        raise AlreadyHandled()
    before = {"status": cluster.status, "note": cluster.note}
    now = utcnow()
    # Only one of two supervisors pressing at once wins: the row changes only while it is still open.
    changed = session.execute(update(ComplaintCluster).where(
        ComplaintCluster.id == cluster.id, ComplaintCluster.status == OPEN,
    ).values(status=HANDLED, note=note, handled_by_id=actor.id, handled_at=now)).rowcount
    if changed != 1:
        raise AlreadyHandled()
    session.refresh(cluster)
    audit.record(session, actor, "cluster.handled", cluster, before=before,
                 after={"status": cluster.status, "note": note, "handled_at": cluster.handled_at})
    return cluster


# --- demo -----------------------------------------------------------------------------------------

DEMO_NAMESPACE = uuid.UUID("3a1f0c94-7d2b-4e61-9c85-5b0e2f7a6d13")
DEMO_MERCHANT = ("健身力量健身房", "城东区体育路20号", "CD", "fitness")
# (days ago, consumer, phone, amount in yuan, what happened)
DEMO_STORIES = [
    (19, "刘先生", "13906110231", "2680.00",
     "去年办理健身年卡2680元\uff0c最近门店以装修为由停业\uff0c电话无人接听\uff0c要求退还剩余费用\u3002"),
    (15, "孙女士", "13906110472", "3600.00",
     "充值3600元购买私教课\uff0c只上了6节课\uff0c健身房突然关门\uff0c教练也联系不上\u3002"),
    (12, "周先生", "13906110518", "1980.00",
     "健身房门口贴出停业通知\uff0c会员卡余额无法使用\uff0c前台称老板已转让门店\u3002"),
    (8, "吴女士", "13906110693", "4200.00",
     "办卡时承诺随时可退\uff0c现在门店关门\uff0c群里几百名会员都在维权\u3002"),
    (4, "郑先生", "13906110745", "2680.00",
     "续费年卡不到一个月健身房就跑路了\uff0c要求商家退还预付款\u3002"),
    (1, "钱女士", "13906110826", "1500.00",
     "预付的游泳和健身次卡还剩20次\uff0c门店已人去楼空\uff0c物业说房租也欠着\u3002"),
]


def load_demo_clusters(session: Session, storage, threshold: int = DEFAULT_THRESHOLD,
                       window_days: int = DEFAULT_WINDOW_DAYS) -> int:
    """Six prepaid-card complaints against a gym that closed (预付卡跑路), filed through the complaint
    service over three weeks, so the collective-complaint pages have a cluster. Returns how many were
    added; running it again adds nothing (each complaint has a fixed client_uuid)."""
    from webapp.complaints import service as complaints  # service imports this module
    from webapp.complaints.schemas import ComplaintCreate
    from webapp.workdays import ACCEPT_DECISION_WORKDAYS, deadline
    from webapp.complaints.deadlines import local_date, recompute
    from webapp.complaints.models import ComplaintEvent

    name, address, dcode, sector = DEMO_MERCHANT
    district = session.exec(select(District).where(District.code == dcode)).one()
    category = session.exec(select(Category).where(Category.code == "prepaid")).one()
    merchant = session.exec(select(Merchant).where(Merchant.name == name)).first()
    if merchant is None:
        merchant = Merchant(name=name, address=address, district_id=district.id, sector=sector)
        session.add(merchant)
        session.flush()
    handler = session.exec(select(User).where(User.role == HANDLER, User.district_id == district.id)
                           .order_by(User.id)).first()
    added, cluster = 0, None
    now = utcnow()
    for i, (days_ago, consumer, phone, amount, text) in enumerate(DEMO_STORIES):
        client_uuid = str(uuid.uuid5(DEMO_NAMESPACE, f"gym-{i}"))
        existing = complaints.find_by_client_uuid(session, client_uuid)
        if existing is not None:
            cluster = session.get(ComplaintCluster, existing.cluster_id) if existing.cluster_id else cluster
            continue
        received = now - timedelta(days=days_ago, hours=3)
        data = ComplaintCreate.model_construct(
            merchant_id=merchant.id, merchant_name=merchant.name, merchant_address=merchant.address,
            district_id=merchant.district_id or district.id, category_id=category.id, problem_type="contract",
            purchase_date=(received - timedelta(days=200)).date(), amount_fen=int(float(amount) * 100),
            description=text, desired_outcome="refund", consumer_name=consumer, consumer_phone=phone,
            consent_share=True, client_uuid=client_uuid, consumer_email=None, event_code=None)
        complaint, _created = complaints.create_complaint(session, None, data, [], storage,
                                                          collective_threshold=threshold,
                                                          collective_window_days=window_days)
        # Back-date it to when it came in, before the next one is filed, so the window sees real dates.
        complaint.received_at = received
        for entry in session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)):
            entry.created_at = received
        due = deadline(local_date(received), ACCEPT_DECISION_WORKDAYS)
        complaint.accept_due_on, complaint.deadline_source = due.due_on, due.source
        if days_ago >= 8 and handler is not None:  # the older ones were accepted the next day
            accepted = received + timedelta(days=1)
            complaint.state, complaint.owner_id, complaint.accepted_at = states.ACCEPTED, handler.id, accepted
            session.add(ComplaintEvent(complaint_id=complaint.id, kind="accepted", actor_id=handler.id,
                                       actor_label="staff", created_at=accepted))
        recompute(session, complaint)
        session.flush()
        if complaint.cluster_id is not None:
            if cluster is None:  # this one reached the threshold: the cluster was flagged when it came in
                cluster = session.get(ComplaintCluster, complaint.cluster_id)
                cluster.flagged_at = received
            refresh(session, cluster)
        added += 1
    session.flush()
    return added
