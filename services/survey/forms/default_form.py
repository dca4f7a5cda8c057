"""The default survey form, loaded into an empty schema at first start.

The seed centre asked whether the procedure was simple, needs fewer papers or is complex; Decision 766
scores satisfaction as very satisfied / satisfied / not satisfied, a reason required for the last.
"""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.forms import repository, rules
from services.survey.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.clock import Clock

SEED_PRINCIPAL = Principal(sub="system:default-form", role="admin")
# In force since before any ballot: a new version from the admin API takes over from its own date.
EFFECTIVE_FROM = date(2000, 1, 1)
TITLE = "Phiếu khảo sát mức độ hài lòng"

QUESTIONS = (
    rules.Question(
        code="complexity",
        label="Ông/Bà thấy thủ tục hành chính này thế nào?",
        options=(
            rules.Option("simple", "Thủ tục đơn giản"),
            rules.Option("fewer_papers", "Cần giảm bớt giấy tờ"),
            rules.Option("complex", "Thủ tục phức tạp"),
        ),
    ),
    rules.Question(
        code="satisfaction",
        label="Ông/Bà có hài lòng với việc giải quyết thủ tục hành chính không?",
        options=(
            rules.Option("very_satisfied", "Rất hài lòng"),
            rules.Option("satisfied", "Hài lòng"),
            rules.Option("unsatisfied", "Không hài lòng", requires_reason=True),
        ),
    ),
)


async def load_if_empty(session: AsyncSession, *, clock: Clock) -> bool:
    """Store the default form unless there is a form already; True when it did."""
    # Workers and replicas start together: one loads, the others wait here and then find it loaded.
    await repository.lock_forms(session)
    if await repository.has_forms(session):
        return False
    await repository.insert_form(
        session,
        {
            "code": rules.FORM_CODE,
            "version": 1,
            "effective_from": EFFECTIVE_FROM,
            "title": TITLE,
            "questions": rules.questions_to_json(QUESTIONS),
            "created_by": SEED_PRINCIPAL.sub,
        },
    )
    await audit.record(
        session,
        audit_log,
        who=SEED_PRINCIPAL,
        at=clock.now(),
        action="form.published",
        entity=f"form:{rules.FORM_CODE}",
        detail={"version": 1, "effective_from": EFFECTIVE_FROM.isoformat()},
    )
    return True
