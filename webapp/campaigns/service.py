"""Enforcement campaigns (专项整治): creating one, and the totals a work summary quotes. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from webapp import audit
from webapp.auth.models import District, User
from webapp.campaigns.models import ENFORCEMENT, Campaign
from webapp.campaigns.schemas import CampaignCreate
from webapp.forms import FieldErrors
from webapp.inspections.models import FAIL, ChecklistItem, Inspection, InspectionFinding, RectificationOrder, Sample


def visible(user: User, campaign: Campaign) -> bool:
    """City-wide campaigns are everyone's; a district's campaign is its staff's (city-level staff: all)."""
    return user.district_id is None or campaign.district_id in (None, user.district_id)


def listing(session: Session, user: User) -> list[Campaign]:
    """The enforcement campaigns this user may see, latest first."""
    stmt = select(Campaign).where(Campaign.kind == ENFORCEMENT)
    if user.district_id is not None:
        stmt = stmt.where((Campaign.district_id == None) | (Campaign.district_id == user.district_id))  # noqa: E711
    return list(session.exec(stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def create_campaign(session: Session, actor: User, data: CampaignCreate) -> Campaign:
    """Start an enforcement campaign; a district supervisor's is always of their own district."""
    district_id = actor.district_id if actor.district_id is not None else data.district_id
    if district_id is not None and session.get(District, district_id) is None:
        raise FieldErrors({"district_id": "district"})
    campaign = Campaign(kind=ENFORCEMENT, name=data.name, theme=data.theme, starts_on=data.starts_on,
                        ends_on=data.ends_on, district_id=district_id)
    session.add(campaign)
    session.flush()
    audit.record(session, actor, "campaign.create", campaign,
                 after={**data.model_dump(), "district_id": district_id, "kind": ENFORCEMENT})
    return campaign


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
