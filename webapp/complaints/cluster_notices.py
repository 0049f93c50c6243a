"""The e-mail telling supervisors about a new collective complaint (群体投诉), through webapp.notify.

Called by webapp.complaints.clusters once the transaction that created the cluster has committed.
"""
from __future__ import annotations

import logging

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext as _

from webapp import notify
from webapp.complaints.deadlines import local_date

log = logging.getLogger("xiaobao.clusters")


def send_flagged(notice) -> int:
    """Tell each supervisor of the cluster's district and of the city; returns how many were sent."""
    if not has_app_context():  # a script without the app: the log line of clusters.py is all there is
        return 0
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/handling/clusters/{notice.cluster_id}"
    with force_locale("zh_Hans_CN"):
        subject = _("Collective complaint: %(merchant)s, %(num)s complaints", merchant=notice.merchant_name,
                    num=notice.size)
        body = "\n\n".join(filter(None, [
            _("%(num)s complaints about %(merchant)s (%(category)s) have arrived between %(first)s and %(last)s.",
              num=notice.size, merchant=notice.merchant_name, category=notice.category_name,
              first=local_date(notice.first_received_at).isoformat(),
              last=local_date(notice.last_received_at).isoformat()),
            notice.merchant_address,
            notice.district_name,
            link,
        ]))
    return sum(notify.send("email", address, subject, body) for address in notice.recipients)
