"""Syncing 100 queued inspections with 3 photos each, the way the outbox replays them after a morning
offline — then the whole queue again, as a phone that lost the answers would: duplicates must be 0.

Measures the server's side over a real socket (waitress on loopback, one record at a time like the outbox);
photos are phone-sized JPEGs (long edge 2048, as the browser downscales them before queueing).
"""
from __future__ import annotations

import io
import json
import random
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402
from waitress.server import create_server  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.demo import load_reference  # noqa: E402
from webapp.demo_data import DEMO_PASSWORD  # noqa: E402
from webapp.inspections.models import ChecklistItem, ChecklistTemplate, Inspection  # noqa: E402
from webapp.media.models import Photo  # noqa: E402
from webapp.migrate import upgrade  # noqa: E402

RECORDS, PHOTOS = 100, 3


def phone_photo(seed: int) -> bytes:
    rng = random.Random(seed)
    # A shelf-like scene: smooth light with some grain, like a phone photo after the browser's downscale.
    light = Image.linear_gradient("L").resize((2048, 1536)).rotate(rng.randint(0, 359)).convert("RGB")
    grain = Image.effect_noise((2048, 1536), 12 + rng.randint(0, 8)).convert("RGB")
    img = Image.blend(light, grain, 0.25)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "UPLOAD_DIR": f"{tmp}/up", "RATELIMIT_ENABLED": False,
                          "SECRET_KEY": "bench"})
        with Session(app.extensions["db_engine"]) as session:
            _d, _c, merchants = load_reference(session)
            session.commit()
            template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == "food")).one()
            items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)).all()
            targets = [m for m in merchants if m.district_id == merchants[0].district_id]
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        port = server.effective_port
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

        def call(path, data=None, content_type=None, headers=None):
            request = urllib.request.Request(base + path, data=data, headers=headers or {})
            if content_type:
                request.add_header("Content-Type", content_type)
            try:
                with opener.open(request) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()

        call("/login")
        token = json.loads(call("/sync/csrf")[1])["token"]
        login, _ = multipart([("csrf_token", token), ("username", "inspector"), ("password", DEMO_PASSWORD)], [])
        call("/login", login, _)
        photos = [phone_photo(i) for i in range(12)]
        queue = []
        for n in range(RECORDS):
            fields = [("client_uuid", str(uuid.uuid4())),
                      ("captured_at", datetime.now(timezone.utc).replace(microsecond=0).isoformat()),
                      ("merchant_id", str(targets[n % len(targets)].id)), ("template_id", str(template.id)),
                      ("result", "pass"), ("note", f"上午巡查第 {n + 1} 户"), ("inspector_count", "2")]
            fields += [(f"item-{item.id}", "pass") for item in items]
            files = [(f"item-{items[k].id}-photos", f"p{k}.jpg", photos[(n + k) % len(photos)]) for k in range(PHOTOS)]
            queue.append(multipart(fields, files))
        upload_mb = sum(len(body) for body, _ in queue) / 2**20

        def replay() -> tuple[float, dict[int, int]]:
            statuses: dict[int, int] = {}
            started = time.perf_counter()
            for body, content_type in queue:
                token = json.loads(call("/sync/csrf")[1])["token"]  # a fresh token per record, as the outbox does
                status, _ = call("/inspections", body, content_type,
                                 {"Accept": "application/json", "X-CSRFToken": token, "Origin": base})
                statuses[status] = statuses.get(status, 0) + 1
            return time.perf_counter() - started, statuses

        first, first_statuses = replay()
        again, again_statuses = replay()
        with Session(app.extensions["db_engine"]) as session:
            rows = session.exec(select(func.count()).select_from(Inspection)).one()
            photo_rows = session.exec(select(func.count()).select_from(Photo)).one()
        server.close()
        app.extensions["db_engine"].dispose()
    print(f"sync of {RECORDS} queued inspections × {PHOTOS} photos ({upload_mb:.1f} MB) over loopback, SQLite:")
    print(f"  first sync    {first:6.2f} s  ({first / RECORDS * 1000:5.0f} ms per record)  answers {first_statuses}")
    print(f"  full replay   {again:6.2f} s  ({again / RECORDS * 1000:5.0f} ms per record)  answers {again_statuses}")
    print(f"  inspections stored: {rows}, photos stored: {photo_rows}, duplicates: {rows - RECORDS}")
    if "--json" in sys.argv[1:]:
        print(json.dumps({"bench": "sync_inspections", "records": RECORDS, "photos_each": PHOTOS,
                          "upload_mb": round(upload_mb, 1), "first_s": round(first, 2), "replay_s": round(again, 2),
                          "ms_per_record": round(first / RECORDS * 1000), "duplicates": rows - RECORDS,
                          "photos_stored": photo_rows}))


if __name__ == "__main__":
    main()
