"""The survey's rules as pure functions: a form's shape, and a ballot's answers against its form.

No I/O, no clock reads. A ballot is checked whole and every violation is named, so a kiosk can show
them all at once; the first one's code is the response's `code`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

CHANNELS = ("portal", "kiosk", "counter")


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    requires_reason: bool = False  # "Không hài lòng": the citizen must say why, and feedback is opened


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    options: tuple[Option, ...]
    required: bool = True

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Form:
    """One version of a survey form (phiếu khảo sát), as stored."""

    id: int
    code: str
    version: int
    effective_from: date
    title: str
    questions: tuple[Question, ...]

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)


@dataclass(frozen=True)
class Violation:
    code: str
    detail: str


def questions_from_json(raw: Iterable[Mapping[str, Any]]) -> tuple[Question, ...]:
    """The `questions` column (and the form API's body) as questions."""
    return tuple(
        Question(
            code=q["code"],
            label=q["label"],
            required=q.get("required", True),
            options=tuple(
                Option(o["code"], o["label"], o.get("requires_reason", False)) for o in q["options"]
            ),
        )
        for q in raw
    )


def questions_to_json(questions: Sequence[Question]) -> list[dict[str, Any]]:
    return [
        {
            "code": q.code,
            "label": q.label,
            "required": q.required,
            "options": [
                {"code": o.code, "label": o.label, "requires_reason": o.requires_reason} for o in q.options
            ],
        }
        for q in questions
    ]


def form_violations(questions: Sequence[Question], *, effective_from: date, today: date) -> list[Violation]:
    """What is wrong with a new form version; empty when it may be published."""
    found: list[Violation] = []
    if effective_from < today:
        found.append(
            Violation(
                "effective_from_past",
                f"A form version takes effect today or later, not {effective_from.isoformat()}: "
                "the past's ballots answered the version then in force.",
            )
        )
    if not questions:
        found.append(Violation("no_questions", "A form asks at least one question."))
    seen: set[str] = set()
    for q in questions:
        if q.code in seen:
            found.append(Violation("duplicate_question", f"Question code {q.code} appears twice."))
        seen.add(q.code)
        codes = [o.code for o in q.options]
        if len(codes) < 2:
            found.append(Violation("too_few_options", f"Question {q.code} offers fewer than two options."))
        if len(set(codes)) != len(codes):
            found.append(Violation("duplicate_option", f"Question {q.code} lists an option code twice."))
    return found


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
