"""A ballot's rules as pure functions: its answers against its form, and who may cast it how.

No I/O, no clock reads. A ballot is checked whole and every violation is named.
"""

from collections.abc import Mapping

from services.survey.forms.rules import Form
from services.survey.violations import Violation


def ballot_violations(
    form: Form,
    answers: Mapping[str, str],
    *,
    reason: str | None,
    comment: str | None,
    max_chars: int,
) -> list[Violation]:
    """What is wrong with a ballot's answers, reason and comment against `form`; empty when none."""
    found: list[Violation] = []
    for code, chosen in answers.items():
        question = form.question(code)
        if question is None:
            found.append(Violation("unknown_question", f"The form has no question {code}."))
        elif question.option(chosen) is None:
            allowed = ", ".join(o.code for o in question.options)
            found.append(Violation("unknown_option", f"{code}: {chosen!r} is not one of {allowed}."))
    for question in form.questions:
        if question.required and question.code not in answers:
            found.append(Violation("answer_missing", f"Question {question.code} must be answered."))
    if reason_required(form, answers) and not reason:
        found.append(
            Violation("reason_required", "Say why (reason) when choosing an answer that asks for one.")
        )
    if reason is not None and len(reason) > max_chars:
        found.append(Violation("reason_too_long", f"The reason may be at most {max_chars} characters."))
    if comment is not None and len(comment) > max_chars:
        found.append(Violation("comment_too_long", f"The comment may be at most {max_chars} characters."))
    return found


def reason_required(form: Form, answers: Mapping[str, str]) -> bool:
    """Whether an answer chosen asks for a reason ("unsatisfied"): such a ballot opens a feedback item."""
    for code, chosen in answers.items():
        question = form.question(code)
        option = question.option(chosen) if question is not None else None
        if option is not None and option.requires_reason:
            return True
    return False


def channel_violation(
    channel: str, *, dossier_code: str | None, token: str | None, agency_code: str | None
) -> Violation | None:
    """A dossier ballot carries its invitation's token; only a kiosk takes anonymous ballots, and an
    anonymous ballot names its agency."""
    if dossier_code is None and token is not None:
        return Violation("dossier_required", "A token answers for a dossier: give dossier_code with it.")
    if dossier_code is not None and not token:
        return Violation("token_required", "A ballot about a dossier needs the invitation's token.")
    if dossier_code is None and channel != "kiosk":
        return Violation(
            "dossier_required", f"Only a kiosk takes anonymous ballots; a {channel} ballot names its dossier."
        )
    if dossier_code is None and agency_code is None:
        return Violation("agency_required", "An anonymous ballot names the agency (agency_code) it rates.")
    return None
