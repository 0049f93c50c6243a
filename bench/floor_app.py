"""The framework's floor: a minimal Flask app that answers each page of the throughput benchmark with exactly the
bytes and headers (Content-Type, Content-Encoding, Vary, Cache-Control) the real app sent for it.

bench/throughput.py captures those responses through the running real server and names the file holding them in
XIAOBAO_FLOOR_PAGES (JSON: {"pages": [{"path", "status", "headers": {name: value}, "body_b64"}]}). The app does no
database work, no session, no templates, no compression: what is left is Flask + waitress serving stored bytes, the
most any page of ours could reach on this stack.

    XIAOBAO_FLOOR_PAGES=/tmp/pages.json waitress-serve --threads 4 --call bench.floor_app:create_app
"""
from __future__ import annotations

import base64
import json
import os

from flask import Flask, Response

ENV = "XIAOBAO_FLOOR_PAGES"
HEADERS = ("Content-Type", "Content-Encoding", "Vary", "Cache-Control")


def load_pages(path: str) -> list[dict]:
    """The captured pages: path, status, the headers kept, and the body bytes."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    pages = []
    for page in data["pages"]:
        headers = {k: v for k, v in page["headers"].items() if k in HEADERS}
        pages.append({"path": page["path"], "status": int(page.get("status", 200)), "headers": headers,
                      "body": base64.b64decode(page["body_b64"])})
    return pages


def create_app(pages_file: str | None = None) -> Flask:
    """One route per captured path, each returning its stored response; /offline answers the readiness probe."""
    app = Flask(__name__)
    pages = load_pages(pages_file or os.environ[ENV])
    for number, page in enumerate(pages):
        body, status, headers = page["body"], page["status"], page["headers"]

        def view(body=body, status=status, headers=headers, **_url_args):
            return Response(body, status=status, headers=headers)

        app.add_url_rule(page["path"], endpoint=f"page{number}", view_func=view)
    if "/offline" not in {page["path"] for page in pages}:
        app.add_url_rule("/offline", endpoint="offline", view_func=lambda: Response(b"ok", mimetype="text/plain"))
    return app
