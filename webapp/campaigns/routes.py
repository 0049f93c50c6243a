"""Campaigns, enforcement (专项整治) and outreach (3·15 …): the list, a supervisor's form to start one, and each
one's totals. Volunteers read the outreach campaigns of their district and of the whole city."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import HANDLER, INSPECTOR, SUPERVISOR, VOLUNTEER, District
from webapp.auth.routes import role_required
from webapp.campaigns import service
from webapp.campaigns.models import OUTREACH, Campaign
from webapp.campaigns.schemas import KINDS, CampaignCreate
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.forms import FieldErrors, validate
from webapp.htmx import redirect, render
from webapp.inspections.labels import LABELS
from webapp.inspections.models import Inspection
from webapp.merchants.models import Merchant
from webapp.outreach.totals import sentence_for_locale

bp = Blueprint("campaigns", __name__)
READERS = (INSPECTOR, SUPERVISOR, HANDLER, VOLUNTEER)   # volunteers: outreach campaigns only (service.visible)


def _districts() -> dict[int, str]:
    return {d.id: label(d) for d in get_session().exec(select(District).order_by(District.code))}


def _index(values: dict, errors: dict, status: int = 200):
    session = get_session()
    return render("campaigns/index.html", "campaigns/_form.html", status=status,
                  campaigns=service.listing(session, current_user), districts=_districts(),
                  can_create=current_user.role == SUPERVISOR, today=today_shanghai(),
                  kinds=KINDS, values=values, errors=errors)


@bp.get("/campaigns")
@role_required(*READERS)
def index():
    """The campaigns this user may read (both kinds for staff), latest first; supervisors may start one."""
    return _index({}, {})


@bp.post("/campaigns")
@role_required(SUPERVISOR)
def create():
    """Start an enforcement or an outreach campaign."""
    values = request.form.to_dict()
    data, errors = validate(CampaignCreate, values)
    if not errors:
        session = get_session()
        try:
            campaign = service.create_campaign(session, current_user, data)
            session.commit()
        except FieldErrors:
            session.rollback()
            errors = {"district_id": _("Please choose the district from the list.")}
        else:
            if campaign.kind == OUTREACH:
                flash(_("Campaign started: volunteers can now choose it when they log an event."), "success")
            else:
                flash(_("Campaign started: inspectors can now choose it on the inspection form."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _index(values, errors, 422)


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*READERS)
def detail(campaign_id: int):
    """A campaign's totals, counted from its inspections or events, with the sentence a work summary would use."""
    session = get_session()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind not in KINDS or not service.visible(current_user, campaign):
        abort(404)
    if campaign.kind == OUTREACH:
        t = service.outreach_figures(session, campaign)
        return render("campaigns/outreach.html", campaign=campaign, t=t, sentence=sentence_for_locale(t),
                      show_districts=True, district=_districts().get(campaign.district_id),
                      events=service.latest_events(session, campaign, current_user))
    recent = session.exec(select(Inspection, Merchant).join(Merchant, Merchant.id == Inspection.merchant_id)
                          .where(Inspection.campaign_id == campaign.id)
                          .order_by(Inspection.captured_at.desc()).limit(20)).all()
    return render("campaigns/detail.html", campaign=campaign, t=service.totals(session, campaign),
                  district=_districts().get(campaign.district_id), recent=recent, labels=LABELS,
                  today=today_shanghai())
