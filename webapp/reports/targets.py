"""Plan targets (工作计划): the metrics a target can be set on, and the year's progress against them.

INTERFACE (filled in by the targets work; the summary codes against it):
    METRICS: dict[str, Metric]           # the catalogue, keyed by PlanTarget.metric
    progress(session, year, district, today) -> list[Progress]

A target belongs to a year and to the whole city (district_id None) or one district; `progress` measures the
targets of exactly that scope. A past year is measured over the whole year, the current year from 1 January to
`today` (year to date), a future year not at all. Rates and the year-on-year reduction are judged on their
current value, counts against the share of the year elapsed (pro rata), the monthly outreach target month by
month. Labels and actual figures are document text in "zh" and "en", not gettext.

The service functions (`create_target`, `update_target`, `delete_target`) validate against the catalogue and
the data, raise FieldErrors with messages in the UI language, audit, flush and never commit. No Flask here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, func, select

from webapp import audit
from webapp.auth.models import District, User, utcnow
from webapp.campaigns.models import ENFORCEMENT, Campaign
from webapp.forms import FieldErrors
from webapp.inspections.models import Inspection, Sample
from webapp.outreach.models import OutreachEvent
from webapp.reports import figures, rollup
from webapp.reports.models import PlanTarget
from webapp.reports.period import FIRST_YEAR, Period

MET, ON_TRACK, AT_RISK, MISSED, NO_DATA = "met", "on_track", "at_risk", "missed", "no_data"
STATUS_ZH = {MET: "达成", ON_TRACK: "进度正常", AT_RISK: "有风险", MISSED: "未完成", NO_DATA: "暂无数据"}
STATUS_EN = {MET: "met", ON_TRACK: "on track", AT_RISK: "at risk", MISSED: "missed", NO_DATA: "no data"}


@dataclass
class Progress:
    """Where one target stands."""
    target: PlanTarget
    label_zh: str          # document text, e.g. "群众满意率不低于 90%"
    label_en: str          # e.g. "Satisfaction at least 90 %"
    actual_zh: str         # e.g. "满意率 92.3%（已评价 130 件）"
    actual_en: str
    status: str            # MET | ON_TRACK | AT_RISK | MISSED | NO_DATA
    value: float | None    # the measured figure in the metric's own unit (share 0–1, count, fen …)


# Units of a target (what PlanTarget.target holds) and directions of the comparison.
PERCENT, COUNT, FEN, WORKDAYS = "percent", "count", "fen", "workdays"
AT_LEAST, AT_MOST, REDUCTION = "at_least", "at_most", "reduction"
# How the current year is judged: on the value now, pro rata of the year elapsed, or month by month.
RATE, PRO_RATA, MONTHLY = "rate", "pro_rata", "monthly"
# Money targets up to 1 亿元 (PlanTarget.target is a BIGINT of fen).
MAX_YUAN = 100_000_000
# Allowed targets, in what the form asks for (percent, number, 元, working days).
RANGES = {PERCENT: (1, 100), COUNT: (1, 1_000_000), FEN: (1, MAX_YUAN), WORKDAYS: (1, 60)}
NOTE_MAX = 500


@dataclass(frozen=True)
class Metric:
    """One kind of target. `label_*` are templates: {target} (formatted with its unit), {param}, {every}."""
    key: str
    name_zh: str            # short name for lists: 群众满意率
    name_en: str
    label_zh: str           # the target as a plan says it: 群众满意率不低于 {target}
    label_en: str
    unit: str               # PERCENT | COUNT | FEN | WORKDAYS
    direction: str          # AT_LEAST | AT_MOST | REDUCTION
    pace: str               # RATE | PRO_RATA | MONTHLY
    how_zh: str             # how it is measured
    how_en: str
    param_zh: str = ""      # what the param is ("" = the metric takes none)
    param_en: str = ""
    param_range: tuple[int, int] | None = None

    @property
    def takes_param(self) -> bool:
        return self.param_range is not None

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def how(self, lang: str) -> str:
        return self.how_zh if lang == "zh" else self.how_en

    def param_name(self, lang: str) -> str:
        return self.param_zh if lang == "zh" else self.param_en


_YTD_ZH = "年内（当年为年初至今）收到的投诉中，"
_YTD_EN = "Of the complaints received in the year (this year: to date), "

METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("satisfaction", "群众满意率", "Satisfaction rate",
           "群众满意率不低于 {target}", "Satisfaction rate at least {target}", PERCENT, AT_LEAST, RATE,
           _YTD_ZH + "已评价的评为 4 星或 5 星的比例。",
           _YTD_EN + "the share rated 4 or 5 among those rated."),
    Metric("closed_within", "限时办结率", "Closed within N working days",
           "办结投诉中 {param} 个工作日内办结的不低于 {target}",
           "At least {target} of concluded complaints closed within {param} working days",
           PERCENT, AT_LEAST, RATE,
           _YTD_ZH + "已办结的自收到起 N 个工作日内办结的比例。",
           _YTD_EN + "the share of those concluded that were concluded within N working days of receipt.",
           "工作日数 N", "Working days N", (1, 60)),
    Metric("closure_rate", "投诉办结率", "Closure rate",
           "投诉办结率不低于 {target}", "Closure rate at least {target}", PERCENT, AT_LEAST, RATE,
           _YTD_ZH + "已受理的办结（调解成功、调解不成或诉转案）的比例。",
           _YTD_EN + "the share of those accepted that were concluded (resolved, failed or referred)."),
    Metric("on_time_rate", "按时办结率", "On-time rate",
           "投诉按时办结率不低于 {target}", "On-time rate at least {target}", PERCENT, AT_LEAST, RATE,
           _YTD_ZH + "已办结的在法定期限内办结的比例。",
           _YTD_EN + "the share of those concluded that were concluded within the statutory deadline."),
    Metric("mediation_success", "调解成功率", "Mediation success rate",
           "调解成功率不低于 {target}", "Mediation success rate at least {target}", PERCENT, AT_LEAST, RATE,
           _YTD_ZH + "调解终结的调解成功的比例（诉转案不计）。",
           _YTD_EN + "the share of ended mediations that succeeded (referrals not counted)."),
    Metric("complaints_down", "投诉量同比下降", "Complaints down year on year",
           "投诉量同比下降 {target}", "Complaints received down {target} year on year",
           PERCENT, REDUCTION, RATE,
           "年初至今收到的投诉与上年同期相比的降幅（往年：全年对上年全年）。",
           "Complaints received from 1 January to date against the same days last year "
           "(a past year: the whole year against the year before)."),
    Metric("median_close_days", "办结用时中位数", "Median working days to close",
           "投诉办结用时中位数不超过 {target}", "Median time to close at most {target}",
           WORKDAYS, AT_MOST, RATE,
           _YTD_ZH + "已办结的自收到至办结的工作日数的中位数。",
           _YTD_EN + "the median of working days from receipt to conclusion of those concluded."),
    Metric("quality_rounds", "质量监测轮次", "Quality-monitoring rounds",
           "开展质量监测不少于 {target} 轮，每轮抽检不少于 {param} 批次",
           "At least {target} rounds of quality monitoring, each with at least {param} sample batches",
           COUNT, AT_LEAST, PRO_RATA,
           "年内检查抽检不少于 M 批次的专项整治（执法）活动，每个活动算一轮。",
           "Enforcement campaigns whose inspections in the year took at least M samples; each counts as a round.",
           "每轮批次数 M", "Batches per round M", (1, 1000)),
    Metric("outreach_monthly", "每月宣传活动", "Outreach events every month",
           "{every}每月开展宣传活动不少于 {target} 场", "At least {target} outreach {events} a month{every}",
           COUNT, AT_LEAST, MONTHLY,
           "逐月统计举办的宣传活动场次；全市目标要求每个区每月都达到。",
           "Events held, month by month; a city-wide target needs every district to reach it every month."),
    Metric("inspections", "检查户次", "Merchant inspections",
           "检查经营主体不少于 {target} 户次", "At least {target} merchant inspections",
           COUNT, AT_LEAST, PRO_RATA, "年内检查经营主体的户次。", "Merchant inspections made in the year."),
    Metric("samples", "抽检批次", "Sample batches",
           "抽检不少于 {target} 批次", "At least {target} sample batches",
           COUNT, AT_LEAST, PRO_RATA, "年内检查中抽取的样品批次。", "Samples taken in the year's inspections."),
    Metric("events", "宣传活动场次", "Outreach events",
           "开展宣传活动不少于 {target} 场", "At least {target} outreach {events}",
           COUNT, AT_LEAST, PRO_RATA, "年内举办的宣传活动场次。", "Outreach events held in the year."),
    Metric("leaflets", "发放宣传资料", "Leaflets handed out",
           "发放宣传资料不少于 {target} 份", "At least {target} leaflets handed out",
           COUNT, AT_LEAST, PRO_RATA, "年内宣传活动发放的宣传资料份数。", "Leaflets handed out at the year's events."),
    Metric("recovered", "挽回经济损失", "Money recovered",
           "为消费者挽回经济损失不少于 {target}", "At least {target} recovered for consumers",
           FEN, AT_LEAST, PRO_RATA,
           _YTD_ZH + "调解成功挽回的经济损失。", _YTD_EN + "the money recovered by successful mediation."),
)}
ORDER = {key: n for n, key in enumerate(METRICS)}
COUNT_UNITS = {"inspections": ("户次", "inspections"), "samples": ("批次", "sample batches"),
               "events": ("场", "events"), "leaflets": ("份", "leaflets"), "quality_rounds": ("轮", "rounds")}


# ---- document formatting --------------------------------------------------------------------------------

def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(share: float, lang: str) -> str:
    """0.923 → "92.3%" (zh) or "92.3 %" (en)."""
    return f"{share * 100:.1f}%" if lang == "zh" else f"{share * 100:.1f} %"


def number(n: int, lang: str) -> str:
    return str(n) if lang == "zh" else f"{n:,}"


def money(fen: int, lang: str) -> str:
    """Money as the documents write it: "12.35 万元", "860 元"; "¥123,456.5" in English."""
    if lang != "zh":
        return "¥" + _trim(f"{fen / 100:,.2f}")
    if fen >= 1_000_000:
        return _trim(f"{fen / 1_000_000:.2f}") + " 万元"
    return _trim(f"{fen / 100:.2f}") + " 元"


def target_text(metric: Metric, target: int, lang: str) -> str:
    """The target in its unit: "90%", "3000", "50 万元", "5 个工作日"."""
    if metric.unit == PERCENT:
        return f"{target}%" if lang == "zh" else f"{target} %"
    if metric.unit == FEN:
        return money(target, lang)
    if metric.unit == WORKDAYS:
        return f"{target} 个工作日" if lang == "zh" else f"{target} working day{'s' if target != 1 else ''}"
    return number(target, lang)


def label(target: PlanTarget, lang: str) -> str:
    """The target as the plan words it, e.g. "群众满意率不低于 90%"."""
    metric = METRICS.get(target.metric)
    if metric is None:
        return target.metric
    template = metric.label_zh if lang == "zh" else metric.label_en
    every = ("各区" if lang == "zh" else " in every district") if target.district_id is None else ""
    return template.format(target=target_text(metric, target.target, lang), param=target.param,
                           every=every, events="event" if target.target == 1 else "events")


# ---- measuring ------------------------------------------------------------------------------------------

def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:            # 29 February → 28 February
        return d.replace(year=d.year + years, day=28)


class _Scope:
    """The year and district measured, the period that counts (whole year or year to date), cached figures."""

    def __init__(self, session: Session, year: int, district: District | None, today: date):
        self.session, self.year, self.today = session, year, today
        self.district_id = district.id if district is not None else None
        self.past, self.future = year < today.year, year > today.year
        end = date(year, 12, 31) if self.past else today
        self.period = Period.year(year) if self.past else Period("custom", date(year, 1, 1), end)
        self.last_year = (Period.year(year - 1) if self.past
                          else Period("custom", date(year - 1, 1, 1), _shift_year(end, -1)))
        days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        self.elapsed = min(1.0, ((end - date(year, 1, 1)).days + 1) / days_in_year)
        self._cache: dict = {}

    def _get(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def complaints(self, period: Period | None = None) -> figures.ComplaintFigures:
        period = period or self.period
        return self._get(("c", period), lambda: figures.complaint_figures(self.session, period, self.district_id))

    def inspections(self) -> figures.InspectionFigures:
        return self._get("i", lambda: figures.inspection_figures(self.session, self.period, self.district_id))

    def outreach(self):
        return self._get("o", lambda: figures.outreach_figures(self.session, self.period, self.district_id))


@dataclass
class _Measured:
    value: float | None
    actual_zh: str
    actual_en: str


def _rate(share: float | None, zh: str, en: str, none_zh: str, none_en: str) -> _Measured:
    if share is None:
        return _Measured(None, none_zh, none_en)
    return _Measured(share, f"{pct(share, 'zh')}（{zh}）", f"{pct(share, 'en')} ({en})")


def _satisfaction(scope: _Scope, t: PlanTarget) -> _Measured:
    c = scope.complaints()
    return _rate(c.satisfaction_rate, f"已评价 {c.rated} 件，满意 {c.satisfied} 件", f"{c.satisfied} of {c.rated} rated",
                 "暂无评价", "No rating yet")


def _closed_within(scope: _Scope, t: PlanTarget) -> _Measured:
    c = scope.complaints()
    n = t.param or 0
    done = sum(c.close_days.values())
    within = sum(v for k, v in c.close_days.items() if k <= n)
    return _rate(c.closed_within(n), f"办结 {done} 件，其中 {n} 个工作日内 {within} 件",
                 f"{within} of {done} concluded within {n} working days", "暂无办结的投诉", "No complaint concluded yet")


def _closure(scope: _Scope, t: PlanTarget) -> _Measured:
    c = scope.complaints()
    return _rate(c.closure_rate, f"受理 {c.accepted} 件，办结 {c.concluded} 件",
                 f"{c.concluded} of {c.accepted} accepted concluded", "暂无受理的投诉", "No complaint accepted yet")


def _on_time(scope: _Scope, t: PlanTarget) -> _Measured:
    c = scope.complaints()
    return _rate(c.on_time_rate, f"办结 {c.concluded} 件，按时 {c.on_time} 件",
                 f"{c.on_time} of {c.concluded} concluded on time", "暂无办结的投诉", "No complaint concluded yet")


def _mediation(scope: _Scope, t: PlanTarget) -> _Measured:
    c = scope.complaints()
    ended = c.resolved + c.failed
    return _rate(c.mediation_success_rate, f"调解终结 {ended} 件，成功 {c.resolved} 件",
                 f"{c.resolved} of {ended} mediations succeeded", "暂无调解终结的投诉", "No mediation ended yet")


def _complaints_down(scope: _Scope, t: PlanTarget) -> _Measured:
    now, before = scope.complaints().received, scope.complaints(scope.last_year).received
    if not before:
        return _Measured(None, f"上年同期无投诉，无法比较（本期 {now} 件）",
                         f"No complaint in the same days last year to compare with ({now} now)")
    drop = (before - now) / before
    zh = ("同比下降 " if drop >= 0 else "同比上升 ") + pct(abs(drop), "zh")
    en = ("down " if drop >= 0 else "up ") + pct(abs(drop), "en")
    return _Measured(drop, f"{zh}（{now} 件，上年同期 {before} 件）",
                     f"{en} ({now}, same days last year {before})")


def _median(scope: _Scope, t: PlanTarget) -> _Measured:
    c = scope.complaints()
    m = c.median_close_days
    if m is None:
        return _Measured(None, "暂无办结的投诉", "No complaint concluded yet")
    return _Measured(m, f"{_trim(f'{m:.1f}')} 个工作日（办结 {c.concluded} 件）",
                     f"{_trim(f'{m:.1f}')} working days ({c.concluded} concluded)")


def _of_target(t: PlanTarget, done: str, done_en: str, value: float) -> _Measured:
    share = pct(value / t.target, "zh") if t.target else "—"
    share_en = pct(value / t.target, "en") if t.target else "—"
    return _Measured(value, f"已完成 {done}，占全年目标的 {share}", f"{done_en}, {share_en} of the year's target")


def rounds(session: Session, period: Period, district_id: int | None, batches: int) -> list[tuple[int, int]]:
    """(campaign id, samples) of the enforcement campaigns whose inspections in the period took ≥ batches samples."""
    start, end = period.utc_bounds()
    stmt = (select(Inspection.campaign_id, func.count(Sample.id))
            .join(Sample, Sample.inspection_id == Inspection.id)
            .join(Campaign, Campaign.id == Inspection.campaign_id)
            .where(Campaign.kind == ENFORCEMENT, Inspection.captured_at >= start, Inspection.captured_at < end))
    if district_id is not None:
        stmt = stmt.where(Inspection.district_id == district_id)
    counts = session.exec(stmt.group_by(Inspection.campaign_id)).all()
    return sorted((int(c), int(n)) for c, n in counts if n >= batches)


def _quality_rounds(scope: _Scope, t: PlanTarget) -> _Measured:
    found = rounds(scope.session, scope.period, scope.district_id, t.param or 1)
    samples = sum(n for _c, n in found)
    return _of_target(t, f"{len(found)} 轮（共抽检 {samples} 批次）",
                      f"{len(found)} rounds ({samples} sample batches)", len(found))


def _count(name: str, read):
    def measure(scope: _Scope, t: PlanTarget) -> _Measured:
        n = read(scope)
        zh, en = COUNT_UNITS[name]
        return _of_target(t, f"{n} {zh}", f"{number(n, 'en')} {en}", n)
    return measure


def _recovered(scope: _Scope, t: PlanTarget) -> _Measured:
    fen = scope.complaints().recovered_fen
    return _of_target(t, money(fen, "zh"), money(fen, "en") + " recovered", fen)


@dataclass
class MonthCheck:
    """Which months of the year (so far) every district in scope reached the monthly number of events."""
    months: list[int]                   # the months looked at: 1 … the current one
    missed: dict[int, list[District]]   # month → districts below the number (the current month included)

    def met(self, month: int) -> bool:
        return month not in self.missed


def month_check(session: Session, year: int, district: District | None, today: date, per_month: int) -> MonthCheck:
    """Events per district and month of `year` (up to today), against `per_month`."""
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    districts = [district] if district is not None else list(session.exec(select(District).order_by(District.code)))
    stmt = (select(OutreachEvent.district_id, OutreachEvent.held_on, func.count(OutreachEvent.id))
            .where(OutreachEvent.held_on >= date(year, 1, 1), OutreachEvent.held_on <= date(year, 12, 31))
            .group_by(OutreachEvent.district_id, OutreachEvent.held_on))
    if district is not None:
        stmt = stmt.where(OutreachEvent.district_id == district.id)
    held: dict[tuple[int, int], int] = {}
    for district_id, day, n in session.exec(stmt):
        held[(district_id, day.month)] = held.get((district_id, day.month), 0) + int(n)
    missed: dict[int, list[District]] = {}
    for month in range(1, last + 1):
        short = [d for d in districts if held.get((d.id, month), 0) < per_month]
        if short:
            missed[month] = short
    return MonthCheck(list(range(1, last + 1)), missed)


def _month_names(check: MonthCheck, city: bool, lang: str) -> str:
    """The months short of the number ("2月、6月"), and for the city how many months each district was short."""
    runs: list[list[int]] = []
    for m in sorted(check.missed):
        if runs and runs[-1][-1] == m - 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    if lang == "zh":
        text = "、".join(f"{r[0]}月" if len(r) == 1 else f"{r[0]}—{r[-1]}月" for r in runs)
    else:
        name = lambda m: date(2000, m, 1).strftime("%b")  # noqa: E731
        text = ", ".join(name(r[0]) if len(r) == 1 else f"{name(r[0])}–{name(r[-1])}" for r in runs)
    if not city:
        return text
    short: dict[int, tuple[District, int]] = {}
    for districts in check.missed.values():
        for d in districts:
            short[d.id] = (d, short.get(d.id, (d, 0))[1] + 1)
    ordered = sorted(short.values(), key=lambda pair: pair[0].code)
    if lang == "zh":
        return text + "（" + "，".join(f"{d.name} {n} 个月" for d, n in ordered) + "）"
    return text + " (" + ", ".join(f"{d.name_en or d.name} {n} month{'s' if n != 1 else ''}"
                                   for d, n in ordered) + ")"


def _monthly(scope: _Scope, t: PlanTarget, district: District | None) -> tuple[_Measured, MonthCheck]:
    check = month_check(scope.session, scope.year, district, scope.today, t.target)
    met = sum(1 for m in check.months if check.met(m))
    seen = len(check.months)
    zh, en = f"{seen} 个月中 {met} 个月达标", f"{met} of {seen} months met"
    if check.missed:
        zh += "；未达标：" + _month_names(check, district is None, "zh")
        en += "; short: " + _month_names(check, district is None, "en")
    return _Measured(met, zh, en), check


MEASURES = {
    "satisfaction": _satisfaction, "closed_within": _closed_within, "closure_rate": _closure,
    "on_time_rate": _on_time, "mediation_success": _mediation, "complaints_down": _complaints_down,
    "median_close_days": _median, "quality_rounds": _quality_rounds, "recovered": _recovered,
    "inspections": _count("inspections", lambda s: s.inspections().inspections),
    "samples": _count("samples", lambda s: s.inspections().samples),
    "events": _count("events", lambda s: s.outreach().events),
    "leaflets": _count("leaflets", lambda s: s.outreach().leaflets),
}


# ---- judging --------------------------------------------------------------------------------------------

def goal(target: PlanTarget) -> float:
    """The target in the measured value's unit: a share 0–1 for percentages, else the number itself."""
    metric = METRICS[target.metric]
    return target.target / 100 if metric.unit == PERCENT else float(target.target)


def _reached(metric: Metric, value: float, wanted: float) -> bool:
    if metric.direction == AT_MOST:
        return value <= wanted + 1e-9
    return value >= wanted - 1e-9


def judge(metric: Metric, value: float | None, wanted: float, scope: _Scope) -> str:
    """MET/MISSED for a past year; ON_TRACK/AT_RISK (or MET for a count reached) for this year."""
    if scope.future or value is None:
        return NO_DATA
    reached = _reached(metric, value, wanted)
    if scope.past:
        return MET if reached else MISSED
    if metric.pace == RATE:
        return ON_TRACK if reached else AT_RISK
    if reached:
        return MET
    return ON_TRACK if value >= wanted * scope.elapsed - 1e-9 else AT_RISK


def _judge_months(check: MonthCheck, scope: _Scope) -> str:
    if scope.future:
        return NO_DATA
    all_met = len(check.months) == 12 and not check.missed
    if scope.past:
        return MET if all_met else MISSED
    if all_met:
        return MET
    elapsed = [m for m in check.months if m < scope.today.month]
    return AT_RISK if any(not check.met(m) for m in elapsed) else ON_TRACK


def completion(p: Progress) -> float | None:
    """How far along the target is, 0–1 (for a progress bar); None when there is nothing measured."""
    metric = METRICS.get(p.target.metric)
    if metric is None or p.value is None:
        return None
    if metric.pace == MONTHLY:
        return p.value / 12
    wanted = goal(p.target)
    if metric.direction == AT_MOST:
        return 1.0 if p.value <= wanted else (wanted / p.value if p.value else 0.0)
    return max(0.0, min(1.0, p.value / wanted)) if wanted else None


def _measure(scope: _Scope, t: PlanTarget, district: District | None) -> Progress:
    metric = METRICS.get(t.metric)
    labels = (label(t, "zh"), label(t, "en"))
    if metric is None:
        return Progress(t, *labels, "未知指标", "Unknown metric", NO_DATA, None)
    if scope.future:
        return Progress(t, *labels, "年度尚未开始", "The year has not started", NO_DATA, None)
    if metric.pace == MONTHLY:
        measured, check = _monthly(scope, t, district)
        status = _judge_months(check, scope)
    else:
        measured = MEASURES[t.metric](scope, t)
        status = judge(metric, measured.value, goal(t), scope)
    return Progress(t, *labels, measured.actual_zh, measured.actual_en, status, measured.value)


def targets_of(session: Session, year: int, district_id: int | None) -> list[PlanTarget]:
    """The year's targets of the whole city (None) or of one district, in catalogue order."""
    stmt = select(PlanTarget).where(PlanTarget.year == year)
    stmt = stmt.where(PlanTarget.district_id == district_id if district_id is not None
                      else PlanTarget.district_id == None)  # noqa: E711
    rows = list(session.exec(stmt))
    return sorted(rows, key=lambda t: (ORDER.get(t.metric, len(ORDER)), t.param or 0, t.id or 0))


def progress(session: Session, year: int, district: District | None, today: date) -> list[Progress]:
    """Where each of the year's targets of this scope (the whole city, or the district) stands on `today`."""
    rows = targets_of(session, year, district.id if district is not None else None)
    if not rows:
        return []
    rollup.refresh(session)
    scope = _Scope(session, year, district, today)
    return [_measure(scope, t, district) for t in rows]


# ---- service: create, update, delete --------------------------------------------------------------------

def visible(user: User, target: PlanTarget) -> bool:
    """City-level supervisors and admins manage every target; a district's only its own district's."""
    return user.district_id is None or target.district_id == user.district_id


def get_visible(session: Session, user: User, target_id: int | None) -> PlanTarget | None:
    """The target if it exists and `user` may manage it, else None (the route answers 404)."""
    target = session.get(PlanTarget, target_id) if target_id else None
    return target if target is not None and visible(user, target) else None


def _range_message(unit: str) -> str:
    low, high = RANGES[unit]
    if unit == PERCENT:
        return _("Please enter a percentage from %(low)s to %(high)s.", low=low, high=high)
    if unit == FEN:
        return _("Please enter an amount from %(low)s to %(high)s yuan.", low=low, high=f"{high:,}")
    if unit == WORKDAYS:
        return _("Please enter from %(low)s to %(high)s working days.", low=low, high=high)
    return _("Please enter a number from %(low)s to %(high)s.", low=low, high=f"{high:,}")


def _check_values(data, today: date) -> dict[str, str]:
    """Errors of the values themselves: metric known, target and param in range, year allowed."""
    errors: dict[str, str] = {}
    metric = METRICS.get(data.metric or "")
    if metric is None:
        errors["metric"] = _("Please choose a metric from the list.")
    else:
        low, high = RANGES[metric.unit]
        if data.target is None or not low <= data.target <= high:
            errors["target"] = _range_message(metric.unit)
        if metric.takes_param:
            p_low, p_high = metric.param_range
            if data.param is None:
                errors["param"] = _("This metric needs this number.")
            elif not p_low <= data.param <= p_high:
                errors["param"] = _("Please enter a number from %(low)s to %(high)s.", low=p_low, high=p_high)
    if data.year is None or not FIRST_YEAR <= data.year <= today.year + 1:
        errors["year"] = _("Please enter a year from %(low)s to %(high)s.", low=FIRST_YEAR, high=today.year + 1)
    if len(data.note or "") > NOTE_MAX:
        errors["note"] = _("Please keep it under %(n)s characters.", n=NOTE_MAX)
    return errors


def _district_id(session: Session, actor: User, data) -> tuple[int | None, dict[str, str]]:
    """The target's district: any (or the whole city) for city-level actors, only their own otherwise."""
    wanted = data.district_id
    if wanted is not None and session.get(District, wanted) is None:
        return None, {"district_id": _("Please choose the district from the list.")}
    if actor.district_id is not None and wanted != actor.district_id:
        return None, {"district_id": _("You may only set targets for your own district.")}
    return wanted, {}


def _stored(metric: Metric, data) -> tuple[int, int | None]:
    """(target, param) as stored: money in fen, the param only where the metric takes one."""
    target = data.target * 100 if metric.unit == FEN else data.target
    return target, (data.param if metric.takes_param else None)


def _duplicate(session: Session, year: int, district_id: int | None, metric: str, param: int | None,
               exclude_id: int | None) -> bool:
    stmt = select(PlanTarget.id).where(PlanTarget.year == year, PlanTarget.metric == metric)
    stmt = stmt.where(PlanTarget.district_id == district_id if district_id is not None
                      else PlanTarget.district_id == None)  # noqa: E711
    stmt = stmt.where(PlanTarget.param == param if param is not None else PlanTarget.param == None)  # noqa: E711
    if exclude_id is not None:
        stmt = stmt.where(PlanTarget.id != exclude_id)
    return session.exec(stmt.limit(1)).first() is not None


def _validated(session: Session, actor: User, data, today: date, exclude_id: int | None = None) -> dict:
    """The stored values of a valid target, or FieldErrors with every problem found."""
    errors = _check_values(data, today)
    district_id, district_errors = _district_id(session, actor, data)
    errors.update(district_errors)
    if errors:
        raise FieldErrors(errors)
    metric = METRICS[data.metric]
    target, param = _stored(metric, data)
    if _duplicate(session, data.year, district_id, metric.key, param, exclude_id):
        raise FieldErrors({"metric": _("This target is already set for that year and district. Edit it instead.")})
    return {"year": data.year, "district_id": district_id, "metric": metric.key, "target": target,
            "param": param, "note": (data.note or "").strip()}


def _snapshot(t: PlanTarget) -> dict:
    return {k: getattr(t, k) for k in ("year", "district_id", "metric", "target", "param", "note")}


def _today(today: date | None) -> date:
    if today is not None:
        return today
    from webapp.complaints.schemas import today_shanghai
    return today_shanghai()


def create_target(session: Session, actor: User, data, today: date | None = None) -> PlanTarget:
    """Set a target of the year's plan (FieldErrors when invalid or already set)."""
    values = _validated(session, actor, data, _today(today))
    target = PlanTarget(**values, created_by_id=actor.id)
    session.add(target)
    session.flush()
    audit.record(session, actor, "plan_target.create", target, after=values)
    return target


def update_target(session: Session, actor: User, target: PlanTarget, data, today: date | None = None) -> PlanTarget:
    """Change a target (FieldErrors when invalid or when it would repeat another one)."""
    if not visible(actor, target):
        raise FieldErrors({"district_id": _("You may only set targets for your own district.")})
    values = _validated(session, actor, data, _today(today), exclude_id=target.id)
    before = _snapshot(target)
    for key, value in values.items():
        setattr(target, key, value)
    target.updated_at = utcnow()
    session.add(target)
    session.flush()
    audit.record(session, actor, "plan_target.update", target, before=before, after=values)
    return target


def delete_target(session: Session, actor: User, target: PlanTarget) -> None:
    """Remove a target from the plan (audited with what it was)."""
    if not visible(actor, target):
        raise FieldErrors({"district_id": _("You may only set targets for your own district.")})
    audit.record(session, actor, "plan_target.delete", target, before=_snapshot(target))
    session.delete(target)
    session.flush()


def form_values(target: PlanTarget) -> dict:
    """A target as the form shows it (money back in 元)."""
    metric = METRICS.get(target.metric)
    shown = target.target // 100 if metric is not None and metric.unit == FEN else target.target
    return {"metric": target.metric, "year": str(target.year), "target": str(shown),
            "param": "" if target.param is None else str(target.param),
            "district_id": "" if target.district_id is None else str(target.district_id), "note": target.note}
