"""The merchant registry: credit codes, near-duplicates from complaints and inspections, merging."""
import random
from datetime import date, timedelta

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import MultiDict

from inspection_helpers import count, inspection_form, template
from webapp.audit import AuditLog
from webapp.auth.models import utcnow
from webapp.complaints.models import Complaint, ComplaintCluster
from webapp.complaints.schemas import today_shanghai
from webapp.inspections import service as inspections
from webapp.inspections.forms import complaint_note, validate_inspection
from webapp.inspections.models import Inspection, InspectionTask, RectificationOrder, Sample
from webapp.media.storage import LocalStorage
from webapp.merchants import dedup, merge, service, uscc
from webapp.merchants.merge import MergeError
from webapp.merchants.models import DuplicateSuspect, Merchant

# Real codes that satisfy both check characters: the GB 32100 example, large companies, a 个体工商户
# (sole trader) and a 事业单位 (public institution).
REAL = ["91350100M000100Y43", "914403001922038216", "91440300708461136T", "91110000802100433B",
        "92141127MA0KD1Y64A", "12440600MB2C07549J"]


def _make_code(rng: random.Random) -> str:
    """A valid code built with the module's own functions: random body, both check characters."""
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first16 = rng.choice("159") + rng.choice("123") + rng.choice(["110000", "310115", "350100"]) + body8
    first17 = first16 + uscc.org_check_character(body8)
    return first17 + uscc.check_character(first17)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# ---------------------------------------------------------------- credit code

@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert uscc.problem(code) is None and uscc.is_valid(code)
    assert uscc.check_character(code[:17]) == code[17]


def test_check_character_of_the_standards_example():
    assert uscc.check_character("91350100M000100Y4") == "3"
    assert uscc.org_check_character("M000100Y") == "4"


def test_generated_codes_are_valid():
    rng = random.Random(32100)
    codes = {_make_code(rng) for _ in range(300)}
    assert all(uscc.is_valid(c) for c in codes)
    # A check character of 0 (31 - 0 wraps round) and an organisation check of X both occur.
    assert any(c[17] == "0" for c in codes) and any(c[16] == "X" for c in codes)


@pytest.mark.parametrize("code", REAL[:3] + ["91310115MA1H7XK05R"])
def test_every_single_character_substitution_is_caught(code):
    if not uscc.is_valid(code):   # the last one is generated below when the literal is not valid
        code = code[:17] + uscc.check_character(code[:17])
        code = code[:16] + uscc.org_check_character(code[8:16]) + code[17]
        code = code[:17] + uscc.check_character(code[:17])
    assert uscc.is_valid(code)
    for position in range(18):
        for char in uscc.ALPHABET:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1:]
            found = uscc.problem(changed)
            assert found is not None, changed
            if changed[2:8].isdigit() and changed[2:4] in uscc.PROVINCES:
                assert found == "check", (changed, found)


@pytest.mark.parametrize("raw", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "9" * 30])
def test_wrong_length(raw):
    assert uscc.problem(raw) == "length" and not uscc.is_valid(raw)


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters(letter):
    for position in (0, 9, 17):
        code = REAL[0][:position] + letter + REAL[0][position + 1:]
        assert uscc.problem(code) == "characters"
    assert uscc.problem("91350100M000100Y4#") == "characters"


def test_division_must_be_six_digits_of_a_province():
    code = "9135A100M000100Y4"
    assert uscc.problem(code + "3") == "division"
    code = "91000000M000100Y4"
    assert uscc.problem(code + uscc.check_character(code)) == "division"


def test_organisation_code_check_is_enforced():
    # Position 17 made up, then a matching final character: only GB 11714's own check catches it.
    first17 = REAL[0][:16] + "7"
    code = first17 + uscc.check_character(first17)
    assert uscc.problem(code) == "org_check" and not uscc.is_valid(code)


def test_full_width_lower_case_spaced_input_is_accepted():
    raw = _full_width(REAL[0].lower())
    assert raw != REAL[0] and uscc.normalize(raw) == REAL[0]
    assert uscc.is_valid(raw)
    assert uscc.is_valid("9135 0100 M000 100Y 43") and uscc.is_valid("91350100-M000100Y4-3")
    assert uscc.is_valid("\u3000" + REAL[0] + " ")
    assert uscc.normalize(None) == ""


def test_published_examples_that_are_not_valid_codes():
    # Z is not in the alphabet: this often-copied "example" is not a code at all.
    assert uscc.problem("91310000MA1FL0LZ2P") == "characters"
    # A real pre-standard Xiamen code (hutool issue 4119) fails the final check: refused like a typo.
    assert uscc.problem("91350203M0001QKT19") == "check"


def test_every_problem_has_a_message(app):
    with app.test_request_context("/?lang=en"):
        messages = uscc.messages()
    assert set(messages) == {"length", "characters", "division", "org_check", "check"}
    assert all(isinstance(m, str) and m for m in messages.values())
    assert "business licence" in messages["check"]


# ---------------------------------------------------------------- keys and similarity

def test_name_key_folds_variants():
    assert dedup.name_key("\uff21\uff22\uff23超市") == dedup.name_key("ABC超市") == "abc超市"
    assert dedup.name_key("华联超市\uff08东关店\uff09") == dedup.name_key("华联超市 (东关店)") == "华联超市东关店"
    assert dedup.name_key("安居物业服务有限责任公司") == dedup.name_key("安居物业服务有限公司")
    assert dedup.name_key("安居物业服务股份有限公司") != dedup.name_key("安居物业服务有限公司")
    assert dedup.address_key("东关大街\uff11\uff18号") == dedup.address_key("东关大街 18 号")


@pytest.mark.parametrize("name, expected", [
    ("华联超市\uff08东关店\uff09", ("华联超市", "东关店")),
    ("华联超市(东关店)", ("华联超市", "东关店")),
    ("华联超市\u3010东关店\u3011", ("华联超市", "东关店")),
    ("华联超市东关分店", ("华联超市", "东关分店")),
    ("国美电器城东店", ("国美电器", "城东店")),
    ("安居物业服务有限公司东关分公司", ("安居物业服务有限公司", "东关分公司")),
    ("好又多便利店", ("好又多便利店", "")),
    ("老张食品店", ("老张食品店", "")),
    ("合力商行\uff08普通合伙\uff09", ("合力商行(普通合伙)", "")),
])
def test_branch_of(name, expected):
    assert dedup.branch_of(name) == expected


DUPLICATES = [
    (("\uff21\uff22\uff23超市", "城东区建设路\uff15\uff16号"), ("ABC超市", "城东区建设路56号")),
    (("安居物业服务有限责任公司", "城东区幸福小区"), ("安居物业服务有限公司", "城东区幸福小区")),
    (("华联超市\uff08东关店\uff09", "城东区东关大街18号"), ("华联超市东关店", "东关大街18号")),
    (("华联超市\uff08东关店\uff09", "城东区东关大街18号"), ("华联超市东关分店", "城东区东关大街18号")),
    (("华联超市", "东关大街18号"), ("华联超市\uff08东关店\uff09", "城东区东关大街18号")),
    (("老张食品", "菜市场东门3号"), ("老张食品店", "城东区菜市场东门3号")),
    (("福满楼酒家", ""), ("福满楼酒家", "城东区人民路88号")),
]
DIFFERENT = [
    (("华联超市\uff08东关店\uff09", "城东区东关大街18号"), ("华联超市\uff08西门店\uff09", "城东区西门路5号")),
    (("华联超市东关店", "城东区东关大街18号"), ("华联超市西门店", "城东区东关大街18号")),
    (("华联超市", "西门路5号"), ("华联超市\uff08东关店\uff09", "城东区东关大街18号")),
    (("老张食品店", "城东区菜市场东门5号"), ("老张食品店", "城东区菜市场东门3号")),
    (("靓丽美容美发", "城东区建设路56号"), ("惠民生鲜超市", "城东区建设路56号")),
    (("福满楼", ""), ("福满楼酒家", "城东区人民路88号")),
]


@pytest.mark.parametrize("a, b", DUPLICATES)
def test_realistic_variants_are_duplicates(a, b):
    score, reason = dedup.similarity(a, b)
    assert score >= dedup.THRESHOLD, (score, reason)
    assert dedup.similarity(b, a)[0] == score
    assert reason in dedup.REASONS


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_merchants_are_not(a, b):
    score, reason = dedup.similarity(a, b)
    assert score < dedup.THRESHOLD, (score, reason)


def test_other_branch_reason():
    assert dedup.similarity(*DIFFERENT[0])[1] == "different_branch"


def test_credit_codes_and_districts_decide():
    a, b = REAL[0], REAL[1]
    assert dedup.similarity(("甲", "x", a), ("乙", "y", a)) == (100, "same_uscc")
    assert dedup.similarity(("甲", "x", a), ("甲", "x", b)) == (0, "different_uscc")
    assert dedup.similarity(("甲", "x", a), ("甲", "x", "")) [0] >= dedup.THRESHOLD
    assert dedup.similarity(("华联超市东关店", "东关大街18号", None, 1),
                            ("华联超市东关店", "东关大街18号", None, 2)) == (0, "different_district")


def test_same_name_in_another_district_is_not_a_candidate(session, base_data):
    original = base_data.merchants[0]
    cx = base_data.districts["CX"]
    assert dedup.candidates(session, original.name, original.address, cx.id) == []
    found = dedup.candidates(session, "华联超市东关店", "东关大街18号", original.district_id)
    assert [(m.id, reason) for m, _s, reason in found][:1] == [(original.id, "name_and_address")]


def test_candidates_skip_merged_and_excluded(session, base_data):
    original = base_data.merchants[0]
    assert dedup.candidates(session, original.name, original.address, original.district_id,
                            exclude_id=original.id) == []
    twin = Merchant(name="华联超市东关店", address=original.address, district_id=original.district_id,
                    merged_into_id=original.id)
    session.add(twin)
    session.commit()
    ids = [m.id for m, _s, _r in dedup.candidates(session, "华联超市东关店", original.address,
                                                    original.district_id)]
    assert ids == [original.id]


# ---------------------------------------------------------------- from complaints and inspections

def test_complaint_with_a_variant_reuses_the_merchant(make_complaint, session, base_data):
    original = base_data.merchants[0]   # 华联超市（东关店）, 城东区东关大街18号
    before = count(session, Merchant)
    complaint = make_complaint(merchant_id="", merchant_name="华联超市 东关店",
                               merchant_address="城东区东关大街\uff11\uff18号",
                               district_id=str(original.district_id))
    assert complaint.merchant_id == original.id
    assert count(session, Merchant) == before and count(session, DuplicateSuspect) == 0


def test_complaint_with_a_near_duplicate_creates_and_flags(make_complaint, session, base_data):
    original = base_data.merchants[0]
    before = count(session, Merchant)
    first = make_complaint(merchant_id="", merchant_name="华联超市东关分店", merchant_address="东关大街18号",
                           district_id=str(original.district_id))
    assert first.merchant_id != original.id and count(session, Merchant) == before + 1
    suspect = session.exec(select(DuplicateSuspect)).one()
    assert (suspect.merchant_id, suspect.candidate_id) == (first.merchant_id, original.id)
    assert suspect.status == "open" and suspect.score >= dedup.THRESHOLD and suspect.reason in dedup.REASONS
    # The same variant again: the new record is reused, nothing flagged twice.
    second = make_complaint(merchant_id="", merchant_name="华联超市东关分店", merchant_address="东关大街18号",
                            district_id=str(original.district_id))
    assert second.merchant_id == first.merchant_id
    assert count(session, Merchant) == before + 1 and count(session, DuplicateSuspect) == 1
    # Nor in the other order.
    assert dedup.flag_suspects(session, original) == []
    assert dedup.flag_suspects(session, session.get(Merchant, first.merchant_id)) == []
    assert count(session, DuplicateSuspect) == 1


def test_unrelated_new_merchant_is_not_flagged(make_complaint, session, base_data):
    make_complaint(merchant_id="", merchant_name="无名小吃摊", merchant_address="南湖夜市",
                   district_id=str(base_data.districts["NH"].id))
    assert count(session, DuplicateSuspect) == 0


def _inspect(app, session, actor, form):
    with app.test_request_context():
        data, errors = validate_inspection(MultiDict(form))
        assert errors == {}, errors
        inspection = inspections.create_inspection(session, actor, data, {},
                                                   LocalStorage(app.config["UPLOAD_DIR"]), "digest",
                                                   describe=complaint_note)
    session.commit()
    return inspection


def test_inspection_of_a_new_variant_flags_it(app, session, base_data):
    original = next(m for m in base_data.merchants if m.name == "惠民生鲜超市")   # 城东区建设路56号
    form = inspection_form(session, base_data, merchant_id="", merchant_search="",
                           new_merchant_name="惠民生鲜超市 ", new_merchant_address="建设路56号")
    inspection = _inspect(app, session, base_data.users["inspector"], form)
    assert inspection.merchant_id != original.id
    suspect = session.exec(select(DuplicateSuspect)).one()
    assert (suspect.merchant_id, suspect.candidate_id) == (inspection.merchant_id, original.id)


def test_inspection_of_an_exact_variant_reuses(app, session, base_data):
    original = next(m for m in base_data.merchants if m.name == "惠民生鲜超市")
    before = count(session, Merchant)
    form = inspection_form(session, base_data, merchant_id="", merchant_search="",
                           new_merchant_name="惠民生鲜超市", new_merchant_address="城东区 建设路 56 号")
    inspection = _inspect(app, session, base_data.users["inspector"], form)
    assert inspection.merchant_id == original.id and count(session, Merchant) == before


def test_search_skips_merged_records(session, base_data):
    original = base_data.merchants[0]
    session.add(Merchant(name="华联超市东关店旧", address="x", district_id=original.district_id,
                         merged_into_id=original.id))
    session.commit()
    assert [m.id for m in service.search(session, "华联超市")] == [original.id]


def test_open_suspects_and_dismiss(make_complaint, session, base_data):
    original = base_data.merchants[0]
    new = make_complaint(merchant_id="", merchant_name="华联超市东关分店", merchant_address="东关大街18号",
                         district_id=str(original.district_id)).merchant_id
    rows = dedup.open_suspects(session, original.district_id)
    assert [(s.merchant_id, a.id, b.id) for s, a, b in rows] == [(new, new, original.id)]
    assert len(dedup.open_suspects(session, None)) == 1
    assert dedup.open_suspects(session, base_data.districts["CX"].id) == []
    suspect = rows[0][0]
    with pytest.raises(dedup.SuspectError) as caught:
        dedup.dismiss(session, base_data.users["volunteer"], suspect)   # a CX volunteer, CD merchants
    assert caught.value.code == "district" and suspect.status == "open"
    dedup.dismiss(session, base_data.users["handler"], suspect)
    session.commit()
    assert suspect.status == "dismissed" and suspect.decided_by_id == base_data.users["handler"].id
    assert dedup.open_suspects(session, None) == []
    log = session.exec(select(AuditLog).where(AuditLog.action == "merchant.duplicate_dismiss")).one()
    assert log.object_id == suspect.id and log.before == {"status": "open"}
    with pytest.raises(dedup.SuspectError) as caught:
        dedup.dismiss(session, base_data.users["handler"], suspect)
    assert caught.value.code == "decided"
    # A dismissed pair is never raised again.
    assert dedup.flag_suspects(session, session.get(Merchant, new)) == []


# ---------------------------------------------------------------- merge

def _footprint(session, merchant_id) -> dict:
    session.expire_all()

    def n(model):
        return session.exec(select(func.count()).select_from(model).where(model.merchant_id == merchant_id)).one()
    samples = session.exec(select(func.count(Sample.id)).join(Inspection, Inspection.id == Sample.inspection_id)
                           .where(Inspection.merchant_id == merchant_id)).one()
    return {"complaints": n(Complaint), "inspections": n(Inspection), "samples": samples,
            "orders": n(RectificationOrder), "tasks": n(InspectionTask), "clusters": n(ComplaintCluster)}


@pytest.fixture
def pair(app, session, base_data, make_complaint):
    """A variant of merchant 0 (from a complaint, flagged) with complaints, inspections with samples and an
    order, a task and a cluster; merchant 0 has some of its own."""
    target = base_data.merchants[0]
    district = str(target.district_id)
    source_id = make_complaint(merchant_id="", merchant_name="华联超市东关分店", merchant_address="东关大街18号",
                               district_id=district).merchant_id
    make_complaint(merchant_id=str(source_id))
    make_complaint(merchant_id=str(target.id))
    source = session.get(Merchant, source_id)
    _t, items = template(session)
    due = (today_shanghai() + timedelta(days=7)).isoformat()
    inspector = base_data.users["inspector"]
    _inspect(app, session, inspector, inspection_form(session, base_data, merchant=source, **{
        "sample-0-product": "挂面", "sample-1-product": "酱油",
        "order_item": str(items[3].id), "order_due_on": due}))
    _inspect(app, session, inspector, inspection_form(session, base_data, merchant=source, fail=()))
    _inspect(app, session, inspector, inspection_form(session, base_data, merchant=target,
                                                      **{"sample-0-product": "牛奶"}))
    session.add(InspectionTask(merchant_id=source.id, district_id=target.district_id, planned_on=date.today()))
    now = utcnow()
    session.add(ComplaintCluster(merchant_id=source.id, category_id=base_data.categories["food"].id,
                                 district_id=target.district_id, first_received_at=now, last_received_at=now,
                                 size=5))
    session.commit()
    return source, target


def test_merge_moves_everything_exactly_once(session, base_data, pair):
    source, target = pair
    totals = {m: count(session, m) for m in (Complaint, Inspection, Sample, RectificationOrder, InspectionTask,
                                             ComplaintCluster)}
    from_source, from_target = _footprint(session, source.id), _footprint(session, target.id)
    assert from_source == {"complaints": 2, "inspections": 2, "samples": 2, "orders": 1, "tasks": 1,
                           "clusters": 1}
    supervisor = base_data.users["supervisor"]

    counts = merge.merge(session, supervisor, source, target)
    session.commit()

    assert {k: counts[k] for k in from_source} == from_source
    assert counts["suspects"] == 1 and counts["merchants"] == 0
    assert _footprint(session, source.id) == dict.fromkeys(from_source, 0)
    assert _footprint(session, target.id) == {k: from_source[k] + from_target[k] for k in from_source}
    assert {m: count(session, m) for m in totals} == totals
    source, target = session.get(Merchant, source.id), session.get(Merchant, target.id)
    assert source.merged_into_id == target.id and source.updated_at is not None
    assert target.merged_into_id is None and target.updated_at is not None
    suspect = session.exec(select(DuplicateSuspect)).one()
    assert suspect.status == "merged" and suspect.decided_by_id == supervisor.id
    log = session.exec(select(AuditLog).where(AuditLog.action == "merchant.merge")).one()
    assert log.actor_id == supervisor.id and log.object_id == source.id
    assert log.before["source"]["merged_into_id"] is None and log.after["source"]["merged_into_id"] == target.id
    assert log.after["counts"] == counts
    assert merge.resolve(session, source).id == target.id and merge.resolve(session, target).id == target.id
    assert [m.id for m in service.search(session, "华联超市")] == [target.id]


def test_merge_fills_empty_fields_and_keeps_the_targets(session, base_data):
    cd = base_data.districts["CD"].id
    target = Merchant(name="老李面馆", address="", district_id=cd, sector="other")
    source = Merchant(name="老李面馆", address="城东区文化路3号", district_id=cd, sector="catering",
                      uscc=REAL[0])
    kept = Merchant(name="老李面馆", address="城东区文化路3号", district_id=cd, sector="food", uscc=REAL[1])
    session.add_all([target, source, kept])
    session.commit()
    merge.merge(session, base_data.users["handler"], source, target)
    assert (target.address, target.sector, target.uscc) == ("城东区文化路3号", "catering", REAL[0])
    with pytest.raises(MergeError) as caught:   # two valid, different codes: two merchants
        merge.merge(session, base_data.users["handler"], kept, target)
    assert caught.value.code == "uscc"


def test_merge_repoints_other_pairs_without_duplicates(session, base_data):
    cd = base_data.districts["CD"].id
    a, b, x, y = (Merchant(name=n, address="城东区东关大街18号", district_id=cd) for n in "ABXY")
    session.add_all([a, b, x, y])
    session.flush()
    session.add_all([
        DuplicateSuspect(merchant_id=a.id, candidate_id=b.id, score=90),    # the pair merged
        DuplicateSuspect(merchant_id=a.id, candidate_id=x.id, score=90),    # moves to (b, x)
        DuplicateSuspect(merchant_id=y.id, candidate_id=a.id, score=90),    # b already has y: closed
        DuplicateSuspect(merchant_id=b.id, candidate_id=y.id, score=88),
    ])
    earlier = Merchant(name="A0", address="", district_id=cd, merged_into_id=a.id)
    session.add(earlier)
    session.commit()
    counts = merge.merge(session, base_data.users["supervisor"], a, b)
    session.commit()
    session.expire_all()
    rows = session.exec(select(DuplicateSuspect).order_by(DuplicateSuspect.id)).all()
    assert [(r.merchant_id, r.candidate_id, r.status) for r in rows] == [
        (a.id, b.id, "merged"), (b.id, x.id, "open"), (y.id, a.id, "merged"), (b.id, y.id, "open")]
    open_pairs = [frozenset((r.merchant_id, r.candidate_id)) for r in rows if r.status == "open"]
    assert len(open_pairs) == len(set(open_pairs)) and all(a.id not in p for p in open_pairs)
    assert counts["suspects"] == 3 and counts["merchants"] == 1
    assert merge.resolve(session, session.get(Merchant, earlier.id)).id == b.id
    assert [s.id for s, _n, _o in dedup.open_suspects(session, cd)] == [rows[1].id, rows[3].id]


def _nothing_changed(session, source, target, before_footprint):
    session.commit()
    assert _footprint(session, source.id) == before_footprint
    assert session.get(Merchant, source.id).merged_into_id is None
    assert session.exec(select(AuditLog).where(AuditLog.action == "merchant.merge")).all() == []
    assert session.exec(select(DuplicateSuspect.status)).all() == ["open"]


def test_merge_into_itself_changes_nothing(session, base_data, pair):
    source, target = pair
    before = _footprint(session, source.id)
    with pytest.raises(MergeError) as caught:
        merge.merge(session, base_data.users["supervisor"], source, source)
    assert caught.value.code == "self" and caught.value.message
    _nothing_changed(session, source, target, before)


def test_merge_of_a_merged_record_changes_nothing(session, base_data, pair):
    source, target = pair
    gone = Merchant(name="华联超市东关", address="", district_id=target.district_id, merged_into_id=target.id)
    session.add(gone)
    session.commit()
    before = _footprint(session, source.id)
    for a, b in ((gone, source), (source, gone)):
        with pytest.raises(MergeError) as caught:
            merge.merge(session, base_data.users["supervisor"], a, b)
        assert caught.value.code == "merged"
    _nothing_changed(session, source, target, before)


def test_only_city_level_staff_merge_across_districts(session, base_data, pair):
    source, _target = pair
    elsewhere = base_data.merchants[-1]
    assert elsewhere.district_id != source.district_id
    before = _footprint(session, source.id)
    with pytest.raises(MergeError) as caught:
        merge.merge(session, base_data.users["handler"], source, elsewhere)
    assert caught.value.code == "district"
    with pytest.raises(MergeError) as caught:   # a district's staff cannot merge another district's records
        merge.merge(session, base_data.users["volunteer"], source, base_data.merchants[0])
    assert caught.value.code == "district"
    _nothing_changed(session, source, base_data.merchants[0], before)
    counts = merge.merge(session, base_data.users["supervisor"], source, elsewhere)
    session.commit()
    assert counts["complaints"] == 2 and _footprint(session, elsewhere.id)["complaints"] >= 2


def test_resolve_none_and_survivor(session, base_data):
    assert merge.resolve(session, None) is None
    assert merge.resolve(session, base_data.merchants[0]) is base_data.merchants[0]


def test_demo_registry_codes_are_valid_and_variants_flagged(session, base_data):
    added = service.load_demo_registry(session)
    session.commit()
    assert added == 3 and service.load_demo_registry(session) == 0
    codes = [m.uscc for m in base_data.merchants]
    assert all(uscc.is_valid(c) for c in codes) and len(set(codes)) == len(codes)
    assert len(dedup.open_suspects(session, None)) == 3


def test_a_merge_moves_the_merchants_complaint_counts_in_the_summary_tables(session, base_data, pair):
    from webapp.reports import rollup
    from webapp.reports.models import ComplaintMonthMerchant

    def by_merchant():
        totals = {}
        for row in session.exec(select(ComplaintMonthMerchant)):
            totals[row.merchant_id] = totals.get(row.merchant_id, 0) + row.n
        return totals

    source, target = pair
    rollup.refresh(session)
    session.commit()
    before = by_merchant()
    assert before.get(source.id, 0) == 2

    merge.merge(session, base_data.users["supervisor"], source, target)
    session.commit()
    rollup.refresh(session)
    session.commit()
    after = by_merchant()
    assert after.get(source.id, 0) == 0
    assert after[target.id] == before[target.id] + 2
    rollup.rebuild(session)
    session.commit()
    assert by_merchant() == after
