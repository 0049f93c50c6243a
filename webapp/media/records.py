"""Photo rows: store sanitised photos on disk and record them against what they document."""
from __future__ import annotations

from sqlmodel import Session

from webapp.media.models import Photo
from webapp.media.photos import ProcessedPhoto
from webapp.media.storage import LocalStorage


def save_photos(session: Session, storage: LocalStorage, photos: list[ProcessedPhoto], *,
                uploaded_by_id: int | None = None, complaint_id: int | None = None,
                complaint_event_id: int | None = None) -> list[Photo]:
    """Write each photo's files (content-addressed, idempotent) and add its row."""
    rows = []
    for photo in photos:
        row = Photo(
            complaint_id=complaint_id,
            complaint_event_id=complaint_event_id,
            display_key=storage.save(photo.display, photo.display_sha256),
            thumb_key=storage.save(photo.thumb, photo.thumb_sha256),
            display_sha256=photo.display_sha256,
            width=photo.width,
            height=photo.height,
            source_format=photo.source_format,
            source_bytes=photo.source_bytes,
            uploaded_by_id=uploaded_by_id,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows
