"""The form in force, cached per worker process: kiosks read it with every ballot."""

import time
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.forms import repository
from services.survey.forms.rules import FORM_CODE, Form, questions_from_json
from shared.errors import Problem

# How long a worker answers from its cached form before it asks the table again: a new version is
# used by every worker at most this long after it takes effect (at once by the worker that stored it).
FORM_CHECK_SECONDS: Final = 5.0


def _form_of(row: Any) -> Form:
    return Form(
        id=row.id,
        code=row.code,
        version=row.version,
        effective_from=row.effective_from,
        title=row.title,
        questions=questions_from_json(row.questions),
    )


class FormCache:
    """The form in force, per worker process: read at most once per `check_every` seconds per day."""

    def __init__(
        self, *, check_every: float = FORM_CHECK_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.check_every = check_every
        self._monotonic = monotonic
        self._day: date | None = None
        self._form: Form | None = None
        self._checked_at = 0.0

    def fresh(self, day: date) -> Form | None:
        """The cached form of `day`, unless it is due to be read again."""
        if self._form is None or self._day != day or self._monotonic() - self._checked_at >= self.check_every:
            return None
        return self._form

    async def load(self, db: AsyncSession | AsyncConnection, day: date) -> Form:
        row = await repository.form_in_force(db, FORM_CODE, day)
        if row is None:
            raise Problem(
                503, "no_form", "No survey form is in force today; an administrator must publish one."
            )
        self._form, self._day, self._checked_at = _form_of(row), day, self._monotonic()
        return self._form

    async def in_force(self, db: AsyncSession | AsyncConnection, day: date) -> Form:
        return self.fresh(day) or await self.load(db, day)

    def forget(self) -> None:
        self._form = None
