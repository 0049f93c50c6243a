"""Photos are served only through here, to people allowed to see what they document."""
from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import current_user

from webapp.complaints import policy
from webapp.complaints.models import Complaint
from webapp.db import get_session
from webapp.inspections import policy as inspection_policy
from webapp.inspections.models import Inspection
from webapp.outreach import policy as outreach_policy
from webapp.outreach.models import OutreachEvent
from webapp.media.models import Photo
from webapp.media.uploads import storage

bp = Blueprint("media", __name__)


@bp.get("/photos/<int:photo_id>/<any(display, thumb):size>")
def photo(photo_id: int, size: str):
    """A complaint's, an inspection's or an outreach event's photo, or 404 for anyone who may not see that record."""
    session = get_session()
    row = session.get(Photo, photo_id)
    if row is None or not _may_see(session, row):
        abort(404)
    key = row.display_key if size == "display" else row.thumb_key
    try:
        path = storage().path(key)
    except ValueError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600, etag=True, conditional=True)
    # Personal data: the browser may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _may_see(session, row: Photo) -> bool:
    # Inspection evidence: the district's inspectors, supervisors and handlers; never consumers or guests.
    if row.inspection_id:
        inspection = session.get(Inspection, row.inspection_id)
        return inspection is not None and inspection_policy.can(current_user, "view", inspection)
    # Outreach photos: whoever may see the event (its volunteers and the district's staff).
    if row.outreach_event_id:
        event = session.get(OutreachEvent, row.outreach_event_id)
        return event is not None and outreach_policy.can(current_user, "view", event)
    complaint = session.get(Complaint, row.complaint_id) if row.complaint_id else None
    return complaint is not None and policy.can(current_user, "view", complaint, policy.tracked_ids())
