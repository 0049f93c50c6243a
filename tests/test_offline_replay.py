"""Offline replays, staged deterministically: the outbox sends a record again while, or after, its twin is saved.

Plain replays (the twin already committed) are covered by each area's route tests. Here the two harder cases are
staged in-process for inspections, outreach events and complaints:
- the loser of a race: the lookup that would have found the twin is blinded once, so the request takes the
  IntegrityError path exactly as the second of two simultaneous copies does;
- a request that dies between writing its photo files and committing (as under kill -9), then is replayed.
The concurrent, live-server versions (20 copies at once, across a kill -9) are in security/test_faults.py.
"""
import io
import uuid
from datetime import datetime, timezone

import pytest
import sqlmodel
from sqlmodel import func, select

from conftest import complaint_form, jpeg_bytes
from inspection_helpers import JSON, inspection_form, template
from webapp.complaints import service as complaint_service
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.inspections import service as inspection_service
from webapp.inspections.models import Inspection
from webapp.media import cleanup
from webapp.media.models import Photo
from webapp.outreach import service as outreach_service
from webapp.outreach.models import OutreachEvent

PHOTO = jpeg_bytes(color=(20, 120, 220))


def _inspection(session, base_data, client_uuid, captured_at):
    _t, items = template(session)
    form = inspection_form(session, base_data, client_uuid=client_uuid, captured_at=captured_at)
    form[f"item-{items[3].id}-photos"] = [(io.BytesIO(PHOTO), "shelf.jpg")]
    return form


def _event(_session, _base_data, client_uuid, captured_at):
    return {"client_uuid": client_uuid, "captured_at": captured_at, "held_on": today_shanghai().isoformat(),
            "start_time": "09:00", "end_time": "11:30", "venue_type": "village", "place": "石桥村文化广场",
            "formats": ["desk"], "audiences": ["elderly"], "topic": "防范养老诈骗", "participants": "80",
            "consultations": "12", "leaflets": "300", "banners": "1", "boards": "2", "volunteers": "3",
            "photos": [(io.BytesIO(PHOTO), "desk.jpg")]}


def _complaint(_session, base_data, client_uuid, _captured_at):
    return dict(complaint_form(base_data, client_uuid=client_uuid), photos=[(io.BytesIO(PHOTO), "goods.jpg")])


KINDS = {
    # kind: (who signs in, path, form builder, model, photo column, service module whose lookup is blinded)
    "inspection": ("inspector", "/inspections", _inspection, Inspection, "inspection_id", inspection_service),
    "event": ("volunteer", "/events", _event, OutreachEvent, "outreach_event_id", outreach_service),
    "complaint": (None, "/complaints", _complaint, Complaint, "complaint_id", complaint_service),
}


class Crash(BaseException):
    """The process dies here: nothing after this line runs (kill -9 between the photo files and the commit)."""


@pytest.fixture
def send(client, session, base_data, login_as):
    """send(kind) posts the same record (same client_uuid, body and photo) each time it is called."""
    def _for(kind):
        who, path, build, *_ = KINDS[kind]
        if who:
            login_as(who)
        client_uuid = str(uuid.uuid4())
        captured_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()

        def _send():
            headers = {"Accept": "text/html"} if kind == "complaint" else JSON
            response = client.post(path, data=build(session, base_data, client_uuid, captured_at),
                                   headers=headers, content_type="multipart/form-data")
            return response
        _send.client_uuid = client_uuid
        return _send
    return _for


def _answer(kind, response):
    """What the phone is told: the record it points at."""
    if kind == "complaint":
        assert response.status_code == 303, response.status_code
        return response.headers["Location"]
    assert response.status_code in (200, 201), response.status_code
    body = response.get_json()
    assert body["ok"] is True
    return body["url"]


def _rows(session, kind, client_uuid):
    model, column = KINDS[kind][3], KINDS[kind][4]
    session.expire_all()
    ids = session.exec(select(model.id).where(model.client_uuid == client_uuid)).all()
    photos = {i: session.exec(select(func.count()).select_from(Photo)
                              .where(getattr(Photo, column) == i)).one() for i in ids}
    return ids, photos


def _blind_once(monkeypatch, module):
    """The next lookup by client_uuid misses, as when the twin commits a moment after we looked."""
    real = module.find_by_client_uuid
    calls = []

    def lookup(session, client_uuid):
        calls.append(client_uuid)
        return None if len(calls) == 1 else real(session, client_uuid)

    monkeypatch.setattr(module, "find_by_client_uuid", lookup)
    return calls


def _unreferenced(app, session):
    return cleanup.scan(session, app.config["UPLOAD_DIR"], grace_seconds=0)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_loser_of_a_race_gets_the_winners_answer(kind, app, session, send, monkeypatch):
    post = send(kind)
    first = _answer(kind, post())
    calls = _blind_once(monkeypatch, KINDS[kind][5])
    response = post()
    assert len(calls) >= 2, "the race path was not taken"  # blinded once, then found after the IntegrityError
    assert _answer(kind, response) == first
    if kind != "complaint":
        assert response.status_code == 200  # a replay, not a second creation
    ids, photos = _rows(session, kind, post.client_uuid)
    assert len(ids) == 1 and photos == {ids[0]: 1}
    report = _unreferenced(app, session)
    assert report.candidates == [] and report.referenced == 2  # the loser's files are the winner's files


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_request_killed_before_commit_is_replayed_whole(kind, app, session, send, monkeypatch):
    post = send(kind)

    def crash(self):
        raise Crash()

    monkeypatch.setattr(sqlmodel.Session, "commit", crash)
    with pytest.raises(Crash):
        post()
    monkeypatch.undo()
    ids, _photos = _rows(session, kind, post.client_uuid)
    assert ids == [], "nothing may be half-saved"
    left = _unreferenced(app, session)
    assert len(left.orphans) == 2  # display and thumbnail were written before the commit that never came
    assert cleanup.cleanup(session, app.config["UPLOAD_DIR"], remove=True).deleted == []  # young: kept

    answer = _answer(kind, post())
    again = _answer(kind, post())
    assert answer == again
    ids, photos = _rows(session, kind, post.client_uuid)
    assert len(ids) == 1 and photos == {ids[0]: 1}
    report = _unreferenced(app, session)
    assert report.candidates == [] and report.referenced == 2  # the replay adopted the crashed request's files
