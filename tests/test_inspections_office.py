"""The back office: lab results, rectification orders, the checklist editor and enforcement campaigns."""
from datetime import timedelta

import pytest
from sqlmodel import select

from inspection_helpers import JSON, count, inspection_form, template
from webapp.audit import AuditLog
from webapp.campaigns.models import Campaign
from webapp.complaints.schemas import today_shanghai
from webapp.inspections.models import ChecklistItem, ChecklistTemplate, Sample

HX = {"HX-Request": "true"}


def _inspect(client, session, base_data, **overrides):
    response = client.post("/inspections", data=inspection_form(session, base_data, **overrides), headers=JSON,
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_lab_result_is_recorded_and_audited(client, session, base_data, login_as):
    login_as("inspector")
    _inspect(client, session, base_data, **{"sample-0-product": "挂面", "sample-0-sample_no": "CD-1"})
    sample = session.exec(select(Sample)).one()
    assert "挂面" in client.get("/inspections/samples").get_data(as_text=True)
    today = today_shanghai().isoformat()
    response = client.post(f"/inspections/samples/{sample.id}/result", headers=HX,
                           data={"lab_result": "fail", "report_no": "SJ-2026-1", "result_on": today})
    assert response.status_code == 200 and f'id="sample-{sample.id}"' in response.get_data(as_text=True)
    session.refresh(sample)
    assert (sample.lab_result, sample.report_no, sample.result_on.isoformat()) == ("fail", "SJ-2026-1", today)
    assert session.exec(select(AuditLog).where(AuditLog.action == "sample.lab_result")).one()
    plain = client.post(f"/inspections/samples/{sample.id}/result",
                        data={"lab_result": "pass", "report_no": "SJ-2026-1b", "result_on": today})
    assert plain.status_code == 303


@pytest.mark.parametrize("values,field", [
    ({"lab_result": "fail", "report_no": "R1", "result_on": "2999-01-01"}, "result_on"),
    ({"lab_result": "fail", "report_no": "R1", "result_on": "2020-01-01"}, "result_on"),  # before sampling
    ({"lab_result": "maybe", "report_no": "R1"}, "lab_result"),
    ({"lab_result": "pass", "report_no": ""}, "report_no"),
])
def test_bad_lab_result_is_422(client, session, base_data, login_as, values, field):
    login_as("inspector")
    _inspect(client, session, base_data, **{"sample-0-product": "挂面"})
    sample = session.exec(select(Sample)).one()
    values = {"result_on": today_shanghai().isoformat(), **values}
    response = client.post(f"/inspections/samples/{sample.id}/result", data=values, headers=HX)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    session.refresh(sample)
    assert sample.lab_result is None


def test_lab_results_are_field_work(client, session, base_data, login_as):
    login_as("inspector")
    _inspect(client, session, base_data, **{"sample-0-product": "挂面"})
    sample = session.exec(select(Sample)).one()
    client.post("/logout")
    login_as("handler")
    response = client.post(f"/inspections/samples/{sample.id}/result",
                           data={"lab_result": "pass", "report_no": "R", "result_on": today_shanghai().isoformat()})
    assert response.status_code == 403


def test_orders_list_overdue_first_with_reinspection_links(client, session, base_data, login_as):
    login_as("inspector")
    soon = _inspect(client, session, base_data, order_due_on=(today_shanghai() + timedelta(days=9)).isoformat())
    late = _inspect(client, session, base_data, merchant=base_data.merchants[1],
                    order_due_on=today_shanghai().isoformat())
    html = client.get("/inspections/orders").get_data(as_text=True)
    assert html.index(base_data.merchants[1].name) < html.index(base_data.merchants[0].name)
    assert f"follow_up_of={late}" in html and f"follow_up_of={soon}" in html


def test_checklist_editor_is_admin_only(client, base_data, login_as):
    login_as("inspector")
    assert client.get("/admin/checklists").status_code == 403
    assert client.post("/admin/checklists", data={"name": "x"}).status_code == 403


def test_admin_adds_renames_reorders_and_retires(client, session, base_data, login_as):
    login_as("admin")
    assert "食品经营" in client.get("/admin/checklists").get_data(as_text=True)
    response = client.post("/admin/checklists", data={"name": "电动自行车", "name_en": "E-bikes"})
    assert response.status_code == 303
    template_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for text in ("3C认证标志", "无非法改装", "说明书齐全"):
        assert client.post(f"/admin/checklists/{template_id}/items", data={"text": text}, headers=HX).status_code == 200
    items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template_id)
                         .order_by(ChecklistItem.position)).all()
    client.post(f"/admin/checklists/{template_id}/items/{items[2].id}/up", headers=HX)
    items = list(items)
    session.expire_all()
    order = [i.text for i in session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template_id)
                                          .order_by(ChecklistItem.position))]
    assert order == ["3C认证标志", "说明书齐全", "无非法改装"]
    response = client.post(f"/admin/checklists/{template_id}", data={"name": "电动自行车销售", "name_en": "E-bike shops"},
                           headers=HX)
    assert response.status_code == 200
    session.expire_all()
    t = session.get(ChecklistTemplate, template_id)
    assert t.name == "电动自行车销售" and not t.active  # the box was not ticked: out of use
    first_id = items[0].id
    client.post(f"/admin/checklists/{template_id}/items/{first_id}/remove", headers=HX)
    session.expunge_all()
    assert session.get(ChecklistItem, first_id) is None  # never answered: deleted
    assert client.post(f"/admin/checklists/{template_id}", data={"name": ""}, headers=HX).status_code == 422
    actions = {a for a in session.exec(select(AuditLog.action))}
    assert {"checklist.create", "checklist.item_add", "checklist.item_move", "checklist.update",
            "checklist.item_deleted"} <= actions


def test_answered_items_are_retired_never_deleted(client, session, base_data, login_as):
    login_as("inspector")
    _inspect(client, session, base_data)
    t, items = template(session)
    client.post("/logout")
    login_as("admin")
    html = client.post(f"/admin/checklists/{t.id}/items/{items[0].id}/remove?lang=en",
                       headers=HX).get_data(as_text=True)
    session.expire_all()
    assert session.get(ChecklistItem, items[0].id).active is False and "not deleted" in html
    client.post(f"/admin/checklists/{t.id}/items/{items[1].id}", data={"text": "新的说法"}, headers=HX)
    session.expire_all()
    old = session.get(ChecklistItem, items[1].id)
    new = session.exec(select(ChecklistItem).where(ChecklistItem.text == "新的说法")).one()
    assert old.active is False and old.text == items[1].text and new.active and new.template_id == t.id
    # The retired item is off the form; the new wording is on it.
    client.post("/logout")
    login_as("inspector")
    form = client.get("/inspections/new").get_data(as_text=True)
    assert f'name="item-{items[0].id}"' not in form and f'name="item-{new.id}"' in form


def test_supervisor_starts_a_campaign_and_inspections_count_towards_it(client, session, base_data, login_as):
    login_as("supervisor")
    today = today_shanghai()
    response = client.post("/campaigns", data={"name": "农资打假专项", "theme": "春耕农资",
                                               "starts_on": (today - timedelta(days=1)).isoformat(),
                                               "ends_on": (today + timedelta(days=30)).isoformat()})
    assert response.status_code == 303
    campaign = session.exec(select(Campaign)).one()
    assert campaign.kind == "enforcement" and campaign.district_id is None
    bad = client.post("/campaigns", data={"name": "x", "starts_on": today.isoformat(),
                                          "ends_on": (today - timedelta(days=1)).isoformat()}, headers=HX)
    assert bad.status_code == 422 and 'id="ends_on-error"' in bad.get_data(as_text=True)
    client.post("/logout")
    login_as("inspector")
    assert client.post("/campaigns", data={"name": "x"}).status_code == 403
    assert "农资打假专项" in client.get("/inspections/new").get_data(as_text=True)
    _inspect(client, session, base_data, campaign_id=str(campaign.id), inspector_count="3",
             order_due_on=(today + timedelta(days=3)).isoformat(), **{"sample-0-product": "复合肥"})
    html = client.get(f"/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
    assert "Inspectors were sent out 3 times" in html and "1 merchant inspections" in html
    assert "1 merchants were ordered" in html and "1 batches were sampled" in html
    assert 'id="fig-visits">3<' in html


def test_campaign_outside_its_dates_is_refused(client, session, base_data, login_as):
    today = today_shanghai()
    campaign = Campaign(kind="enforcement", name="已结束", starts_on=today - timedelta(days=30),
                        ends_on=today - timedelta(days=10))
    session.add(campaign)
    session.commit()
    login_as("inspector")
    response = client.post("/inspections", data=inspection_form(session, base_data, campaign_id=str(campaign.id)),
                           headers=JSON, content_type="multipart/form-data")
    assert response.status_code == 422 and "campaign_id" in response.get_json()["errors"]
    assert count(session, Campaign) == 1


def test_enforcement_campaigns_are_not_for_consumers_or_volunteers(client, session, base_data, login_as):
    today = today_shanghai()
    campaign = Campaign(kind="enforcement", name="农资打假专项", starts_on=today, ends_on=today + timedelta(days=9))
    session.add(campaign)
    session.commit()
    login_as("volunteer")   # volunteers read outreach campaigns only (tests/test_outreach_campaigns.py)
    listing = client.get("/campaigns")
    assert listing.status_code == 200 and "农资打假专项" not in listing.get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404
    client.post("/logout")
    login_as("consumer")
    assert client.get("/campaigns").status_code == 403
    assert client.get(f"/campaigns/{campaign.id}").status_code == 403


def test_policy_table():
    from flask_login import AnonymousUserMixin

    from webapp.auth.models import User
    from webapp.inspections import policy
    from webapp.inspections.models import Inspection

    inspection = Inspection(district_id=1)
    expected = {
        ("inspector", 1): {"create", "view", "follow_up", "record_lab"},
        ("inspector", 2): {"create"},
        ("supervisor", None): {"create", "view", "follow_up", "record_lab"},
        ("supervisor", 2): {"create"},
        ("handler", 1): {"view"},
        ("handler", 2): set(),
        ("volunteer", 1): set(),
        ("consumer", None): set(),
        ("admin", None): set(),
    }
    for (role, district), allowed in expected.items():
        user = User(role=role, district_id=district, username=role, password_hash="x")
        got = {a for a in ("create", "view", "follow_up", "record_lab") if policy.can(user, a, inspection)}
        assert got == allowed, (role, district, got)
    assert not any(policy.can(AnonymousUserMixin(), a, inspection) for a in ("create", "view"))
    assert policy.can_edit_checklists(User(role="admin", username="a", password_hash="x"))
