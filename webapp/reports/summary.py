"""The work summary (工作总结) of a period and a district, as a plain document structure in "zh" or "en".

`build(session, period, district, today, lang)` words what `figures.build` counted the way the offices'
own summaries do ("受理消费者投诉 N 件，办结 N 件，办结率 N%……发放宣传资料 3000 余份"): counts of cases
exact, counts of people and leaflets rounded down with 余 (`webapp.outreach.totals.approx`), money in 万元
with two decimals from 1 万元 up, percentages with one decimal. The text is document text built here for
both languages, never gettext. Tables carry the exact figures. No Flask request code here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

from webapp.auth.models import District
from webapp.outreach import totals as outreach_totals
from webapp.outreach.models import VENUE_TYPES, OutreachEvent
from webapp.reports import figures, targets
from webapp.reports.period import Period

SATISFACTION_GOAL = 0.9        # a satisfaction rate below this is named as a problem
NONCONFORMITY_HIGH = 0.05      # … and a non-conformity rate at or above this
HOTSPOTS_IN_TEXT = 3           # hotspots named in the sentence (the tables list figures.TOP)
MONTHS_LISTED = 6              # more months without an event than this are counted, not listed
HEADINGS = {
    "zh": ("一、消费投诉处理", "二、监督检查", "三、宣传教育", "四、计划完成情况", "五、存在问题与下一步打算"),
    "en": ("1. Consumer complaints", "2. Inspections and sampling", "3. Consumer education and outreach",
           "4. Progress against the work plan", "5. Problems and next steps"),
}
KEYS = ("complaints", "inspections", "outreach", "targets", "next")
STATUS = {"zh": {targets.MET: "达成", targets.ON_TRACK: "进度正常", targets.AT_RISK: "有风险",
                 targets.MISSED: "未完成", targets.NO_DATA: "暂无数据"},
          "en": {targets.MET: "Met", targets.ON_TRACK: "On track", targets.AT_RISK: "At risk",
                 targets.MISSED: "Missed", targets.NO_DATA: "No data"}}


@dataclass
class Table:
    """A table of the document: caption, header row, body rows (all text); `numeric` columns align right."""
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()


@dataclass
class Paragraph:
    text: str
    kind: str = "text"          # "text" or "subheading" (（一）存在问题)


@dataclass
class Section:
    key: str
    heading: str
    blocks: list = field(default_factory=list)    # Paragraph and Table, in reading order

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class Summary:
    lang: str
    title: str
    period_parts: list[str]       # 统计期间…, 统计范围…, 数据截至…
    intro: str
    sections: list[Section]
    empty: bool
    period: Period
    district: District | None

    @property
    def period_line(self) -> str:
        return ("　" if self.lang == "zh" else " · ").join(self.period_parts)

    def text(self) -> str:
        """Everything the document says, one block a line (for search and tests)."""
        lines = [self.title, self.period_line, self.intro]
        for s in self.sections:
            lines.append(s.heading)
            for b in s.blocks:
                lines += [b.text] if isinstance(b, Paragraph) else \
                    [b.caption, " | ".join(b.header), *(" | ".join(r) for r in b.rows)]
        return "\n".join(lines)


# ---- figures as words -------------------------------------------------------------------------------

def pct(part: int, whole: int) -> str | None:
    """part / whole as "85.7%" (half up, one decimal); None when there is nothing to divide by."""
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


def money(fen: int, lang: str) -> str:
    """Money recovered: "2.03 万元" from 1 万元 up, else "560.80 元"; English "CNY 20,345.67"."""
    yuan = Decimal(fen) / 100
    if lang == "en":
        return f"CNY {yuan:,.2f}".removesuffix(".00")
    if fen >= 1_000_000:
        return f"{(Decimal(fen) / 1_000_000).quantize(Decimal('0.01'), ROUND_HALF_UP)} 万元"
    return f"{fen // 100} 元" if fen % 100 == 0 else f"{yuan:.2f} 元"


def people(n: int, unit: str, lang: str) -> str:
    """A count of people or leaflets, rounded the seeds' way ("30 余人次", "about 3,400")."""
    return outreach_totals._zh_figure(n, unit) if lang == "zh" else outreach_totals._en_figure(n)


def change_cell(now: int, before: int, lang: str) -> str:
    """环比/同比 for a table cell: "+25.0%", "-10.0%", "持平"; "—" when the earlier figure is 0."""
    if not before:
        return "—"
    if now == before:
        return "持平" if lang == "zh" else "no change"
    return ("+" if now > before else "-") + pct(abs(now - before), before)


def day_text(d: date, lang: str) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {d.strftime('%B %Y')}"


def scope_name(district: District | None, lang: str) -> str:
    if district is None:
        return "全市" if lang == "zh" else "the whole city"
    return district.name if lang == "zh" else (district.name_en or district.name)


def plural(n: int, one: str, many: str) -> str:
    """English count with its noun: "1 complaint was", "3 complaints were"."""
    return f"{n} {one if n == 1 else many}"


def _days(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def _join(parts: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(clauses: list[str], lang: str) -> str:
    clauses = [c for c in clauses if c]
    if lang == "zh":
        return "，".join(clauses) + "。"
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


class _Doc:
    """Numbers the tables as they are added."""

    def __init__(self, lang: str):
        self.lang, self.n = lang, 0

    def table(self, caption_zh: str, caption_en: str, header: list[str], rows: list[list[str]],
              numeric: tuple[int, ...] = ()) -> Table:
        self.n += 1
        caption = f"表{self.n}　{caption_zh}" if self.lang == "zh" else f"Table {self.n}. {caption_en}"
        return Table(caption, header, rows, numeric)


def pending(c: figures.ComplaintFigures) -> int:
    """Complaints received in the period that have not yet come to an end (no result)."""
    return c.received - c.rejected - c.withdrawn - c.concluded


# ---- 一、消费投诉处理 ----------------------------------------------------------------------------------

def _trend(now: int, before: int, name: str, label: str, lang: str) -> str:
    if lang == "zh":
        if not before:
            return f"{name}无可比基数（{label}为 0 件）"
        if now == before:
            return f"{name}持平（{label} {before} 件）"
        return f"{name}{'上升' if now > before else '下降'} {pct(abs(now - before), before)}（{label} {before} 件）"
    if not before:
        return f"no comparison with {name} ({label}: none)"
    if now == before:
        return f"unchanged on {name} ({label}: {before})"
    return f"{'up' if now > before else 'down'} {pct(abs(now - before), before)} on {name} ({label}: {before})"


def _trend_sentence(dash: figures.Dashboard, lang: str) -> str:
    """接收投诉量环比……，同比……; a year has no 环比 of its own (the previous period is the year before)."""
    zh, now = lang == "zh", dash.complaints.received
    p, y = dash.period.previous(), dash.period.year_before()
    clauses = []
    if dash.period.kind != "year":
        clauses.append(_trend(now, dash.complaints_previous.received, "环比" if zh else "the previous period",
                              p.label(lang), lang))
    clauses.append(_trend(now, dash.complaints_year_before.received, "同比" if zh else "a year before",
                          y.label(lang), lang))
    if zh:
        return "接收投诉量" + "，".join(clauses) + "。"
    return "Complaints received: " + "; ".join(clauses) + "."


def _complaint_paragraphs(dash: figures.Dashboard, lang: str) -> list[str]:
    c, zh = dash.complaints, lang == "zh"
    if zh:
        first = [f"本期共接收消费者投诉 {c.received} 件", f"受理 {c.accepted} 件",
                 c.rejected and f"不予受理 {c.rejected} 件", c.withdrawn and f"消费者撤回 {c.withdrawn} 件",
                 pending(c) and f"尚在办理 {pending(c)} 件"]
        second = [f"办结 {c.concluded} 件", c.accepted and f"办结率 {pct(c.concluded, c.accepted)}",
                  f"其中调解成功 {c.resolved} 件", c.failed and f"调解不成 {c.failed} 件",
                  c.referred and f"诉转案 {c.referred} 件",
                  (c.resolved + c.failed) and f"调解成功率 {pct(c.resolved, c.resolved + c.failed)}",
                  c.recovered_fen and f"为消费者挽回经济损失 {money(c.recovered_fen, lang)}"]
    else:
        first = [plural(c.received, "complaint was", "complaints were") + " received in the period",
                 f"{c.accepted} accepted",
                 c.rejected and f"{c.rejected} rejected", c.withdrawn and f"{c.withdrawn} withdrawn",
                 pending(c) and f"{pending(c)} still being handled"]
        second = [f"{c.concluded} concluded", c.accepted and f"closure rate {pct(c.concluded, c.accepted)}",
                  f"{c.resolved} settled by mediation", c.failed and f"{c.failed} not settled",
                  c.referred and f"{c.referred} referred to enforcement",
                  (c.resolved + c.failed) and f"mediation success rate {pct(c.resolved, c.resolved + c.failed)}",
                  c.recovered_fen and f"{money(c.recovered_fen, lang)} recovered for consumers"]
    if not c.concluded:
        second = ["尚无办结的投诉" if zh else "no complaint has been concluded yet"]
    out = [_sentence([x for x in first if x], lang), _sentence([x for x in second if x], lang)]
    out.append(_timeliness(c, lang))
    return out


def _timeliness(c: figures.ComplaintFigures, lang: str) -> str:
    zh, parts = lang == "zh", []
    if c.concluded:
        parts.append(f"按期办结 {c.on_time} 件，按期办结率 {pct(c.on_time, c.concluded)}" if zh else
                     f"{c.on_time} concluded within the statutory time (on-time rate {pct(c.on_time, c.concluded)})")
        if c.median_close_days is not None:
            parts.append(f"办结用时中位数 {_days(c.median_close_days)} 个工作日" if zh else
                         f"median {_days(c.median_close_days)} working days from receipt to conclusion")
    if c.rated:
        parts.append(f"回访评价 {c.rated} 件，满意 {c.satisfied} 件，满意率 {pct(c.satisfied, c.rated)}，"
                     f"平均评分 {c.satisfaction_sum / c.rated:.1f} 分（满分 5 分）" if zh else
                     f"{plural(c.rated, 'consumer', 'consumers')} rated the handling, {c.satisfied} satisfied "
                     f"(satisfaction rate {pct(c.satisfied, c.rated)}, "
                     f"average {c.satisfaction_sum / c.rated:.1f} of 5)")
    else:
        parts.append("本期暂无消费者评价" if zh else "no consumer has rated the handling yet")
    return _sentence(parts, lang)


def _hotspot_text(dash: figures.Dashboard, lang: str) -> str:
    zh, received = lang == "zh", dash.complaints.received

    def names(items, share: bool) -> str:
        shown = []
        for h in items[:HOTSPOTS_IN_TEXT]:
            name = h.name if zh else h.name_en
            if zh:
                shown.append(f"{name}（{h.n} 件，占 {pct(h.n, received)}）" if share else f"{name}（{h.n} 件）")
            else:
                shown.append(f"{name} ({h.n}, {pct(h.n, received)})" if share else f"{name} ({h.n})")
        return _join(shown, lang)

    parts = []
    if dash.categories:
        parts.append(f"从投诉热点看，投诉量居前的商品和服务类别为{names(dash.categories, True)}" if zh else
                     f"The categories most complained about were {names(dash.categories, True)}")
    if dash.problems:
        parts.append(f"问题类型主要集中在{names(dash.problems, True)}" if zh else
                     f"the main problems were {names(dash.problems, True)}")
    if dash.merchants:
        parts.append(f"被投诉较多的经营者为{names(dash.merchants, False)}" if zh else
                     f"the merchants most complained about were {names(dash.merchants, False)}")
    return _sentence(parts, lang) if parts else ""


def _hotspot_table(doc: _Doc, dash: figures.Dashboard, items: list[figures.Hotspot], first: tuple[str, str],
                   caption: tuple[str, str]) -> Table:
    """Top items with their share and change; a year's previous period is the year before, so no 环比 then."""
    zh, received, lang = doc.lang == "zh", dash.complaints.received, doc.lang
    both = dash.period.kind != "year"
    header = [first[0], "件数", "占比", "环比", "同比"] if zh else \
        [first[1], "Complaints", "Share", "vs previous period", "vs a year before"]
    rows = [[h.name if zh else h.name_en, str(h.n), pct(h.n, received) or "—",
             change_cell(h.n, h.previous, lang), change_cell(h.n, h.year_before, lang)] for h in items]
    if not both:
        header, rows = header[:3] + header[4:], [r[:3] + r[4:] for r in rows]
    return doc.table(caption[0], caption[1], header, rows, tuple(range(1, len(header))))


def complaints_section(doc: _Doc, dash: figures.Dashboard) -> list:
    """一、消费投诉处理: what became of the complaints, their trend and the hotspots."""
    c, lang, zh = dash.complaints, doc.lang, doc.lang == "zh"
    trend = Paragraph(_trend_sentence(dash, lang))
    if not c.received:
        none = Paragraph("本期未接收消费者投诉。" if zh else "No complaint was received in the period.")
        earlier = dash.complaints_previous.received or dash.complaints_year_before.received
        return [none, trend] if earlier else [none]
    blocks = [Paragraph(t) for t in _complaint_paragraphs(dash, lang)]
    blocks.append(trend)
    hot = _hotspot_text(dash, lang)
    if hot:
        blocks.append(Paragraph(hot))
    for items, first, caption in (
            (dash.categories, ("类别", "Category"), ("投诉量居前的商品和服务类别", "Categories most complained about")),
            (dash.problems, ("问题类型", "Problem"), ("投诉问题类型", "Problems complained about")),
            (dash.merchants, ("经营者", "Merchant"), ("被投诉较多的经营者", "Merchants most complained about"))):
        if items:
            blocks.append(_hotspot_table(doc, dash, items, first, caption))
    return blocks


# ---- 二、监督检查 ------------------------------------------------------------------------------------

def inspections_section(doc: _Doc, dash: figures.Dashboard) -> list:
    """二、监督检查: visits, rectification orders, samples and the non-conformity rate."""
    i, lang, zh = dash.inspections, doc.lang, doc.lang == "zh"
    if not i.inspections:
        return [Paragraph("本期未开展监督检查。" if zh else "No inspection was recorded in the period.")]
    untested = i.samples - i.samples_tested
    if zh:
        visits = _sentence([f"本期出动执法人员 {people(i.inspector_visits, '人次', lang)}",
                            f"检查经营主体 {i.inspections} 户次（涉及 {i.merchants} 户）",
                            f"发现问题 {i.failed} 户次"], lang)
        orders = (f"责令整改 {i.orders} 户次，已整改到位 {i.orders_closed} 户次，"
                  f"整改完成率 {pct(i.orders_closed, i.orders)}。") if i.orders else "本期未下达责令整改。"
        samples = _sentence([f"抽检商品 {i.samples} 批次",
                             i.samples_tested and f"已出检验结果 {i.samples_tested} 批次，其中不合格 {i.samples_failed}"
                                                  f" 批次，不合格率 {pct(i.samples_failed, i.samples_tested)}",
                             untested and f"{untested} 批次尚待检验结果"], lang) if i.samples else "本期未抽检商品。"
    else:
        visits = _sentence([f"Inspectors went out {people(i.inspector_visits, '', lang)} times and made "
                            f"{i.inspections} merchant inspections ({i.merchants} merchants)",
                            plural(i.failed, "inspection", "inspections") + " found problems"], lang)
        orders = (plural(i.orders, "rectification order was", "rectification orders were")
                  + f" issued, {i.orders_closed} put right "
                  f"(completion rate {pct(i.orders_closed, i.orders)}).") if i.orders else \
            "No rectification order was issued."
        samples = _sentence([plural(i.samples, "sample batch was", "sample batches were") + " taken",
                             i.samples_tested and f"{i.samples_tested} have a lab result, {i.samples_failed} failed "
                                                  f"(non-conformity rate {pct(i.samples_failed, i.samples_tested)})",
                             untested and f"{untested} are awaiting a result"], lang) if i.samples else \
            "No sample was taken."
    none = "—"
    rows = [("出动执法人员（人次）", "Inspector visits", i.inspector_visits),
            ("检查经营主体（户次）", "Merchant inspections", i.inspections),
            ("涉及经营主体（户）", "Merchants inspected", i.merchants),
            ("发现问题（户次）", "Inspections with problems", i.failed),
            ("责令整改（户次）", "Rectification orders", i.orders),
            ("已整改到位（户次）", "Orders put right", i.orders_closed),
            ("整改完成率", "Completion rate", pct(i.orders_closed, i.orders) or none),
            ("抽检（批次）", "Sample batches", i.samples),
            ("已出检验结果（批次）", "With a lab result", i.samples_tested),
            ("不合格（批次）", "Failed", i.samples_failed),
            ("不合格率", "Non-conformity rate", pct(i.samples_failed, i.samples_tested) or none)]
    table = doc.table("监督检查情况", "Inspections and sampling", ["项目", "数量"] if zh else ["Item", "Figure"],
                      [[z if zh else e, str(v)] for z, e, v in rows], (1,))
    return [Paragraph(visits), Paragraph(orders), Paragraph(samples), table]


# ---- 三、宣传教育 ------------------------------------------------------------------------------------

VENUE_NAMES = {"en": {"community": "Communities", "school": "Schools", "village": "Villages",
                      "enterprise": "Enterprises", "market": "Shopping centres", "government": "Government offices"}}


def _district_rows(session: Session, t: outreach_totals.Totals, district: District | None, lang: str) -> list:
    """Every district in scope, those without an event too, and a total row for the whole city."""
    shown = [district] if district is not None else list(session.exec(select(District).order_by(District.code)))
    by_id = {d.district_id: d for d in t.by_district}
    rows = []
    for d in shown:
        x = by_id.get(d.id) or outreach_totals.DistrictTotals(d.id, d.code, d.name, d.name_en)
        rows.append([scope_name(d, lang), str(x.events), str(x.participants), str(x.consultations),
                     str(x.leaflets), str(x.onsite)])
    if len(rows) > 1:
        rows.append(["合计" if lang == "zh" else "Total", str(t.events), str(t.participants),
                     str(t.consultations), str(t.leaflets), str(t.onsite_complaints)])
    return rows


def outreach_section(doc: _Doc, session: Session, dash: figures.Dashboard) -> list:
    """三、宣传教育: the totals' own sentence, then the events by venue and by district."""
    t, lang, zh = dash.outreach, doc.lang, doc.lang == "zh"
    if not t.events:
        return [Paragraph("本期未开展宣传活动。" if zh else "No outreach event was held in the period.")]
    blocks = [Paragraph(("本期" if zh else "") + outreach_totals.sentence(t, lang))]
    extra = [t.banners and (f"悬挂横幅 {t.banners} 条" if zh else f"{t.banners} banners were put up"),
             t.boards and (f"展出展板 {t.boards} 块" if zh else f"{t.boards} display boards were shown"),
             t.volunteer_people and (f"登记志愿者 {t.volunteer_people} 人参与" if zh else
                                     f"{t.volunteer_people} different volunteers took part")]
    if any(extra):
        blocks.append(Paragraph(_sentence([x for x in extra if x], lang)))
    venues = [[outreach_totals.VENUE_ZH[v] if zh else VENUE_NAMES["en"][v], str(t.by_venue[v])]
              for v in VENUE_TYPES if t.by_venue.get(v)]
    venues.append(["合计" if zh else "Total", str(t.events)])
    blocks.append(doc.table("宣传活动场次（按活动类型）", "Outreach events by venue",
                            ["活动类型", "场次"] if zh else ["Venue", "Events"], venues, (1,)))
    header = ["辖区", "场次", "参与群众（人次）", "接受咨询（人次）", "发放资料（份）", "现场受理投诉（件）"] if zh else \
        ["District", "Events", "Participants", "Consultations", "Leaflets", "On-site complaints"]
    blocks.append(doc.table("宣传活动情况（按辖区）", "Outreach by district", header,
                            _district_rows(session, t, dash.district, lang), (1, 2, 3, 4, 5)))
    return blocks


# ---- 四、计划完成情况 --------------------------------------------------------------------------------

def targets_section(doc: _Doc, progress: list[targets.Progress], year: int, today: date) -> list:
    """四、计划完成情况: the year's targets and where each stands."""
    lang, zh = doc.lang, doc.lang == "zh"
    if not progress:
        if zh:
            return [Paragraph("本年度尚未设定工作目标。" if year == today.year else f"{year}年度未设定工作目标。")]
        return [Paragraph(f"No work plan targets have been set for {year}.")]
    counts = {s: sum(1 for p in progress if p.status == s) for s in STATUS["zh"]}
    named = [f"{STATUS[lang][s]} {n} 项" if zh else f"{n} {STATUS[lang][s].lower()}" for s, n in counts.items() if n]
    head = (f"{year}年度共设定工作目标 {len(progress)} 项，截至{day_text(today, lang)}，" + "，".join(named) + "。"
            if zh else plural(len(progress), "work plan target was", "work plan targets were")
            + f" set for {year}; as of {day_text(today, lang)}: "
            + ", ".join(named) + ".")
    rows = [[p.label_zh if zh else p.label_en, p.actual_zh if zh else p.actual_en, STATUS[lang][p.status]]
            for p in progress]
    return [Paragraph(head), doc.table(f"{year}年度工作目标完成情况", f"Work plan targets {year}",
                                       ["目标", "完成情况", "状态"] if zh else ["Target", "Where it stands", "Status"],
                                       rows)]


# ---- 五、存在问题与下一步打算 ------------------------------------------------------------------------

def ended_months(period: Period, today: date) -> list[date]:
    """The first day of each month wholly inside the period and already over by `today`."""
    months, d = [], period.start.replace(day=1)
    while d <= period.end:
        nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        if d >= period.start and nxt - timedelta(days=1) <= period.end and nxt <= today:
            months.append(d)
        d = nxt
    return months


def quiet_months(session: Session, period: Period, district: District | None, today: date) -> list:
    """[(district, [first day of each ended month without an outreach event])]; districts with an event in
    every such month are left out."""
    months = ended_months(period, today)
    if not months:
        return []
    shown = [district] if district is not None else list(session.exec(select(District).order_by(District.code)))
    stmt = select(OutreachEvent.district_id, OutreachEvent.held_on).distinct().where(
        OutreachEvent.held_on >= months[0], OutreachEvent.held_on <= period.end)
    if district is not None:
        stmt = stmt.where(OutreachEvent.district_id == district.id)
    held = {(d_id, day.replace(day=1)) for d_id, day in session.exec(stmt)}
    out = [(dist, [m for m in months if (dist.id, m) not in held]) for dist in shown]
    return [(dist, gaps) for dist, gaps in out if gaps]


def _month_names(months: list[date], lang: str) -> str:
    one_year = len({m.year for m in months}) == 1
    if lang == "zh":
        return "、".join(f"{m.month}月" if one_year else f"{m.year}年{m.month}月" for m in months)
    return _join([m.strftime("%B" if one_year else "%B %Y") for m in months], lang)


def _findings(session: Session, dash: figures.Dashboard, progress: list, today: date, lang: str) -> list:
    """(problem, plan) pairs read off the figures; each names the figure that shows the problem."""
    zh, c, i, out = lang == "zh", dash.complaints, dash.inspections, []
    yb = dash.complaints_year_before.received
    if yb and c.received > yb:
        out.append((f"投诉总量同比上升 {pct(c.received - yb, yb)}（去年同期 {yb} 件，本期 {c.received} 件）。" if zh else
                    f"Complaints rose {pct(c.received - yb, yb)} on a year before ({yb} then, {c.received} now).",
                    "加强消费提示和源头治理，推动经营者落实首问责任，从源头减少消费纠纷。" if zh else
                    "Issue consumer alerts and press merchants to settle complaints themselves at first contact."))
    rising = [h for h in dash.categories[:HOTSPOTS_IN_TEXT] if h.year_before and h.n > h.year_before]
    if rising:
        names = _join([h.name if zh else h.name_en for h in rising], lang)
        ups = _join([pct(h.n - h.year_before, h.year_before) for h in rising], lang)
        each = "分别" if len(rising) > 1 else ""
        out.append((f"{names}类投诉同比{each}上升 {ups}，是本期投诉较为集中的领域。" if zh else
                    f"Complaints about {names} rose on a year before ({ups}{' respectively' if each else ''}).",
                    f"针对{names}领域开展专项整治，加强对相关经营者的监督检查和行政指导。" if zh else
                    f"Run a targeted campaign on {names}, with inspections and guidance of the merchants."))
    late = c.concluded - c.on_time
    if late:
        out.append((f"办结的 {c.concluded} 件投诉中有 {late} 件超出法定时限，占 {pct(late, c.concluded)}，"
                    f"按期办结率 {pct(c.on_time, c.concluded)}。" if zh else
                    f"{late} of the {c.concluded} concluded complaints ({pct(late, c.concluded)}) went past the "
                    f"statutory time; on-time rate {pct(c.on_time, c.concluded)}.",
                    "加强投诉办理督办，对临近时限的投诉提前提醒，确保按期办结。" if zh else
                    "Follow up open cases before their deadline so that each is concluded in time."))
    if pending(c):
        out.append((f"本期接收的投诉中尚有 {pending(c)} 件未办结。" if zh else
                    plural(pending(c), "complaint received in the period is", "complaints received in the period are")
                    + " not yet concluded.",
                    "对未办结投诉逐件跟踪督办。" if zh else "Track each open complaint to its conclusion."))
    if c.rated and c.satisfied / c.rated < SATISFACTION_GOAL:
        out.append((f"消费者满意率为 {pct(c.satisfied, c.rated)}，低于 {SATISFACTION_GOAL:.0%}。" if zh else
                    f"Satisfaction was {pct(c.satisfied, c.rated)}, below {SATISFACTION_GOAL:.0%}.",
                    "做好回访，分析不满意原因，改进调解工作。" if zh else
                    "Call back the dissatisfied consumers, learn why and improve mediation."))
    out += _inspection_findings(i, lang) + _outreach_findings(session, dash, today, lang)
    out += _target_findings(progress, lang)
    return out


def _inspection_findings(i: figures.InspectionFigures, lang: str) -> list:
    zh, out = lang == "zh", []
    open_orders = i.orders - i.orders_closed
    if open_orders:
        out.append((f"尚有 {open_orders} 户次责令整改未整改到位，整改完成率 {pct(i.orders_closed, i.orders)}。" if zh else
                    plural(open_orders, "rectification order is", "rectification orders are")
                    + " not yet put right (completion rate "
                    f"{pct(i.orders_closed, i.orders)}).",
                    "对未整改到位的经营主体组织复查，逾期未整改的依法处理。" if zh else
                    "Re-inspect the merchants concerned and take action where the deadline has passed."))
    if i.samples_tested and i.samples_failed / i.samples_tested >= NONCONFORMITY_HIGH:
        out.append((f"抽检不合格率为 {pct(i.samples_failed, i.samples_tested)}"
                    f"（{i.samples_failed}/{i.samples_tested} 批次）。" if zh else
                    f"The non-conformity rate of samples was {pct(i.samples_failed, i.samples_tested)} "
                    f"({i.samples_failed} of {i.samples_tested} batches).",
                    "加大对问题商品的抽检频次和覆盖面，依法处置不合格商品并跟踪复检。" if zh else
                    "Take more samples where goods failed, deal with the failed goods and test them again."))
    if i.samples - i.samples_tested:
        n = i.samples - i.samples_tested
        out.append((f"尚有 {n} 批次抽检样品未出具检验结果。" if zh else
                    plural(n, "sample batch has", "sample batches have") + " no lab result yet.",
                    "督促检验机构及时出具检验结果并录入系统。" if zh else
                    "Chase the laboratory for the results and record them."))
    return out


def _outreach_findings(session: Session, dash: figures.Dashboard, today: date, lang: str) -> list:
    zh, problems = lang == "zh", []
    months = len(ended_months(dash.period, today))
    for dist, gaps in quiet_months(session, dash.period, dash.district, today):
        name = scope_name(dist, lang)
        if len(gaps) == months > 1:
            problems.append(f"{name}本期各月均未开展宣传活动" if zh else f"{name} held no outreach event at all")
        elif len(gaps) > MONTHS_LISTED:
            problems.append(f"{name}有 {len(gaps)} 个月未开展宣传活动" if zh else
                            f"{name} held no outreach event in {len(gaps)} months")
        else:
            problems.append(f"{name}{_month_names(gaps, lang)}未开展宣传活动" if zh else
                            f"{name} held no outreach event in {_month_names(gaps, lang)}")
    if not problems:
        return []
    return [(_sentence(problems, lang),
             "各辖区每月至少开展一次宣传活动，并向农村、社区延伸。" if zh else
             "Each district to hold at least one outreach event a month, reaching villages and communities.")]


def _target_findings(progress: list, lang: str) -> list:
    zh, out = lang == "zh", []
    for p in progress:
        if p.status in (targets.AT_RISK, targets.MISSED):
            status = STATUS[lang][p.status]
            out.append((f"工作目标“{p.label_zh}”{status}（{p.actual_zh}）。" if zh else
                        f"Target “{p.label_en}” is {status.lower()} ({p.actual_en}).",
                        f"围绕“{p.label_zh}”制定补救措施，按月跟踪进度。" if zh else
                        f"Plan remedial steps for “{p.label_en}” and check progress monthly."))
    return out


def next_section(session: Session, dash: figures.Dashboard, progress: list, today: date, lang: str) -> list:
    """五、存在问题与下一步打算, numbered, from the findings; plain words when there is nothing to find."""
    zh = lang == "zh"
    heads = ("（一）存在问题", "（二）下一步打算") if zh else ("Problems", "Next steps")
    if dash.empty:
        return [Paragraph(heads[0], "subheading"),
                Paragraph("本期无业务数据，暂无可分析的问题。" if zh else
                          "Nothing was recorded in the period, so there is nothing to analyse."),
                Paragraph(heads[1], "subheading"),
                Paragraph("1. 按计划开展投诉处理、监督检查和宣传教育工作，并及时在系统中录入。" if zh else
                          "1. Carry out complaint handling, inspections and outreach as planned, "
                          "and record them in the system as they happen.")]
    found = _findings(session, dash, progress, today, lang)
    problems = [p for p, _ in found] or ["本期未发现突出问题。" if zh else "No particular problem stands out."]
    plans = list(dict.fromkeys(plan for _, plan in found)) or [
        "继续做好投诉处理、监督检查和宣传教育工作，保持现有工作水平。" if zh else
        "Keep complaint handling, inspections and outreach at their present level."]
    return ([Paragraph(heads[0], "subheading")] + [Paragraph(f"{n}. {p}") for n, p in enumerate(problems, 1)]
            + [Paragraph(heads[1], "subheading")] + [Paragraph(f"{n}. {p}") for n, p in enumerate(plans, 1)])


# ---- the document ------------------------------------------------------------------------------------

def _head(period: Period, district: District | None, today: date, lang: str, empty: bool) -> tuple:
    scope, label = scope_name(district, lang), period.label(lang)
    if lang == "zh":
        title = f"{scope}{label}消费者权益保护工作总结"
        line = [f"统计期间：{day_text(period.start, lang)}至{day_text(period.end, lang)}", f"统计范围：{scope}",
                f"数据截至：{day_text(today, lang)}"]
        intro = (f"现将{scope}{label}消费者权益保护工作情况总结如下。文中数据均由系统记录统计，投诉按接收日期计入本期，"
                 "处理结果为截至统计日的状态。")
        if empty:
            intro += "本期未记录消费者投诉、监督检查和宣传活动，以下各项均无数据。"
        return title, line, intro
    area = (district.name_en or district.name) if district is not None else "Whole City"
    title = f"Consumer Protection Work Summary: {label}, {area}"
    line = [f"Period: {day_text(period.start, lang)} to {day_text(period.end, lang)}", f"Area: {scope}",
            f"Figures as of {day_text(today, lang)}"]
    intro = ("This summary reports the consumer protection work of the period. Every figure is counted from the "
             "records: complaints count in the period in which they were received, with their state as of today.")
    if empty:
        intro += " Nothing was recorded in the period: no complaint, no inspection and no outreach event."
    return title, line, intro


def build(session: Session, period: Period, district: District | None, today: date, lang: str = "zh",
          dash: figures.Dashboard | None = None) -> Summary:
    """The work summary of `period` for `district` (None: the whole city) in "zh" or "en"."""
    lang = "en" if lang == "en" else "zh"
    dash = dash or figures.build(session, period, district)
    year = period.end.year
    progress = targets.progress(session, year, district, today)
    doc = _Doc(lang)
    blocks = (complaints_section(doc, dash), inspections_section(doc, dash), outreach_section(doc, session, dash),
              targets_section(doc, progress, year, today), next_section(session, dash, progress, today, lang))
    sections = [Section(key, heading, b) for key, heading, b in zip(KEYS, HEADINGS[lang], blocks)]
    title, line, intro = _head(period, district, today, lang, dash.empty)
    return Summary(lang=lang, title=title, period_parts=line, intro=intro, sections=sections, empty=dash.empty,
                   period=period, district=district)
