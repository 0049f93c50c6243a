"""The closed lists a complaint is described with: stored as keys, shown as translated labels."""
from flask_babel import lazy_gettext as _l

PROBLEM_TYPES = {
    "quality": _l("Quality problem"),
    "false_advertising": _l("False advertising"),
    "price_fraud": _l("Price fraud"),
    "after_sales": _l("After-sales service refused"),
    "contract": _l("Contract or prepaid card dispute"),
    "safety": _l("Safety hazard"),
    "personal_info": _l("Personal information misused"),
    "other": _l("Other"),
}

DESIRED_OUTCOMES = {
    "refund": _l("Return and refund"),
    "exchange": _l("Exchange"),
    "repair": _l("Repair"),
    "compensation": _l("Compensation"),
    "apology": _l("Apology"),
    "other": _l("Other"),
}

CHANNELS = {
    "web": _l("Online"),
    "event": _l("On site at an event"),
    "hotline": _l("12315 hotline"),
    "walk_in": _l("Walk-in"),
}

KINDS = {
    "complaint": _l("Complaint"),
    "report": _l("Report of a violation"),
}

# Timeline entries the consumer sees; handling issues add theirs here.
EVENT_KINDS = {
    "submitted": _l("Complaint received"),
    "info_added": _l("Information added"),
    "withdrawn": _l("Withdrawn by the consumer"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"),
    "assigned": _l("Assigned to a mediator"),
    "mediation_step": _l("Mediation in progress"),
    "resolved": _l("Resolved by mediation"),
    "mediation_failed": _l("Mediation failed"),
    "referred": _l("Referred for enforcement"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
}

ACTORS = {
    "consumer": _l("Consumer"),
    "staff": _l("Consumer association"),
    "system": _l("System"),
}
