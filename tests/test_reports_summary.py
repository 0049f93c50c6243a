"""The work summary (工作总结): every figure it states equals a count over the rows, made here in plain Python
(never through webapp.reports.figures); the .docx reads back with python-docx; bad input gets 4xx, not 500."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

import docx
import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from inspection_helpers import inspection_form
from outreach_helpers import make_event, make_user, sign_in
from webapp.complaints import handling, service as complaint_service
from webapp.complaints.models import Category, Complaint
from webapp.complaints.schemas import SHANGHAI, today_shanghai
from webapp.inspections import service as inspections
from webapp.inspections.forms import validate_inspection
from webapp.inspections.models import Inspection, RectificationOrder, Sample
from webapp.inspections.schemas import LabResult
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant
from webapp.outreach.models import OutreachEvent
from webapp.reports import summary
from webapp.reports.models import PlanTarget
from webapp.reports.period import Period

CONCLUDED = ("resolved", "failed", "referred")


# ---- independent arithmetic (the test's own, not the module's) --------------------------------------------

def pct(part: int, whole: int) -> str:
    return f"{(Decimal(part * 100) / Decimal(whole)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def local_day(dt: datetime) -> date:
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(SHANGHAI).date()


def complaints_in(session, start: date, end: date, district_id: int | None = None) -> list[Complaint]:
    session.expire_all()
    return [c for c in session.exec(select(Complaint))
            if start <= local_day(c.received_at) <= end and district_id in (None, c.district_id)]


def counts(rows: list[Complaint]) -> dict:
    concluded = [c for c in rows if c.result in CONCLUDED]
    rated = [c for c in rows if c.satisfaction is not None]
    return {"received": len(rows), "accepted": sum(c.accepted_at is not None for c in rows),
            "rejected": sum(c.result == "rejected" for c in rows), "concluded": len(concluded),
            "withdrawn": sum(c.result == "withdrawn" for c in rows),
            "resolved": sum(c.result == "resolved" for c in rows), "failed": sum(c.result == "failed" for c in rows),
            "referred": sum(c.result == "referred" for c in rows), "on_time": sum(bool(c.on_time) for c in concluded),
            "fen": sum(c.recovered_fen or 0 for c in rows if c.result == "resolved"),
            "rated": len(rated), "satisfied": sum(c.satisfaction >= 4 for c in rated),
            "open": sum(c.result is None for c in rows)}


def inspections_in(session, start: date, end: date, district_id: int | None = None) -> dict:
    session.expire_all()
    rows = [i for i in session.exec(select(Inspection))
            if start <= local_day(i.captured_at) <= end and district_id in (None, i.district_id)]
    ids = {i.id for i in rows}
    orders = [o for o in session.exec(select(RectificationOrder)) if o.inspection_id in ids]
    samples = [s for s in session.exec(select(Sample)) if s.inspection_id in ids]
    tested = [s for s in samples if s.lab_result is not None]
    return {"n": len(rows), "visits": sum(i.inspector_count for i in rows),
            "merchants": len({i.merchant_id for i in rows}),
            "failed": sum(i.result == "fail" for i in rows), "orders": len(orders),
            "closed": sum(o.closed_at is not None for o in orders), "samples": len(samples), "tested": len(tested),
            "bad": sum(s.lab_result == "fail" for s in tested)}


def events_in(session, start: date, end: date, district_id: int | None = None) -> list[OutreachEvent]:
    session.expire_all()
    return [e for e in session.exec(select(OutreachEvent))
            if start <= e.held_on <= end and district_id in (None, e.district_id)]


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), SHANGHAI).astimezone(timezone.utc)


# ---- the seeded dataset: through the real services ----------------------------------------------------------

def _file(make_complaint, base_data, merchant, category="food", problem="quality"):
    return make_complaint(merchant_id=str(merchant.id), merchant_name=merchant.name,
                          merchant_address=merchant.address, district_id=str(merchant.district_id),
                          category_id=str(base_data.categories[category].id), problem_type=problem)


def _mediating(session, handler, c):
    handling.accept(session, handler, c, c.version)
    handling.assign(session, handler, c, c.version, handler)


def _inspect(app, session, actor, form):
    with app.test_request_context():
        data, errors = validate_inspection(MultiDict(form))
        assert errors == {}, errors
        inspection = inspections.create_inspection(session, actor, data, {}, LocalStorage(app.config["UPLOAD_DIR"]),
                                                   "digest")
    session.commit()
    return inspection


def _lab(session, actor, inspection, result):
    sample = session.exec(select(Sample).where(Sample.inspection_id == inspection.id,
                                               Sample.lab_result == None)).first()  # noqa: E711
    inspections.record_lab_result(session, actor, sample, LabResult(lab_result=result, result_on=today_shanghai()),
                                  inspection.captured_at)
    session.commit()


@pytest.fixture
def scene(app, session, base_data, make_complaint):
    """This year in 城东区 (CD): complaints resolved with money, failed, referred, rejected, open, rated; one filed a
    year earlier; inspections with samples, a closed and an open rectification order; two outreach events (3456
    leaflets). 南湖区 (NH) gets one complaint, one inspection and one event, which CD's summary must not count."""
    d, u, m = base_data.districts, base_data.users, base_data.merchants
    handler = u["handler"]
    nh_handler = make_user(session, base_data, "handler", "NH", "南湖受理")
    cd, cd2 = m[0], m[1]
    nh = next(x for x in m if x.district_id == d["NH"].id)

    won = _file(make_complaint, base_data, cd)
    _mediating(session, handler, won)
    handling.resolve(session, handler, won, won.version, "商家退款并赔偿", 1_234_567)
    won2 = _file(make_complaint, base_data, cd, problem="false_advertising")
    _mediating(session, handler, won2)
    handling.resolve(session, handler, won2, won2.version, "退款", 800_000)
    handling.close(session, handler, won2, won2.version)
    handling.follow_up(session, handler, won2, won2.version, 5, "满意")
    lost = _file(make_complaint, base_data, cd2, category="prepaid", problem="contract")
    _mediating(session, handler, lost)
    handling.fail(session, handler, lost, lost.version, "arbitration", "建议申请仲裁")
    handling.close(session, handler, lost, lost.version)
    handling.follow_up(session, handler, lost, lost.version, 2, "不满意")
    referred = _file(make_complaint, base_data, cd2, category="prepaid", problem="contract")
    handling.accept(session, handler, referred, referred.version)
    handling.refer(session, handler, referred, referred.version, "涉嫌违法，移交执法")
    rejected = _file(make_complaint, base_data, cd)
    handling.reject(session, handler, rejected, rejected.version, "duplicate", "重复投诉")
    _file(make_complaint, base_data, cd)                                           # submitted, still open
    accepted = _file(make_complaint, base_data, cd2, category="prepaid")
    handling.accept(session, handler, accepted, accepted.version)                  # accepted, still open
    gone = _file(make_complaint, base_data, cd2, category="prepaid")
    handling.accept(session, handler, gone, gone.version)
    complaint_service.withdraw(session, None, gone, "已与商家自行和解")            # accepted, then withdrawn
    nh_won = _file(make_complaint, base_data, nh, category="telecom", problem="price_fraud")
    _mediating(session, nh_handler, nh_won)
    handling.resolve(session, nh_handler, nh_won, nh_won.version, "退款", 99_900)
    session.commit()
    last_year = _file(make_complaint, base_data, cd)
    last_year.received_at = noon(_shift_year(today_shanghai(), -1))
    session.add(last_year)
    session.commit()

    inspector, city_inspector = u["inspector"], make_user(session, base_data, "inspector", None, "市局执法")
    due = (today_shanghai() + timedelta(days=7)).isoformat()
    first = _inspect(app, session, inspector, inspection_form(
        session, base_data, merchant=cd, fail=(2,), inspector_count="2", order_due_on=due,
        **{"sample-0-product": "挂面", "sample-1-product": "酱油"}))
    _inspect(app, session, inspector, inspection_form(
        session, base_data, merchant=cd, fail=(), inspector_count="3", follow_up_of=str(first.id),
        **{"sample-0-product": "食用油"}))                                        # closes the first order
    open_order = _inspect(app, session, inspector, inspection_form(
        session, base_data, merchant=cd2, fail=(1,), inspector_count="2", order_due_on=due))
    _lab(session, inspector, first, "fail")
    _lab(session, inspector, first, "pass")
    _inspect(app, session, city_inspector, inspection_form(session, base_data, merchant=nh, fail=(),
                                                           inspector_count="4"))

    today = today_shanghai()
    make_event(session, base_data, district_id=d["CD"].id, held_on=today, venue_type="village", participants=1234,
               consultations=287, leaflets=3456, banners=2, boards=5, volunteers=12)
    make_event(session, base_data, district_id=d["CD"].id, held_on=today, venue_type="school", participants=66,
               consultations=13, leaflets=0, banners=1, boards=0, volunteers=3)
    make_event(session, base_data, district_id=d["NH"].id, held_on=today, venue_type="market", participants=500,
               consultations=50, leaflets=10_000, banners=1, boards=2, volunteers=6)
    return {"cd": d["CD"], "nh": d["NH"], "nh_merchant": nh, "open_order": open_order}


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _build(app, session, period, district, lang="zh"):
    with app.test_request_context(f"/?lang={lang}"):
        return summary.build(session, period, district, today_shanghai(), lang)


def _section(doc, key):
    return next(s for s in doc.sections if s.key == key)


def _docx_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


# ---- the document structure ------------------------------------------------------------------------------------

def test_complaint_section_states_the_counted_figures(app, session, scene):
    year = Period.year(today_shanghai().year)
    doc = _build(app, session, year, scene["cd"])
    n = counts(complaints_in(session, year.start, year.end, scene["cd"].id))
    assert (n["received"], n["resolved"], n["failed"], n["referred"], n["rejected"], n["withdrawn"]) \
        == (8, 2, 1, 1, 1, 1)
    text = "\n".join(_section(doc, "complaints").paragraphs)
    assert f"本期共接收消费者投诉 {n['received']} 件，受理 {n['accepted']} 件，不予受理 {n['rejected']} 件" in text
    assert f"消费者撤回 {n['withdrawn']} 件，尚在办理 {n['open']} 件" in text
    assert f"办结 {n['concluded']} 件，办结率 {pct(n['concluded'], n['accepted'])}" in text
    assert f"其中调解成功 {n['resolved']} 件，调解不成 {n['failed']} 件，诉转案 {n['referred']} 件" in text
    assert f"调解成功率 {pct(n['resolved'], n['resolved'] + n['failed'])}" in text
    assert n["fen"] == 2_034_567 and "为消费者挽回经济损失 2.03 万元" in text      # 20,345.67 元
    assert f"按期办结 {n['on_time']} 件，按期办结率 {pct(n['on_time'], n['concluded'])}" in text
    assert f"回访评价 {n['rated']} 件，满意 {n['satisfied']} 件，满意率 {pct(n['satisfied'], n['rated'])}" in text
    before = counts(complaints_in(session, *_year_before(year), scene["cd"].id))["received"]
    assert before == 1
    assert f"接收投诉量同比上升 {pct(n['received'] - before, before)}（{year.start.year - 1}年 {before} 件）" in text
    assert "环比" not in text       # a year's previous period is the year before: said once, as 同比


def _year_before(p: Period) -> tuple[date, date]:
    return _shift_year(p.start, -1), _shift_year(p.end, -1)


def test_hotspot_tables_count_categories_problems_and_merchants(app, session, scene, base_data):
    year = Period.year(today_shanghai().year)
    doc = _build(app, session, year, scene["cd"])
    rows = complaints_in(session, year.start, year.end, scene["cd"].id)
    names = {c.id: c.name for c in session.exec(select(Category))}
    merchants = {m.id: m.name for m in session.exec(select(Merchant))}
    tables = _section(doc, "complaints").tables
    assert [t.caption for t in tables] == ["表1　投诉量居前的商品和服务类别", "表2　投诉问题类型", "表3　被投诉较多的经营者"]
    assert tables[0].header == ["类别", "件数", "占比", "同比"]
    for table, key, label in ((tables[0], "category_id", names), (tables[2], "merchant_id", merchants)):
        expected = {}
        for c in rows:
            expected[label[getattr(c, key)]] = expected.get(label[getattr(c, key)], 0) + 1
        assert {r[0]: int(r[1]) for r in table.rows} == expected
        for r in table.rows:
            assert r[2] == pct(expected[r[0]], len(rows))
    assert sum(int(r[1]) for r in tables[1].rows) == len(rows)
    food = next(r for r in tables[0].rows if r[0] == "食品")
    assert food[3] == f"+{pct(int(food[1]) - 1, 1)}"          # one food complaint a year before
    assert scene["nh_merchant"].name not in doc.text()


def test_inspection_section_counts_visits_orders_and_samples(app, session, scene):
    year = Period.year(today_shanghai().year)
    doc = _build(app, session, year, scene["cd"])
    i = inspections_in(session, year.start, year.end, scene["cd"].id)
    assert (i["n"], i["visits"], i["orders"], i["closed"], i["samples"], i["tested"], i["bad"]) == (3, 7, 2, 1, 3, 2, 1)
    section = _section(doc, "inspections")
    text = "\n".join(section.paragraphs)
    assert f"本期出动执法人员 {i['visits']} 人次，检查经营主体 {i['n']} 户次（涉及 {i['merchants']} 户），" \
           f"发现问题 {i['failed']} 户次" in text
    assert f"责令整改 {i['orders']} 户次，已整改到位 {i['closed']} 户次，整改完成率 {pct(i['closed'], i['orders'])}" in text
    assert f"抽检商品 {i['samples']} 批次，已出检验结果 {i['tested']} 批次，其中不合格 {i['bad']} 批次，" \
           f"不合格率 {pct(i['bad'], i['tested'])}" in text
    table = {r[0]: r[1] for r in section.tables[0].rows}
    assert table["出动执法人员（人次）"] == str(i["visits"]) and table["不合格率"] == pct(i["bad"], i["tested"])
    assert table["责令整改（户次）"] == str(i["orders"]) and table["已整改到位（户次）"] == str(i["closed"])


def test_outreach_section_rounds_like_the_seeds_and_tables_are_exact(app, session, scene):
    year = Period.year(today_shanghai().year)
    events = events_in(session, year.start, year.end, scene["cd"].id)
    leaflets, participants = sum(e.leaflets for e in events), sum(e.participants for e in events)
    assert (len(events), leaflets, participants) == (2, 3456, 1300)
    section = _section(_build(app, session, year, scene["cd"]), "outreach")
    text = "\n".join(section.paragraphs)
    assert f"本期开展宣传活动 {len(events)} 场，其中进学校 1 场、进农村 1 场" in text
    assert "发放宣传资料 3400 余份" in text and "参与群众 1300 人次" in text   # floored; exact needs no 余
    by_district = section.tables[1]
    assert by_district.rows == [["城东区", "2", "1300", "300", "3456", "0"]]
    city = _section(_build(app, session, year, None), "outreach")
    assert "发放宣传资料 1.3 万余份" in "\n".join(city.paragraphs)                # 13,456 for the whole city
    assert city.tables[1].rows[-1][0] == "合计" and city.tables[1].rows[-1][4] == "13456"


def test_problems_are_read_off_the_data(app, session, scene):
    year = Period.year(today_shanghai().year)
    doc = _build(app, session, year, scene["cd"])
    n = counts(complaints_in(session, year.start, year.end, scene["cd"].id))
    text = "\n".join(_section(doc, "next").paragraphs)
    assert f"本期接收的投诉中尚有 {n['open']} 件未办结" in text
    assert f"消费者满意率为 {pct(n['satisfied'], n['rated'])}，低于 90%" in text
    assert "尚有 1 户次责令整改未整改到位，整改完成率 50.0%" in text
    assert "尚有 1 批次抽检样品未出具检验结果" in text
    assert "抽检不合格率为 50.0%（1/2 批次）" in text
    assert "食品类投诉" in text and "针对食品领域开展专项整治" in text        # top category up on a year before
    assert text.index("（一）存在问题") < text.index("（二）下一步打算")


def test_targets_section_lists_progress_or_says_there_are_none(app, session, scene, base_data):
    year = Period.year(today_shanghai().year)
    doc = _build(app, session, year, scene["cd"])
    assert _section(doc, "targets").paragraphs == ["本年度尚未设定工作目标。"]
    session.add(PlanTarget(year=year.start.year, district_id=scene["cd"].id, metric="satisfaction", target=90,
                           created_by_id=base_data.users["supervisor"].id))
    session.commit()
    doc = _build(app, session, year, scene["cd"])
    table = _section(doc, "targets").tables[0]
    assert table.header == ["目标", "完成情况", "状态"] and len(table.rows) == 1
    assert "90" in table.rows[0][0]
    assert table.rows[0][2] in ("有风险", "未完成")                 # 50.0% satisfied so far
    assert f"工作目标“{table.rows[0][0]}”{table.rows[0][2]}" in "\n".join(_section(doc, "next").paragraphs)


def test_month_summary_compares_with_the_previous_month(app, session, scene, make_complaint, base_data):
    today = today_shanghai()
    month = Period.month(today.year, today.month)
    earlier = _file(make_complaint, base_data, base_data.merchants[0])
    earlier.received_at = noon(month.previous().start + timedelta(days=9))
    session.add(earlier)
    session.commit()
    doc = _build(app, session, month, scene["cd"])
    now = counts(complaints_in(session, month.start, month.end, scene["cd"].id))["received"]
    prev = counts(complaints_in(session, month.previous().start, month.previous().end, scene["cd"].id))["received"]
    assert prev >= 1
    if now == prev:
        expected = f"环比持平（{month.previous().label('zh')} {prev} 件）"
    else:
        word = "上升" if now > prev else "下降"
        expected = f"环比{word} {pct(abs(now - prev), prev)}（{month.previous().label('zh')} {prev} 件）"
    assert expected in "\n".join(_section(doc, "complaints").paragraphs)
    assert _section(doc, "complaints").tables[0].header == ["类别", "件数", "占比", "环比", "同比"]


def test_english_summary_has_the_same_figures(app, session, scene):
    year = Period.year(today_shanghai().year)
    doc = _build(app, session, year, scene["cd"], "en")
    n = counts(complaints_in(session, year.start, year.end, scene["cd"].id))
    text = doc.text()
    assert doc.title == f"Consumer Protection Work Summary: {year.start.year}, Chengdong District"
    assert [s.heading for s in doc.sections] == list(summary.HEADINGS["en"])
    assert f"{n['received']} complaints were received in the period; {n['accepted']} accepted" in text
    assert f"closure rate {pct(n['concluded'], n['accepted'])}" in text
    assert "CNY 20,345.67 recovered for consumers" in text
    assert "about 3,400 leaflets were handed out" in text
    assert "1 rectification order is not yet put right" in text


def test_empty_period_says_so_without_dividing_by_zero(app, session, base_data):
    doc = _build(app, session, Period.year(2001), None)
    text = doc.text()
    assert doc.empty and "本期未记录消费者投诉、监督检查和宣传活动" in doc.intro
    assert [s.heading for s in doc.sections] == list(summary.HEADINGS["zh"])
    assert "本期未接收消费者投诉。" in text and "本期未开展监督检查。" in text and "本期未开展宣传活动。" in text
    assert "2001年度未设定工作目标。" in text and "本期无业务数据，暂无可分析的问题。" in text
    assert not re.search(r"\bnan\b|None|0\.0%|\binf\b", text)
    english = _build(app, session, Period.year(2001), None, "en").text()
    assert "Nothing was recorded in the period" in english
    assert not re.search(r"\bnan\b|None|0\.0%|\binf\b", english)


# ---- routes ---------------------------------------------------------------------------------------------------------

def test_page_shows_the_summary_for_a_city_supervisor(client, session, scene, login_as):
    login_as("supervisor")
    year = today_shanghai().year
    response = client.get(f"/reports/summary?period=year&year={year}&doc_lang=zh")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for heading in summary.HEADINGS["zh"]:
        assert heading in html
    assert f"全市{year}年消费者权益保护工作总结" in html
    n = counts(complaints_in(session, date(year, 1, 1), date(year, 12, 31)))
    assert f"本期共接收消费者投诉 {n['received']} 件" in html
    assert n["fen"] == 2_134_467 and "为消费者挽回经济损失 2.13 万元" in html
    assert "发放宣传资料 1.3 万余份" in html
    assert "/reports/summary.docx?" in html and "<style" not in html and 'style="' not in html


def test_district_supervisor_counts_only_the_district_and_may_not_ask_for_another(client, session, scene,
                                                                                    base_data):
    sign_in(client, make_user(session, base_data, "supervisor", "CD", "城东主任"))
    year = today_shanghai().year
    html = client.get(f"/reports/summary?period=year&year={year}").get_data(as_text=True)
    n = counts(complaints_in(session, date(year, 1, 1), date(year, 12, 31), scene["cd"].id))
    assert f"城东区{year}年消费者权益保护工作总结" in html
    assert f"本期共接收消费者投诉 {n['received']} 件" in html and "2.03 万元" in html
    assert scene["nh_merchant"].name not in html and "南湖区" not in html.split('id="summary-doc"')[1]
    assert client.get("/reports/summary?district=NH").status_code == 403
    assert client.get("/reports/summary.docx?district=NH").status_code == 403
    assert client.get("/reports/summary?district=CD").status_code == 200


def test_docx_reads_back_with_headings_and_figures(client, session, scene, login_as):
    login_as("supervisor")
    year = today_shanghai().year
    response = client.get(f"/reports/summary.docx?period=year&year={year}&district=CD&doc_lang=zh")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(f'工作总结-{year}年-城东区.docx')}" in disposition
    assert f'filename="work-summary-{year}-CD-zh.docx"' in disposition
    text = _docx_text(response.data)
    n = counts(complaints_in(session, date(year, 1, 1), date(year, 12, 31), scene["cd"].id))
    for heading in summary.HEADINGS["zh"]:
        assert heading in text
    assert f"本期共接收消费者投诉 {n['received']} 件" in text and "2.03 万元" in text
    assert "发放宣传资料 3400 余份" in text and "城东区 | 2 | 1300 | 300 | 3456 | 0" in text
    normal = docx.Document(io.BytesIO(response.data)).styles["Normal"].element
    fonts = normal.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"

    english = client.get(f"/reports/summary.docx?period=year&year={year}&district=CD&doc_lang=en")
    assert english.status_code == 200
    assert "Work-summary-2" in english.headers["Content-Disposition"]
    text = _docx_text(english.data)
    for heading in summary.HEADINGS["en"]:
        assert heading in text
    assert f"{n['received']} complaints were received in the period" in text
    assert "Chengdong District | 2 | 1300 | 300 | 3456 | 0" in text


def test_english_ui_gives_the_english_summary_by_default(client, scene, login_as):
    login_as("supervisor")
    client.set_cookie("lang", "en")
    html = client.get("/reports/summary").get_data(as_text=True)
    assert "1. Consumer complaints" in html and "Work summary" in html


@pytest.mark.parametrize("query, field", [
    ("period=custom&start=2026-05-01&end=2026-04-01", "end"),
    ("period=month&year=2026&month=13", "month"),
    ("period=week", "period"),
    ("period=custom&start=yesterday&end=2026-04-01", "start"),
    ("doc_lang=fr", "doc_lang"),
    ("district=XX", "district"),
])
def test_bad_arguments_get_422_with_the_message(client, base_data, login_as, query, field):
    login_as("supervisor")
    for path in ("/reports/summary", "/reports/summary.docx"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query)
        assert response.mimetype == "text/html"
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "ends before it starts" in client.get(
        "/reports/summary?period=custom&start=2026-05-01&end=2026-04-01").get_data(as_text=True)


def test_only_report_roles_signed_in(client, base_data, login_as):
    response = client.get("/reports/summary")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/reports/summary.docx").status_code == 302
    login_as("handler")
    assert client.get("/reports/summary").status_code == 403
    assert client.get("/reports/summary.docx").status_code == 403


def test_empty_period_page_and_docx(client, base_data, login_as):
    login_as("admin")
    html = client.get("/reports/summary?period=year&year=2001").get_data(as_text=True)
    assert "本期未记录消费者投诉、监督检查和宣传活动" in html and "0.0%" not in html
    body = client.get("/reports/summary.docx?period=year&year=2001&doc_lang=en").data
    assert "Nothing was recorded in the period" in _docx_text(body)



def test_month_boundaries_follow_shanghai_days(app, session, base_data, make_complaint):
    """Half past midnight on the 1st in Shanghai is still the previous day in UTC: it counts in the new month."""
    today = today_shanghai()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)        # 1st of the previous month
    moment = datetime.combine(first, time(0, 30), SHANGHAI).astimezone(timezone.utc)
    assert moment.date() < first
    c = _file(make_complaint, base_data, base_data.merchants[0])
    c.received_at = moment
    session.add(c)
    session.commit()
    _inspect(app, session, base_data.users["inspector"], inspection_form(
        session, base_data, merchant=base_data.merchants[0], fail=(), inspector_count="1",
        captured_at=moment.isoformat()))
    cd = base_data.districts["CD"]
    month, before = Period.month(first.year, first.month), Period.month(first.year, first.month).previous()
    assert len(complaints_in(session, month.start, month.end, cd.id)) == 1
    assert inspections_in(session, month.start, month.end, cd.id)["n"] == 1
    text = _build(app, session, month, cd).text()
    assert "本期共接收消费者投诉 1 件" in text and "检查经营主体 1 户次" in text
    earlier = _build(app, session, before, cd).text()
    assert "本期未接收消费者投诉。" in earlier and "本期未开展监督检查。" in earlier


def test_nothing_concluded_yet_gives_no_rates(app, session, base_data, make_complaint):
    """One complaint just filed: every rate has nothing to divide by, so none is stated."""
    _file(make_complaint, base_data, base_data.merchants[0])
    doc = _build(app, session, Period.year(today_shanghai().year), base_data.districts["CD"])
    text = "\n".join(_section(doc, "complaints").paragraphs + _section(doc, "inspections").paragraphs)
    assert "本期共接收消费者投诉 1 件，受理 0 件，尚在办理 1 件。" in text
    assert "尚无办结的投诉。" in text and "本期暂无消费者评价。" in text
    assert not re.search(r"率 ?\d", text)                       # 办结率, 调解成功率, 满意率 … none stated
    english = _build(app, session, Period.year(today_shanghai().year), base_data.districts["CD"], "en").text()
    assert "No complaint has been concluded yet." in english and "No consumer has rated the handling yet." in english


def test_months_without_an_outreach_event_are_named(app, session, base_data):
    year = today_shanghai().year - 1
    cd = base_data.districts["CD"]
    for month in (1, 2, 4, 6, 7, 8, 9, 10, 11, 12):
        make_event(session, base_data, district_id=cd.id, held_on=date(year, month, 5))
    five = "\n".join(_section(_build(app, session, Period.year(year), cd), "next").paragraphs)
    assert "城东区3月、5月未开展宣传活动" in five and "各辖区每月至少开展一次宣传活动" in five
    city = "\n".join(_section(_build(app, session, Period.year(year), None), "next").paragraphs)
    assert "城西区本期各月均未开展宣传活动" in city and "南湖区本期各月均未开展宣传活动" in city
    english = "\n".join(_section(_build(app, session, Period.year(year), cd, "en"), "next").paragraphs)
    assert "Chengdong District held no outreach event in March and May" in english


def test_docx_file_names_for_month_quarter_and_custom_periods(client, base_data, login_as):
    login_as("supervisor")
    cases = [("period=month&year=2026&month=3&district=CD&doc_lang=zh", "工作总结-2026年3月-城东区.docx",
              "work-summary-2026-03-CD-zh.docx"),
             ("period=quarter&year=2026&quarter=1&doc_lang=en", "Work-summary-Q1-2026-Whole-city.docx",
              "work-summary-2026-Q1-city-en.docx"),
             ("period=custom&start=2026-03-01&end=2026-03-31&district=NH&doc_lang=en",
              "Work-summary-1-Mar-2026-31-Mar-2026-Nanhu-District.docx",
              "work-summary-2026-03-01-2026-03-31-NH-en.docx")]
    for query, name, fallback in cases:
        disposition = client.get(f"/reports/summary.docx?{query}").headers["Content-Disposition"]
        assert disposition == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
