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
    "reassigned": _l("Mediator changed"),
    "mediation_step": _l("Mediation in progress"),
    "step_call": _l("Phone mediation"),
    "step_visit": _l("On-site mediation"),
    "step_merchant_offer": _l("The merchant's offer"),
    "step_consumer_reply": _l("The consumer's answer"),
    "step_note": _l("Mediation note"),
    "info_requested": _l("More information requested (deadline paused)"),
    "resolved": _l("Resolved by mediation"),
    "mediation_failed": _l("Mediation failed"),
    "failed_arbitration": _l("Mediation failed: arbitration advised"),
    "failed_court": _l("Mediation failed: court action advised"),
    "failed_enforcement": _l("Mediation failed: report to enforcement advised"),
    "failed_other": _l("Mediation failed"),
    "referred": _l("Referred for enforcement"),
    "closed": _l("Closed"),
    "outcome_accepted": _l("Outcome accepted by the consumer"),
    "disputed": _l("Outcome disputed: mediation reopened"),
    "rated": _l("Satisfaction rated"),
    "followed_up": _l("Follow-up call"),
    "reminder": _l("Supervisor's reminder"),
    "archived": _l("Archived"),
    "inspected": _l("Merchant inspected on site"),
}

REJECT_REASONS = {
    "not_consumer_dispute": _l("Not a consumer-rights dispute"),
    "no_jurisdiction": _l("Outside our jurisdiction"),
    "court_or_arbitration": _l("Already before a court or arbitration"),
    "already_handled": _l("Already handled or settled by mediation"),
    "over_three_years": _l("More than three years since the consumer knew of the harm"),
    "missing_information": _l("Necessary information missing (merchant, facts or request)"),
    "duplicate": _l("Duplicate complaint"),
    "other": _l("Other reason"),
}

STEP_KINDS = {
    "call": _l("Phone call"),
    "visit": _l("Visit"),
    "merchant_offer": _l("Merchant's offer"),
    "consumer_reply": _l("Consumer's answer"),
    "note": _l("Note"),
}

FAIL_ADVICE = {
    "arbitration": _l("Apply for arbitration"),
    "court": _l("Take it to court"),
    "enforcement": _l("Report to market enforcement"),
    "other": _l("Other advice"),
}

ACTORS = {
    "consumer": _l("Consumer"),
    "staff": _l("Consumer association"),
    "system": _l("System"),
}
