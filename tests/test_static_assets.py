"""Static files: the lean answer of a file (no page headers, no session), precompressed text, content-hash ETags."""
import gzip
from pathlib import Path

import brotli
import pytest

from webapp import assets

STATIC = Path(__file__).resolve().parents[1] / "static"
PAGE_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Referrer-Policy")


def _url(app, filename: str) -> str:
    with app.test_request_context():
        return assets.asset_url(filename)


def test_static_file_headers_are_lean_but_keep_nosniff(app, client, login_as):
    # Signed in, so the request carries a session cookie the answer must neither use nor refresh.
    login_as("handler")
    assert client.get_cookie("session")
    response = client.get(_url(app, "js/app.js"), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for header in (*PAGE_HEADERS, "Set-Cookie", "Content-Disposition", "Last-Modified"):
        assert header not in response.headers, header
    assert [v.strip() for v in response.headers["Vary"].split(",")] == ["Accept-Encoding"]
    # A page of the same client keeps every security header and its session.
    page = client.get("/handling/inbox")
    assert page.status_code == 200
    for header in PAGE_HEADERS:
        assert page.headers.get(header), header
    assert "Cookie" in page.headers["Vary"]


def test_an_error_page_under_static_is_a_page(client):
    response = client.get("/static/js/no-such-file.js")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("filename", ["vendor/pico-2.1.1.red.slim.min.css", "vendor/htmx-2.0.11.min.js", "css/app.css"])
def test_text_is_precompressed_at_the_best_level(app, client, filename):
    raw = (STATIC / filename).read_bytes()
    url = _url(app, filename)
    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data) == raw
    assert int(br.headers["Content-Length"]) == len(br.data)
    gz = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.data) == raw
    # Better than what Flask-Compress made on every request (gzip -6), and brotli better still.
    assert len(br.data) < len(gz.data) < len(gzip.compress(raw, 6))
    plain = client.get(url, headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and plain.data == raw
    # One ETag per encoding, each the content hash of the ?v= in the URL.
    version = url.split("v=")[1]
    assert {br.headers["ETag"], gz.headers["ETag"], plain.headers["ETag"]} == {
        f'"{version}-br"', f'"{version}-gzip"', f'"{version}"'}
    assert all("Accept-Encoding" in r.headers["Vary"] for r in (br, gz, plain))


def test_conditional_requests_answer_304_for_the_same_encoding_only(app, client):
    url = _url(app, "vendor/htmx-2.0.11.min.js")
    first = client.get(url, headers={"Accept-Encoding": "br"})
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    for header in (*PAGE_HEADERS, "Set-Cookie"):
        assert header not in again.headers, header
    # A client that now only takes gzip gets the gzip file, not a 304 for the brotli one.
    other = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip"


def test_images_go_out_as_they_are(app, client):
    url = _url(app, "icons/icon-56.png")
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / "icons/icon-56.png").read_bytes()
    assert response.headers["ETag"] == f'"{url.split("v=")[1]}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_a_changed_file_is_encoded_again(tmp_path):
    path = tmp_path / "x.css"
    path.write_text("body { color: red }\n" * 50)
    first = assets._static_file(str(path))
    assert brotli.decompress(first.encoding("br")) == path.read_bytes()
    path.write_text("body { color: blue }\n" * 60)
    second = assets._static_file(str(path))
    assert second.digest != first.digest
    assert brotli.decompress(second.encoding("br")) == path.read_bytes()
    # Too small to gain anything: sent as it is.
    path.write_text("a{}")
    assert assets._static_file(str(path)).encoding("gzip") is None


def test_pages_go_out_in_brotli_when_the_browser_takes_it(client, base_data):
    br = client.get("/complaints/new", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.status_code == 200 and br.headers["Content-Encoding"] == "br"
    html = brotli.decompress(br.data)
    assert b"<html" in html and "Accept-Encoding" in br.headers["Vary"]
    gz = client.get("/complaints/new", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(gz.data)


# The slim Pico (tools/pico/xiaobao.scss) leaves these modules out: no page may need them.
LEFT_OUT = {
    "forms/input-color": r"type=[\"']?color",
    "forms/input-range": r"type=[\"']?range",
    "components/dropdown": r"\bdropdown\b",
    "components/modal": r"<dialog[\s>]|showModal",
    "components/tooltip": r"data-tooltip",
    "layout/overflow-auto": r"overflow-auto",
}


def test_no_page_needs_a_pico_module_left_out():
    import re

    from webapp.public import warnings

    root = Path(__file__).resolve().parents[1]
    scss = (root / "tools/pico/xiaobao.scss").read_text()
    sources = [*root.glob("templates/**/*.html"), *root.glob("static/js/*.js"), root / "static/css/app.css"]
    for module, pattern in LEFT_OUT.items():
        assert f'"{module}": false' in scss, module
        users = [str(p.relative_to(root)) for p in sources if re.search(pattern, p.read_text())]
        assert not users, f"{module} is left out of the slim Pico but used by {users}: set it back in " \
                          "tools/pico/xiaobao.scss and run tools/build-pico.sh"
    # Warnings are Markdown rendered to HTML: their allowed tags must not need a left-out module either.
    assert not {"dialog", "input", "details"} & set(warnings.TAGS)
    # Every page is light: the slim Pico has no dark scheme.
    assert 'data-theme="light"' in (root / "templates/base.html").read_text()
