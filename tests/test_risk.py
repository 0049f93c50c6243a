"""Risk: the score on a seeded dataset, its reasons in words, the suggested-targets page and planning them."""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from inspection_helpers import count, template
from outreach_helpers import make_user, sign_in
from webapp.audit import AuditLog
from webapp.complaints.models import ComplaintCluster
from webapp.complaints.schemas import SHANGHAI, today_shanghai
from webapp.inspections.models import Inspection, InspectionFinding, InspectionTask, RectificationOrder, Sample
from webapp.merchants import risk

HX = {"HX-Request": "true"}
EN = "?lang=en"


def _at(days_ago: int) -> datetime:
    """Noon, China time, `days_ago` days before today (clear of any day boundary)."""
    return datetime.combine(today_shanghai() - timedelta(days=days_ago), time(12), tzinfo=SHANGHAI)


def _complaint(session, base_data, make_complaint, merchant, days_ago=0, category="food", problem="quality",
               state="submitted", cluster=None):
    complaint = make_complaint(merchant_id=str(merchant.id), merchant_name=merchant.name,
                               merchant_address=merchant.address, district_id=str(merchant.district_id),
                               category_id=str(base_data.categories[category].id), problem_type=problem)
    complaint.received_at, complaint.state = _at(days_ago), state
    complaint.cluster_id = cluster.id if cluster else None
    session.add(complaint)
    session.commit()
    return complaint


def _inspection(session, base_data, merchant, days_ago, failed=0, samples=(), order_due_days_ago=None):
    t, items = template(session, "food")
    inspection = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=merchant.id,
                            template_id=t.id, district_id=merchant.district_id,
                            inspector_id=base_data.users["inspector"].id, result="fail" if failed else "pass",
                            captured_at=_at(days_ago))
    session.add(inspection)
    session.flush()
    for n, item in enumerate(items):
        session.add(InspectionFinding(inspection_id=inspection.id, item_id=item.id,
                                      answer="fail" if n < failed else "pass"))
    for result in samples:
        session.add(Sample(inspection_id=inspection.id, product="挂面", lab_result=result, report_no="SJ-1",
                           result_on=today_shanghai() - timedelta(days=days_ago - 5)))
    if order_due_days_ago is not None:
        session.add(RectificationOrder(inspection_id=inspection.id, merchant_id=merchant.id,
                                       item_ids=[items[0].id],
                                       due_on=today_shanghai() - timedelta(days=order_due_days_ago)))
    session.commit()
    return inspection


@pytest.fixture
def seeded(session, base_data, make_complaint):
    """Merchants of 城东区 with different mixes of signals; the expected ranking is in `ranking`."""
    m = base_data.merchants
    c = lambda merchant, **kw: _complaint(session, base_data, make_complaint, merchant, **kw)  # noqa: E731
    # m7: two closed appliance complaints today, both in a collective complaint: 10 + 10 + 20 = 40
    cluster = ComplaintCluster(merchant_id=m[7].id, category_id=base_data.categories["appliances"].id,
                               district_id=m[7].district_id, first_received_at=_at(1), last_received_at=_at(0),
                               size=2)
    session.add(cluster)
    session.commit()
    c(m[7], category="appliances", state="closed", cluster=cluster)
    c(m[7], category="appliances", state="closed", cluster=cluster)
    # m2: an open food complaint today (10 × 2 + 5) and a closed service one a month ago (10 × 0.5^0.5): 32.07
    c(m[2], category="food")
    c(m[2], days_ago=30, category="catering", problem="after_sales", state="closed")
    # m6: a failed item 40 days ago (8 × 0.5^(40/120)) and its order 12 days overdue (15 + 5 × 1): 26.35
    _inspection(session, base_data, m[6], 40, failed=1, order_due_days_ago=12)
    # m5: a non-conforming sample 100 days ago (and a conforming one): 25
    _inspection(session, base_data, m[5], 100, samples=("fail", "pass"))
    # m4: three failed items 30 days ago: 24 × 0.5^(30/120) = 20.18
    _inspection(session, base_data, m[4], 30, failed=3)
    # m9: an open service complaint today, a plain one: 10 + 5 = 15
    c(m[9], category="beauty", problem="after_sales")
    # m12: two closed complaints 60 days ago: 5 + 5 = 10
    c(m[12], days_ago=60, category="education", problem="contract", state="closed")
    c(m[12], days_ago=60, category="education", problem="contract", state="closed")
    # m11: one 120 days ago (10 × 0.25) and one 200 days ago (outside the window): 2.5
    c(m[11], days_ago=120, category="telecom", state="closed")
    c(m[11], days_ago=200, category="telecom", state="closed")
    # Left out: m1 was inspected last week, m3 was merged into m13, m8 has an open task, m10's was not accepted.
    c(m[1], category="food", problem="safety")
    _inspection(session, base_data, m[1], 6)
    c(m[3], category="food")
    m[3].merged_into_id = m[13].id
    session.add(m[3])
    c(m[8], category="food")
    session.add(InspectionTask(merchant_id=m[8].id, district_id=m[8].district_id,
                               planned_on=today_shanghai() + timedelta(days=3), note="例行检查"))
    c(m[10], category="food", problem="safety", state="rejected")
    # 城西区: a food complaint, for the city-level view only.
    c(m[14], category="food")
    session.commit()
    ranking = [m[7], m[2], m[6], m[5], m[4], m[9], m[12], m[11]]
    return ranking


def _codes(score):
    return {r.code: r for r in score.reasons}


def test_ranking_and_reasons_on_the_seeded_dataset(session, base_data, seeded):
    cd = base_data.districts["CD"].id
    ranked = risk.scores(session, cd, today_shanghai())
    assert [s.merchant_id for s in ranked] == [m.id for m in seeded]
    assert [s.score for s in ranked] == [40.0, 32.1, 26.3, 25.0, 20.2, 15.0, 10.0, 2.5]
    top, food, order, sample, items, service, older, oldest = ranked
    assert {c: (r.count, r.points) for c, r in _codes(top).items()} == {"complaints": (2, 20.0),
                                                                      "collective": (1, 20)}
    assert _codes(food)["complaints"].count == 2
    assert _codes(food)["complaints"].detail == {"open": 1, "severe": 1, "days": 180}
    assert _codes(order)["overdue_orders"].count == 1 and _codes(order)["overdue_orders"].detail["max_days"] == 12
    assert _codes(order)["failed_items"].count == 1
    assert list(_codes(sample)) == ["failed_samples"] and _codes(sample)["failed_samples"].count == 1
    assert sample.last_inspected == today_shanghai() - timedelta(days=100)
    assert _codes(items)["failed_items"].count == 3 and _codes(items)["failed_items"].detail == {"inspections": 1}
    assert _codes(oldest)["complaints"].count == 1
    assert food.last_inspected is None
    assert len(risk.scores(session, cd, today_shanghai(), limit=3)) == 3


def test_reasons_in_words(app, session, base_data, seeded):
    cd = base_data.districts["CD"].id
    with app.test_request_context("/" + EN):
        ranked = {s.merchant_id: [risk.explain(r) for r in s.reasons]
                  for s in risk.scores(session, cd, today_shanghai())}
        m = base_data.merchants
        assert ranked[m[2].id] == ["2 complaints in the last 180 days (1 still open, 1 about food, drugs or safety)"]
        assert ranked[m[6].id] == ["1 rectification order overdue by 12 days",
                                   "1 failed checklist item in the last year"]
        assert ranked[m[5].id] == ["1 non-conforming sample"]
        assert ranked[m[4].id] == ["3 failed checklist items in the last year"]
        assert ranked[m[9].id] == ["1 complaint in the last 180 days (1 still open)"]
        assert ranked[m[7].id] == ["Named in 1 collective complaint", "2 complaints in the last 180 days"]
        two = risk.Reason("overdue_orders", 40, 2, {"max_days": 30})
        assert risk.explain(two) == "2 rectification orders overdue, the longest by 30 days"
        assert len(risk.method()) == 7 and "60" in risk.method()[0]


def test_recency_weight():
    assert risk.weight(0, 60) == 1 and risk.weight(60, 60) == 0.5 and risk.weight(120, 60) == 0.25
    assert risk.weight(-3, 60) == 1   # a phone's clock ahead: never more than full weight


def test_page_shows_ranked_targets_with_reasons(client, base_data, login_as, seeded):
    login_as("inspector")
    html = client.get("/inspections/targets" + EN).get_data(as_text=True)
    positions = [html.index(m.name) for m in seeded]
    assert positions == sorted(positions)
    assert "1 rectification order overdue by 12 days" in html and "1 non-conforming sample" in html
    for left_out in (1, 3, 8, 10, 14):
        assert base_data.merchants[left_out].name not in html.split('id="targets"')[1].split("</ul>")[-2]
    assert f"/inspections/new?merchant={seeded[0].id}" in html
    assert 'action="/inspections/targets/plan"' not in html   # inspectors see; supervisors plan
    assert "How the score is made" in html


def test_district_scoping(client, session, base_data, login_as, seeded):
    cx = base_data.districts["CX"].id
    cx_shop = base_data.merchants[14].name
    login_as("inspector")   # 城东区: asking for another district changes nothing
    html = client.get(f"/inspections/targets?district={cx}").get_data(as_text=True)
    assert seeded[0].name in html and cx_shop not in html
    client.post("/logout")
    login_as("supervisor")  # city level: the whole city, or the district chosen
    whole = client.get("/inspections/targets").get_data(as_text=True)
    assert seeded[0].name in whole and cx_shop in whole
    west = client.get(f"/inspections/targets?district={cx}").get_data(as_text=True)
    assert cx_shop in west and seeded[0].name not in west
    assert risk.scores(session, cx, today_shanghai())[0].merchant_id == base_data.merchants[14].id


def test_today_page_shows_the_top_three(client, base_data, login_as, seeded):
    login_as("inspector")
    html = client.get("/inspections/today" + EN).get_data(as_text=True)
    section = html.split('id="today-targets"')[1].split("</section>")[0]
    assert [m.name in section for m in seeded[:4]] == [True, True, True, False]
    assert "/inspections/targets" in section


def _plan(client, merchant, days=1, note="", headers=HX, **extra):
    data = {"merchant_id": str(merchant.id), "planned_on": (today_shanghai() + timedelta(days=days)).isoformat(),
            "note": note, **extra}
    return client.post("/inspections/targets/plan" + EN, data=data, headers=headers)


def test_supervisor_plans_a_target_once(client, session, base_data, login_as, seeded):
    supervisor = login_as("supervisor")
    merchant = seeded[2]
    html = client.get("/inspections/targets").get_data(as_text=True)
    assert 'action="/inspections/targets/plan"' in html
    response = _plan(client, merchant, note="带上计量器具")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="target-{merchant.id}"' in body
    assert "Planned for" in body and (today_shanghai() + timedelta(days=1)).isoformat() in body
    task = session.exec(select(InspectionTask).where(InspectionTask.merchant_id == merchant.id)).one()
    assert (task.source, task.district_id, task.created_by_id, task.inspection_id) == (
        "risk", merchant.district_id, supervisor.id, None)
    assert task.planned_on == today_shanghai() + timedelta(days=1)
    assert task.note.startswith("带上计量器具\n") and "12" in task.note
    log = session.exec(select(AuditLog).where(AuditLog.action == "inspection_task.plan")).one()
    assert log.object_id == task.id and log.after["merchant_id"] == merchant.id
    again = _plan(client, merchant, days=2)
    assert again.status_code == 422 and 'id="merchant_id-error"' in again.get_data(as_text=True)
    assert "already planned" in again.get_data(as_text=True)
    assert count(session, InspectionTask) == 2   # this one and m8's
    listed = client.get("/inspections/targets").get_data(as_text=True)
    assert f'id="target-{merchant.id}"' not in listed   # planned: no longer suggested


def test_plain_form_plans_and_redirects(client, session, base_data, login_as, seeded):
    login_as("supervisor")
    response = _plan(client, seeded[0], headers={})
    assert response.status_code == 303 and response.headers["Location"].startswith("/inspections/targets")
    refused = _plan(client, seeded[0], headers={})
    assert refused.status_code == 422 and "error-summary" in refused.get_data(as_text=True)


@pytest.mark.parametrize("days,field", [(-1, "planned_on"), (400, "planned_on")])
def test_bad_date_is_refused(client, session, base_data, login_as, seeded, days, field):
    login_as("supervisor")
    response = _plan(client, seeded[1], days=days)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(session, InspectionTask) == 1


def test_bad_input_is_422(client, session, base_data, login_as, seeded):
    login_as("supervisor")
    assert _plan(client, seeded[1], planned_on="not a date").status_code == 422
    assert _plan(client, seeded[1], note="x" * 301).status_code == 422
    assert client.post("/inspections/targets/plan", data={"merchant_id": "abc"}, headers=HX).status_code == 404
    merged = base_data.merchants[3]
    response = _plan(client, merged)
    assert response.status_code == 422 and "merged" in response.get_data(as_text=True)
    assert count(session, InspectionTask) == 1


def test_supervisor_of_another_district_may_not_plan(client, session, base_data, seeded):
    sign_in(client, make_user(session, base_data, "supervisor", "CX"))
    response = _plan(client, seeded[0])
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "outside your district" in body
    assert "collective" not in body   # no reasons of another district's merchant
    assert count(session, InspectionTask) == 1
    html = client.get("/inspections/targets").get_data(as_text=True)
    assert base_data.merchants[14].name in html and seeded[0].name not in html


@pytest.mark.parametrize("role", ["consumer", "volunteer", "handler", "admin"])
def test_other_roles_are_refused(client, session, base_data, login_as, seeded, role):
    login_as(role)
    assert client.get("/inspections/targets").status_code == 403
    assert _plan(client, seeded[0]).status_code == 403
    assert count(session, InspectionTask) == 1


def test_inspectors_may_not_plan(client, session, base_data, login_as, seeded):
    login_as("inspector")
    assert _plan(client, seeded[0]).status_code == 403
    assert count(session, InspectionTask) == 1


def test_signed_out_is_sent_to_login(client, base_data):
    assert client.get("/inspections/targets").status_code in (302, 401)
