"""Merchant search-as-you-type for the complaint form."""
from __future__ import annotations

from flask import Blueprint, request

from webapp.db import get_session
from webapp.htmx import render
from webapp.merchants import service
from webapp.merchants.models import SECTORS

bp = Blueprint("merchants", __name__)


@bp.get("/merchants/search")
def search():
    """Matching merchants as a list of choices (htmx fragment)."""
    query = request.args.get("merchant_name", "") or request.args.get("q", "")
    results = service.search(get_session(), query) if len(query.strip()) >= 1 else []
    return render("merchants/_search_results.html", "merchants/_search_results.html",
                  results=results, query=query.strip(), sectors=SECTORS)
