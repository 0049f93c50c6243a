"""Language choice: ?lang=en|zh switches, a cookie remembers it, Chinese is the default."""
from __future__ import annotations

from flask import Response, g, request

LANGS = {"zh": "zh_Hans_CN", "en": "en"}
COOKIE = "lang"


def select_locale() -> str:
    """The locale for this request: the query parameter, then the cookie, then Chinese.

    Worked out once per request and kept on the request object (labels and templates ask for it dozens of times;
    not on flask.g, which an app context held across several requests would share)."""
    try:
        return request.xb_locale
    except AttributeError:
        pass
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    locale = request.xb_locale = LANGS.get(asked or "", LANGS["zh"])
    return locale


def current_lang() -> str:
    """'zh' or 'en', for templates and links."""
    return "en" if select_locale() == "en" else "zh"


def remember_lang(response: Response) -> Response:
    """Persist an explicit ?lang= choice for a year."""
    asked = request.args.get("lang")
    if asked in LANGS and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def text_size() -> str:
    """'large' when the person chose large text (适老化), else 'normal'."""
    return "large" if request.cookies.get("text") == "large" else "normal"


def set_text_size(response: Response, size: str) -> Response:
    """Remember the text size for a year."""
    response.set_cookie("text", "large" if size == "large" else "normal",
                        max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    g.text_size = size
    return response
