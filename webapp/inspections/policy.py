"""Who may do what with inspections; routes load through the loaders here and never decide alone.

Inspectors and supervisors of a district record and follow up its inspections (city-level staff: all);
handlers of the district may read them (a complaint may have led to the visit); consumers, volunteers and
admins may not see them at all. Only admins edit the checklists.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from webapp.auth.models import ADMIN, HANDLER, INSPECTOR, SUPERVISOR
from webapp.db import get_session
from webapp.inspections.models import Inspection, Sample

FIELD_ROLES = (INSPECTOR, SUPERVISOR)       # record inspections, samples' results, re-inspections
READER_ROLES = (INSPECTOR, SUPERVISOR, HANDLER)
WORK_ACTIONS = frozenset({"follow_up", "record_lab"})


def in_scope(user, district_id: int | None) -> bool:
    """Staff of the district, or city-level staff (no district) for every district."""
    return user.district_id is None or user.district_id == district_id


def can_create(user) -> bool:
    """Inspectors and supervisors record inspections; nobody else."""
    return bool(user.is_authenticated and user.role in FIELD_ROLES)


def can_read_any(user) -> bool:
    """The roles that may open inspection pages at all."""
    return bool(user.is_authenticated and user.role in READER_ROLES)


def can(user, action: str, inspection: Inspection | None = None) -> bool:
    """True when `user` may take `action` ("create", "view", "follow_up", "record_lab") on `inspection`."""
    if not getattr(user, "is_authenticated", False):
        return False
    if action == "create":
        return can_create(user)
    if inspection is None:
        return False
    if action == "view":
        return user.role in READER_ROLES and in_scope(user, inspection.district_id)
    if action in WORK_ACTIONS:
        return user.role in FIELD_ROLES and in_scope(user, inspection.district_id)
    return False


def can_edit_checklists(user) -> bool:
    """Checklist templates are the admin's."""
    return bool(user.is_authenticated and user.role == ADMIN)


def get_inspection_or_404(inspection_id: int, action: str = "view") -> Inspection:
    """Load an inspection and check `action`: 404 when it is not theirs to see, 403 when they may only look."""
    inspection = get_session().get(Inspection, inspection_id)
    if inspection is None or not can(current_user, "view", inspection):
        abort(404)
    if not can(current_user, action, inspection):
        abort(403)
    return inspection


def get_sample_or_404(sample_id: int, action: str = "record_lab") -> tuple[Sample, Inspection]:
    """A sample with the inspection it was taken in, checked like that inspection."""
    sample = get_session().get(Sample, sample_id)
    if sample is None:
        abort(404)
    return sample, get_inspection_or_404(sample.inspection_id, action)

