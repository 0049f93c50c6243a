"""The figures of a set of outreach events, and the sentence a work summary (工作总结) says them in.

`compute(session, *where)` adds up the events matching `where` (SQL conditions on OutreachEvent) in a
handful of aggregate queries; `sentence(t, lang)` words the figures the way the association's summaries
do ("开展宣传活动 12 场，其中进社区 5 场……发放宣传资料 3000 余份"). The sentence is document text, not UI:
it is built here for "zh" and "en", never through gettext. No Flask request code here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale
from sqlmodel import Session, func, select

from webapp.auth.models import District
from webapp.complaints.models import Complaint
from webapp.outreach.models import VENUE_TYPES, EventVolunteer, OutreachEvent

# Full-width punctuation of the Chinese sentence.
COMMA, ENUM_COMMA, STOP = "\uff0c", "\u3001", "\u3002"   # ，、。
VENUE_ZH = {"community": "进社区", "school": "进学校", "village": "进农村",
            "enterprise": "进企业", "market": "进商场", "government": "进机关"}
VENUE_EN = {"community": ("a community", "communities"), "school": ("a school", "schools"),
            "village": ("a village", "villages"), "enterprise": ("an enterprise", "enterprises"),
            "market": ("a shopping centre", "shopping centres"),
            "government": ("a government office", "government offices")}


@dataclass
class DistrictTotals:
    """One district's share of the events."""

    district_id: int
    code: str
    name: str
    name_en: str
    events: int = 0
    participants: int = 0
    consultations: int = 0
    leaflets: int = 0
    volunteers: int = 0
    onsite: int = 0


@dataclass
class Totals:
    """What a set of outreach events adds up to."""

    events: int = 0
    by_venue: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VENUE_TYPES, 0))
    by_district: list[DistrictTotals] = field(default_factory=list)   # districts with events, by code
    participants: int = 0        # 参与群众 N 人次
    consultations: int = 0       # 接受咨询 N 人次
    leaflets: int = 0            # 发放宣传资料 N 份
    banners: int = 0             # 悬挂横幅 N 条
    boards: int = 0              # 展板 N 块
    volunteers: int = 0          # 出动志愿者 N 人次: the events' own counts, summed
    onsite_complaints: int = 0   # 现场受理投诉 N 件: complaints linked to the events
    volunteer_people: int = 0    # distinct volunteers of the roster listed on the events


def compute(session: Session, *where) -> Totals:
    """Add up the outreach events matching `where` (e.g. OutreachEvent.campaign_id == 3)."""
    sums = [func.coalesce(func.sum(getattr(OutreachEvent, name)), 0)
            for name in ("participants", "consultations", "leaflets", "banners", "boards", "volunteers")]
    events, participants, consultations, leaflets, banners, boards, volunteers = session.exec(
        select(func.count(OutreachEvent.id), *sums).where(*where)).one()
    t = Totals(events=int(events), participants=int(participants), consultations=int(consultations),
               leaflets=int(leaflets), banners=int(banners), boards=int(boards), volunteers=int(volunteers))
    if not t.events:
        return t
    for venue_type, n in session.exec(select(OutreachEvent.venue_type, func.count(OutreachEvent.id))
                                      .where(*where).group_by(OutreachEvent.venue_type)):
        t.by_venue[venue_type] = int(n)
    onsite = dict(session.exec(
        select(OutreachEvent.district_id, func.count(Complaint.id))
        .join(Complaint, Complaint.event_id == OutreachEvent.id)
        .where(*where).group_by(OutreachEvent.district_id)).all())
    rows = session.exec(
        select(District.id, District.code, District.name, District.name_en, func.count(OutreachEvent.id),
               *(func.coalesce(func.sum(getattr(OutreachEvent, name)), 0)
                 for name in ("participants", "consultations", "leaflets", "volunteers")))
        .join(District, District.id == OutreachEvent.district_id)
        .where(*where).group_by(District.id, District.code, District.name, District.name_en)
        .order_by(District.code))
    t.by_district = [DistrictTotals(district_id=d_id, code=code, name=name, name_en=name_en or "",
                                    events=int(n), participants=int(p), consultations=int(c), leaflets=int(lf),
                                    volunteers=int(v), onsite=int(onsite.get(d_id, 0)))
                     for d_id, code, name, name_en, n, p, c, lf, v in rows]
    t.onsite_complaints = sum(int(n) for n in onsite.values())
    t.volunteer_people = int(session.exec(
        select(func.count(func.distinct(EventVolunteer.user_id)))
        .join(OutreachEvent, OutreachEvent.id == EventVolunteer.event_id).where(*where)).one())
    return t


def approx(n: int) -> tuple[int, bool]:
    """The figure a summary quotes for `n`, and whether it is below `n` (said as 余 / "about").

    Exact below 100; up to 9,999 the leading two digits (3,456 → 3,400); from 10,000 on, tens of
    thousands with one decimal (15,300 → 15,000, said "1.5 万"). Always floored.
    """
    if n < 100:
        return n, False
    if n < 10_000:
        step = 10 ** (len(str(n)) - 2)
    else:
        step = 1_000
    shown = n // step * step
    return shown, shown < n


def _zh_figure(n: int, unit: str) -> str:
    shown, more = approx(n)
    yu = "余" if more else ""
    if shown >= 10_000:   # "1.5 万余份", "3 万份"
        return f"{shown / 10_000:.1f}".removesuffix(".0") + f" 万{yu}{unit}"
    return f"{shown} {yu}{unit}"   # "3400 余份", "40 人次"


def _sentence_zh(t: Totals) -> str:
    if not t.events:
        return "尚未开展宣传活动" + STOP
    head = f"开展宣传活动 {t.events} 场"
    venues = [f"{VENUE_ZH[v]} {t.by_venue[v]} 场" for v in VENUE_TYPES if t.by_venue.get(v)]
    if venues:
        head += COMMA + "其中" + ENUM_COMMA.join(venues)
    clauses = [head]
    if t.participants:
        clauses.append("参与群众 " + _zh_figure(t.participants, "人次"))
    if t.consultations:
        clauses.append("接受咨询 " + _zh_figure(t.consultations, "人次"))
    if t.leaflets:
        clauses.append("发放宣传资料 " + _zh_figure(t.leaflets, "份"))
    if t.onsite_complaints:
        clauses.append(f"现场受理投诉 {t.onsite_complaints} 件")
    if t.volunteers:
        clauses.append("出动志愿者 " + _zh_figure(t.volunteers, "人次"))
    return COMMA.join(clauses) + STOP


def _en_figure(n: int) -> str:
    shown, more = approx(n)
    return f"about {shown:,}" if more else f"{shown:,}"


def _sentence_en(t: Totals) -> str:
    if not t.events:
        return "No outreach events yet."
    head = "1 outreach event was held" if t.events == 1 else f"{t.events} outreach events were held"
    venues = [f"{t.by_venue[v]} in {VENUE_EN[v][0] if t.by_venue[v] == 1 else VENUE_EN[v][1]}"
              for v in VENUE_TYPES if t.by_venue.get(v)]
    if venues:
        head += ": " + ", ".join(venues)
    clauses = []
    if t.participants:
        clauses.append(f"{_en_figure(t.participants)} " + ("person took part" if t.participants == 1
                                                            else "people took part"))
    if t.consultations:
        clauses.append(f"{_en_figure(t.consultations)} " + ("consultation was given" if t.consultations == 1
                                                             else "consultations were given"))
    if t.leaflets:
        clauses.append(f"{_en_figure(t.leaflets)} " + ("leaflet was handed out" if t.leaflets == 1
                                                        else "leaflets were handed out"))
    if t.onsite_complaints:
        clauses.append("1 complaint was taken on site" if t.onsite_complaints == 1
                       else f"{t.onsite_complaints} complaints were taken on site")
    if t.volunteers:
        clauses.append("a volunteer turned out once" if t.volunteers == 1
                       else f"volunteers turned out {_en_figure(t.volunteers)} times")
    if not clauses:
        return head + "."
    tail = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return f"{head}; {tail}." if venues else f"{head}: {tail}."


def sentence(t: Totals, lang: str = "zh") -> str:
    """The sentence a work summary uses for these totals, in "zh" (default) or "en"."""
    return _sentence_en(t) if lang == "en" else _sentence_zh(t)


def sentence_for_locale(t: Totals) -> str:
    """`sentence` in the request's language: English when the locale is English, else Chinese."""
    locale = get_locale()
    return sentence(t, "en" if locale is not None and locale.language == "en" else "zh")
