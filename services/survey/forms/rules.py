"""A survey form's shape as pure functions: its questions and options, and what a new version may not
be. No I/O, no clock reads: today is an argument."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from services.survey.violations import Violation

# There is one form: the ballot's fixed shape names no form, so a ballot answers the version of this one
# in force on the day it is cast.
FORM_CODE: Final = "satisfaction"


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
