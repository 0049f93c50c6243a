"""The authorization matrix: every route of the URL map × every role × an object of their own and of another.

Each CASE names a rule of the URL map (endpoint and method), the request it sends for target "A" (district A,
consumer 1's, the volunteer of A's …) and "B" (district B, consumer 2's …), and what each principal must get
(authz_world.PRINCIPALS: anon; a guest who looked up complaint A with its code and phone digits; consumer 1;
district A's volunteer, inspector, handler and supervisor; a city-level supervisor; the admin).

Cells: an HTTP status; "L" a redirect to the login page whose ?next= is the page asked for; "·" the guest where
only anon's answer can apply (not requested); "+" after the status: a row of the case's model appeared in the
target's district (CREATES); "*" after it: the request changed the database ("watch-" cases).

A rule missing from CASES fails, and so does a case whose rule is gone. Allowed POSTs send a body the route
refuses, or act on an object where the action changes nothing (a closed QR link, a revoked invitation …), so the
database must be the same after every POST case: denied requests change nothing, and nor do these. The cases
that create or change rows use objects of their own (the delete: a fresh target per request; "valid-…" and
"watch-…": objects no other case looks at, and they run last).

Run with AUTHZ_DUMP=1 and -s to print the observed cells in the table's format (AUTHZ_ONLY=label,… for some).
"""
from __future__ import annotations

import os
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, func, select

from authz_world import ACCOUNTS, PRINCIPALS, build, fingerprint, new_target
from conftest import BACKENDS, empty_database
from webapp import create_app
from webapp.campaigns.models import Campaign
from webapp.demo_data import DEMO_PASSWORD
from webapp.inspections.models import Inspection, InspectionTask
from webapp.outreach.models import OutreachEvent, VolunteerInvite
from webapp.public.models import Warning
from webapp.reports.models import PlanTarget

SKIP_METHODS = {"HEAD", "OPTIONS"}
# "watch-" cases: a "*" after the status when the request changed the database.
# Cases that may create a row (a valid form for district A's or B's object): the status gets a "+" when a row of
# this model appeared in the target's district, so "303" for a district's supervisor asking for the other district
# means the row was made in their own district (the service's rule), and "303+" that it was made where asked.
CREATES = {"valid-event": OutreachEvent, "valid-invite": VolunteerInvite, "valid-campaign": Campaign,
           "valid-warning": Warning, "valid-target": PlanTarget, "valid-plan": InspectionTask,
           "valid-inspection": Inspection}
MISSING = 999_999
NOT_ASKED = "·"   # the guest's cell where its tracked complaints cannot matter (it is then an anonymous visitor)

# (rule's endpoint, method, label, path, form body or None, expected table).
# In path and body "{key.@}" is the world's id of key.A or key.B for the row's target; a path without "@" has
# one row, "-". Table rows: target, then one status per principal in PRINCIPALS order.
HEAD = "       anon guest cons vol  insp hand sup  supC adm"
CASES: list[tuple[str, str, str, str, dict | None, str]] = [
    #        anon guest cons vol  insp hand sup  supC adm
    ("auth.create_user", "POST", "-", "/admin/users", {}, """
    -      L    ·    403  403  403  403  403  403  422
    """),
    ("auth.login", "GET", "-", "/login", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("auth.login", "POST", "-", "/login", {}, """
    -      422  ·    422  422  422  422  422  422  422
    """),
    ("auth.logout", "POST", "-", "/logout", {}, """
    -      303  ·    303  303  303  303  303  303  303
    """),
    ("auth.register", "GET", "-", "/register", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("auth.register", "POST", "-", "/register", {}, """
    -      422  ·    422  422  422  422  422  422  422
    """),
    ("auth.users", "GET", "-", "/admin/users", None, """
    -      L    ·    403  403  403  403  403  403  200
    """),
    ("campaigns.create", "POST", "-", "/campaigns", {}, """
    -      L    ·    403  403  403  403  422  422  403
    """),
    ("campaigns.detail", "GET", "outreach", "/campaigns/{campaign.outreach.@}", None, """
    A      L    ·    403  200  200  200  200  200  403
    B      L    ·    403  404  404  404  404  200  403
    """),
    ("campaigns.detail", "GET", "enforcement", "/campaigns/{campaign.enforcement.@}", None, """
    A      L    ·    403  404  200  200  200  200  403
    B      L    ·    403  404  404  404  404  200  403
    """),
    ("campaigns.index", "GET", "-", "/campaigns", None, """
    -      L    ·    403  200  200  200  200  200  403
    """),
    ("checklists.add_item", "POST", "-", "/admin/checklists/{template.@}/items", {}, """
    A      L    ·    403  403  403  403  403  403  422
    B      L    ·    403  403  403  403  403  403  404
    """),
    ("checklists.create", "POST", "-", "/admin/checklists", {}, """
    -      L    ·    403  403  403  403  403  403  422
    """),
    ("checklists.edit", "GET", "-", "/admin/checklists/{template.@}", None, """
    A      L    ·    403  403  403  403  403  403  200
    B      L    ·    403  403  403  403  403  403  404
    """),
    ("checklists.edit_item", "POST", "-", "/admin/checklists/{template.A}/items/{item.@}", {}, """
    A      L    ·    403  403  403  403  403  403  422
    B      L    ·    403  403  403  403  403  403  404
    """),
    ("checklists.index", "GET", "-", "/admin/checklists", None, """
    -      L    ·    403  403  403  403  403  403  200
    """),
    ("checklists.item_op", "POST", "first-up", "/admin/checklists/{template.A}/items/{item.@}/up", {}, """
    A      L    ·    403  403  403  403  403  403  303
    B      L    ·    403  403  403  403  403  403  404
    """),
    ("checklists.update", "POST", "-", "/admin/checklists/{template.@}", {}, """
    A      L    ·    403  403  403  403  403  403  422
    B      L    ·    403  403  403  403  403  403  404
    """),
    ("clusters.detail", "GET", "-", "/handling/clusters/{cluster.@}", None, """
    A      L    ·    403  403  403  200  200  200  403
    B      L    ·    403  403  403  404  404  200  403
    """),
    ("clusters.index", "GET", "-", "/handling/clusters", None, """
    -      L    ·    403  403  403  200  200  200  403
    """),
    ("clusters.mark_handled", "POST", "empty-note", "/handling/clusters/{cluster.@}/handled", {}, """
    A      L    ·    403  403  403  403  422  422  403
    B      L    ·    403  403  403  404  404  422  403
    """),
    ("complaints.accept_outcome", "POST", "closed", "/track/{code.C@}/accept-outcome", {}, """
    A      404  409  409  404  404  403  403  403  404
    B      404  404  404  404  404  404  404  403  404
    """),
    ("complaints.add_info", "POST", "empty", "/track/{code.@}/info", {}, """
    A      404  422  422  404  404  403  403  403  404
    B      404  404  404  404  404  404  404  403  404
    """),
    ("complaints.create", "POST", "empty", "/complaints", {}, """
    -      422  422  422  422  422  422  422  422  422
    """),
    ("complaints.detail", "GET", "-", "/track/{code.@}", None, """
    A      404  200  200  404  404  200  200  200  404
    B      404  404  404  404  404  404  404  200  404
    """),
    ("complaints.dispute", "POST", "closed", "/track/{code.C@}/dispute", {}, """
    A      404  422  422  404  404  403  403  403  404
    B      404  404  404  404  404  404  404  403  404
    """),
    ("complaints.mine", "GET", "-", "/my/complaints", None, """
    -      L    L    200  403  403  403  403  403  403
    """),
    ("complaints.new", "GET", "-", "/complaints/new", None, """
    -      200  200  200  200  200  200  200  200  200
    """),
    ("complaints.rate", "POST", "closed", "/track/{code.C@}/rate", {}, """
    A      404  422  422  404  404  403  403  403  404
    B      404  404  404  404  404  404  404  403  404
    """),
    ("complaints.receipt", "GET", "-", "/complaints/{code.@}/receipt", None, """
    A      404  200  200  404  404  200  200  200  404
    B      404  404  404  404  404  404  404  200  404
    """),
    ("complaints.track", "GET", "-", "/track", None, """
    -      200  200  200  200  200  200  200  200  200
    """),
    ("complaints.track", "POST", "empty", "/track", {}, """
    -      422  422  422  422  422  422  422  422  422
    """),
    ("complaints.withdraw", "POST", "closed", "/track/{code.C@}/withdraw", {}, """
    A      404  409  409  404  404  403  403  403  404
    B      404  404  404  404  404  404  404  403  404
    """),
    ("handling.act", "POST", "log-step", "/handling/complaints/{code.@}/log-step", {"version": "{version.@}"}, """
    A      L    L    403  403  403  422  422  422  403
    B      L    L    403  403  403  404  404  422  403
    """),
    ("handling.act", "POST", "accept", "/handling/complaints/{code.@}/accept", {"version": "{version.@}"}, """
    A      L    L    403  403  403  409  409  409  403
    B      L    L    403  403  403  404  404  409  403
    """),
    ("handling.act", "POST", "stale", "/handling/complaints/{code.@}/log-step", {"version": "0"}, """
    A      L    L    403  403  403  409  409  409  403
    B      L    L    403  403  403  404  404  409  403
    """),
    ("handling.act", "POST", "no-version", "/handling/complaints/{code.@}/log-step", {}, """
    A      L    L    403  403  403  400  400  400  403
    B      L    L    403  403  403  400  400  400  403
    """),
    ("handling.act", "POST", "remind-closed", "/handling/complaints/{code.C@}/remind", {}, """
    A      L    L    403  403  403  403  409  409  403
    B      L    L    403  403  403  404  404  409  403
    """),
    ("handling.audit", "GET", "-", "/handling/complaints/{code.@}/audit", None, """
    A      L    L    403  403  403  403  200  200  403
    B      L    L    403  403  403  404  404  200  403
    """),
    ("handling.complaint", "GET", "-", "/handling/complaints/{code.@}", None, """
    A      L    L    403  403  403  200  200  200  403
    B      L    L    403  403  403  404  404  200  403
    """),
    ("handling.inbox", "GET", "-", "/handling/inbox", None, """
    -      L    ·    403  403  403  200  200  200  403
    """),
    ("handling.overdue", "GET", "-", "/handling/overdue", None, """
    -      L    ·    403  403  403  403  200  200  403
    """),
    ("handling.referrals", "GET", "-", "/handling/referrals", None, """
    -      L    ·    403  403  403  200  200  200  403
    """),
    ("inspection_office.orders", "GET", "-", "/inspections/orders", None, """
    -      L    ·    403  403  200  403  200  200  403
    """),
    ("inspection_office.publish_sample", "POST", "no-result", "/inspections/samples/{sample.@}/publish", {}, """
    A      L    ·    403  403  403  403  422  422  403
    B      L    ·    403  403  403  403  404  422  403
    """),
    ("inspection_office.record_result", "POST", "empty", "/inspections/samples/{sample.@}/result", {}, """
    A      L    ·    403  403  422  403  422  422  403
    B      L    ·    403  403  404  403  404  422  403
    """),
    ("inspection_office.samples", "GET", "-", "/inspections/samples", None, """
    -      L    ·    403  403  200  403  200  200  403
    """),
    ("inspection_office.unpublish_sample", "POST", "unpublished", "/inspections/samples/{sample.@}/unpublish", {}, """
    A      L    ·    403  403  403  403  303  303  403
    B      L    ·    403  403  403  403  404  303  403
    """),
    ("inspections.create", "POST", "empty", "/inspections", {}, """
    -      L    ·    403  403  422  403  422  422  403
    """),
    ("inspections.detail", "GET", "-", "/inspections/{inspection.@}", None, """
    A      L    ·    404  404  200  200  200  200  404
    B      L    ·    404  404  404  404  404  200  404
    """),
    ("inspections.merchants_json", "GET", "-", "/inspections/merchants.json", None, """
    -      401  ·    403  403  200  403  200  200  403
    """),
    ("inspections.new", "GET", "-", "/inspections/new", None, """
    -      L    ·    403  403  200  403  200  200  403
    """),
    ("inspections.today", "GET", "-", "/inspections/today", None, """
    -      L    ·    403  403  200  403  200  200  403
    """),
    ("media.photo", "GET", "complaint", "/photos/{cphoto.@}/display", None, """
    A      404  200  200  404  404  200  200  200  404
    B      404  404  404  404  404  404  404  200  404
    """),
    ("media.photo", "GET", "complaint-thumb", "/photos/{cphoto.@}/thumb", None, """
    A      404  200  200  404  404  200  200  200  404
    B      404  404  404  404  404  404  404  200  404
    """),
    ("media.photo", "GET", "inspection", "/photos/{iphoto.@}/display", None, """
    A      404  404  404  404  200  200  200  200  404
    B      404  404  404  404  404  404  404  200  404
    """),
    ("media.photo", "GET", "event", "/photos/{ephoto.@}/thumb", None, """
    A      404  404  404  200  200  200  200  200  200
    B      404  404  404  404  404  404  404  200  200
    """),
    ("merchant_office.confirm_merge", "GET", "-", "/merchants/{merchant.@}/merge?into={merchant.@2}", None, """
    A      L    ·    403  403  403  200  200  200  403
    B      L    ·    403  403  403  404  404  200  403
    """),
    ("merchant_office.detail", "GET", "-", "/merchants/{merchant.@}", None, """
    A      L    ·    403  403  200  200  200  200  200
    B      L    ·    403  403  404  404  404  200  200
    """),
    ("merchant_office.dismiss", "POST", "decided", "/merchants/duplicates/{suspect.@}/dismiss", {}, """
    A      L    ·    403  403  403  409  409  409  403
    B      L    ·    403  403  403  404  404  409  403
    """),
    ("merchant_office.do_merge", "POST", "self", "/merchants/{merchant.@}/merge", {"into": "{merchant.@}"}, """
    A      L    ·    403  403  403  422  422  422  403
    B      L    ·    403  403  403  404  404  422  403
    """),
    ("merchant_office.duplicates", "GET", "-", "/merchants/duplicates", None, """
    -      L    ·    403  403  403  200  200  200  403
    """),
    ("merchant_office.edit", "GET", "-", "/merchants/{merchant.@}/edit", None, """
    A      L    ·    403  403  403  200  200  200  200
    B      L    ·    403  403  403  404  404  200  200
    """),
    ("merchant_office.edit", "POST", "empty", "/merchants/{merchant.@}/edit", {}, """
    A      L    ·    403  403  403  422  422  422  422
    B      L    ·    403  403  403  404  404  422  422
    """),
    ("merchant_office.index", "GET", "-", "/merchants", None, """
    -      L    ·    403  403  200  200  200  200  200
    """),
    ("merchants.search", "GET", "-", "/merchants/search?q=%E8%B6%85%E5%B8%82", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("outreach.create", "POST", "empty", "/events", {}, """
    -      L    ·    403  422  403  422  422  422  403
    """),
    ("outreach.detail", "GET", "-", "/events/{event.@}", None, """
    A      L    ·    404  200  200  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("outreach.edit", "GET", "-", "/events/{event.@}/edit", None, """
    A      L    ·    404  200  403  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("outreach.index", "GET", "-", "/events", None, """
    -      L    ·    403  403  200  200  200  200  200
    """),
    ("outreach.mine", "GET", "-", "/events/mine", None, """
    -      L    ·    403  200  403  200  200  200  403
    """),
    ("outreach.new", "GET", "-", "/events/new", None, """
    -      L    ·    403  200  403  200  200  200  403
    """),
    ("outreach.update", "POST", "empty", "/events/{event.@}/edit", {}, """
    A      L    ·    404  422  403  422  422  422  422
    B      L    ·    404  404  404  404  404  422  422
    """),
    ("outreach_qr.close_qr", "POST", "closed", "/events/{event.@}/qr/close", {}, """
    A      L    ·    404  303  403  303  303  303  303
    B      L    ·    404  404  404  404  404  303  303
    """),
    ("outreach_qr.poster", "GET", "-", "/events/{event.@}/poster", None, """
    A      L    ·    404  200  200  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("outreach_qr.qr_svg", "GET", "-", "/events/{event.@}/qr.svg", None, """
    A      L    ·    404  200  200  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("public.edit_warning", "GET", "-", "/warnings/{warning.draft.@}/edit", None, """
    A      L    ·    403  403  403  403  200  200  403
    B      L    ·    403  403  403  403  403  200  403
    """),
    ("public.edit_warning", "POST", "empty", "/warnings/{warning.draft.@}/edit", {}, """
    A      L    ·    403  403  403  403  422  422  403
    B      L    ·    403  403  403  403  403  422  403
    """),
    ("public.manage", "GET", "-", "/warnings/manage", None, """
    -      L    ·    403  403  403  403  200  200  403
    """),
    ("public.merchant_record", "GET", "-", "/m/{merchant.@}", None, """
    A      200  ·    200  200  200  200  200  200  200
    B      200  ·    200  200  200  200  200  200  200
    """),
    ("public.merchant_search", "GET", "-", "/m?q=%E8%B6%85%E5%B8%82", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("public.new_warning", "GET", "-", "/warnings/new", None, """
    -      L    ·    403  403  403  403  200  200  403
    """),
    ("public.new_warning", "POST", "empty", "/warnings/new", {}, """
    -      L    ·    403  403  403  403  422  422  403
    """),
    ("public.preview", "POST", "-", "/warnings/preview", {"body_md": "**x**"}, """
    -      L    ·    403  403  403  403  200  200  403
    """),
    ("public.publish_warning", "POST", "published", "/warnings/{warning.pub.@}/publish", {}, """
    A      L    ·    403  403  403  403  303  303  403
    B      L    ·    403  403  403  403  403  303  403
    """),
    ("public.sampling_index", "GET", "-", "/sampling", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("public.trusted", "GET", "-", "/trusted", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("public.warning_detail", "GET", "published", "/warnings/{warning.pub.@}", None, """
    A      200  ·    200  200  200  200  200  200  200
    B      200  ·    200  200  200  200  200  200  200
    """),
    ("public.warning_detail", "GET", "draft", "/warnings/{warning.draft.@}", None, """
    A      404  ·    404  404  404  404  404  404  404
    B      404  ·    404  404  404  404  404  404  404
    """),
    ("public.warnings_index", "GET", "-", "/warnings", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("public.withdraw_warning", "POST", "draft", "/warnings/{warning.draft.@}/withdraw", {}, """
    A      L    ·    403  403  403  403  422  422  403
    B      L    ·    403  403  403  403  403  422  403
    """),
    ("reports_dashboard.dashboard", "GET", "-", "/reports", None, """
    -      L    ·    403  403  403  403  200  200  200
    """),
    ("reports_dashboard.dashboard", "GET", "district", "/reports?district={dcode.@}", None, """
    A      L    ·    403  403  403  403  200  200  200
    B      L    ·    403  403  403  403  403  200  200
    """),
    ("reports_export.export", "GET", "complaints", "/reports/export/complaints.csv?district={dcode.@}", None, """
    A      L    ·    403  403  403  200  200  200  403
    B      L    ·    403  403  403  403  403  200  403
    """),
    ("reports_export.export", "GET", "inspections", "/reports/export/inspections.xlsx?district={dcode.@}", None, """
    A      L    ·    403  403  200  200  200  200  403
    B      L    ·    403  403  403  403  403  200  403
    """),
    ("reports_export.export", "GET", "events", "/reports/export/events.csv?district={dcode.@}", None, """
    A      L    ·    403  403  200  200  200  200  200
    B      L    ·    403  403  403  403  403  200  200
    """),
    ("reports_summary.docx", "GET", "-", "/reports/summary.docx?district={dcode.@}", None, """
    A      L    ·    403  403  403  403  200  200  200
    B      L    ·    403  403  403  403  403  200  200
    """),
    ("reports_summary.show", "GET", "-", "/reports/summary?district={dcode.@}", None, """
    A      L    ·    403  403  403  403  200  200  200
    B      L    ·    403  403  403  403  403  200  200
    """),
    ("reports_target.create", "POST", "empty", "/reports/targets", {}, """
    -      L    ·    403  403  403  403  422  422  422
    """),
    ("reports_target.delete", "POST", "fresh", "/reports/targets/FRESH/delete", {"t": "@"}, """
    A      L    ·    403  403  403  403  303  303  303
    B      L    ·    403  403  403  403  404  303  303
    """),
    ("reports_target.edit", "GET", "-", "/reports/targets/{target.@}/edit", None, """
    A      L    ·    403  403  403  403  200  200  200
    B      L    ·    403  403  403  403  404  200  200
    """),
    ("reports_target.edit", "POST", "empty", "/reports/targets/{target.@}/edit", {}, """
    A      L    ·    403  403  403  403  422  422  422
    B      L    ·    403  403  403  403  404  422  422
    """),
    ("reports_target.form", "GET", "-", "/reports/targets/form?id={target.@}", None, """
    A      L    ·    403  403  403  403  200  200  200
    B      L    ·    403  403  403  403  404  200  200
    """),
    ("reports_target.index", "GET", "-", "/reports/targets?district={dcode.@}", None, """
    A      L    ·    403  403  403  403  200  200  200
    B      L    ·    403  403  403  403  403  200  200
    """),
    ("risk.plan", "POST", "empty", "/inspections/targets/plan", {"merchant_id": "{merchant.@}"}, """
    A      L    ·    403  403  403  403  422  422  403
    B      L    ·    403  403  403  403  422  422  403
    """),
    ("risk.targets", "GET", "-", "/inspections/targets?district={dcode.@}", None, """
    A      L    ·    403  403  200  403  200  200  403
    B      L    ·    403  403  200  403  200  200  403
    """),
    ("roster.create_invite", "POST", "invalid", "/volunteers/invites", {"district_id": "{district.@}", "days": "0"}, """
    A      L    ·    403  403  403  422  422  422  422
    B      L    ·    403  403  403  422  422  422  422
    """),
    ("roster.index", "GET", "-", "/volunteers?district={dcode.@}", None, """
    A      L    ·    403  403  403  200  200  200  200
    B      L    ·    403  403  403  200  200  200  200
    """),
    ("roster.join", "GET", "open", "/join/{invite_code.@}", None, """
    A      200  ·    200  200  200  200  200  200  200
    B      200  ·    200  200  200  200  200  200  200
    """),
    ("roster.join", "GET", "revoked", "/join/{revoked_code.@}", None, """
    A      410  ·    200  200  200  200  200  200  200
    B      410  ·    200  200  200  200  200  200  200
    """),
    ("roster.join", "POST", "empty", "/join/{invite_code.@}", {}, """
    A      422  ·    409  409  409  409  409  409  409
    B      422  ·    409  409  409  409  409  409  409
    """),
    ("roster.join_start", "GET", "-", "/join", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("roster.revoke_invite", "POST", "revoked", "/volunteers/invites/{invite.@}/revoke", {}, """
    A      L    ·    403  403  403  303  303  303  303
    B      L    ·    403  403  403  404  404  303  303
    """),
    ("roster.set_active", "POST", "no-flag", "/volunteers/{volunteer.@}/active", {}, """
    A      L    ·    403  403  403  400  400  400  400
    B      L    ·    403  403  403  404  404  400  400
    """),
    ("shell.home", "GET", "-", "/", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("shell.manifest", "GET", "-", "/manifest.webmanifest", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("shell.offline", "GET", "-", "/offline", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("shell.outbox", "GET", "-", "/outbox", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("shell.service_worker", "GET", "-", "/sw.js", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("shell.text_size", "GET", "-", "/prefs/text?size=large", None, """
    -      303  ·    303  303  303  303  303  303  303
    """),
    ("static", "GET", "-", "/static/css/app.css", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    ("sync.csrf_token", "GET", "-", "/sync/csrf", None, """
    -      200  ·    200  200  200  200  200  200  200
    """),
    # Beyond the plain pairs: objects named in the form or the query, and the volunteer's edit window.
    ("handling.act", "POST", "assign-other-district", "/handling/complaints/{code.@}/assign",
     {"version": "{version.@}", "assignee_id": "{hand_other.@}"}, """
    A      L    L    403  403  403  422  422  422  403
    B      L    L    403  403  403  404  404  422  403
    """),
    ("merchant_office.confirm_merge", "GET", "into-other-merged", "/merchants/{merchant.@}/merge?into={merchant.x@}",
     None, """
    A      L    ·    403  403  403  404  404  409  403
    B      L    ·    403  403  403  404  404  409  403
    """),
    ("merchant_office.do_merge", "POST", "into-other-merged", "/merchants/{merchant.@}/merge",
     {"into": "{merchant.x@}"}, """
    A      L    ·    403  403  403  404  404  409  403
    B      L    ·    403  403  403  404  404  409  403
    """),
    ("roster.set_active", "POST", "staff-account", "/volunteers/{staffuser.@}/active", {"active": "0"}, """
    A      L    ·    403  403  403  404  404  404  404
    B      L    ·    403  403  403  404  404  404  404
    """),
    ("outreach.edit", "GET", "past-window", "/events/{event.old@}/edit", None, """
    A      L    ·    404  403  403  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("outreach.update", "POST", "past-window", "/events/{event.old@}/edit",
     {"held_on": "{today}", "venue_type": "school", "place": "x"}, """
    A      L    ·    404  403  403  422  422  422  422
    B      L    ·    404  404  404  404  404  422  422
    """),
    ("outreach.detail", "GET", "joined", "/events/{event.joint@}", None, """
    A      L    ·    404  200  200  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("outreach.edit", "GET", "joined", "/events/{event.joint@}/edit", None, """
    A      L    ·    404  403  403  200  200  200  200
    B      L    ·    404  404  404  404  404  200  200
    """),
    ("outreach.update", "POST", "foreign-volunteer", "/events/{event.@}/edit",
     {"held_on": "{today}", "venue_type": "community", "place": "幸福社区广场", "formats": "desk", "audiences": "elderly",
      "volunteers": "2", "volunteer_ids": "{volunteer_other.@}"}, """
    A      L    ·    404  422  403  422  422  422  422
    B      L    ·    404  404  404  404  404  422  422
    """),
    ("outreach.create", "POST", "valid-event", "/events",
     {"client_uuid": "{uuid}", "held_on": "{today}", "venue_type": "community", "place": "广场", "formats": "desk",
      "audiences": "elderly", "participants": "5", "district_id": "{district.@}"}, """
    A      L    ·    403  303+ 403  303+ 303+ 303+ 403
    B      L    ·    403  303  403  303  303  303+ 403
    """),
    # Watched: every request's change to the database shows as a "*" (run last: they change their objects).
    ("merchant_office.edit", "POST", "watch-move-and-trust", "/merchants/{editme.@}/edit",
     {"name": "{editme_name.@}", "address": "", "sector": "food", "district_id": "{district.x@}", "trusted": "on"}, """
    A      L    ·    403  403  403  303  303* 303* 303
    B      L    ·    403  403  403  404  404  303* 303
    """),
    ("reports_target.edit", "POST", "watch-move", "/reports/targets/{mtarget.@}/edit",
     {"metric": "{mmetric.@}", "year": "{year}", "target": "120", "district_id": "{district.x@}"}, """
    A      L    ·    403  403  403  403  422  303* 303*
    B      L    ·    403  403  403  403  404  303* 303*
    """),
    # Valid forms naming district A or B: who may create what where (run last: they add rows).
    ("roster.create_invite", "POST", "valid-invite", "/volunteers/invites",
     {"district_id": "{district.@}", "days": "7", "max_uses": "5"}, """
    A      L    ·    403  403  403  303+ 303+ 303+ 303+
    B      L    ·    403  403  403  403  403  303+ 303+
    """),
    ("campaigns.create", "POST", "valid-campaign", "/campaigns",
     {"kind": "enforcement", "name": "新专项", "starts_on": "{today}", "ends_on": "{soon}",
      "district_id": "{district.@}"}, """
    A      L    ·    403  403  403  403  303+ 303+ 403
    B      L    ·    403  403  403  403  303  303+ 403
    """),
    ("public.new_warning", "POST", "valid-warning", "/warnings/new",
     {"kind": "warning", "title": "新警示", "body_md": "谨防诈骗", "district_id": "{district.@}"}, """
    A      L    ·    403  403  403  403  303+ 303+ 403
    B      L    ·    403  403  403  403  303  303+ 403
    """),
    ("reports_target.create", "POST", "valid-target", "/reports/targets",
     {"metric": "closure_rate", "year": "{year+1}", "target": "85", "district_id": "{district.@}"}, """
    A      L    ·    403  403  403  403  303+ 422  422
    B      L    ·    403  403  403  403  422  303+ 422
    """),
    ("risk.plan", "POST", "valid-plan", "/inspections/targets/plan",
     {"merchant_id": "{merchant.@}", "planned_on": "{soon}"}, """
    A      L    ·    403  403  403  403  303+ 422  403
    B      L    ·    403  403  403  403  422  303+ 403
    """),
    ("inspections.create", "POST", "valid-inspection", "/inspections",
     {"client_uuid": "{uuid}", "captured_at": "{now}", "merchant_id": "{merchant.@}", "template_id": "{template.A}",
      "inspector_count": "1", "answers": ""}, """
    A      L    ·    403  403  303+ 403  303+ 303+ 403
    B      L    ·    403  403  422  403  422  303+ 403
    """),
]


def _fill(template: str, world, tag: str) -> str:
    def one(m):
        key = m.group(1).replace("@", tag)
        return str(uuid.uuid4()) if key == "uuid" else str(world[key])
    return re.sub(r"\{([\w.@+]+)\}", one, template)


def _body(body_t: dict | None, world, tag: str) -> dict:
    body = {k: _fill(v, world, tag) for k, v in (body_t or {}).items() if k != "answers"}
    if body_t and "answers" in body_t:
        body.update(world["answers"])
    return body


def _created(app, model, district_id: int) -> int:
    with Session(app.extensions["db_engine"]) as s:
        return s.exec(select(func.count()).select_from(model).where(model.district_id == district_id)).one()


def _targets(path: str, body: dict | None) -> tuple[str, ...]:
    text = path + repr(body or {})
    return ("A", "B") if "@" in text else ("-",)


def _table(spec: str) -> dict[tuple[str, str], str]:
    """{(target, principal): expected} from the table text."""
    out = {}
    for line in spec.strip().splitlines():
        cells = line.split()
        if not cells or cells[0] == "anon":
            continue
        target, values = cells[0], cells[1:]
        assert len(values) == len(PRINCIPALS), f"row {line!r} has {len(values)} cells"
        for principal, value in zip(PRINCIPALS, values):
            out[(target, principal)] = value
    return out


def _login(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code in (200, 302, 303), response.status_code


def _clients(app, world) -> dict:
    clients = {}
    for name in PRINCIPALS:
        client = app.test_client()
        if name in ACCOUNTS:
            _login(client, world.users[name])
        elif name == "guest":
            for tag in ("A", "CA"):
                response = client.post("/track", data={"code": world[f"code.{tag}"],
                                                       "phone_last4": world[f"phone.{tag}"]})
                assert response.status_code in (302, 303), response.status_code
        clients[name] = client
    return clients


def _guest_asked(path: str) -> bool:
    """The guest's session differs from anon's only by the complaints it tracked: ask where that matters."""
    return "{code." in path or "/photos/" in path or path.startswith(("/track", "/complaints", "/my/"))


def _observed(response, path: str) -> str:
    """The status as the table writes it: "L" for a redirect to the login page that comes back here."""
    if response.status_code in (302, 303):
        location = urlsplit(response.headers.get("Location", ""))
        if location.path == "/login":
            assert parse_qs(location.query).get("next") == [path], (path, response.headers["Location"])
            return "L"
    return str(response.status_code)


@pytest.fixture(scope="module", params=BACKENDS)
def matrix_app(request, tmp_path_factory):
    """One app and one world per backend for the whole module."""
    tmp = tmp_path_factory.mktemp("authz")
    url = empty_database(request, tmp)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                      "UPLOAD_DIR": str(tmp / "uploads"), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    world = build(app)
    world.ids.update({"template.B": MISSING, "dcode.A": "CD", "dcode.B": "CX", "year": world["today"][:4]})
    for tag in ("A", "B", "CA", "CB"):
        world.ids[f"version.{tag}"] = world.versions[world[f"code.{tag}"]]
    yield app, world
    app.extensions["db_engine"].dispose()


def _rules(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - SKIP_METHODS}


def test_every_rule_has_a_row_and_every_row_a_rule(matrix_app):
    app, _world = matrix_app
    rules = _rules(app)
    covered = {(endpoint, method) for endpoint, method, *_ in CASES}
    missing, stale = sorted(rules - covered), sorted(covered - rules)
    assert not (missing or stale), (
        f"routes with no row in the authorization matrix (add them to CASES): {missing}; "
        f"rows of the authorization matrix whose route is gone: {stale}")


def _clients_one(app, world, principal):
    client = app.test_client()
    if principal in ACCOUNTS:
        _login(client, world.users[principal])
    return client


def _request(app, world, clients, case, tag: str, principal: str) -> str:
    """Send one cell's request and return what the table would say about it."""
    endpoint, method, label, path_t, body_t, _spec = case
    creates, watched = CREATES.get(label), label.startswith("watch-")
    client = _clients_one(app, world, principal) if endpoint == "auth.logout" else clients[principal]
    path = _fill(path_t, world, tag)
    if "FRESH" in path:   # deleting is not idempotent: each request deletes a target of its own
        path = path.replace("FRESH", str(new_target(app, tag, world)))
    count = _created(app, creates, world[f"district.{tag}"]) if creates else None
    seen = fingerprint(app) if watched else None
    response = client.open(path, method=method, data=_body(body_t, world, tag) if method == "POST" else None)
    response.get_data()   # a streamed export must run to its end (it holds the request context)
    response.close()
    got = _observed(response, path)
    if creates and _created(app, creates, world[f"district.{tag}"]) > count:
        got += "+"
    if watched and fingerprint(app) != seen:
        got += "*"
    if "FRESH" in path_t and got not in ("302", "303"):
        with Session(app.extensions["db_engine"]) as s:
            assert s.get(PlanTarget, int(path.split("/")[3])) is not None, f"{path}: refused ({got}) but deleted"
    return got


def test_matrix(matrix_app):
    """Every cell of CASES as its table says; the figure printed is what the matrix covered."""
    app, world = matrix_app
    clients = _clients(app, world)
    dump = bool(os.environ.get("AUTHZ_DUMP"))
    only = set(os.environ["AUTHZ_ONLY"].split(",")) if os.environ.get("AUTHZ_ONLY") else None
    failures, requests = [], 0
    for case in CASES:
        endpoint, method, label, path_t, body_t, spec = case
        if only and label not in only:
            continue
        expected = _table(spec) if spec else {}
        # Every POST case but those meant to add or change rows must leave the database as it found it.
        compared = method == "POST" and label not in CREATES and not label.startswith("watch-") \
            and "FRESH" not in path_t
        before = fingerprint(app) if compared else None
        rows = []
        for tag in _targets(path_t, body_t):
            row = []
            for principal in PRINCIPALS:
                if principal == "guest" and not _guest_asked(path_t):
                    got = NOT_ASKED
                else:
                    got = _request(app, world, clients, case, tag, principal)
                    requests += 1
                row.append(got)
                if not dump and got != expected.get((tag, principal)):
                    failures.append(f"{endpoint} {method} {label} [{tag}] {principal}: "
                                    f"expected {expected.get((tag, principal))}, got {got}")
            rows.append(f"{tag:<6} " + " ".join(f"{c:<4}" for c in row))
        if compared:
            after = fingerprint(app)
            changed = sorted(t for t in before if before[t] != after[t])
            if changed:
                failures.append(f"{endpoint} {method} {label}: the database changed ({changed})")
        if dump:
            print(f'    ("{endpoint}", "{method}", "{label}", "{path_t}", {body_t!r}, """\n{HEAD}\n'
                  + "\n".join("    " + r for r in rows) + '\n"""),')
    asked = sum(1 for case in CASES for value in _table(case[5]).values() if value != NOT_ASKED)
    print(f"\nauthz matrix: {len(_rules(app))} rule×method pairs in {len(CASES)} cases × {len(PRINCIPALS)} "
          f"principals × own/other targets = {asked} cells, {requests} requests")
    assert not failures, "\n".join(failures)


# Lists: a district's staff see their district's rows and never the other district's (city level: both).
# (path, principal, what the page must show, what it must not), "{key}" filled from the world.
LISTS = [
    ("/handling/inbox", "hand", ["{code.A}"], ["{code.B}", "{code.CB}"]),
    ("/handling/inbox", "sup", ["{code.A}"], ["{code.B}"]),
    ("/handling/inbox", "supC", ["{code.A}", "{code.B}"], []),
    ("/my/complaints", "cons", ["{code.A}", "{code.CA}"], ["{code.B}", "{code.CB}"]),
    ("/handling/clusters", "hand", ["/handling/clusters/{cluster.A}"], ["/handling/clusters/{cluster.B}"]),
    ("/handling/clusters", "supC", ["/handling/clusters/{cluster.A}", "/handling/clusters/{cluster.B}"], []),
    ("/campaigns", "vol", ["outreach-A"], ["outreach-B", "enforcement-A", "enforcement-B"]),
    ("/campaigns", "insp", ["outreach-A", "enforcement-A"], ["outreach-B", "enforcement-B"]),
    ("/events", "insp", ["/events/{event.A}"], ["/events/{event.B}"]),
    ("/events", "adm", ["/events/{event.A}", "/events/{event.B}"], []),
    ("/events/mine", "vol", ["/events/{event.A}"], ["/events/{event.B}"]),
    ("/warnings/manage", "sup", ["/warnings/{warning.draft.A}/edit"], ["/warnings/{warning.draft.B}/edit"]),
    ("/warnings/manage", "supC", ["/warnings/{warning.draft.A}/edit", "/warnings/{warning.draft.B}/edit"], []),
    ("/inspections/samples", "insp", ["/inspections/samples/{sample.A}/"], ["/inspections/samples/{sample.B}/"]),
    ("/inspections/samples", "supC", ["/inspections/samples/{sample.A}/", "/inspections/samples/{sample.B}/"], []),
    ("/reports/targets?year={year}", "sup", ["/reports/targets/{target.A}/edit"], ["/reports/targets/{target.B}/edit"]),
    ("/volunteers?district=CX", "hand", ["/volunteers/{volunteer.A}/active"], ["/volunteers/{volunteer.B}/active"]),
    ("/merchants", "insp", ["/merchants/{merchant.A}\""], ["/merchants/{merchant.B}\""]),
]


def test_lists_stay_in_their_district(matrix_app):
    app, world = matrix_app
    clients = {}
    problems = []
    for path_t, principal, present, absent in LISTS:
        if principal not in clients:
            clients[principal] = _clients_one(app, world, principal)
        path = _fill(path_t, world, "-")
        response = clients[principal].get(path)
        page = response.get_data(as_text=True)
        if response.status_code != 200:
            problems.append(f"{path} as {principal}: {response.status_code}")
            continue
        problems += [f"{path} as {principal}: {m!r} missing" for m in (_fill(t, world, "-") for t in present)
                     if m not in page]
        problems += [f"{path} as {principal}: shows {m!r}" for m in (_fill(t, world, "-") for t in absent)
                     if m in page]
    assert not problems, "\n".join(problems)


# With CSRF on (as in production), a POST without the token is refused before anything else happens.
CSRF_POSTS = [
    ("/login", None, {"username": "handler", "password": DEMO_PASSWORD}),
    ("/complaints", None, {}),
    ("/track", None, {"code": "{code.A}", "phone_last4": "{phone.A}"}),
    ("/handling/complaints/{code.A}/log-step", "hand", {"version": "{version.A}", "note": "打电话"}),
    ("/campaigns", "sup", {"kind": "enforcement", "name": "x", "starts_on": "{today}", "ends_on": "{soon}"}),
    ("/admin/users", "adm", {"username": "new-one", "password": "x" * 12, "role": "handler"}),
    ("/volunteers/invites", "hand", {"days": "7", "max_uses": "5"}),
    ("/reports/targets/{target.A}/delete", "sup", {}),
]


def test_posts_without_csrf_token_are_refused(matrix_app):
    app, world = matrix_app
    signed_in = {name: _clients_one(app, world, name) for name in {p for _u, p, _b in CSRF_POSTS if p}}
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        before = fingerprint(app)
        for path_t, principal, body_t in CSRF_POSTS:
            client = signed_in[principal] if principal else app.test_client()
            path = _fill(path_t, world, "A")
            response = client.post(path, data={k: _fill(v, world, "A") for k, v in body_t.items()})
            assert response.status_code == 400, (path, principal, response.status_code)
        assert fingerprint(app) == before
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
