"""Compressed bytes of the complaint form page with its CSS and JS: first visit, and repeat visit with the
service worker (which serves the shell assets from its cache, so only the page itself travels)."""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.demo import load_reference  # noqa: E402
from webapp.migrate import upgrade  # noqa: E402

PAGES = ("/complaints/new", "/track", "/")


def fetch(client, url: str) -> tuple[int, int, str]:
    """(bytes on the wire with gzip, uncompressed bytes, content-encoding) of one GET."""
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, (url, response.status_code)
    raw = response.get_data()
    encoding = response.headers.get("Content-Encoding", "identity")
    if encoding == "gzip":
        import gzip
        return len(raw), len(gzip.decompress(raw)), encoding
    return len(raw), len(raw), encoding


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "UPLOAD_DIR": f"{tmp}/up", "RATELIMIT_ENABLED": False,
                          "SECRET_KEY": "bench"})
        with Session(app.extensions["db_engine"]) as session:
            load_reference(session)
            session.commit()
        client = app.test_client()
        print(f"{'page':18} {'HTML+CSS+JS (gz)':>17} {'all, first visit':>17} {'raw':>9} {'repeat visit':>13}")
        for page in PAGES:
            html = client.get(page).get_data(as_text=True)
            # Each distinct URL once, as a browser fetches it.
            assets = list(dict.fromkeys(re.findall(r'(?:src|href)="(/static/[^"]+)"', html)))
            extra = ["/manifest.webmanifest", "/sw.js"]
            wire = raw = core = 0
            rows = []
            for item in [page] + assets + extra:
                w, r, enc = fetch(client, item)
                wire, raw = wire + w, raw + r
                if item == page or item.split("?")[0].endswith((".css", ".js")) and item.startswith("/static"):
                    core += w
                rows.append((item, w, r, enc))
            repeat_wire, _, _ = fetch(client, page)  # shell assets come from the service worker's cache
            print(f"{page:18} {core:>11,} bytes {wire:>11,} bytes {raw:>9,} {repeat_wire:>7,} bytes")
            if page == PAGES[0]:
                detail = rows
        print("\ncomplaint form, first visit, by resource:")
        for item, w, r, enc in detail:
            print(f"  {item.split('?')[0]:45} {w:>8,} B on the wire ({enc}), {r:>8,} B raw")
        app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
