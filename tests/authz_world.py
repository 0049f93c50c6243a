"""The world of the authorization matrix: two districts' worth of every kind of object, and who signs in.

District A is 城东 (CD), district B is 城西 (CX). Every object comes in pairs, "A" (district A, consumer 1's, the
volunteer of A's) and "B" (district B, consumer 2's, the volunteer of B's), built directly in the database so
the matrix tests the routes' checks and nothing else. Objects the allowed requests could change are built in a
state where the change is refused or changes nothing (a closed event's QR link, a revoked invitation, a
dismissed suspicion, a sample without a lab result …), so the matrix does not depend on its order.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlmodel import Session, select

from conftest import complaint_form, jpeg_bytes
from webapp.all_models import metadata
from webapp.auth.models import User
from webapp.campaigns.models import Campaign
from webapp.complaints import service as complaints
from webapp.complaints.models import Complaint, ComplaintCluster
from webapp.complaints.schemas import ComplaintCreate, today_shanghai
from webapp.demo import load_reference
from webapp.demo_data import DEMO_PASSWORD
from webapp.inspections.models import ChecklistItem, ChecklistTemplate, Inspection, Sample
from webapp.media.models import Photo
from webapp.media.photos import process_photo
from webapp.media.records import save_photos
from webapp.media.storage import LocalStorage
from webapp.merchants.models import DuplicateSuspect, Merchant
from webapp.outreach.codes import new_code
from webapp.outreach.models import EventVolunteer, OutreachEvent, VolunteerInvite
from webapp.public.models import Warning
from webapp.reports.models import PlanTarget

# Who signs in: name -> (role, district code or None). "anon" and "guest" are not signed in; the guest looked
# up complaint A (and its closed twin) with the tracking code and the phone's last four digits.
PRINCIPALS = ("anon", "guest", "cons", "vol", "insp", "hand", "sup", "supC", "adm")
ACCOUNTS = {
    "cons": ("consumer", None),
    "vol": ("volunteer", "CD"),
    "insp": ("inspector", "CD"),
    "hand": ("handler", "CD"),
    "sup": ("supervisor", "CD"),
    "supC": ("supervisor", None),
    "adm": ("admin", None),
}
# Tables a GET may legitimately write (the report day tables refresh on reading) and so never compared.
VOLATILE = {"statdirty", "statlock"}


@dataclass
class World:
    ids: dict = field(default_factory=dict)      # "complaint.A" -> id, "code.A" -> tracking code, …
    users: dict = field(default_factory=dict)    # principal or helper name -> username
    versions: dict = field(default_factory=dict)  # tracking code -> version

    def __getitem__(self, key):
        return self.ids[key]


def _user(session, username: str, role: str, district_id: int | None, phone: str | None = None) -> User:
    user = User(username=username, display_name=username, role=role, district_id=district_id, phone=phone)
    user.set_password(DEMO_PASSWORD)
    session.add(user)
    session.flush()
    return user


def _photos(n: int = 1):
    return [process_photo(io.BytesIO(jpeg_bytes(size=(64, 48), color=(10 * i, 90, 160))), max_bytes=10_000_000,
                          max_pixels=50_000_000) for i in range(n)]


def _attach_photo(session, storage, uploader: User, **owner) -> int:
    row = save_photos(session, storage, _photos(), uploaded_by_id=uploader.id)[0]
    for key, value in owner.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    return row.id


def build(app) -> World:
    """Build the world in the app's database (empty, migrated) and return the ids the matrix needs."""
    w = World()
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    now = datetime.now(timezone.utc)
    today = today_shanghai()
    with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
        districts, categories, merchants = load_reference(s)
        s.flush()
        A, B = districts["CD"], districts["CX"]
        demo = {u.username: u for u in s.exec(select(User))}
        users = {
            "cons": demo["13800000001"],
            "cons2": _user(s, "13900000002", "consumer", None, "13900000002"),
            "vol": _user(s, "vol-a", "volunteer", A.id),
            "volB": demo["volunteer"],
            "insp": demo["inspector"],
            "hand": demo["handler"],
            "handB": _user(s, "hand-b", "handler", B.id),
            "sup": _user(s, "sup-a", "supervisor", A.id),
            "supC": demo["supervisor"],
            "adm": demo["admin"],
        }
        mA = next(m for m in merchants if m.district_id == A.id)
        mA2 = [m for m in merchants if m.district_id == A.id][1]
        mB = next(m for m in merchants if m.district_id == B.id)
        mB2 = [m for m in merchants if m.district_id == B.id][1]
        w.ids.update({"merchant.A": mA.id, "merchant.A2": mA2.id, "merchant.B": mB.id, "merchant.B2": mB2.id,
                      "district.A": A.id, "district.B": B.id})
        base = type("Base", (), {"merchants": merchants, "categories": categories})

        # A record in each district already merged into another (merging into it is refused: 409).
        merged = {}
        for tag, district, survivor in (("A", A, mA2), ("B", B, mB2)):
            m = Merchant(name=f"已合并商户{tag}", address="", district_id=district.id, merged_into_id=survivor.id)
            s.add(m)
            s.flush()
            merged[tag] = m.id
            m = Merchant(name=f"编辑测试{tag}", address="", district_id=district.id, sector="food")
            s.add(m)
            s.flush()
            w.ids.update({f"editme.{tag}": m.id, f"editme_name.{tag}": m.name})

        # Complaints: A (consumer 1, district A) and B (consumer 2, district B) in mediation; CA/CB closed.
        def complaint(tag, consumer, merchant, phone, state, assignee):
            data = ComplaintCreate.model_validate(complaint_form(
                base, merchant_id=str(merchant.id), merchant_name=merchant.name, merchant_address=merchant.address,
                district_id=str(merchant.district_id), consumer_phone=phone))
            c, _ = complaints.create_complaint(s, consumer, data, _photos(), storage)
            c.state, c.owner_id, c.assignee_id, c.accepted_at = state, assignee.id, assignee.id, now
            c.conclude_due_on = today + timedelta(days=30)
            if state == "closed":
                c.result, c.outcome, c.concluded_at, c.closed_at = "resolved", "退款 56.80 元", now, now
            s.add(c)
            s.flush()
            w.ids[f"complaint.{tag}"], w.ids[f"code.{tag}"] = c.id, c.tracking_code
            w.ids[f"phone.{tag}"] = phone[-4:]
            photo = s.exec(select(Photo.id).where(Photo.complaint_id == c.id)).first()
            w.ids[f"cphoto.{tag}"] = photo
            return c

        complaint("A", users["cons"], mA, "13800000001", "mediating", users["hand"])
        complaint("B", users["cons2"], mB, "13900000002", "mediating", users["handB"])
        complaint("CA", users["cons"], mA, "13800000001", "closed", users["hand"])
        complaint("CB", users["cons2"], mB, "13900000002", "closed", users["handB"])

        # Inspections with a photo and a sample without a lab result (publishing it is refused).
        template = s.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == "food")).one()
        for tag, merchant, district, inspector in (("A", mA, A, users["insp"]), ("B", mB, B, users["supC"])):
            ins = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=merchant.id,
                             template_id=template.id, district_id=district.id, inspector_id=inspector.id,
                             result="pass", note="", captured_at=now)
            s.add(ins)
            s.flush()
            sample = Sample(inspection_id=ins.id, product="酸奶")
            s.add(sample)
            s.flush()
            w.ids[f"inspection.{tag}"], w.ids[f"sample.{tag}"] = ins.id, sample.id
            w.ids[f"iphoto.{tag}"] = _attach_photo(s, storage, inspector, inspection_id=ins.id)

        # Outreach events (QR link already closed, so closing it again changes nothing), with a photo.
        for tag, recorder, district in (("A", users["vol"], A), ("B", users["volB"], B)):
            ev = OutreachEvent(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64,
                               public_code=new_code(s, OutreachEvent.public_code), district_id=district.id,
                               recorder_id=recorder.id, held_on=today, venue_type="community", place="幸福社区广场",
                               formats=["desk"], audiences=["elderly"], topic="防范养老诈骗", participants=10,
                               captured_at=now, qr_closed_at=now)
            s.add(ev)
            s.flush()
            s.add(EventVolunteer(event_id=ev.id, user_id=recorder.id))
            w.ids[f"event.{tag}"] = ev.id
            w.ids[f"ephoto.{tag}"] = _attach_photo(s, storage, recorder, outreach_event_id=ev.id)

        # Events a volunteer may see but not change: their own past the edit window, and staff's they joined.
        for tag, volunteer, staff, district in (("A", users["vol"], users["hand"], A),
                                                ("B", users["volB"], users["handB"], B)):
            for kind, recorder, received in (("old", volunteer, now - timedelta(days=10)), ("joint", staff, now)):
                ev = OutreachEvent(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64,
                                   public_code=new_code(s, OutreachEvent.public_code), district_id=district.id,
                                   recorder_id=recorder.id, held_on=today - timedelta(days=10), venue_type="school",
                                   place="实验小学", formats=["desk"], audiences=["students"], captured_at=received,
                                   received_at=received, qr_closed_at=now)
                s.add(ev)
                s.flush()
                s.add(EventVolunteer(event_id=ev.id, user_id=recorder.id))
                if recorder is staff:
                    s.add(EventVolunteer(event_id=ev.id, user_id=volunteer.id))
                w.ids[f"event.{kind}{tag}"] = ev.id

        # Campaigns: an outreach and an enforcement one in each district.
        for tag, district in (("A", A), ("B", B)):
            for kind in ("outreach", "enforcement"):
                c = Campaign(kind=kind, name=f"{kind}-{tag}", starts_on=today - timedelta(days=5),
                             ends_on=today + timedelta(days=5), district_id=district.id)
                s.add(c)
                s.flush()
                w.ids[f"campaign.{kind}.{tag}"] = c.id

        # Warnings: a published one and a draft in each district.
        for tag, district in (("A", A), ("B", B)):
            for kind, published in (("pub", now), ("draft", None)):
                wr = Warning(title=f"警示 {tag}", summary="", body_md="谨防", body_html="<p>谨防</p>",
                             district_id=district.id, author_id=users["supC"].id, published_at=published)
                s.add(wr)
                s.flush()
                w.ids[f"warning.{kind}.{tag}"] = wr.id

        # Collective complaints (open), plan targets, revoked and open invitations, dismissed suspicions.
        for tag, district, merchant, other in (("A", A, mA, mA2), ("B", B, mB, mB2)):
            cl = ComplaintCluster(merchant_id=merchant.id, category_id=categories["food"].id, district_id=district.id,
                                  first_received_at=now, last_received_at=now, size=3)
            pt = PlanTarget(year=today.year, district_id=district.id, metric="satisfaction", target=90)
            revoked = VolunteerInvite(code=new_code(s, VolunteerInvite.code), district_id=district.id,
                                      created_by_id=users["supC"].id, expires_at=now + timedelta(days=7),
                                      revoked_at=now)
            open_ = VolunteerInvite(code=new_code(s, VolunteerInvite.code), district_id=district.id,
                                    created_by_id=users["supC"].id, expires_at=now + timedelta(days=7))
            sus = DuplicateSuspect(merchant_id=other.id, candidate_id=merchant.id, score=90, status="dismissed",
                                   decided_by_id=users["supC"].id, decided_at=now)
            s.add_all([cl, pt, revoked, open_, sus])
            s.flush()
            w.ids.update({f"cluster.{tag}": cl.id, f"target.{tag}": pt.id, f"invite.{tag}": revoked.id,
                          f"invite_code.{tag}": open_.code, f"revoked_code.{tag}": revoked.code,
                          f"suspect.{tag}": sus.id, f"volunteer.{tag}": users["vol" if tag == "A" else "volB"].id})

        # Targets the matrix moves between districts (a metric of each their own, so moving never collides).
        for tag, district, metric in (("A", A, "leaflets"), ("B", B, "events")):
            pt = PlanTarget(year=today.year, district_id=district.id, metric=metric, target=100)
            s.add(pt)
            s.flush()
            w.ids.update({f"mtarget.{tag}": pt.id, f"mmetric.{tag}": metric})

        # Checklists: the food template and its first item; an item of another template.
        items = s.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)
                       .order_by(ChecklistItem.position)).all()
        other_item = s.exec(select(ChecklistItem).where(ChecklistItem.template_id != template.id)).first()
        w.ids.update({"template.A": template.id, "item.A": items[0].id, "item.B": other_item.id})
        # The answers of a valid inspection form (every item passes).
        w.ids["answers"] = {f"item-{item.id}": "pass" for item in items if item.active}
        w.ids.update({"today": today.isoformat(), "soon": (today + timedelta(days=5)).isoformat(),
                      "year+1": str(today.year + 1), "now": now.replace(microsecond=0).isoformat()})
        w.ids.update({"staffuser.A": users["hand"].id, "staffuser.B": users["handB"].id,
                      "hand_other.A": users["handB"].id, "hand_other.B": users["hand"].id,
                      "volunteer_other.A": users["volB"].id, "volunteer_other.B": users["vol"].id,
                      "merchant.xA": merged["B"], "merchant.xB": merged["A"],
                      "district.xA": B.id, "district.xB": A.id})
        s.commit()
        w.users = {name: s.get(User, u.id).username for name, u in users.items()}
        for tag in ("A", "B", "CA", "CB"):
            w.versions[w.ids[f"code.{tag}"]] = s.get(Complaint, w.ids[f"complaint.{tag}"]).version
    return w


def new_target(app, tag: str, world: World) -> int:
    """A fresh plan target of district A or B, for the delete route (deleting one is not idempotent)."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
        pt = PlanTarget(year=today_shanghai().year + 1, district_id=world[f"district.{tag}"], metric="satisfaction",
                        target=80)
        s.add(pt)
        s.commit()
        return pt.id


def _compared(table) -> bool:
    return table.name not in VOLATILE and not table.name.startswith(("complaintday", "complaintmonth"))


def fingerprint(app) -> dict[str, object]:
    """A digest of every table's rows (but the report bookkeeping a GET may refresh): equal means unchanged."""
    tables = [t for t in metadata.sorted_tables if _compared(t)]
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":   # one round trip: an md5 of each table's rows, in order
            parts = ", ".join(f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                              f'FROM "{t.name}" t)' for t in tables)
            return dict(zip((t.name for t in tables), conn.execute(text(f"SELECT {parts}")).one()))
        out = {}
        for table in tables:
            cols = ", ".join(f'"{c.name}"' for c in table.columns)
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or cols
            rows = conn.execute(text(f'SELECT {cols} FROM "{table.name}" ORDER BY {order}')).all()
            out[table.name] = hash(tuple(tuple(str(v) for v in r) for r in rows))
        return out
