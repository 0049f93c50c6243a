"""The shell: render() picks fragment or page, security headers, service worker, manifest, preferences."""
import json

from flask import Blueprint

from webapp.htmx import render


def test_render_full_page_vs_fragment(app, base_data):
    bp = Blueprint("probe", __name__)

    @bp.get("/probe")
    def probe():
        return render("complaints/track.html", "complaints/_track_form.html", values={}, errors={})

    app.register_blueprint(bp)
    client = app.test_client()
    full = client.get("/probe")
    assert b"<html" in full.data and "HX-Request" in full.headers["Vary"]
    fragment = client.get("/probe", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b'id="track-form"' in fragment.data
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = client.get("/probe", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert b"<html" in boosted.data
    restore = client.get("/probe", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.data


def test_strict_csp_and_no_inline_script(client, base_data):
    response = client.get("/complaints/new")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    # Every <script> has a src: inline scripts would be blocked by the CSP anyway.
    assert html.count("<script") == html.count("<script src=")
    assert " style=" not in html


def test_service_worker_served_from_root_uncached(client, base_data):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    for page in ("/", "/complaints/new", "/track", "/offline"):
        assert json.dumps(page) in body
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in body


def test_static_assets_hashed_and_long_cached(client, base_data):
    html = client.get("/").get_data(as_text=True)
    start = html.index("/static/css/app.css?v=")
    url = html[start:html.index('"', start)]
    response = client.get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]


def test_manifest_has_icons(client, base_data):
    response = client.get("/manifest.webmanifest")
    data = json.loads(response.get_data(as_text=True))
    assert data["start_url"] == "/" and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_large_text_preference_is_remembered(client, base_data):
    response = client.get("/prefs/text?size=large&next=/track")
    assert response.status_code == 303 and response.headers["Location"].endswith("/track")
    assert 'class="text-large"' in client.get("/track").get_data(as_text=True)
    client.get("/prefs/text?size=normal&next=/")
    assert 'class="text-large"' not in client.get("/").get_data(as_text=True)


def test_preference_redirect_is_not_open(client, base_data):
    response = client.get("/prefs/text?size=large&next=//evil.example/")
    assert response.headers["Location"].endswith("/") and "evil" not in response.headers["Location"]


def test_error_pages_full_and_fragment(client, base_data):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and b"<html" in page.data
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and b"<html" not in fragment.data and b"error-404" in fragment.data
    english = client.get("/no-such-page?lang=en")
    assert b"Not found" in english.data


def test_unauthenticated_htmx_gets_hx_redirect(client, base_data):
    response = client.get("/my/complaints", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    plain = client.get("/my/complaints")
    assert plain.status_code == 302 and "/login" in plain.headers["Location"]


def test_server_error_page_saves_nothing(app, base_data):
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    app.register_blueprint(bp)
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = client.get("/boom")
    assert page.status_code == 500 and b"<html" in page.data and b"kaboom" not in page.data
    fragment = client.get("/boom?lang=en", headers={"HX-Request": "true"})
    assert fragment.status_code == 500 and b"Something went wrong" in fragment.data and b"<html" not in fragment.data


def test_rate_limit_page_in_both_languages(app_config, base_data):
    from webapp import create_app
    app_config["RATELIMIT_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    for _ in range(10):
        client.post("/track?lang=en", data={"code": "x", "phone_last4": "1"})
    limited = client.post("/track?lang=en", data={"code": "x", "phone_last4": "1"})
    assert limited.status_code == 429 and b"Too many attempts" in limited.data
    app.extensions["db_engine"].dispose()


def test_pages_are_never_kept_by_a_shared_cache(client, make_complaint):
    """A tracking page shows a consumer's complaint: without a caching rule of its own a response is private."""
    complaint = make_complaint()
    client.post("/track", data={"code": complaint.tracking_code, "phone_last4": complaint.consumer_phone[-4:]})
    for url in ("/", f"/track/{complaint.tracking_code}", "/complaints/new", "/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        # private: no shared cache; no-cache: the phone asks again each time (and gets a 304 when unchanged).
        assert response.headers["Cache-Control"] == "private, no-cache", url
