"""Survey forms (phiếu khảo sát) as data: questions and options with Vietnamese labels, versioned.

A new version takes effect from a day (`effective_from`); a ballot keeps the version it answered
(`ballots.form_id`). There is one form, `satisfaction`: the ballot's fixed shape names no form, so a
ballot answers the version in force on the day it is cast.
"""

import time
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import repository, rules
from services.survey.feedback_models import audit_log
from services.survey.schemas import FormIn
from shared import audit
from shared.auth import Principal
from shared.clock import VIETNAM, Clock
from shared.errors import Problem

FORM_CODE: Final = "satisfaction"

# How long a worker answers from its cached form before it asks the table again: a new version is
# used by every worker at most this long after it takes effect (at once by the worker that stored it).
FORM_CHECK_SECONDS: Final = 5.0


def today(clock: Clock) -> date:
    return clock.now().astimezone(VIETNAM).date()


def form_of(row: Any) -> rules.Form:
    return rules.Form(
        id=row.id,
        code=row.code,
        version=row.version,
        effective_from=row.effective_from,
        title=row.title,
        questions=rules.questions_from_json(row.questions),
    )


def form_out(form: rules.Form) -> dict[str, Any]:
    return {
        "code": form.code,
        "version": form.version,
        "effective_from": form.effective_from,
        "title": form.title,
        "questions": rules.questions_to_json(form.questions),
    }


class FormCache:
    """The form in force, per worker process: read at most once per `check_every` seconds per day."""

    def __init__(
        self, *, check_every: float = FORM_CHECK_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.check_every = check_every
        self._monotonic = monotonic
        self._day: date | None = None
        self._form: rules.Form | None = None
        self._checked_at = 0.0

    def fresh(self, day: date) -> rules.Form | None:
        """The cached form of `day`, unless it is due to be read again."""
        if self._form is None or self._day != day or self._monotonic() - self._checked_at >= self.check_every:
            return None
        return self._form

    async def load(self, db: repository.Executor, day: date) -> rules.Form:
        row = await repository.form_in_force(db, FORM_CODE, day)
        if row is None:
            raise Problem(
                503, "no_form", "No survey form is in force today; an administrator must publish one."
            )
        self._form, self._day, self._checked_at = form_of(row), day, self._monotonic()
        return self._form

    async def in_force(self, db: repository.Executor, day: date) -> rules.Form:
        return self.fresh(day) or await self.load(db, day)

    def forget(self) -> None:
        self._form = None


async def publish(
    session: AsyncSession, *, clock: Clock, who: Principal, form_in: FormIn, cache: FormCache | None = None
) -> dict[str, Any]:
    """A new version of the form, in force from `effective_from` (default today); earlier ballots keep
    the version they answered."""
    questions = rules.questions_from_json(q.model_dump() for q in form_in.questions)
    effective_from = form_in.effective_from or today(clock)
    violations = rules.form_violations(questions, effective_from=effective_from, today=today(clock))
    if violations:
        raise unprocessable(violations)
    await repository.lock_forms(session)  # two publications at once would both take version n + 1
    version = await repository.latest_form_version(session, FORM_CODE) + 1
    form_id = await repository.insert_form(
        session,
        {
            "code": FORM_CODE,
            "version": version,
            "effective_from": effective_from,
            "title": form_in.title,
            "questions": rules.questions_to_json(questions),
            "created_by": who.sub,
        },
    )
    await audit.record(
        session,
        audit_log,
        who=who,
        at=clock.now(),
        action="form.published",
        entity=f"form:{FORM_CODE}",
        detail={"version": version, "effective_from": effective_from.isoformat()},
    )
    if cache is not None:
        cache.forget()
    form = rules.Form(form_id, FORM_CODE, version, effective_from, form_in.title, questions)
    return form_out(form)


def unprocessable(violations: list[rules.Violation]) -> Problem:
    """422 with the first violation's code, and every violation listed for the screen."""
    first = violations[0]
    return Problem(
        422,
        first.code,
        " ".join(v.detail for v in violations),
        extra={"violations": [{"code": v.code, "detail": v.detail} for v in violations]},
    )
