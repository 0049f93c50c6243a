"""Routes of the reports area: export."""
from flask import Blueprint

bp = Blueprint("reports_export", __name__)
