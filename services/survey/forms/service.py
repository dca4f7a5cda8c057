"""Survey forms (phiếu khảo sát) as data: questions and options with Vietnamese labels, versioned.

A new version takes effect from a day (`effective_from`); a ballot keeps the version it answered
(`ballots.form_id`).
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.forms import repository, rules
from services.survey.forms.cache import FormCache
from services.survey.forms.schemas import FormIn
from services.survey.models import audit_log
from services.survey.violations import unprocessable
from shared import audit
from shared.auth import Principal
from shared.clock import Clock, today


def form_out(form: rules.Form) -> dict[str, Any]:
    return {
        "code": form.code,
        "version": form.version,
        "effective_from": form.effective_from,
        "title": form.title,
        "questions": rules.questions_to_json(form.questions),
    }


async def publish(
    session: AsyncSession, *, clock: Clock, who: Principal, form_in: FormIn, cache: FormCache
) -> dict[str, Any]:
    """A new version of the form, in force from `effective_from` (default today); earlier ballots keep
    the version they answered."""
    questions = rules.questions_from_json(q.model_dump() for q in form_in.questions)
    effective_from = form_in.effective_from or today(clock)
    violations = rules.form_violations(questions, effective_from=effective_from, today=today(clock))
    if violations:
        raise unprocessable(violations)
    await repository.lock_forms(session)  # two publications at once would both take version n + 1
    version = await repository.latest_form_version(session, rules.FORM_CODE) + 1
    form_id = await repository.insert_form(
        session,
        {
            "code": rules.FORM_CODE,
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
        entity=f"form:{rules.FORM_CODE}",
        detail={"version": version, "effective_from": effective_from.isoformat()},
    )
    cache.forget()
    form = rules.Form(form_id, rules.FORM_CODE, version, effective_from, form_in.title, questions)
    return form_out(form)
