"""When a dossier's components may be digitized and when they cover its checklist, as pure functions."""

# A dossier can be digitized from reception on, until it is withdrawn.
NOT_YET_RECEIVED = ("submitted", "incomplete", "refused")


def first_time_covered(required: set[str], before: set[str], after: set[str]) -> bool:
    """Whether this change is the one that covers the checklist (a checklist with no required item is
    covered by the first component)."""
    return required <= after and not (before and required <= before)
