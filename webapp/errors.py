"""Error pages for 4xx and 500: a full page, or a fragment that htmx shows as a notice."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.complaints.states import LABELS as STATE_LABELS
from webapp.complaints.states import TransitionNotAllowed
from webapp.htmx import render


def _text(code: int) -> tuple[str, str]:
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("Your account may not do this.")),
        404: (_("Not found"), _("This page does not exist, or you may not see it.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        409: (_("Conflict"), _("This could not be done in the current state.")),
        413: (_("Too large"), _("The upload is too large. Please send fewer or smaller photos.")),
        422: (_("Please check your input"), _("Some of what was sent is not valid.")),
        429: (_("Too many attempts"), _("Too many attempts in a short time. Please wait a while and try again.")),
        500: (_("Something went wrong"),
              _("Something went wrong on our side. Nothing you had saved is lost; please try again.")),
    }
    return texts.get(code, texts[400] if code < 500 else texts[500])


def error_response(code: int, detail: str | None = None):
    """Render the error page (or fragment) for `code`, with an optional specific explanation."""
    title, message = _text(code)
    return render("errors/error.html", "errors/_error.html", status=code, code=code, title=title,
                  message=detail or message)


def _carries_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values.keys())


def refuse_nul():
    """422 for a request with NUL in a query or form value: no keyboard types it and PostgreSQL refuses it.

    Forms clean other control characters (webapp.forms.clean_text); this catches NUL everywhere else too,
    before any route can pass it to the database.
    """
    if _carries_nul(request.args) or (request.method in ("POST", "PUT", "PATCH") and _carries_nul(request.form)):
        message = _("What was sent contains a character that is not allowed (NUL). Nothing was saved; "
                    "please remove it and send it again.")
        from webapp.sync.answers import outbox_asks, result  # the outbox keeps the record with its reason
        return result(422, error=message) if outbox_asks() else error_response(422, message)
    return None


def register(app: Flask) -> None:
    """Install the handlers."""
    app.before_request(refuse_nul)

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return error_response(400, _("This form has expired. Please reload the page and send it again; "
                                     "copy any long text first."))

    @app.errorhandler(TransitionNotAllowed)
    def not_allowed(exc: TransitionNotAllowed):
        state = STATE_LABELS.get(exc.state, exc.state)
        return error_response(409, _("This cannot be done now: the complaint is “%(state)s”.", state=state))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return error_response(exc.code)

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        current_app.logger.error("Unhandled error", exc_info=getattr(exc, "original_exception", exc))
        return error_response(500)
