"""Near-duplicate merchants: the same shop typed ten ways by consumers and inspectors.

`name_key`/`address_key` give the exact keys a new record is reused on; `similarity` scores two records
(0–100, with a reason code); `candidates` finds the likely duplicates in a district; `flag_suspects` turns
them into DuplicateSuspect rows for staff to merge (merge.py) or dismiss.
"""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import and_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import utcnow
from webapp.merchants import uscc as uscc_rules
from webapp.merchants.models import DuplicateSuspect, Merchant

THRESHOLD = 85

# Why two records were (or were not) taken for the same merchant: the code is stored, the label shown.
REASONS = {
    "same_uscc": _l("Same credit code"),
    "different_uscc": _l("Different credit codes"),
    "different_district": _l("Different districts"),
    "different_branch": _l("Same chain, different branch"),
    "name_and_address": _l("Similar name and address"),
    "name_no_address": _l("Similar name, no address to compare"),
    "different_address": _l("Similar name, different address"),
    "same_address": _l("Same address, similar name"),
    "different_name": _l("Different names"),
}

# Legal forms at the end of a name. 有限责任公司 and 有限公司 are the same form written two ways;
# 股份有限公司 is a different one, kept in the key (so never reused automatically) but ignored when scoring.
_LEGAL_SUFFIXES = ("股份有限公司", "有限公司", "有限合伙", "普通合伙", "个体工商户", "个人独资企业", "公司")
# Words a shop's own name ends with, after which a place + 店 is a branch: 华联超市 | 东关店.
_SHOP_WORDS = (
    "超市", "商场", "商店", "商行", "便利店", "百货", "购物广场", "易购", "药房", "药店", "大药房", "电器",
    "酒家", "酒楼", "饭店", "餐厅", "餐馆", "面馆", "火锅", "烤鸭", "快餐", "奶茶", "咖啡", "面包", "烘焙",
    "银行", "营业厅", "专卖店", "专营店", "旗舰店", "书店", "眼镜", "珠宝", "金店", "美容", "美发", "健身",
    "公司", "集团", "连锁",
)
_BRANCH_END = ("分店", "分公司", "分部", "营业部", "门店", "店", "营业厅", "分理处", "支行")
# Bracketed text that is part of the name, not a branch: (普通合伙), (个体工商户).
_NOT_BRANCH = {"普通合伙", "有限合伙", "特殊普通合伙", "个体工商户", "个人独资"}
# Trailing brackets after NFKC: ( ) and [ ] plus the lenticular and tortoise-shell brackets (U+3010, U+3014).
_TRAILING_BRACKET = re.compile(r"^(?P<base>.+?)\s*[(\[\u3010\u3014](?P<branch>[^()\[\]\u3010\u3011\u3014\u3015]+)"
                               r"[)\]\u3011\u3015]\s*$")
_NUMBERS = re.compile(r"\d+")


def _clean(text: str | None) -> str:
    """NFKC (full-width to half-width), lower-case, without spaces, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PSZC")


def name_key(name: str | None) -> str:
    """The name as compared: full-width folded, no spaces or punctuation, 有限责任公司 written 有限公司.

    "ABC超市(东关店)" in full-width letters and brackets and "abc超市 东关店" have the same key.
    """
    return _clean(name).replace("有限责任公司", "有限公司")


def address_key(address: str | None) -> str:
    """The address as compared: full-width folded (full-width digits are digits), no spaces or punctuation."""
    return _clean(address)


def _core(key: str) -> str:
    """A name key without its legal form (股份有限公司, 有限公司, ...), for scoring."""
    for suffix in _LEGAL_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def branch_of(name: str | None) -> tuple[str, str]:
    """(base name, branch): "华联超市(东关店)" (brackets half- or full-width) gives ("华联超市", "东关店"),
    "华联超市东关分店" gives ("华联超市", "东关分店").

    The branch is "" when the name has none. Text is NFKC-folded and trimmed, otherwise as written.
    """
    text = " ".join(unicodedata.normalize("NFKC", name or "").split())
    match = _TRAILING_BRACKET.match(text)
    if match and match["branch"].strip() not in _NOT_BRANCH:
        return match["base"].strip(), match["branch"].strip()
    if text.endswith(_BRANCH_END):
        # The last shop word followed by a place and 店/分店/分公司...: 国美电器|城东店, XX有限公司|东关分公司.
        best = -1
        for word in _SHOP_WORDS:
            at = text.rfind(word)
            while at >= 0:
                rest = text[at + len(word):].strip()
                if rest and any(rest.endswith(end) and len(rest) > len(end) for end in _BRANCH_END):
                    best = max(best, at + len(word))
                    break
                at = text.rfind(word, 0, at)
        if best > 0:
            return text[:best].strip(), text[best:].strip()
    return text.strip(), ""


def _branch_core(branch: str) -> str:
    """东关店, 东关分店, (东关) all compare as 东关."""
    key = _clean(branch)
    for end in sorted(_BRANCH_END, key=len, reverse=True):
        if key.endswith(end) and len(key) > len(end):
            return key[: -len(end)]
    return key


class _Subject(NamedTuple):
    name: str
    address: str
    uscc: str
    district_id: int | None


def _subject(value) -> _Subject:
    """A Merchant, or a tuple (name, address[, uscc[, district_id]])."""
    if isinstance(value, Merchant):
        return _Subject(value.name or "", value.address or "", uscc_rules.normalize(value.uscc),
                        value.district_id)
    name, address, *rest = tuple(value) + (None,) * (4 - len(value))
    return _Subject(name or "", address or "", uscc_rules.normalize(rest[0]), rest[1])


def _name_score(a: str, b: str) -> tuple[float, bool]:
    """(name similarity, True when both are branches of one chain that are not the same branch)."""
    ka, kb = name_key(a), name_key(b)
    score = max(fuzz.ratio(ka, kb), fuzz.ratio(_core(ka), _core(kb)))
    (base_a, branch_a), (base_b, branch_b) = branch_of(a), branch_of(b)
    if fuzz.ratio(_core(name_key(base_a)), _core(name_key(base_b))) >= 90:
        if branch_a and branch_b:
            if _branch_core(branch_a) != _branch_core(branch_b):
                return score, True
            score = max(score, 100)
        elif branch_a or branch_b:
            # "华联超市" typed by a consumer for 华联超市(东关店): the address decides.
            score = max(score, 90)
    return score, False


def _address_score(a: str, b: str) -> float | None:
    """Address similarity, or None when either is missing. House numbers must agree."""
    ka, kb = address_key(a), address_key(b)
    if not ka or not kb:
        return None
    score = fuzz.ratio(ka, kb)
    if min(len(ka), len(kb)) >= 4:
        # "东关大街18号" inside "城东区东关大街18号": the district written or not.
        score = max(score, fuzz.partial_ratio(ka, kb))
    na, nb = set(_NUMBERS.findall(ka)), set(_NUMBERS.findall(kb))
    if na and nb and not (na <= nb or nb <= na):
        score = min(score, 50)
    return score


def similarity(a, b) -> tuple[int, str]:
    """(score 0–100, reason code in REASONS) for two merchants or (name, address[, uscc[, district_id]]).

    Same credit code: 100. Different credit codes or districts: 0, never duplicates. Otherwise name
    (65 %) and address (35 %); without an address the name alone, less 5. Two different branches of one
    chain score at most 60.
    """
    sa, sb = _subject(a), _subject(b)
    if sa.uscc and sb.uscc:
        return (100, "same_uscc") if sa.uscc == sb.uscc else (0, "different_uscc")
    if sa.district_id is not None and sb.district_id is not None and sa.district_id != sb.district_id:
        return 0, "different_district"
    name, other_branch = _name_score(sa.name, sb.name)
    address = _address_score(sa.address, sb.address)
    if address is None:
        score = name - 5
    else:
        score = 0.65 * name + 0.35 * address
    if other_branch:
        return int(min(score, 60)), "different_branch"
    score = int(round(max(0, min(100, score))))
    if address is None:
        reason = "name_no_address" if name >= THRESHOLD else "different_name"
    elif name >= THRESHOLD:
        reason = "name_and_address" if address >= THRESHOLD else "different_address"
    else:
        reason = "same_address" if address >= THRESHOLD and name >= 70 else "different_name"
    return score, reason


def district_rows(session: Session, district_id: int | None, exclude_id: int | None = None):
    """(id, name, address, uscc) of the district's active (not merged) merchants."""
    stmt = select(Merchant.id, Merchant.name, Merchant.address, Merchant.uscc).where(
        Merchant.district_id == district_id, Merchant.merged_into_id.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(Merchant.id != exclude_id)
    return list(session.exec(stmt.order_by(Merchant.id)))


def _scan(subject: _Subject, rows, limit: int, threshold: int) -> list[tuple[int, int, str]]:
    """(id, score, reason) of the rows at or above the threshold, best first."""
    if not rows:
        return []
    key = name_key(subject.name)
    keys = {row[0]: name_key(row[1]) for row in rows}
    # A cheap first pass in C: names sharing nothing are not looked at again.
    if key and threshold >= 60:
        near = {i for _k, _s, i in process.extract(key, keys, scorer=fuzz.partial_ratio, score_cutoff=50,
                                                      limit=None)}
    else:
        near = set(keys)
    if subject.uscc:
        near |= {row[0] for row in rows if uscc_rules.normalize(row[3]) == subject.uscc}
    found = []
    for row in rows:
        if row[0] not in near:
            continue
        score, reason = similarity(subject, (row[1], row[2], row[3], subject.district_id))
        if score >= threshold:
            found.append((row[0], score, reason))
    found.sort(key=lambda t: (-t[1], t[0]))
    return found[:limit]


def candidates(session: Session, name: str, address: str, district_id: int | None, exclude_id: int | None = None,
               limit: int = 5, threshold: int = THRESHOLD) -> list[tuple[Merchant, int, str]]:
    """Active merchants of the district that look like this one: (merchant, score, reason), best first."""
    if district_id is None:
        return []
    subject = _Subject(name or "", address or "", "", district_id)
    found = _scan(subject, district_rows(session, district_id, exclude_id), limit, threshold)
    return [(session.get(Merchant, mid), score, reason) for mid, score, reason in found]


def _pair_exists(session: Session, a: int, b: int) -> bool:
    return session.exec(select(DuplicateSuspect.id).where(or_(
        and_(DuplicateSuspect.merchant_id == a, DuplicateSuspect.candidate_id == b),
        and_(DuplicateSuspect.merchant_id == b, DuplicateSuspect.candidate_id == a)))).first() is not None


def flag_suspects(session: Session, merchant: Merchant, limit: int = 5,
                  threshold: int = THRESHOLD) -> list[DuplicateSuspect]:
    """Open a DuplicateSuspect for each likely duplicate of `merchant` not already paired (in either order).

    A pair staff dismissed is never raised again.
    """
    if merchant.id is None or merchant.district_id is None or merchant.merged_into_id is not None:
        return []
    rows = district_rows(session, merchant.district_id, exclude_id=merchant.id)
    created = []
    for mid, score, reason in _scan(_subject(merchant), rows, limit, threshold):
        if _pair_exists(session, merchant.id, mid):
            continue
        suspect = DuplicateSuspect(merchant_id=merchant.id, candidate_id=mid, score=score, reason=reason)
        session.add(suspect)
        created.append(suspect)
    if created:
        session.flush()
    return created


def open_suspects(session: Session, district_id: int | None) -> list[tuple[DuplicateSuspect, Merchant, Merchant]]:
    """Open pairs (suspect, newer merchant, existing one), best score first; None: the whole city."""
    newer, older = aliased(Merchant), aliased(Merchant)
    stmt = (select(DuplicateSuspect, newer, older)
            .join(newer, newer.id == DuplicateSuspect.merchant_id)
            .join(older, older.id == DuplicateSuspect.candidate_id)
            .where(DuplicateSuspect.status == "open", newer.merged_into_id.is_(None),
                   older.merged_into_id.is_(None)))
    if district_id is not None:
        stmt = stmt.where(or_(newer.district_id == district_id, older.district_id == district_id))
    stmt = stmt.order_by(DuplicateSuspect.score.desc(), DuplicateSuspect.created_at, DuplicateSuspect.id)
    return [tuple(row) for row in session.exec(stmt)]


class SuspectError(Exception):
    """A suspect that cannot be decided: `code` is "decided" (not open any more) or "district"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def dismiss(session: Session, actor, suspect: DuplicateSuspect) -> DuplicateSuspect:
    """Staff say the two records are different merchants: the pair is closed and never flagged again."""
    if suspect.status != "open":
        raise SuspectError("decided")
    if actor.district_id is not None:
        districts = {m.district_id for m in (session.get(Merchant, suspect.merchant_id),
                                             session.get(Merchant, suspect.candidate_id)) if m is not None}
        if districts != {actor.district_id}:
            raise SuspectError("district")
    before = {"status": suspect.status}
    suspect.status, suspect.decided_by_id, suspect.decided_at = "dismissed", actor.id, utcnow()
    session.add(suspect)
    audit.record(session, actor, "merchant.duplicate_dismiss", suspect, before=before,
                 after={"status": suspect.status, "merchant_id": suspect.merchant_id,
                        "candidate_id": suspect.candidate_id, "score": suspect.score})
    return suspect
