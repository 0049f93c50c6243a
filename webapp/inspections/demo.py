"""Demo inspections: a running food-safety campaign, checks with findings, photos, samples, orders and tasks.

Idempotent: each inspection has a fixed client_uuid (uuid5), the campaign and tasks are found by name or note.
Dates are relative to today, so the inspector's "today" list always has something on it.
"""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, select

from webapp.auth.models import User, utcnow
from webapp.campaigns.models import ENFORCEMENT, Campaign
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.inspections import service
from webapp.inspections.models import ChecklistItem, ChecklistTemplate, InspectionTask, Sample
from webapp.inspections.schemas import InspectionCreate, SampleIn
from webapp.media.photos import process_photo
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant

NAMESPACE = uuid.UUID("0c7d8a52-51f4-4a8e-9d0e-6a1e4b2c9f10")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CAMPAIGN = "2026年秋冬季食品安全专项整治"

# (key, merchant, template code, days ago, {item index: (answer, note)}, samples, order due in days, follow-up of)
VISITS = [
    ("laozhang", "老张食品店", "food", 5, {3: ("fail", "货架上3袋挂面已过保质期"), 4: ("fail", "散装炒货无标签")},
     [("挂面", "金沙河", "20260815", "2袋", "CD-2026-031")], 2, None),
    ("stall12", "东关农贸市场12号摊位", "measuring", 9, {2: ("fail", "未设置公平秤")}, [], -2, None),
    ("hualian", "华联超市（东关店）", "prices", 7, {}, [("食用植物油", "鲁花", "20260901", "2桶", "CD-2026-027")],
     None, None),
    ("huimin", "惠民生鲜超市", "food", 20, {5: ("fail", "冷藏柜温度12℃")}, [], -10, None),
    ("huimin-re", "惠民生鲜超市", "food", 8, {}, [], None, "huimin"),
    ("fengshou", "丰收农资经营部", "agri", 3, {}, [("复合肥", "史丹利", "20260710", "1袋", "CD-2026-035")], None, None),
]
LAB = {"CD-2026-027": ("fail", "SJ2026-1187", 2), "CD-2026-035": ("pass", "SJ2026-1203", 1)}


def _photo(text: str):
    img = Image.new("RGB", (1200, 900), (235, 238, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((80, 420, 1120, 460), fill=(140, 110, 80))
    for x in range(120, 1100, 160):
        draw.rectangle((x, 250, x + 110, 420), fill=(200, 170, 60))
    try:
        font = ImageFont.truetype(FONT, 48)
    except OSError:
        font, text = ImageFont.load_default(size=48), "EVIDENCE"
    draw.text((80, 80), text, font=font, fill=(180, 30, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    buf.seek(0)
    return process_photo(buf, max_bytes=10 * 2**20, max_pixels=50_000_000)


def _campaign(session: Session, district_id: int) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.name == CAMPAIGN)).first()
    if campaign is None:
        today = today_shanghai()
        campaign = Campaign(kind=ENFORCEMENT, name=CAMPAIGN, theme="守护“舌尖上的安全”：过期食品、三无产品、计量作弊",
                            starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=45),
                            district_id=district_id)
        session.add(campaign)
        session.flush()
    return campaign


def _items(session: Session, code: str) -> tuple[ChecklistTemplate, list[ChecklistItem]]:
    template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == code)).one()
    items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)
                         .order_by(ChecklistItem.position, ChecklistItem.id)).all()
    return template, list(items)


def _visit(session, storage, inspector, campaign, made: dict, visit) -> bool:
    key, name, code, days_ago, failures, samples, due_in, follow_up = visit
    client_uuid = str(uuid.uuid5(NAMESPACE, f"inspection-{key}"))
    existing = service.find_by_client_uuid(session, client_uuid)
    if existing is not None:
        made[key] = existing
        return False
    merchant = session.exec(select(Merchant).where(Merchant.name == name)).first()
    if merchant is None:
        return False
    template, items = _items(session, code)
    answers = {item.id: failures.get(n, ("pass", ""))[0] for n, item in enumerate(items)}
    notes = {items[n].id: note for n, (_a, note) in failures.items()}
    today = today_shanghai()
    data = InspectionCreate.model_construct(
        client_uuid=client_uuid, captured_at=utcnow() - timedelta(days=days_ago, hours=2),
        merchant_id=merchant.id, merchant_search="", new_merchant_name="", new_merchant_address="",
        new_merchant_district_id=None, template_id=template.id, answers=answers, item_notes=notes, result=None,
        note="", inspector_count=2, latitude=None, longitude=None, accuracy_m=None,
        samples={n: SampleIn.model_construct(product=p, brand=b, batch=bt, quantity=q, sample_no=no)
                 for n, (p, b, bt, q, no) in enumerate(samples)},
        order_items=[], order_due_on=today + timedelta(days=due_in) if due_in is not None else None,
        complaint_code=None, task_id=None, follow_up_of=getattr(made.get(follow_up), "id", None),
        campaign_id=campaign.id)
    photos = {items[n].id: [_photo(f"{merchant.name}：{note}")] for n, (_a, note) in list(failures.items())[:1]}
    made[key] = service.create_inspection(session, inspector, data, photos, storage,
                                          hashlib.sha256(client_uuid.encode()).hexdigest())
    for sample in session.exec(select(Sample).where(Sample.inspection_id == made[key].id)):
        if sample.sample_no in LAB:
            sample.lab_result, sample.report_no, days = LAB[sample.sample_no]
            sample.result_on = today - timedelta(days=days)
            session.add(sample)
    return True


def _tasks(session: Session, inspector: User) -> None:
    today = today_shanghai()
    complaint = session.exec(select(Complaint).where(Complaint.district_id == inspector.district_id,
                                                     Complaint.state.in_(("accepted", "mediating")))
                             .order_by(Complaint.id)).first()
    plans = [("福满楼酒家", today, "plan", None, "例行检查：后厨卫生、健康证、进货台账"),
             ("健身力量健身房", today - timedelta(days=1), "plan", None, "预付卡专项：核查办卡合同和余额退还"),
             ("国美电器城东店", today + timedelta(days=2), "plan", None, "明码标价检查")]
    if complaint is not None:
        merchant = session.get(Merchant, complaint.merchant_id)
        plans.append((merchant.name, today, "complaint", complaint.id, "投诉反映问题，现场核查"))
    for name, planned_on, source, complaint_id, note in plans:
        merchant = session.exec(select(Merchant).where(Merchant.name == name)).first()
        if merchant is None or session.exec(select(InspectionTask).where(
                InspectionTask.merchant_id == merchant.id, InspectionTask.note == note)).first():
            continue
        session.add(InspectionTask(merchant_id=merchant.id, district_id=merchant.district_id, planned_on=planned_on,
                                   source=source, complaint_id=complaint_id, note=note, created_by_id=None))


def load_demo_inspections(session: Session, storage: LocalStorage) -> int:
    """Add the demo inspections, campaign and tasks that are missing; returns how many inspections were added."""
    inspector = session.exec(select(User).where(User.role == "inspector")).first()
    if inspector is None or inspector.district_id is None:
        return 0
    campaign = _campaign(session, inspector.district_id)
    made: dict = {}
    added = sum(_visit(session, storage, inspector, campaign, made, visit) for visit in VISITS)
    _tasks(session, inspector)
    session.flush()
    return added
