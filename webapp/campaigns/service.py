"""Campaigns: enforcement (专项整治) and outreach (3·15 …): who sees which, creating one, and the totals
a work summary quotes. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, func, select

from webapp import audit
from webapp.auth.models import VOLUNTEER, District, User
from webapp.campaigns.models import ENFORCEMENT, OUTREACH, Campaign
from webapp.campaigns.schemas import CampaignCreate
from webapp.forms import FieldErrors
from webapp.inspections.models import FAIL, ChecklistItem, Inspection, InspectionFinding, RectificationOrder, Sample
from webapp.outreach import totals as outreach_totals
from webapp.outreach.models import EventVolunteer, OutreachEvent
from webapp.outreach.policy import STAFF_ROLES as OUTREACH_STAFF, in_scope

READER_KINDS = {VOLUNTEER: (OUTREACH,)}   # volunteers read outreach campaigns only; staff read both kinds


def kinds_for(user: User) -> tuple[str, ...]:
    """The kinds of campaign this user may read."""
    return READER_KINDS.get(user.role, (ENFORCEMENT, OUTREACH))


def visible(user: User, campaign: Campaign) -> bool:
    """City-wide campaigns are everyone's; a district's campaign is its people's (city-level staff: all).

    Volunteers see outreach campaigns only, never enforcement ones.
    """
    if campaign.kind not in kinds_for(user):
        return False
    return user.district_id is None or campaign.district_id in (None, user.district_id)


def listing(session: Session, user: User) -> list[Campaign]:
    """The campaigns this user may see, both kinds for staff, latest first."""
    stmt = select(Campaign).where(Campaign.kind.in_(kinds_for(user)))
    if user.district_id is not None:
        stmt = stmt.where((Campaign.district_id == None) | (Campaign.district_id == user.district_id))  # noqa: E711
    return list(session.exec(stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def create_campaign(session: Session, actor: User, data: CampaignCreate) -> Campaign:
    """Start a campaign of `data.kind`; a district supervisor's is always of their own district."""
    district_id = actor.district_id if actor.district_id is not None else data.district_id
    if district_id is not None and session.get(District, district_id) is None:
        raise FieldErrors({"district_id": "district"})
    campaign = Campaign(kind=data.kind, name=data.name, theme=data.theme, starts_on=data.starts_on,
                        ends_on=data.ends_on, district_id=district_id)
    session.add(campaign)
    session.flush()
    audit.record(session, actor, "campaign.create", campaign,
                 after={**data.model_dump(), "district_id": district_id})
    return campaign


def running_outreach(session: Session, district_id: int | None, day: date) -> list[Campaign]:
    """Active outreach campaigns covering `day`, city-wide or of `district_id` (None: city-wide only)."""
    where = (Campaign.district_id == None)  # noqa: E711
    if district_id is not None:
        where = where | (Campaign.district_id == district_id)
    return list(session.exec(
        select(Campaign).where(Campaign.kind == OUTREACH, Campaign.active == True,  # noqa: E712
                               Campaign.starts_on <= day, Campaign.ends_on >= day, where)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def outreach_figures(session: Session, campaign: Campaign) -> outreach_totals.Totals:
    """An outreach campaign's totals, from the events tagged with it."""
    return outreach_totals.compute(session, OutreachEvent.campaign_id == campaign.id)


def latest_events(session: Session, campaign: Campaign, user: User,
                  limit: int = 20) -> list[tuple[OutreachEvent, District, bool]]:
    """The campaign's latest events with their district, and whether `user` may open each one.

    Staff of the event's district open them all; a volunteer only those they recorded or took part in.
    """
    rows = session.exec(select(OutreachEvent, District).join(District, District.id == OutreachEvent.district_id)
                        .where(OutreachEvent.campaign_id == campaign.id)
                        .order_by(OutreachEvent.held_on.desc(), OutreachEvent.id.desc()).limit(limit)).all()
    ids = [event.id for event, _d in rows]
    mine = set(session.exec(select(EventVolunteer.event_id).where(
        EventVolunteer.user_id == user.id, EventVolunteer.event_id.in_(ids))).all()) if ids else set()
    staff = user.role in OUTREACH_STAFF
    return [(event, district, (staff and in_scope(user, event.district_id))
             or event.recorder_id == user.id or event.id in mine) for event, district in rows]


@dataclass
class Totals:
    """The figures of a campaign, each counted from the inspections tagged with it."""

    inspector_visits: int = 0      # 出动执法人员 N 人次: officers summed over visits
    inspections: int = 0           # 检查经营主体 N 户次
    merchants: int = 0             # distinct merchants inspected
    orders_issued: int = 0
    orders_closed: int = 0
    ordered_merchants: int = 0     # 责令整改 N 户
    samples: int = 0               # 抽检 N 批次
    samples_failed: int = 0        # 不合格 N 批次
    samples_pending: int = 0
    top_failed: list[tuple[str, str, int]] = field(default_factory=list)   # (item, item_en, times failed)


def totals(session: Session, campaign: Campaign) -> Totals:
    """Count the campaign's work from the records themselves."""
    tagged = select(Inspection.id).where(Inspection.campaign_id == campaign.id)
    visits, count, merchants = session.exec(
        select(func.coalesce(func.sum(Inspection.inspector_count), 0), func.count(Inspection.id),
               func.count(func.distinct(Inspection.merchant_id))).where(Inspection.campaign_id == campaign.id)).one()
    issued, closed, ordered = session.exec(
        select(func.count(RectificationOrder.id), func.count(RectificationOrder.closed_at),
               func.count(func.distinct(RectificationOrder.merchant_id)))
        .where(RectificationOrder.inspection_id.in_(tagged))).one()
    samples, failed, pending = session.exec(
        select(func.count(Sample.id), func.count(Sample.id).filter(Sample.lab_result == FAIL),
               func.count(Sample.id).filter(Sample.lab_result == None))  # noqa: E711
        .where(Sample.inspection_id.in_(tagged))).one()
    top = session.exec(
        select(ChecklistItem.text, ChecklistItem.text_en, func.count(InspectionFinding.id).label("n"))
        .join(ChecklistItem, ChecklistItem.id == InspectionFinding.item_id)
        .where(InspectionFinding.inspection_id.in_(tagged), InspectionFinding.answer == FAIL)
        .group_by(ChecklistItem.id, ChecklistItem.text, ChecklistItem.text_en)
        .order_by(func.count(InspectionFinding.id).desc(), ChecklistItem.id).limit(5)).all()
    return Totals(inspector_visits=int(visits), inspections=count, merchants=merchants, orders_issued=issued,
                  orders_closed=closed, ordered_merchants=ordered, samples=samples, samples_failed=failed,
                  samples_pending=pending, top_failed=[(t, e, n) for t, e, n in top])
