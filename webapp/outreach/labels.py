"""The closed lists of the outreach area: stored as keys, shown as translated labels."""
from flask_babel import lazy_gettext as _l

VENUES = {
    "community": _l("In a community"),        # 进社区
    "school": _l("In a school"),              # 进学校
    "village": _l("In a village"),            # 进农村
    "enterprise": _l("In an enterprise"),     # 进企业
    "market": _l("In a mall or market"),      # 进商场
    "government": _l("In a government office"),  # 进机关
}

FORMATS = {
    "desk": _l("Consultation desk"),
    "lecture": _l("Lecture"),
    "performance": _l("Performance"),
    "boards": _l("Display boards"),
    "leaflets": _l("Leaflets"),
    "livestream": _l("Livestream"),
    "quiz": _l("Quiz with prizes"),
    "other": _l("Other"),
}

AUDIENCES = {
    "general": _l("General public"),
    "elderly": _l("Elderly people"),
    "youth": _l("Young people and students"),
    "women": _l("Women"),
    "rural": _l("Rural residents"),
    "workers": _l("Employees"),
}

COUNTS = {
    "participants": _l("Participants"),
    "consultations": _l("Consultations"),
    "leaflets": _l("Leaflets handed out"),
    "banners": _l("Banners"),
    "boards": _l("Display boards"),
    "volunteers": _l("Volunteers"),
}

LABELS = {"venues": VENUES, "formats": FORMATS, "audiences": AUDIENCES, "counts": COUNTS}
