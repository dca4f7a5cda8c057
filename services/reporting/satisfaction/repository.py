"""What the satisfaction reports read of the satisfaction read model: ballots and feedback items
counted per agency for a period, and the agencies' registered names."""

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.facts import UNKNOWN_UNIT
from services.reporting.processing.models import dossier_facts
from services.reporting.satisfaction.models import agency_names, ballots, feedback_items
from services.reporting.satisfaction.report import COMPLEXITY, SATISFACTION, BallotCount, FeedbackCount


async def read_ballot_counts(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by_unit: bool = False,
    units: Sequence[str] | None = None,
) -> list[BallotCount]:
    """Ballots submitted from ``period_from`` to ``period_to`` (dates in Vietnam, both included), per
    agency rated, or with `by_unit` per the unit where the rated dossier was received (a ballot of no
    known dossier, as at a kiosk, under `UNKNOWN_UNIT`); with `units`, only the ballots of dossiers
    received at those units."""
    complexity = ballots.c.answers[COMPLEXITY].astext
    satisfaction = ballots.c.answers[SATISFACTION].astext
    unit = func.coalesce(dossier_facts.c.unit_code, UNKNOWN_UNIT)
    key = unit if by_unit else ballots.c.agency_code
    query = select(key, complexity, satisfaction, func.count()).where(
        ballots.c.submitted_on.between(period_from, period_to)
    )
    if by_unit or units is not None:
        query = query.select_from(
            ballots.outerjoin(dossier_facts, dossier_facts.c.code == ballots.c.dossier_code)
        )
    if units is not None:
        query = query.where(unit.in_(list(units)))
    query = query.group_by(key, complexity, satisfaction)
    if agency_code is not None:
        query = query.where(ballots.c.agency_code == agency_code)
    return [BallotCount(a, c, s, int(n)) for a, c, s, n in (await session.execute(query)).all()]


async def read_feedback_counts(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by_unit: bool = False,
    units: Sequence[str] | None = None,
) -> list[FeedbackCount]:
    """Feedback items received in the period, by the agency that must answer: the one that answered,
    else the last one it was forwarded to, else the one it was addressed to; or with `by_unit` by the
    unit where the dossier it is about was received (none known: `UNKNOWN_UNIT`). With `units`, only
    the items about dossiers received at those units."""
    c = feedback_items.c
    agency = func.coalesce(c.answered_agency_code, c.forwarded_agency_code, c.received_agency_code)
    unit = func.coalesce(dossier_facts.c.unit_code, UNKNOWN_UNIT)
    key = unit if by_unit else agency
    query = select(key, c.answer_due_on, c.answered_on, c.answered_on_time, func.count()).where(
        c.received_on.between(period_from, period_to)
    )
    if by_unit or units is not None:
        query = query.select_from(
            feedback_items.outerjoin(dossier_facts, dossier_facts.c.code == feedback_items.c.dossier_code)
        )
    if units is not None:
        query = query.where(unit.in_(list(units)))
    query = query.group_by(key, c.answer_due_on, c.answered_on, c.answered_on_time)
    if agency_code is not None:
        query = query.where(agency == agency_code)
    rows = (await session.execute(query)).all()
    return [FeedbackCount(a, due, answered, on_time, int(n)) for a, due, answered, on_time, n in rows]


async def read_agency_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    """The registered names of these agencies (an agency never registered shows its code)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    query = select(agency_names.c.code, agency_names.c.name).where(agency_names.c.code.in_(wanted))
    return {code: name for code, name in (await session.execute(query)).all()}
