"""群体投诉: detection of collective complaints, the supervisors' notice, the pages and the demo cluster."""
from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from tests.conftest import complaint_form
from tests.outreach_helpers import make_user, sign_in
from webapp.audit import AuditLog
from webapp.complaints import clusters, handling, service
from webapp.complaints.models import Complaint, ComplaintCluster
from webapp.complaints.schemas import ComplaintCreate
from webapp.media.storage import LocalStorage


class Outbox:
    """A notify channel that keeps what it was asked to send."""

    name = "email"

    def __init__(self):
        self.sent = []

    def send(self, to, subject, body):
        self.sent.append((to, subject, body))


@pytest.fixture
def outbox(app, session, base_data):
    """Supervisors with addresses: the city-level one, one of CD (the cluster's district), one of NH."""
    box = Outbox()
    app.extensions["notify_channels"]["email"] = box
    city = base_data.users["supervisor"]
    city.email = "city@example.com"
    session.add(city)
    for code in ("CD", "NH"):
        user = make_user(session, base_data, "supervisor", code)
        user.email = f"{code.lower()}@example.com"
        session.add(user)
    session.commit()
    return box


def _merchant(base_data, district="CD", index=0):
    return [m for m in base_data.merchants if m.district_id == base_data.districts[district].id][index]


def _file(make_complaint, base_data, n=1, merchant=None, category="prepaid", **overrides):
    merchant = merchant or _merchant(base_data)
    return [make_complaint(merchant_id=str(merchant.id), merchant_name=merchant.name,
                           merchant_address=merchant.address, district_id=str(merchant.district_id),
                           category_id=str(base_data.categories[category].id), client_uuid=str(uuid.uuid4()),
                           **overrides)
            for _ in range(n)]


def _clusters(session):
    session.expire_all()
    return list(session.exec(select(ComplaintCluster).order_by(ComplaintCluster.id)))


def _flags(session):
    return session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "cluster.flag")).one()


def _backdate(session, complaints, days):
    for c in complaints:
        c = session.get(Complaint, c.id)
        c.received_at = c.received_at - timedelta(days=days)
        session.add(c)
    session.commit()


# --- detection ---------------------------------------------------------------------------------------

def test_the_fifth_complaint_flags_a_cluster_and_the_sixth_joins_it(app, session, base_data, make_complaint,
                                                                    outbox):
    with app.app_context():
        first = _file(make_complaint, base_data, 4)
        assert _clusters(session) == [] and _flags(session) == 0 and outbox.sent == []
        fifth = _file(make_complaint, base_data)[0]
    [cluster] = _clusters(session)
    assert cluster.size == 5 and cluster.status == "open"
    linked = session.exec(select(Complaint.id).where(Complaint.cluster_id == cluster.id)).all()
    assert sorted(linked) == sorted(c.id for c in [*first, fifth])
    assert cluster.district_id == base_data.districts["CD"].id
    assert cluster.first_received_at == session.get(Complaint, first[0].id).received_at
    assert cluster.last_received_at == session.get(Complaint, fifth.id).received_at
    assert _flags(session) == 1
    flag = session.exec(select(AuditLog).where(AuditLog.action == "cluster.flag")).one()
    assert flag.object_type == "ComplaintCluster" and flag.object_id == cluster.id and flag.after["size"] == 5
    # One notice, to the district's supervisors and the city's, not to another district's; no consumer data.
    assert sorted(to for to, _s, _b in outbox.sent) == ["cd@example.com", "city@example.com"]
    _to, subject, body = outbox.sent[0]
    assert _merchant(base_data).name in subject and f"/handling/clusters/{cluster.id}" in body
    assert "测试用户" not in body and "13912345678" not in body

    with app.app_context():
        sixth = _file(make_complaint, base_data)[0]
    [cluster] = _clusters(session)
    assert cluster.size == 6 and session.get(Complaint, sixth.id).cluster_id == cluster.id
    assert cluster.last_received_at == session.get(Complaint, sixth.id).received_at
    assert _flags(session) == 1 and len(outbox.sent) == 2  # joining is silent


def test_another_category_or_merchant_neither_counts_nor_joins(session, base_data, make_complaint):
    _file(make_complaint, base_data, 4)
    _file(make_complaint, base_data, 2, category="food")
    _file(make_complaint, base_data, 2, merchant=_merchant(base_data, index=1))
    assert _clusters(session) == []
    _file(make_complaint, base_data)
    [cluster] = _clusters(session)
    other = _file(make_complaint, base_data, category="food") + _file(
        make_complaint, base_data, merchant=_merchant(base_data, index=1))
    assert [session.get(Complaint, c.id).cluster_id for c in other] == [None, None]
    assert _clusters(session)[0].size == 5


def test_complaints_older_than_the_window_do_not_count(session, base_data, make_complaint):
    old = _file(make_complaint, base_data, 2)
    _backdate(session, old, 31)
    _file(make_complaint, base_data, 3)
    assert _clusters(session) == []
    # Just inside the window they do.
    _backdate(session, old, -2)  # now 29 days ago
    _file(make_complaint, base_data)
    [cluster] = _clusters(session)
    assert cluster.size == 6


@pytest.mark.parametrize("how", ["withdrawn", "rejected"])
def test_withdrawn_and_rejected_complaints_do_not_count(how, session, base_data, make_complaint):
    four = _file(make_complaint, base_data, 4)
    gone = session.get(Complaint, four[0].id)
    if how == "withdrawn":
        service.withdraw(session, None, gone, "商家已退款")
    else:
        handling.reject(session, base_data.users["handler"], gone, gone.version, "court_or_arbitration", "已起诉")
    session.commit()
    _file(make_complaint, base_data)
    assert _clusters(session) == []
    _file(make_complaint, base_data)
    [cluster] = _clusters(session)
    assert cluster.size == 5 and session.get(Complaint, gone.id).cluster_id is None


def test_a_handled_wave_does_not_count_again(app, session, base_data, make_complaint, outbox):
    with app.app_context():
        _file(make_complaint, base_data, 5)
    [cluster] = _clusters(session)
    clusters.mark_handled(session, base_data.users["supervisor"], cluster, "已组织集体调解")
    session.commit()
    with app.app_context():
        later = _file(make_complaint, base_data, 4)
    assert [session.get(Complaint, c.id).cluster_id for c in later] == [None] * 4
    assert len(_clusters(session)) == 1
    with app.app_context():
        _file(make_complaint, base_data)
    old, new = _clusters(session)
    assert old.size == 5 and new.size == 5 and new.status == "open"
    assert len(outbox.sent) == 4  # two supervisors, twice


def test_nothing_is_told_when_the_filing_is_rolled_back(app, session, base_data, make_complaint, outbox):
    with app.app_context():
        _file(make_complaint, base_data, 4)
        merchant = _merchant(base_data)
        data = ComplaintCreate.model_validate(complaint_form(
            base_data, merchant_id=str(merchant.id), category_id=str(base_data.categories["prepaid"].id)))
        service.create_complaint(session, None, data, [], LocalStorage(app.config["UPLOAD_DIR"]))
        assert session.exec(select(ComplaintCluster)).first() is not None  # flagged inside the transaction
        session.rollback()
        session.commit()
    assert _clusters(session) == [] and outbox.sent == []


def test_the_threshold_comes_from_the_configuration(app, client, session, base_data, outbox):
    app.config["COLLECTIVE_THRESHOLD"] = 3
    form = dict(category_id=str(base_data.categories["prepaid"].id))
    for i in range(3):
        assert _clusters(session) == []
        response = client.post("/complaints", data=complaint_form(base_data, client_uuid=str(uuid.uuid4()), **form))
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    [cluster] = _clusters(session)
    assert cluster.size == 3 and _flags(session) == 1 and len(outbox.sent) == 2


def test_the_window_comes_from_the_configuration(app, client, session, base_data, make_complaint):
    app.config["COLLECTIVE_WINDOW_DAYS"] = 7
    old = _file(make_complaint, base_data, 4)
    _backdate(session, old, 8)
    merchant = _merchant(base_data)
    response = client.post("/complaints", data=complaint_form(
        base_data, client_uuid=str(uuid.uuid4()), merchant_id=str(merchant.id),
        category_id=str(base_data.categories["prepaid"].id)))
    assert response.status_code == 303
    assert _clusters(session) == []


def test_two_complaints_filed_at_once_make_one_cluster(app, session, base_data, make_complaint):
    _file(make_complaint, base_data, 4)
    engine = app.extensions["db_engine"]
    merchant = _merchant(base_data)
    storage = LocalStorage(app.config["UPLOAD_DIR"])

    def data():
        return ComplaintCreate.model_validate(complaint_form(
            base_data, merchant_id=str(merchant.id), category_id=str(base_data.categories["prepaid"].id),
            client_uuid=str(uuid.uuid4())))

    first, second = Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)
    errors = []

    def file_second():
        try:
            service.create_complaint(second, None, data(), [], storage)
            second.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            second.rollback()

    try:
        service.create_complaint(first, None, data(), [], storage)  # the fifth: flags, not committed yet
        worker = threading.Thread(target=file_second)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive()  # waiting for the first filing's lock
        first.commit()
        worker.join(20)
        assert not worker.is_alive() and errors == []
    finally:
        first.close()
        second.close()
    [cluster] = _clusters(session)
    assert cluster.size == 6


# --- pages -------------------------------------------------------------------------------------------

@pytest.fixture
def two_clusters(session, base_data, make_complaint):
    """An open cluster in CD (prepaid cards) and one in NH (beauty)."""
    cd = _file(make_complaint, base_data, 5)
    nh = _file(make_complaint, base_data, 5, merchant=_merchant(base_data, "NH"), category="beauty")
    session.expire_all()
    return (session.get(ComplaintCluster, session.get(Complaint, cd[0].id).cluster_id),
            session.get(ComplaintCluster, session.get(Complaint, nh[0].id).cluster_id), cd)


def test_handlers_see_their_districts_clusters_only(client, login_as, base_data, two_clusters):
    cd, nh, complaints = two_clusters
    login_as("handler")
    page = client.get("/handling/clusters")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/handling/clusters/{cd.id}" in html and _merchant(base_data).name in html
    assert f"/handling/clusters/{nh.id}" not in html and _merchant(base_data, "NH").name not in html
    detail = client.get(f"/handling/clusters/{cd.id}").get_data(as_text=True)
    for c in complaints:
        assert f"/handling/complaints/{c.tracking_code}" in detail
    assert "测试用户" not in html
    assert 'action="/handling/clusters/' not in detail  # read-only for handlers
    assert client.get(f"/handling/clusters/{nh.id}").status_code == 404
    assert client.get("/handling/clusters/999999").status_code == 404


def test_city_supervisors_see_every_cluster_and_the_nav_link(client, login_as, base_data, two_clusters):
    cd, nh, _complaints = two_clusters
    login_as("supervisor")
    html = client.get("/handling/clusters").get_data(as_text=True)
    assert f"/handling/clusters/{cd.id}" in html and f"/handling/clusters/{nh.id}" in html
    assert 'href="/handling/clusters"' in client.get("/handling/inbox").get_data(as_text=True)


def test_other_roles_cannot_see_clusters(client, login_as, two_clusters):
    cd, _nh, _complaints = two_clusters
    assert client.get("/handling/clusters").status_code in (302, 303, 401)
    login_as("inspector")
    assert client.get("/handling/clusters").status_code == 403
    assert client.get(f"/handling/clusters/{cd.id}").status_code == 403


def test_a_supervisor_marks_a_cluster_handled(client, login_as, session, base_data, two_clusters):
    client.set_cookie("lang", "en")
    cd, nh, _complaints = two_clusters
    url = f"/handling/clusters/{cd.id}/handled"
    login_as("handler")
    assert client.post(url, data={"note": "已联合调解"}).status_code == 403
    login_as("supervisor")
    empty = client.post(url, data={"note": "  "}, headers={"HX-Request": "true"})
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert "<html" not in html and 'id="note-error"' in html
    too_long = client.post(url, data={"note": "长" * 501})
    assert too_long.status_code == 422
    session.expire_all()
    assert session.get(ComplaintCluster, cd.id).status == "open"
    done = client.post(url, data={"note": "已组织商家与全部消费者集体调解\uff0c退还预付款\u3002"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/handling/clusters/{cd.id}")
    session.expire_all()
    cluster = session.get(ComplaintCluster, cd.id)
    assert cluster.status == "handled" and cluster.handled_by_id == base_data.users["supervisor"].id
    assert cluster.handled_at is not None and "集体调解" in cluster.note
    row = session.exec(select(AuditLog).where(AuditLog.action == "cluster.handled")).one()
    assert row.object_id == cd.id and row.before["status"] == "open" and row.after["status"] == "handled"
    again = client.post(url, data={"note": "再次"})
    assert again.status_code == 409 and "already marked" in again.get_data(as_text=True)
    # Handled clusters list after the open ones.
    html = client.get("/handling/clusters").get_data(as_text=True)
    assert html.index(f"cluster-{nh.id}") < html.index(f"cluster-{cd.id}")


def test_a_district_supervisor_cannot_touch_another_districts_cluster(client, session, base_data, two_clusters):
    _cd, nh, _complaints = two_clusters
    sign_in(client, make_user(session, base_data, "supervisor", "CD"))
    assert client.post(f"/handling/clusters/{nh.id}/handled", data={"note": "x"}).status_code == 404
    session.expire_all()
    assert session.get(ComplaintCluster, nh.id).status == "open"


def test_the_staff_complaint_page_shows_the_badge(client, login_as, base_data, make_complaint, two_clusters):
    cd, _nh, complaints = two_clusters
    login_as("handler")
    html = client.get(f"/handling/complaints/{complaints[0].tracking_code}").get_data(as_text=True)
    assert 'id="cluster-badge"' in html and f'href="/handling/clusters/{cd.id}"' in html
    badge = re.search(r'id="cluster-badge"><a [^>]*>([^<]*)</a>', html).group(1)
    assert "5" in badge
    alone = make_complaint(client_uuid=str(uuid.uuid4()))
    assert 'id="cluster-badge"' not in client.get(f"/handling/complaints/{alone.tracking_code}").get_data(as_text=True)


# --- demo --------------------------------------------------------------------------------------------

def test_the_demo_cluster_is_made_once(app, session, base_data):
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    assert clusters.load_demo_clusters(session, storage) == 6
    session.commit()
    assert clusters.load_demo_clusters(session, storage) == 0
    session.commit()
    [cluster] = _clusters(session)
    assert cluster.size == 6 and cluster.status == "open"
    received = sorted(c.received_at for c in clusters.members(session, cluster))
    assert cluster.first_received_at == received[0] and cluster.last_received_at == received[-1]
    assert timedelta(days=17) < received[-1] - received[0] < timedelta(days=21)
    assert cluster.first_received_at < cluster.flagged_at <= cluster.last_received_at
