"""Imports every area's table models so SQLModel.metadata is complete (Alembic, tests)."""
from sqlmodel import SQLModel

from webapp.audit import AuditLog  # noqa: F401
from webapp.auth.models import District, User  # noqa: F401
from webapp.campaigns.models import Campaign  # noqa: F401
from webapp.complaints.models import (  # noqa: F401
    Category, Complaint, ComplaintCluster, ComplaintEvent, ComplaintPause)
from webapp.inspections.models import (  # noqa: F401
    ChecklistItem, ChecklistTemplate, Inspection, InspectionFinding, InspectionTask, RectificationOrder, Sample)
from webapp.media.models import Photo  # noqa: F401
from webapp.merchants.models import DuplicateSuspect, Merchant  # noqa: F401
from webapp.outreach.models import EventVolunteer, OutreachEvent, VolunteerInvite  # noqa: F401
from webapp.public.models import Warning  # noqa: F401
from webapp.reports.models import (  # noqa: F401
    ComplaintDayCategory, ComplaintDayCloseDays, ComplaintDayProblem, ComplaintDayStat, PlanTarget, StatDirty,
    StatLock)
from webapp.reports import rollup  # noqa: F401,E402  (its flush listener keeps the day tables true)

metadata = SQLModel.metadata
