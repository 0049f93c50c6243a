"""Routes of the reports area: dashboard."""
from flask import Blueprint

bp = Blueprint("reports_dashboard", __name__)
