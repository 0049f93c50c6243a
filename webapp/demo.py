"""Load the demo city: safe to run any number of times (everything is found before it is added)."""
from __future__ import annotations

import io
import random
import uuid
from datetime import datetime, timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, select

from webapp import demo_data, workdays
from webapp.auth.models import District, User, utcnow
from webapp.complaints import deadlines
from webapp.complaints import service as complaints
from webapp.complaints.deadlines import local_date
from webapp.complaints import states
from webapp.complaints.models import Category, Complaint, ComplaintEvent
from webapp.complaints.schemas import SHANGHAI, ComplaintCreate
from webapp.complaints.workflow import settle
from webapp.inspections.demo import load_demo_inspections
from webapp.inspections.seed import load_templates
from webapp.media.photos import process_photo
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant
from webapp.complaints.clusters import load_demo_clusters
from webapp.merchants.service import load_demo_registry
from webapp.outreach.demo import VOLUNTEERS as OUTREACH_VOLUNTEERS, load_demo_outreach
from webapp.public.demo import load_demo_public
from webapp.reports.generate import GENERATED, generate as generate_history
from webapp.reports.models import PlanTarget

NAMESPACE = uuid.UUID("6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# How far along each demo complaint is, and the public events that got it there.
PATHS = {
    states.SUBMITTED: [],
    states.ACCEPTED: ["accepted"],
    states.REJECTED: ["rejected"],
    states.MEDIATING: ["accepted", "assigned", "mediation_step"],
    states.RESOLVED: ["accepted", "assigned", "mediation_step", "resolved"],
    states.MEDIATION_FAILED: ["accepted", "assigned", "mediation_failed"],
    states.CLOSED: ["accepted", "assigned", "resolved", "closed"],
    states.WITHDRAWN: ["withdrawn"],
}
NOTES = {
    "rejected": "经审查，该纠纷已由人民法院受理，依法不予受理。",
    "mediation_step": "已电话联系商家，商家同意核实情况并于三日内答复。",
    "resolved": "经调解，商家同意退款并赔偿。",
    "mediation_failed": "商家拒绝调解方案，建议消费者申请仲裁或向人民法院起诉。",
    "withdrawn": "商家已主动退款，撤回投诉。",
}


def _get_or_add(session: Session, model, where: dict, **values):
    row = session.exec(select(model).filter_by(**where)).first()
    if row is None:
        row = model(**where, **values)
        session.add(row)
        session.flush()
    return row


def _receipt_photo(text: str):
    img = Image.new("RGB", (900, 1200), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype(FONT, 44)
        lines = ["收 款 凭 据", *text.splitlines()]
    except OSError:  # no CJK font on this machine: a plainer receipt, still a real photo
        font, lines = ImageFont.load_default(size=44), ["RECEIPT"]
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * 90), line, font=font, fill=(40, 40, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    buf.seek(0)
    return process_photo(buf, max_bytes=10 * 2**20, max_pixels=50_000_000)


def load_demo(session: Session, upload_dir: str) -> str:
    """Add what is missing of the demo city and return a one-line summary."""
    districts, categories, merchants = load_reference(session)
    load_demo_registry(session)
    consumer = session.exec(select(User).where(User.role == "consumer")).first()
    added = _demo_complaints(session, LocalStorage(upload_dir), merchants, categories, consumer)
    session.flush()
    load_demo_inspections(session, LocalStorage(upload_dir))
    events = load_demo_outreach(session, LocalStorage(upload_dir))
    load_demo_clusters(session, LocalStorage(upload_dir))
    load_demo_public(session)
    history = _demo_history(session)
    _demo_targets(session)
    return (f"demo city ready: {len(districts)} districts, {len(demo_data.USERS) + len(OUTREACH_VOLUNTEERS)} accounts, "
            f"{len(merchants)} merchants, {len(categories)} categories, {added} complaints added, "
            f"{events} outreach events added{history}")


# The year's plan of the city, as the seeds' plans word it: (metric, target, param)
DEMO_TARGETS = [("satisfaction", 90, None), ("closed_within", 80, 3), ("quality_rounds", 4, 5),
                ("outreach_monthly", 1, None), ("complaints_down", 20, None), ("recovered", 3_000_000 * 100, None)]


def _demo_targets(session: Session) -> None:
    """This year's city-wide plan targets (工作计划), once."""
    year = datetime.now(SHANGHAI).year
    if session.exec(select(PlanTarget.id).where(PlanTarget.year == year)).first() is not None:
        return
    for metric, target, param in DEMO_TARGETS:
        session.add(PlanTarget(year=year, district_id=None, metric=metric, target=target, param=param))
    session.flush()


def _demo_history(session: Session) -> str:
    """Three years of generated, settled history behind the stories, so the dashboard and the work
    summary have 环比 and 同比 to compare with (once: skipped when it is there)."""
    if session.exec(select(Complaint.id).where(Complaint.description == GENERATED)).first() is not None:
        return ""
    today = datetime.now(SHANGHAI).date()
    out = generate_history(session, 2400, years=3, districts=len(demo_data.DISTRICTS), seed=2026,
                           today=today - timedelta(days=30), settled=True)
    return f"; history: {out}"


def load_reference(session: Session) -> tuple[dict, dict, list]:
    """Districts, one account per role, the category tree and the merchants (no complaints)."""
    districts = {code: _get_or_add(session, District, {"code": code}, name=name, name_en=en)
                 for code, name, en in demo_data.DISTRICTS}
    for username, name, role, dcode, phone in demo_data.USERS:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            user = User(username=username, display_name=name, role=role, phone=phone,
                        district_id=districts[dcode].id if dcode else None)
            user.set_password(demo_data.DEMO_PASSWORD)
            session.add(user)
    categories = {}
    for position, (code, name, en, children) in enumerate(demo_data.CATEGORIES):
        parent = _get_or_add(session, Category, {"code": code}, name=name, name_en=en, position=position)
        for child_position, (child_code, child_name, child_en) in enumerate(children):
            categories[child_code] = _get_or_add(session, Category, {"code": child_code}, name=child_name,
                                                 name_en=child_en, parent_id=parent.id, position=child_position)
    merchants = [_get_or_add(session, Merchant, {"name": name}, address=address, verified=True,
                             district_id=districts[dcode].id, sector=sector)
                 for name, address, dcode, sector in demo_data.MERCHANTS]
    load_templates(session)
    session.flush()
    return districts, categories, merchants


def _demo_complaints(session, storage, merchants, categories, consumer) -> int:
    rng = random.Random(2026)
    path_states = list(PATHS)
    added = 0
    for i in range(36):
        client_uuid = str(uuid.uuid5(NAMESPACE, f"complaint-{i}"))
        if complaints.find_by_client_uuid(session, client_uuid):
            continue
        cat_code, problem, outcome, text, amount = demo_data.STORIES[i % len(demo_data.STORIES)]
        merchant = merchants[rng.randrange(len(merchants))]
        days_ago = rng.randint(0, 120) if i >= 4 else i
        state = path_states[i % len(path_states)] if days_ago > 3 else states.SUBMITTED
        received = utcnow() - timedelta(days=days_ago, hours=rng.randint(0, 8))
        data = ComplaintCreate.model_construct(
            merchant_id=merchant.id, merchant_name=merchant.name, merchant_address=merchant.address,
            district_id=merchant.district_id, category_id=categories[cat_code].id, problem_type=problem,
            purchase_date=(received - timedelta(days=rng.randint(1, 30))).date(),
            amount_fen=int(float(amount) * 100) if amount else None, description=text,
            desired_outcome=outcome, consumer_name=("王女士" if i % 3 == 0 else rng.choice("张李刘陈杨黄") + "先生"),
            consumer_phone=consumer.phone if i % 3 == 0 else f"139{rng.randint(10000000, 99999999)}",
            consent_share=True, client_uuid=client_uuid)
        photos = [_receipt_photo(f"{merchant.name}\n金额：{amount or '—'} 元")] if i < 6 else []
        complaint, _ = complaints.create_complaint(session, consumer if i % 3 == 0 else None, data, photos, storage)
        _backdate(session, complaint, received, state, rng)
        added += 1
    return added


def _backdate(session: Session, complaint: Complaint, received, state: str, rng: random.Random) -> None:
    """Place a demo complaint where its story got to, with the fields the handling screens read."""
    complaint.received_at, complaint.state = received, state
    for event in session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)):
        event.created_at = received
    path = PATHS[state]
    staff = _handler_for(session, complaint.district_id)
    if "accepted" in path or "rejected" in path:
        complaint.owner_id = staff.id
    if "accepted" in path:
        complaint.accepted_at = received + timedelta(days=1)
    if "assigned" in path:
        complaint.assignee_id = staff.id
    if state == states.REJECTED:
        complaint.reject_reason = "court_or_arbitration"
    if state in (states.RESOLVED, states.CLOSED):
        complaint.outcome = NOTES["resolved"]
        complaint.recovered_fen = complaint.amount_fen or 0
    if state == states.MEDIATION_FAILED:
        complaint.outcome = NOTES["mediation_failed"]
    if path and state not in (states.ACCEPTED, states.MEDIATING, states.WITHDRAWN):
        complaint.concluded_at = received + timedelta(days=len(path))
    if state == states.CLOSED:
        complaint.closed_at = received + timedelta(days=len(path))
        complaint.satisfaction = rng.choice([3, 4, 5, 5, None])
    for step, kind in enumerate(path, start=1):
        actor = "consumer" if kind == "withdrawn" else "staff"
        session.add(ComplaintEvent(complaint_id=complaint.id, kind=kind, actor_label=actor,
                                   actor_id=None if actor == "consumer" else staff.id,
                                   note=NOTES.get(kind, ""), created_at=received + timedelta(days=step)))
    session.flush()
    # Deadlines of the stage it is in now (the accept deadline stays as computed at filing).
    due = workdays.deadline(local_date(received), workdays.ACCEPT_DECISION_WORKDAYS)
    complaint.accept_due_on, complaint.deadline_source = due.due_on, due.source
    deadlines.recompute(session, complaint)
    ended = [RESULT_OF_STEP[kind] for kind in path if kind in RESULT_OF_STEP]
    settle(complaint, ended[-1] if ended else None)


RESULT_OF_STEP = {"resolved": "resolved", "mediation_failed": "failed", "rejected": "rejected",
                  "withdrawn": "withdrawn"}


def _handler_for(session: Session, district_id: int) -> User:
    """The district's handler, or the city-level supervisor where the demo has none."""
    return (session.exec(select(User).where(User.role == "handler", User.district_id == district_id)).first()
            or session.exec(select(User).where(User.role == "supervisor")).first())
