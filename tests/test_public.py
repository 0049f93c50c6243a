"""Public pages: warnings and tips (sanitised Markdown, supervisors only), published sampling results,
merchants' public records and the trusted list — and no consumer's name, phone or photo on any of them."""
from __future__ import annotations

import html
import re
import uuid
from collections import deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import select

from outreach_helpers import make_user, sign_in
from webapp.audit import AuditLog
from webapp.auth.models import User, utcnow
from webapp.complaints.models import Complaint
from webapp.complaints.tracking import display
from webapp.demo import load_demo
from webapp.forms import FieldErrors
from webapp.inspections.models import ChecklistTemplate, Inspection, Sample
from webapp.merchants.models import Merchant
from webapp.public import records, warnings
from webapp.public.demo import load_demo_public
from webapp.public.models import Warning


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English wording; the pages themselves default to Chinese."""
    client.set_cookie("lang", "en")

HTMX = {"HX-Request": "true"}
SCRIPT_BODIES = [
    "注意 <script>alert('x')</script> 防骗",
    '<img src="x" onerror="alert(1)">',
    "[点此领奖](javascript:alert(document.cookie))",
    "[点此领奖](JaVa&#115;cript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="https://example.cn" onclick="alert(1)">链接</a>',
    "<!-- hidden -->",
]
GOOD_BODY = """## 办卡须知

- **量力而行**，不要一次充值大额；
- 详见 [市场监管总局](https://www.samr.gov.cn) 或来信 <help@example.cn>

| 要 | 不要 |
|---|---|
| 索要发票 | 私下转账 |

`<script>` 这样的代码不会执行。
"""


def warning_form(**overrides) -> dict:
    form = {"kind": "warning", "title": "预付卡消费警示", "summary": "办卡前看清退费条款",
            "body_md": GOOD_BODY, "district_id": ""}
    form.update(overrides)
    return form


def count(session, model) -> int:
    session.expire_all()
    return len(session.exec(select(model)).all())


def make_warning(session, base_data, published: bool = True, district=None, **overrides) -> Warning:
    data = warnings.WarningIn.model_validate(warning_form(**overrides))
    supervisor = base_data.users["supervisor"]
    w = warnings.create(session, supervisor, data)
    if district:
        w.district_id = base_data.districts[district].id
    if published:
        warnings.publish(session, supervisor, w)
    session.commit()
    return w


def make_inspection(session, base_data, merchant=None, result="pass", days_ago=5) -> Inspection:
    merchant = merchant or base_data.merchants[0]
    template = session.exec(select(ChecklistTemplate)).first()
    inspection = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=merchant.id,
                            template_id=template.id, district_id=merchant.district_id,
                            inspector_id=base_data.users["inspector"].id, result=result,
                            captured_at=utcnow() - timedelta(days=days_ago))
    session.add(inspection)
    session.commit()
    return inspection


def make_sample(session, base_data, merchant=None, lab_result=None, product="挂面", report_no="SJ2026-0001",
                published=False, inspection=None) -> Sample:
    inspection = inspection or make_inspection(session, base_data, merchant)
    sample = Sample(inspection_id=inspection.id, product=product, brand="金沙河", batch="20260815",
                    sample_no=f"CD-{uuid.uuid4().hex[:6]}", lab_result=lab_result,
                    report_no=report_no if lab_result else "",
                    result_on=(utcnow() - timedelta(days=1)).date() if lab_result else None,
                    published_at=utcnow() if published else None)
    session.add(sample)
    session.commit()
    return sample


# ---------------------------------------------------------------- Markdown

def test_good_markdown_renders_with_safe_links(app):
    with app.test_request_context("/?lang=en"):
        assert warnings.markdown_problem(GOOD_BODY) is None
        out = warnings.render_markdown(GOOD_BODY)
    assert "<h2>办卡须知</h2>" in out
    assert "<strong>量力而行</strong>" in out and "<li>" in out and "<table>" in out and "<td>索要发票</td>" in out
    assert '<a href="https://www.samr.gov.cn" rel="noopener nofollow">' in out
    assert 'href="mailto:help@example.cn"' in out
    assert "<code>&lt;script&gt;</code>" in out
    assert "style=" not in out


@pytest.mark.parametrize("body", SCRIPT_BODIES)
def test_html_and_script_are_named(app, body):
    with app.test_request_context("/?lang=en"):
        assert warnings.markdown_problem(body) == "Scripts and HTML are not allowed; use Markdown."
        out = warnings.render_markdown(body)
    # Even unchecked, what would be shown cannot run.
    # (the words may remain as harmless escaped text: only real tags and attributes matter)
    assert not re.search(r"<(script|img|iframe)", out, re.I)
    assert not re.search(r"<[^>]*\son\w+\s*=", out, re.I)
    assert 'href="javascript' not in out.lower()


def test_relative_and_data_links_are_refused(app):
    with app.test_request_context("/?lang=en"):
        assert "Links must start with" in warnings.markdown_problem("[看这里](/login)")
        assert "Links must start with" in warnings.markdown_problem("[x](data:text/html,hi)")
        assert warnings.markdown_problem("价格 < 100 元，a<b") is None


def test_service_refuses_script_and_saves_nothing(app, session, base_data):
    data = warnings.WarningIn.model_validate(warning_form(body_md=SCRIPT_BODIES[0]))
    with app.test_request_context("/?lang=en"), pytest.raises(FieldErrors) as exc:
        warnings.create(session, base_data.users["supervisor"], data)
    session.rollback()
    assert exc.value.errors == {"body_md": "Scripts and HTML are not allowed; use Markdown."}
    assert count(session, Warning) == 0


# ---------------------------------------------------------------- supervisors' pages

def test_supervisor_writes_previews_and_publishes(client, session, base_data, login_as):
    login_as("supervisor")
    preview = client.post("/warnings/preview", data={"body_md": "**小心**"}, headers=HTMX)
    assert preview.status_code == 200 and "<strong>小心</strong>" in preview.text
    refused = client.post("/warnings/preview", data={"body_md": SCRIPT_BODIES[1]}, headers=HTMX)
    assert refused.status_code == 422 and "Scripts and HTML are not allowed" in refused.text
    assert "<img" not in refused.text

    bad = client.post("/warnings/new", data=warning_form(body_md=SCRIPT_BODIES[0]))
    assert bad.status_code == 422
    assert 'id="body_md-error"' in bad.text and "Scripts and HTML are not allowed; use Markdown." in bad.text
    assert count(session, Warning) == 0

    assert client.post("/warnings/new", data=warning_form(title="")).status_code == 422
    assert client.post("/warnings/new", data=warning_form(title="x" * 121)).status_code == 422
    assert client.post("/warnings/new", data=warning_form(body_md="x" * 20_001)).status_code == 422
    assert client.post("/warnings/new", data=warning_form(kind="news")).status_code == 422
    assert client.post("/warnings/new", data=warning_form(district_id="99999")).status_code == 422
    assert count(session, Warning) == 0

    ok = client.post("/warnings/new", data=warning_form(district_id=str(base_data.districts["CX"].id)))
    assert ok.status_code == 303
    w = session.exec(select(Warning)).one()
    assert warnings.status(w) == "draft" and w.district_id == base_data.districts["CX"].id
    assert "<h2>" in w.body_html and w.author_id == base_data.users["supervisor"].id
    assert "预付卡消费警示" in client.get("/warnings/manage").text

    client.post("/logout")
    assert client.get(f"/warnings/{w.id}").status_code == 404
    assert "预付卡消费警示" not in client.get("/warnings").text

    login_as("supervisor")
    assert client.post(f"/warnings/{w.id}/publish").status_code == 303
    client.post("/logout")
    page = client.get(f"/warnings/{w.id}")
    assert page.status_code == 200 and "<strong>量力而行</strong>" in page.text
    assert page.headers["Cache-Control"] == "public, max-age=300"
    assert "预付卡消费警示" in client.get("/warnings").text
    assert "预付卡消费警示" in client.get("/warnings?kind=warning").text
    assert "预付卡消费警示" not in client.get("/warnings?kind=tip").text

    login_as("supervisor")
    edited = client.post(f"/warnings/{w.id}/edit", data=warning_form(body_md="[x](javascript:alert(1))"))
    assert edited.status_code == 422
    session.expire_all()
    assert "量力而行" in session.get(Warning, w.id).body_md   # the refused edit changed nothing
    assert client.post(f"/warnings/{w.id}/withdraw").status_code == 303
    client.post("/logout")
    assert client.get(f"/warnings/{w.id}").status_code == 404
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.object_type == "Warning")
                                              .order_by(AuditLog.id))]
    assert actions == ["warning.create", "warning.publish", "warning.withdraw"]


def test_withdrawing_a_draft_is_a_clear_422(client, session, base_data, login_as):
    w = make_warning(session, base_data, published=False)
    login_as("supervisor")
    response = client.post(f"/warnings/{w.id}/withdraw")
    assert response.status_code == 422 and "Only a published warning can be withdrawn." in response.text


@pytest.mark.parametrize("role", ["handler", "inspector", "volunteer", "admin", "consumer"])
def test_only_supervisors_manage_warnings(client, session, base_data, login_as, role):
    w = make_warning(session, base_data, published=False)
    login_as(role)
    assert client.get("/warnings/manage").status_code == 403
    assert client.get("/warnings/new").status_code == 403
    assert client.post("/warnings/new", data=warning_form()).status_code == 403
    assert client.get(f"/warnings/{w.id}/edit").status_code == 403
    assert client.post(f"/warnings/{w.id}/publish").status_code == 403
    assert client.post("/warnings/preview", data={"body_md": "x"}).status_code == 403
    session.expire_all()
    assert session.get(Warning, w.id).published_at is None


def test_anonymous_is_sent_to_login(client, session, base_data):
    w = make_warning(session, base_data, published=False)
    assert client.get("/warnings/manage").status_code == 302
    assert client.post(f"/warnings/{w.id}/publish").status_code == 302
    session.expire_all()
    assert session.get(Warning, w.id).published_at is None


def test_district_supervisor_writes_for_own_district_only(client, session, base_data):
    cx = make_user(session, base_data, "supervisor", "CX")
    cd_warning = make_warning(session, base_data, published=False, district="CD")
    sign_in(client, cx)
    assert client.post("/warnings/new", data=warning_form(district_id=str(base_data.districts["CD"].id))).status_code == 303
    mine = session.exec(select(Warning).where(Warning.author_id == cx.id)).one()
    assert mine.district_id == base_data.districts["CX"].id
    assert client.get(f"/warnings/{cd_warning.id}/edit").status_code == 403
    assert client.post(f"/warnings/{cd_warning.id}/publish").status_code == 403
    listed = client.get("/warnings/manage").text
    assert f"managed-{mine.id}" in listed and f"managed-{cd_warning.id}" not in listed


# ---------------------------------------------------------------- sampling results

def test_publishing_a_sample_needs_a_lab_result(client, session, base_data, login_as):
    pending = make_sample(session, base_data)
    login_as("supervisor")
    response = client.post(f"/inspections/samples/{pending.id}/publish")
    assert response.status_code == 422 and "no lab result yet" in response.text
    fragment = client.post(f"/inspections/samples/{pending.id}/publish", headers=HTMX)
    assert fragment.status_code == 422 and f'id="publish-{pending.id}"' in fragment.text
    session.expire_all()
    assert session.get(Sample, pending.id).published_at is None
    assert count(session, AuditLog) == 0 or not session.exec(
        select(AuditLog).where(AuditLog.action == "sample.publish")).first()


def test_publish_and_unpublish_a_result(client, session, base_data, login_as):
    failed = make_sample(session, base_data, lab_result="fail", product="食用植物油", report_no="SJ2026-1187")
    passed = make_sample(session, base_data, merchant=base_data.merchants[1], lab_result="pass", product="复合肥",
                         report_no="SJ2026-1203")
    assert "SJ2026-1187" not in client.get("/sampling").text   # not public until published

    login_as("supervisor")
    assert "publish-samples" in client.get("/inspections/samples").text
    assert client.post(f"/inspections/samples/{failed.id}/publish").status_code == 303
    fragment = client.post(f"/inspections/samples/{passed.id}/publish", headers=HTMX)
    assert fragment.status_code == 200 and "unpublish" in fragment.text
    session.expire_all()
    assert session.get(Sample, failed.id).published_by_id == base_data.users["supervisor"].id
    client.post("/logout")

    page = client.get("/sampling")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=300"
    for text in ("食用植物油", "SJ2026-1187", "金沙河", "20260815", base_data.merchants[0].name, "复合肥"):
        assert text in page.text
    only_failed = client.get("/sampling?result=fail").text
    assert "SJ2026-1187" in only_failed and "SJ2026-1203" not in only_failed

    login_as("supervisor")
    assert client.post(f"/inspections/samples/{failed.id}/unpublish").status_code == 303
    client.post("/logout")
    assert "SJ2026-1187" not in client.get("/sampling").text
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.object_type == "Sample")
                                              .order_by(AuditLog.id))]
    assert actions == ["sample.publish", "sample.publish", "sample.unpublish"]


def test_only_the_districts_supervisor_publishes(client, session, base_data, login_as):
    sample = make_sample(session, base_data, lab_result="pass")   # 城东区 (CD)
    sign_in(client, make_user(session, base_data, "supervisor", "CX"))
    assert client.post(f"/inspections/samples/{sample.id}/publish").status_code == 404
    client.post("/logout")
    login_as("inspector")   # of CD, but not a supervisor
    assert client.post(f"/inspections/samples/{sample.id}/publish").status_code == 403
    session.expire_all()
    assert session.get(Sample, sample.id).published_at is None


# ---------------------------------------------------------------- merchants' records

def test_merchant_record_figures(client, session, base_data, make_complaint):
    merchant = base_data.merchants[0]
    now = utcnow()
    made = []
    # (state, accepted?, days ago): recent 3 received, 2 accepted, 1 concluded; all time 4, 3, 2.
    for state, accepted, days_ago in [("closed", True, 10), ("mediating", True, 20), ("rejected", False, 30),
                                      ("resolved", True, 400)]:
        c = make_complaint(consumer_name="隐私测试人", consumer_phone="13711112222")
        c.state, c.received_at = state, now - timedelta(days=days_ago)
        c.accepted_at = c.received_at + timedelta(days=1) if accepted else None
        session.add(c)
        made.append(c)
    other = make_complaint(merchant_id=str(base_data.merchants[1].id))   # another merchant's: not counted
    other.accepted_at, other.state = now, "closed"
    session.add(other)
    session.commit()
    make_inspection(session, base_data, merchant, "fail")
    visit = make_inspection(session, base_data, merchant, "pass")
    make_inspection(session, base_data, merchant, "pass")
    make_inspection(session, base_data, merchant, "fail", days_ago=500)
    make_sample(session, base_data, lab_result="fail", report_no="SJ-PUB-1", published=True, inspection=visit)
    make_sample(session, base_data, lab_result="pass", report_no="SJ-HIDDEN-2", inspection=visit)

    record = records.public_record(session, merchant)
    assert (record.recent.received, record.recent.accepted, record.recent.concluded) == (3, 2, 1)
    assert (record.all_time.received, record.all_time.accepted, record.all_time.concluded) == (4, 3, 2)
    assert record.recent.closure_rate == 50 and record.all_time.closure_rate == 67
    assert (record.inspections, record.inspections_with_problems, record.problem_share) == (4, 2, 50)

    page = client.get(f"/m/{merchant.id}")
    assert page.status_code == 200
    text = page.text
    for figure, value in [("received-recent", "3"), ("accepted-recent", "2"), ("concluded-recent", "1"),
                          ("rate-recent", "50%"), ("received-all", "4"), ("rate-all", "67%")]:
        assert re.search(rf'data-figure="{figure}">{re.escape(value)}<', text), figure
    assert 'id="closure-definition"' in text
    assert "SJ-PUB-1" in text and "SJ-HIDDEN-2" not in text
    assert "隐私测试人" not in text and "13711112222" not in text and "2222" not in text
    for c in made:
        assert c.tracking_code not in text and display(c.tracking_code) not in text


def test_merged_record_redirects_and_search_hides_it(client, session, base_data):
    survivor, merged = base_data.merchants[0], base_data.merchants[1]
    merged.merged_into_id = survivor.id
    session.add(merged)
    session.commit()
    response = client.get(f"/m/{merged.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/m/{survivor.id}")
    assert client.get("/m/999999").status_code == 404
    results = client.get("/m", query_string={"q": merged.name[:2]}).text
    assert f"/m/{merged.id}\"" not in results
    assert client.get("/m", query_string={"q": survivor.name}).text.count(f"/m/{survivor.id}\"") == 1
    assert "No merchant found" in client.get("/m", query_string={"q": "%_"}).text


def test_unverified_merchants_have_no_public_record(client, session, base_data):
    typed = Merchant(name="张三自己填的小店", address="某小区3号楼", district_id=base_data.districts["CD"].id)
    session.add(typed)
    session.commit()
    assert client.get(f"/m/{typed.id}").status_code == 404
    assert "张三自己填的小店" not in client.get("/m", query_string={"q": "张三"}).text
    typed.verified = True
    session.add(typed)
    session.commit()
    assert client.get(f"/m/{typed.id}").status_code == 200


def test_trusted_list_by_district(client, session, base_data):
    trusted = [m for m in base_data.merchants if m.district_id == base_data.districts["CX"].id][:2]
    for m in trusted:
        m.trusted = True
        session.add(m)
    session.commit()
    page = client.get("/trusted")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=300"
    assert "城西区" in page.text and "城东区" not in page.text
    for m in trusted:
        assert f"trusted-{m.id}" in page.text
    assert f"trusted-{base_data.merchants[0].id}\"" not in page.text
    record = client.get(f"/m/{trusted[0].id}").text
    assert 'id="trusted-flag"' in record


def test_public_pages_need_no_login(client, session, base_data):
    w = make_warning(session, base_data)
    for url in ("/warnings", f"/warnings/{w.id}", "/sampling", "/trusted", "/m", "/m?q=超市",
                f"/m/{base_data.merchants[0].id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=300", url
        assert 'href="/warnings"' in response.text or url.startswith("/warnings/"), url


def test_signed_in_pages_are_not_shared_caches(client, base_data, login_as):
    login_as("consumer")
    assert client.get("/warnings").headers["Cache-Control"] == "private, no-cache"


# ---------------------------------------------------------------- the demo's public pages, crawled

SKIP = ("/login", "/static", "/complaints/new", "/track", "/prefs", "/register", "/join", "/sw.js",
        "/manifest.webmanifest", "/offline", "/outbox", "/photos")


def crawl(client, starts: list[str], allowed_404: set[str], limit: int = 600) -> dict[str, str]:
    """Every same-site page reachable by GET links from `starts` without signing in: {url: body}."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        if url in allowed_404 and response.status_code == 404:
            continue
        assert response.status_code in (200, 301, 302, 303), (url, response.status_code)
        body = response.get_data(as_text=True)
        seen[url] = body
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.headers["Location"])._replace(scheme="", netloc="").geturl())
            continue
        for href in re.findall(r'\bhref="([^"]*)"', body):
            target = urljoin(url, html.unescape(href))
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue   # another site, tel:, mailto:
            if parts.path.startswith(SKIP) or "lang=" in parts.query:
                continue
            target = parts._replace(fragment="").geturl()
            if target not in seen:
                queue.append(target)
    return seen


def test_no_public_page_of_the_demo_shows_a_consumer(client, session, app):
    load_demo(session, app.config["UPLOAD_DIR"])
    load_demo_public(session)
    load_demo_public(session)   # idempotent
    session.commit()
    complaints = session.exec(select(Complaint)).all()
    consumers = session.exec(select(User).where(User.role == "consumer")).all()
    needles = {c.consumer_name for c in complaints} | {c.consumer_phone for c in complaints}
    needles |= {u.display_name for u in consumers if u.display_name} | {u.phone for u in consumers if u.phone}
    needles |= {c.tracking_code for c in complaints} | {display(c.tracking_code) for c in complaints}
    needles.discard("")
    assert len(complaints) >= 30 and "王女士" in needles and "13800000001" in needles

    merchants = session.exec(select(Merchant)).all()
    starts = ["/", "/warnings", "/sampling", "/trusted", "/m?q=", "/m?q=店", "/m?q=超市"]
    starts += [f"/m/{m.id}" for m in merchants]
    unverified = {f"/m/{m.id}" for m in merchants if not m.verified}
    pages = crawl(client, starts, unverified)

    # The crawl really reached the public record: every warning, the results and every merchant.
    assert sum(1 for u in pages if re.fullmatch(r"/warnings/\d+", u)) == 4
    assert "SJ2026-1187" in pages["/sampling"] and "SJ2026-1203" in pages["/sampling"]
    assert sum(1 for u in pages if re.fullmatch(r"/m/\d+", u)) == len(merchants) - len(unverified)
    assert pages["/trusted"].count('id="trusted-') == 6
    leaks = [(url, needle) for url, body in pages.items() for needle in needles if needle in body]
    leaks += [(url, "/photos/") for url, body in pages.items() if "/photos/" in body]
    assert leaks == []


def test_demo_public_is_idempotent(session, base_data):
    assert load_demo_public(session) == 4
    session.commit()
    assert load_demo_public(session) == 0
    session.commit()
    assert count(session, Warning) == 4
    assert all(warnings.is_public(w) for w in session.exec(select(Warning)))
    assert len(session.exec(select(Merchant).where(Merchant.trusted == True)).all()) == 6  # noqa: E712
