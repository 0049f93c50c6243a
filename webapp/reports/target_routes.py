"""Routes of the reports area: target."""
from flask import Blueprint

bp = Blueprint("reports_target", __name__)
