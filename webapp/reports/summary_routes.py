"""Routes of the reports area: summary."""
from flask import Blueprint

bp = Blueprint("reports_summary", __name__)
