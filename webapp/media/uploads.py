"""Turn a request's uploaded files into sanitised photos, or into a message the person can act on."""
from __future__ import annotations

import unicodedata

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from webapp.media.photos import PhotoError, ProcessedPhoto, process_photo
from webapp.media.storage import LocalStorage


def _reason(code: str) -> str:
    reasons = {
        "too_large": _("it is larger than %(mb)s MB", mb=current_app.config["PHOTO_MAX_BYTES"] // 2**20),
        "not_image": _("it is not an image"),
        "unsupported_format": _("only JPEG, PNG, WebP and HEIC photos are accepted"),
        "too_many_pixels": _("its dimensions are too large"),
        "corrupt": _("the file is damaged or incomplete"),
    }
    return reasons.get(code, _("it could not be read"))


def shown_name(filename: str | None) -> str:
    """The file's name as a message may show it: the last path part, without control or format characters.

    Format characters include the bidi overrides (U+202E would reverse the rest of the message) and
    zero-width characters; control characters include NUL and terminal escapes. At most 60 characters.
    """
    name = "".join(c for c in filename or "" if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    parts = [p for p in name.replace("\\", "/").split("/") if p.strip()]
    return (parts[-1] if parts else "").strip()[:60] or "?"


def process_uploads(files: list[FileStorage]) -> tuple[list[ProcessedPhoto], str | None]:
    """Process every chosen file; return (photos, None) or ([], one message naming each bad file)."""
    files = [f for f in files if f and f.filename]
    limit = current_app.config["PHOTO_MAX_COUNT"]
    if len(files) > limit:
        return [], _("You can attach at most %(n)s photos; you chose %(m)s.", n=limit, m=len(files))
    photos, problems = [], []
    for index, upload in enumerate(files, start=1):
        try:
            photos.append(process_photo(upload.stream,
                                        max_bytes=current_app.config["PHOTO_MAX_BYTES"],
                                        max_pixels=current_app.config["PHOTO_MAX_PIXELS"]))
        except PhotoError as exc:
            name = shown_name(upload.filename)
            problems.append(_("Photo %(i)s (%(name)s): %(reason)s.", i=index, name=name,
                              reason=_reason(exc.code)))
    if problems:
        return [], " ".join(problems) + " " + _("Please choose the photos again.")
    return photos, None


def storage() -> LocalStorage:
    """The photo store configured for this app."""
    return LocalStorage(current_app.config["UPLOAD_DIR"])
