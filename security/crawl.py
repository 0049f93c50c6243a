"""The crawler that security tools share: every page and form a role can reach on the live server.

security/sqlmap_scan.py turns what it finds into sqlmap targets; e2e/test_csp.py visits the pages in Chromium.
"""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

from webapp.demo_data import DEMO_PASSWORD

# Who signs in to crawl and scan: None is the anonymous visitor (a consumer without an account).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "consumer": "13800000001",
    "volunteer": "volunteer",
    "inspector": "inspector",
    "handler": "handler",
    "supervisor": "supervisor",
    "admin": "admin",
}
# Never followed while crawling: they end the session.
NEVER_FOLLOW = {"auth.logout"}

# --- crawling ---------------------------------------------------------------------------------------------------

@dataclass
class Form:
    """A form (or a lone htmx input) as a role's browser would submit it."""

    role: str
    page: str                      # the URL of the page it was found on
    method: str                    # GET or POST
    action: str                    # path (+ query) it submits to
    fields: dict[str, str]         # name -> the value a user would send
    files: list[str] = field(default_factory=list)

    @property
    def testable(self) -> list[str]:
        """The fields to test: one of each family (item-3-result, item-4-result, … go through the same code)."""
        seen, names = set(), []
        for name in self.fields:
            if name != "csrf_token" and family(name) not in seen:
                seen.add(family(name))
                names.append(name)
        return names


def family(name: str) -> str:
    """A field name with its numbers taken out: the repeated rows of one form share it."""
    return re.sub(r"\d+", "#", name)


class _PageParser(HTMLParser):
    """Links (a, img, hx-get, form actions) and forms of one HTML page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _url(self, value: str | None) -> None:
        if value:
            self.links.append(urllib.parse.urljoin(self.page, value))

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
            return
        for attr in ("href", "src", "hx-get", "data-src"):
            if attr in a and not (tag == "link" and attr == "href" and a.get("rel") not in ("manifest",)):
                self._url(a[attr])
        if tag == "form":
            method = (a.get("hx-post") and "POST") or (a.get("hx-get") and "GET") or a.get("method", "get").upper()
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or self.page
            self._form = {"method": method, "action": urllib.parse.urljoin(self.page, action), "fields": {},
                          "files": []}
            self._url(a.get("action") if method == "GET" else None)
            return
        name = a.get("name")
        if tag in ("input", "select", "textarea") and name and self._form is None and (a.get("hx-get") or
                                                                                       a.get("hx-post")):
            # An htmx control outside any form sends its own value to its URL.
            method = "POST" if a.get("hx-post") else "GET"
            self.forms.append({"method": method, "action": urllib.parse.urljoin(self.page, a.get("hx-get") or
                                                                                a.get("hx-post")),
                               "fields": {name: a.get("value", "")}, "files": []})
            return
        if self._form is None or not name:
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form["files"].append(name)
            elif kind in ("checkbox", "radio"):
                if name not in fields or "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind in ("submit", "button", "image", "reset"):
                fields.setdefault(name, a.get("value", ""))
            else:
                fields.setdefault(name, a.get("value", ""))
                fields.setdefault("__type__" + name, kind)
        elif tag == "button" and a.get("type", "submit") == "submit":
            fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = name
            self._text = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].setdefault(self._textarea, "".join(self._text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, values, selected = self._select
            chosen = selected[0] if selected else next((v for v in values if v), values[0] if values else "")
            self._form["fields"].setdefault(name, chosen)
            self._select = None

def parse_page(url: str, html: str) -> tuple[list[str], list[dict]]:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.links, parser.forms


def plausible(name: str, kind: str, value: str) -> str:
    """A value a user could have typed into an empty field: sqlmap needs a working original request."""
    if value:
        return value
    lname = name.lower()
    if kind == "number" or lname.endswith("_id") or lname in ("amount", "days", "max_uses", "target", "year"):
        return "1" if kind == "number" or lname.endswith("_id") else "7"
    if kind == "date" or lname.endswith("date") or lname.endswith("_on"):
        return "2026-11-01"
    if "last4" in lname:
        return "5678"
    if "phone" in lname or kind == "tel":
        return "13912345678"
    if kind == "email" or "email" in lname:
        return "a@example.com"
    if "password" in lname:
        return "long-enough-1"
    if lname in ("lat", "latitude"):
        return "30.6598"
    if lname in ("lng", "lon", "longitude"):
        return "104.0633"
    return "test"


def _clean_fields(fields: dict[str, str]) -> dict[str, str]:
    kinds = {k[len("__type__"):]: v for k, v in fields.items() if k.startswith("__type__")}
    return {k: plausible(k, kinds.get(k, "text"), v) if k != "csrf_token" else v
            for k, v in fields.items() if not k.startswith("__type__")}


@dataclass
class Page:
    role: str
    url: str
    endpoint: str
    status: int
    content_type: str


@dataclass
class CrawlResult:
    """What each role reached: pages by endpoint, forms, and the query parameters links carry."""

    pages: list[Page] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    query_links: dict[str, dict[str, tuple[str, str]]] = field(default_factory=lambda: defaultdict(dict))

    def urls(self, endpoint: str, role: str | None = None) -> list[str]:
        return [p.url for p in self.pages if p.endpoint == endpoint and p.status == 200
                and (role is None or p.role == role)]


def matcher(url_map: Map):
    adapter = url_map.bind("localhost")

    def match(path: str, method: str = "GET") -> tuple[str, dict] | None:
        try:
            return adapter.match(path, method=method)
        except HTTPException:
            return None
        except Exception:  # noqa: BLE001 - RequestRedirect and friends: not a page of ours
            return None
    return match


def crawl(url_map: Map, fetchers: dict, per_endpoint: int = 2, limit: int = 400) -> CrawlResult:
    """Visit, as each role, every argument-less GET rule, then what its pages link to (≤ per_endpoint each).

    fetchers: role -> fetch(path) returning (status, content_type, text, final_path).
    """
    match = matcher(url_map)
    start = sorted(r.rule for r in url_map.iter_rules()
                   if "GET" in (r.methods or ()) and not r.arguments and r.endpoint != "static")
    result = CrawlResult()
    for role, fetch in fetchers.items():
        queue = deque(["/", *start])
        seen: set[str] = set()
        visits: dict[str, int] = defaultdict(int)
        while queue and len(seen) < limit:
            url = queue.popleft()
            parts = urllib.parse.urlsplit(url)
            if parts.netloc and parts.netloc not in ("localhost",) and not url.startswith("/"):
                if not parts.netloc.startswith("127.0.0.1") and parts.netloc != "localhost":
                    continue
            path = parts.path or "/"
            target = path + (f"?{parts.query}" if parts.query else "")
            if target in seen:
                continue
            matched = match(path)
            if matched is None or matched[0] == "static" or matched[0] in NEVER_FOLLOW:
                continue
            endpoint = matched[0]
            if parts.query:
                for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
                    result.query_links[endpoint].setdefault(name, (value, target))
            if visits[endpoint] >= per_endpoint:
                continue
            visits[endpoint] += 1
            seen.add(target)
            status, ctype, text, final = fetch(target)
            final_match = match(urllib.parse.urlsplit(final).path)
            if final_match is None or final_match[0] != endpoint:
                status = 302 if status == 200 else status  # sent elsewhere (e.g. to sign in): not this page
            result.pages.append(Page(role, target, endpoint, status, ctype))
            if status != 200 or not ctype.startswith("text/html"):
                continue
            links, forms = parse_page(target, text)
            for link in links:
                split = urllib.parse.urlsplit(link)
                queue.append(split.path + (f"?{split.query}" if split.query else ""))
            for raw in forms:
                action = urllib.parse.urlsplit(raw["action"])
                action_path = action.path + (f"?{action.query}" if action.query else "")
                result.forms.append(Form(role, target, raw["method"], action_path, _clean_fields(raw["fields"]),
                                         raw["files"]))
                if raw["method"] == "GET":
                    queue.append(action_path)
    return result


# --- HTTP as a role ---------------------------------------------------------------------------------------------

class Browser:
    """urllib with a cookie jar: one signed-in (or anonymous) visitor of the live server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def fetch(self, path: str, data: dict | None = None) -> tuple[int, str, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        try:
            with self.opener.open(request, timeout=60) as response:  # noqa: S310 - loopback server we started
                status, headers, raw, final = response.status, response.headers, response.read(), response.geturl()
        except urllib.error.HTTPError as exc:
            status, headers, raw, final = exc.code, exc.headers, exc.read(), exc.geturl()
        ctype = headers.get("Content-Type", "")
        text = raw.decode("utf-8", "replace") if ctype.startswith(("text/", "application/json")) else ""
        return status, ctype, text, final.replace(self.base_url, "", 1) or "/"

    def csrf_token(self, path: str = "/login") -> str:
        _status, _ctype, text, _final = self.fetch(path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', text)
        if not found:
            raise RuntimeError(f"no CSRF token on {path}")
        return found.group(1)

    def sign_in(self, username: str) -> None:
        status, _ctype, _text, final = self.fetch("/login", {"csrf_token": self.csrf_token(), "username": username,
                                                             "password": DEMO_PASSWORD})
        if status != 200 or final.startswith("/login"):
            raise RuntimeError(f"could not sign in as {username}: {status} {final}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
