"""The staff's merchant pages: registry, merchant record, edit, duplicates and merging."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from inspection_helpers import JSON, inspection_form, template
from outreach_helpers import make_user, sign_in
from webapp.audit import AuditLog
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.inspections.models import Inspection, RectificationOrder, Sample
from webapp.merchants import office
from webapp.merchants.models import DuplicateSuspect, Merchant

GOOD_USCC = "91350100M000100Y43"     # the GB 32100-2015 example
OTHER_GOOD = "92141127MA0KD1Y64A"    # a 个体工商户 code
BAD_CHECK = "91350100M000100Y44"     # the example with its last character mistyped


def add_merchant(session, base_data, name="测试商店", district="CD", **values) -> Merchant:
    merchant = Merchant(name=name, address=values.pop("address", "城东区测试路1号"),
                        district_id=base_data.districts[district].id, **values)
    session.add(merchant)
    session.commit()
    return merchant


def add_inspection(session, base_data, merchant, result="pass", days_ago=0) -> Inspection:
    t, _items = template(session)
    inspection = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=merchant.id,
                            template_id=t.id, district_id=merchant.district_id,
                            inspector_id=base_data.users["inspector"].id, result=result,
                            captured_at=datetime.now(timezone.utc) - timedelta(days=days_ago))
    session.add(inspection)
    session.commit()
    return inspection


def reload(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


def figure(html: str, name: str) -> str:
    match = re.search(rf'id="fig-{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


# ---- access ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [("consumer", 403), ("volunteer", 403), ("inspector", 200),
                                         ("handler", 200), ("supervisor", 200), ("admin", 200)])
def test_registry_access_by_role(client, login_as, base_data, role, status):
    login_as(role)
    assert client.get("/merchants").status_code == status
    assert client.get(f"/merchants/{base_data.merchants[0].id}").status_code == status


def test_signed_out_goes_to_login(client, base_data):
    response = client.get("/merchants")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_district_staff_see_their_district_only(client, login_as, base_data):
    cd = next(m for m in base_data.merchants if m.district_id == base_data.districts["CD"].id)
    cx = next(m for m in base_data.merchants if m.district_id == base_data.districts["CX"].id)
    login_as("handler")
    page = client.get("/merchants?q=").get_data(as_text=True)
    assert cd.name in page and cx.name not in page
    assert client.get(f"/merchants/{cx.id}").status_code == 404
    assert client.get(f"/merchants/{cx.id}/edit").status_code == 404
    assert client.post(f"/merchants/{cx.id}/edit", data={"name": "x"}).status_code == 404
    assert client.get(f"/merchants/{cd.id}").status_code == 200


def test_city_level_sees_every_district(client, login_as, base_data):
    login_as("supervisor")
    page = client.get("/merchants").get_data(as_text=True)
    assert "城西购物广场" in page and "惠民生鲜超市" in page
    only_cx = client.get(f"/merchants?district_id={base_data.districts['CX'].id}").get_data(as_text=True)
    assert "城西购物广场" in only_cx and "惠民生鲜超市" not in only_cx


@pytest.mark.parametrize("url", ["/merchants/999999", "/merchants/99999999999", "/merchants/0/edit",
                                 "/merchants/abc", "/merchants/999999/merge?into=1"])
def test_bad_ids_are_404(client, login_as, base_data, url):
    login_as("supervisor")
    assert client.get(url).status_code == 404


# ---- registry ----------------------------------------------------------------------------------------

def test_search_by_name_address_and_credit_code(client, login_as, base_data, session):
    add_merchant(session, base_data, name="ＡＢＣ眼镜店", address="城东区光明路77号", uscc=GOOD_USCC)
    login_as("handler")
    for q in ("abc眼镜", "光明路77", "M000100Y", "ABC"):
        page = client.get("/merchants", query_string={"q": q}).get_data(as_text=True)
        assert "ＡＢＣ眼镜店" in page, q
        assert "惠民生鲜超市" not in page, q
    # The user's % is a character, not a wildcard.
    assert "ＡＢＣ眼镜店" not in client.get("/merchants?q=%25").get_data(as_text=True)


def test_htmx_search_returns_the_list_only(client, login_as, base_data):
    login_as("handler")
    response = client.get("/merchants?q=惠民", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "惠民生鲜超市" in html


def test_pagination_fifty_a_page(client, login_as, base_data, session):
    for n in range(60):
        session.add(Merchant(name=f"分页测试{n:02d}", address="城东区",
                             district_id=base_data.districts["CD"].id))
    session.commit()
    login_as("handler")
    first = client.get("/merchants?q=分页测试").get_data(as_text=True)
    second = client.get("/merchants?q=分页测试&page=2").get_data(as_text=True)
    assert len(re.findall(r'id="merchant-\d', first)) == 50
    assert "分页测试49" in first and "分页测试50" not in first
    assert len(re.findall(r'id="merchant-\d', second)) == 10 and "分页测试59" in second
    assert "page=2" in first and "q=" in first  # the pager keeps the search
    # A page past the end shows the last one; garbage is page 1.
    assert "分页测试59" in client.get("/merchants?q=分页测试&page=99").get_data(as_text=True)
    assert "分页测试00" in client.get("/merchants?q=分页测试&page=x").get_data(as_text=True)


def test_filters_and_merged_records_hidden(client, login_as, base_data, session):
    typed = add_merchant(session, base_data, name="消费者填的店", verified=False)
    trusted = add_merchant(session, base_data, name="放心示范店", verified=True, trusted=True)
    gone = add_merchant(session, base_data, name="已合并的店", merged_into_id=trusted.id)
    twin = add_merchant(session, base_data, name="消费者填的店 ", verified=False)
    session.add(DuplicateSuspect(merchant_id=twin.id, candidate_id=typed.id, score=95))
    session.commit()
    login_as("handler")
    unverified = client.get("/merchants?unverified=1").get_data(as_text=True)
    assert typed.name in unverified and "惠民生鲜超市" not in unverified
    only_trusted = client.get("/merchants?trusted=1").get_data(as_text=True)
    assert trusted.name in only_trusted and typed.name not in only_trusted
    suspects = client.get("/merchants?suspects=1").get_data(as_text=True)
    assert f'id="merchant-{typed.id}"' in suspects and f'id="merchant-{twin.id}"' in suspects
    assert trusted.name not in suspects
    assert gone.name not in client.get("/merchants").get_data(as_text=True)
    assert gone.name not in client.get("/merchants?q=已合并").get_data(as_text=True)


# ---- the merchant page -------------------------------------------------------------------------------

def test_merchant_page_figures(client, login_as, base_data, session, make_complaint):
    merchant = base_data.merchants[0]
    first = make_complaint()
    make_complaint(consumer_name="李四")
    closed = make_complaint()
    closed.state, closed.recovered_fen = "closed", 5680
    closed.concluded_at = closed.closed_at = datetime.now(timezone.utc)
    session.add(closed)
    session.commit()
    # One inspection the way the phone sends it, with a sample and an order on the failed item.
    t, items = template(session)
    inspector = login_as("inspector")
    form = inspection_form(session, base_data, fail=(3,), **{
        "sample-0-product": "纯牛奶", "sample-0-batch": "20261101", "order_item": str(items[3].id),
        "order_due_on": (today_shanghai() + timedelta(days=7)).isoformat()})
    assert client.post("/inspections", data=form, headers=JSON).status_code == 201
    old = add_inspection(session, base_data, merchant, result="fail", days_ago=40)
    session.add(Sample(inspection_id=old.id, product="酸奶", lab_result="fail", report_no="R-1",
                       result_on=today_shanghai()))
    session.add(Sample(inspection_id=old.id, product="面包", lab_result="pass", report_no="R-2",
                       result_on=today_shanghai()))
    session.add(RectificationOrder(inspection_id=old.id, merchant_id=merchant.id, item_ids=[items[0].id],
                                   due_on=today_shanghai() - timedelta(days=3)))
    session.commit()
    client.post("/logout")
    login_as("handler")
    html = client.get(f"/merchants/{merchant.id}").get_data(as_text=True)
    assert figure(html, "received") == "3"
    assert figure(html, "open") == "2"
    assert figure(html, "closed") == "1"
    assert figure(html, "recovered") == "56.80"
    assert figure(html, "inspections") == "2"
    assert figure(html, "failed") == "2"
    assert figure(html, "samples") == "3"
    assert figure(html, "nonconforming") == "1"
    assert figure(html, "orders") == "2"
    assert figure(html, "open-orders") == "2"
    assert figure(html, "overdue-orders") == "1"
    # This month's row of the table; the complaint links to the handler's page; names are shown to staff.
    month = today_shanghai().strftime("%Y-%m")
    row = re.search(rf'<tr id="month-{month}">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'class="num">([\d.]+)<', row)[:3] == ["3", "1", "56.80"]
    assert f"/handling/complaints/{first.tracking_code}" in html
    assert "李四" in html and "纯牛奶" in html and "酸奶" in html
    assert f"/inspections/{old.id}" in html
    assert inspector.username not in html


def test_merchant_record_periods_and_scope(session, base_data, make_complaint):
    merchant = base_data.merchants[0]
    complaint = make_complaint()
    complaint.received_at = datetime.now(timezone.utc) - timedelta(days=400)  # older than the 12 months
    session.add(complaint)
    session.commit()
    handler = base_data.users["handler"]
    record = office.record(session, handler, merchant)
    assert record.totals.received == 1 and sum(p.received for p in record.periods) == 0
    assert len(record.periods) == 12 and record.periods[-1].key == today_shanghai().strftime("%Y-%m")
    assert office.month_keys(date(2026, 2, 10), 3) == ["2025-12", "2026-01", "2026-02"]
    # Staff of another district count nothing of this district's complaints.
    other = make_user(session, base_data, "handler", "CX")
    assert office.record(session, other, merchant).totals.received == 0


def test_inspector_reads_but_does_not_edit(client, login_as, base_data):
    login_as("inspector")
    merchant = base_data.merchants[0]
    html = client.get(f"/merchants/{merchant.id}").get_data(as_text=True)
    assert f"/merchants/{merchant.id}/edit" not in html
    assert client.get(f"/merchants/{merchant.id}/edit").status_code == 403
    assert client.post(f"/merchants/{merchant.id}/edit", data={"name": "改名"}).status_code == 403
    assert client.get("/merchants/duplicates").status_code == 403


# ---- the edit ------------------------------------------------------------------------------------------

def edit_form(merchant, **overrides) -> dict:
    form = {"name": merchant.name, "uscc": merchant.uscc or "", "address": merchant.address,
            "district_id": str(merchant.district_id), "sector": merchant.sector}
    if merchant.verified:
        form["verified"] = "on"
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_edit_with_a_wrong_check_character(client, login_as, base_data, session):
    merchant = base_data.merchants[1]
    login_as("handler")
    response = client.post(f"/merchants/{merchant.id}/edit?lang=en",
                           data=edit_form(merchant, name="改过的名字", uscc=BAD_CHECK))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="uscc-error"' in html and "last character does not match" in html
    assert f'value="{BAD_CHECK}"' in html and 'value="改过的名字"' in html
    saved = reload(session, Merchant, merchant.id)
    assert saved.name == merchant.name and saved.uscc is None
    assert not session.exec(select(AuditLog).where(AuditLog.action == "merchant.edit")).all()


@pytest.mark.parametrize("raw,message", [("9135010", "18 characters"), ("91350100M000100YO3", "capital letters")])
def test_edit_other_credit_code_problems(client, login_as, base_data, raw, message):
    login_as("handler")
    merchant = base_data.merchants[1]
    response = client.post(f"/merchants/{merchant.id}/edit?lang=en", data=edit_form(merchant, uscc=raw))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_edit_saves_a_good_code_and_is_audited(client, login_as, base_data, session):
    merchant = base_data.merchants[1]
    handler = login_as("handler")
    response = client.post(f"/merchants/{merchant.id}/edit",
                           data=edit_form(merchant, uscc="9135 0100 m000 100y 43", sector="food"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/merchants/{merchant.id}")
    saved = reload(session, Merchant, merchant.id)
    assert saved.uscc == GOOD_USCC and saved.sector == "food" and saved.updated_at is not None
    log = session.exec(select(AuditLog).where(AuditLog.action == "merchant.edit")).one()
    assert log.actor_id == handler.id and log.object_id == merchant.id
    assert log.before == {"uscc": None, "sector": "supermarket"}
    assert log.after == {"uscc": GOOD_USCC, "sector": "food"}
    assert GOOD_USCC in client.get(f"/merchants/{merchant.id}").get_data(as_text=True)


def test_edit_refuses_a_code_of_another_record(client, login_as, base_data, session):
    owner = add_merchant(session, base_data, name="持有此代码的店", uscc=GOOD_USCC)
    merchant = base_data.merchants[1]
    login_as("handler")
    response = client.post(f"/merchants/{merchant.id}/edit", data=edit_form(merchant, uscc=GOOD_USCC))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "持有此代码的店" in html
    assert f'href="/merchants/{owner.id}"' in html
    assert reload(session, Merchant, merchant.id).uscc is None


def test_handler_cannot_move_a_merchant_to_another_district(client, login_as, base_data, session):
    merchant = base_data.merchants[1]
    login_as("handler")
    client.post(f"/merchants/{merchant.id}/edit",
                data=edit_form(merchant, district_id=str(base_data.districts["CX"].id)))
    assert reload(session, Merchant, merchant.id).district_id == base_data.districts["CD"].id


def test_only_supervisors_and_admins_award_trusted(client, login_as, base_data, session):
    merchant = base_data.merchants[1]
    login_as("handler")
    assert client.post(f"/merchants/{merchant.id}/edit", data=edit_form(merchant, trusted="on")).status_code == 303
    assert reload(session, Merchant, merchant.id).trusted is False
    client.post("/logout")
    login_as("supervisor")
    assert 'name="trusted"' in client.get(f"/merchants/{merchant.id}/edit").get_data(as_text=True)
    client.post(f"/merchants/{merchant.id}/edit", data=edit_form(merchant, trusted="on"))
    saved = reload(session, Merchant, merchant.id)
    assert saved.trusted is True and saved.trusted_since == today_shanghai()
    # The supervisor may also move it to another district; off again clears the date.
    client.post(f"/merchants/{merchant.id}/edit", data=edit_form(saved, district_id=str(base_data.districts["NH"].id)))
    saved = reload(session, Merchant, merchant.id)
    assert saved.trusted is False and saved.trusted_since is None
    assert saved.district_id == base_data.districts["NH"].id


def test_edit_bad_sector_and_empty_name(client, login_as, base_data, session):
    merchant = base_data.merchants[1]
    login_as("handler")
    response = client.post(f"/merchants/{merchant.id}/edit", data=edit_form(merchant, name=" ", sector="weapons"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="name-error"' in html and 'id="sector-error"' in html
    assert reload(session, Merchant, merchant.id).sector == "supermarket"


# ---- duplicates and merging ----------------------------------------------------------------------------

def twins(session, base_data):
    """The demo's 惠民生鲜超市 and a consumer's typing of it, with records hanging on the typed one."""
    kept = base_data.merchants[1]
    typed = add_merchant(session, base_data, name="惠民生鲜超市 ", address="建设路56号", verified=False)
    suspect = DuplicateSuspect(merchant_id=typed.id, candidate_id=kept.id, score=92, reason="name_and_address")
    session.add(suspect)
    session.commit()
    return kept, typed, suspect


def test_duplicates_page_lists_both_records(client, login_as, base_data, session, make_complaint):
    kept, typed, suspect = twins(session, base_data)
    make_complaint(merchant_id=str(typed.id), merchant_name=typed.name)
    login_as("handler")
    html = client.get("/merchants/duplicates").get_data(as_text=True)
    assert f'id="suspect-{suspect.id}"' in html and f'id="card-{typed.id}"' in html and f'id="card-{kept.id}"' in html
    counts = re.search(rf'id="counts-{typed.id}">(.*?)</p>', html, re.S).group(1)
    assert "1" in counts
    assert f"/merchants/{typed.id}/merge?into={kept.id}" in html
    # The merchant page lists the suspicion too.
    assert f"/merchants/{typed.id}/merge?into={kept.id}" in client.get(f"/merchants/{kept.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["consumer", "volunteer", "inspector", "admin"])
def test_merging_is_for_handlers_and_supervisors(client, login_as, base_data, session, role):
    kept, typed, suspect = twins(session, base_data)
    login_as(role)
    assert client.get("/merchants/duplicates").status_code == 403
    assert client.get(f"/merchants/{typed.id}/merge?into={kept.id}").status_code == 403
    assert client.post(f"/merchants/{typed.id}/merge", data={"into": kept.id}).status_code == 403
    assert client.post(f"/merchants/duplicates/{suspect.id}/dismiss").status_code == 403
    assert reload(session, Merchant, typed.id).merged_into_id is None


def test_merge_moves_everything_and_the_old_address_follows(client, login_as, base_data, session, make_complaint):
    kept, typed, suspect = twins(session, base_data)
    complaint = make_complaint(merchant_id=str(typed.id), merchant_name=typed.name)
    inspection = add_inspection(session, base_data, typed, result="fail")
    session.add(Sample(inspection_id=inspection.id, product="鸡蛋"))
    session.add(RectificationOrder(inspection_id=inspection.id, merchant_id=typed.id, item_ids=[1],
                                   due_on=today_shanghai() + timedelta(days=5)))
    session.commit()
    handler = login_as("handler")
    confirm = client.get(f"/merchants/{typed.id}/merge?into={kept.id}&lang=en")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'id="will-move"' in html and "1 complaint" in html.replace("\n", " ")
    response = client.post(f"/merchants/{typed.id}/merge", data={"into": str(kept.id)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/merchants/{kept.id}")
    session.expire_all()
    assert session.get(Complaint, complaint.id).merchant_id == kept.id
    assert session.get(Inspection, inspection.id).merchant_id == kept.id
    assert session.exec(select(RectificationOrder).where(RectificationOrder.merchant_id == typed.id)).all() == []
    assert session.get(Merchant, typed.id).merged_into_id == kept.id
    assert session.exec(select(AuditLog).where(AuditLog.actor_id == handler.id,
                                               AuditLog.action.like("merchant.merge%"))).first() is not None
    old = client.get(f"/merchants/{typed.id}")
    assert old.status_code == 303 and old.headers["Location"].endswith(f"/merchants/{kept.id}")
    page = client.get(f"/merchants/{kept.id}").get_data(as_text=True)
    assert figure(page, "received") == "1" and figure(page, "inspections") == "1"
    registry = client.get("/merchants?q=惠民").get_data(as_text=True)
    assert f'id="merchant-{kept.id}"' in registry and f'id="merchant-{typed.id}"' not in registry
    # Merging the merged-away record again is refused, nothing moves.
    again = client.post(f"/merchants/{typed.id}/merge", data={"into": str(kept.id)})
    assert again.status_code in (409, 422)


def test_self_merge_is_refused(client, login_as, base_data, session, make_complaint):
    kept = base_data.merchants[1]
    make_complaint(merchant_id=str(kept.id), merchant_name=kept.name)
    login_as("supervisor")
    preview = client.get(f"/merchants/{kept.id}/merge?into={kept.id}")
    assert preview.status_code == 422 and 'id="merge-error"' in preview.get_data(as_text=True)
    response = client.post(f"/merchants/{kept.id}/merge?lang=en", data={"into": str(kept.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot be merged into itself" in html
    assert reload(session, Merchant, kept.id).merged_into_id is None
    assert not session.exec(select(AuditLog).where(AuditLog.action.like("merchant.merge%"))).all()


def test_merge_targets_outside_the_district_are_404(client, login_as, base_data, session):
    cd = base_data.merchants[1]
    cx = next(m for m in base_data.merchants if m.district_id == base_data.districts["CX"].id)
    login_as("handler")
    assert client.post(f"/merchants/{cd.id}/merge", data={"into": str(cx.id)}).status_code == 404
    assert client.post(f"/merchants/{cd.id}/merge", data={"into": "x"}).status_code == 404
    assert client.post(f"/merchants/{cd.id}/merge", data={}).status_code == 404
    assert reload(session, Merchant, cd.id).merged_into_id is None


def test_dismiss_a_suspicion(client, login_as, base_data, session):
    kept, typed, suspect = twins(session, base_data)
    handler = login_as("handler")
    response = client.post(f"/merchants/duplicates/{suspect.id}/dismiss")
    assert response.status_code == 303 and response.headers["Location"].endswith("/merchants/duplicates")
    saved = reload(session, DuplicateSuspect, suspect.id)
    assert saved.status == "dismissed" and saved.decided_by_id == handler.id
    assert f'id="suspect-{suspect.id}"' not in client.get("/merchants/duplicates").get_data(as_text=True)
    assert client.post(f"/merchants/duplicates/{suspect.id}/dismiss").status_code == 409
    assert client.post("/merchants/duplicates/999999/dismiss").status_code == 404


def test_dismiss_outside_the_district_is_404(client, base_data, session):
    kept, typed, suspect = twins(session, base_data)
    sign_in(client, make_user(session, base_data, "handler", "CX"))
    assert client.post(f"/merchants/duplicates/{suspect.id}/dismiss").status_code == 404
    assert reload(session, DuplicateSuspect, suspect.id).status == "open"


def test_different_credit_codes_are_not_merged(client, login_as, base_data, session):
    a = add_merchant(session, base_data, name="同名店", uscc=GOOD_USCC)
    b = add_merchant(session, base_data, name="同名店", uscc=OTHER_GOOD)
    login_as("handler")
    response = client.post(f"/merchants/{a.id}/merge?lang=en", data={"into": str(b.id)})
    assert response.status_code == 409 and "different credit codes" in response.get_data(as_text=True)
    assert reload(session, Merchant, a.id).merged_into_id is None


def test_city_level_merges_across_districts(client, login_as, base_data, session, make_complaint):
    cd = base_data.merchants[1]
    cx = add_merchant(session, base_data, name="惠民生鲜超市", district="CX", address="城西区建设路56号")
    login_as("supervisor")
    response = client.post(f"/merchants/{cx.id}/merge", data={"into": str(cd.id)})
    assert response.status_code == 303
    assert reload(session, Merchant, cx.id).merged_into_id == cd.id
