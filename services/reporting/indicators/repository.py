"""What the indicators read: per lead agency (or receiving unit), the period's dossier counts from the
report tree, and how many of the dossiers resolved in it were rated unsatisfied or complained about."""

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy import and_, func, literal_column, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.indicators.report import DissatisfiedCount, DossierCounts, dossier_counts
from services.reporting.processing.arithmetic import INDICATOR_SERIES, period_nodes
from services.reporting.processing.facts import UNKNOWN_UNIT
from services.reporting.processing.models import dossier_facts
from services.reporting.processing.repository import Store
from services.reporting.satisfaction.models import ballots, feedback_items
from services.reporting.satisfaction.report import SATISFACTION
from shared.db.raw import driver

UNSATISFIED = "unsatisfied"  # the satisfaction question's "Không hài lòng"


async def read_dossier_counts(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
) -> list[DossierCounts]:
    """Per lead agency (or receiving unit: `by`) with dossiers received, resolved or fees paid in the
    period, its counts (from the processing read model's tree, summed by agency or unit; only the
    dossiers received at `units` when given)."""
    store = Store()
    conn = await driver(session)
    nodes = period_nodes(period_from, period_to)
    sums = await store.group_sums(conn, by, *nodes, units=units, series=INDICATOR_SERIES)
    return [
        counted
        for code, (at_to, before_from) in sorted(sums.items())
        if agency_code is None or by != "agency" or code == agency_code
        if (counted := dossier_counts(code, at_to, before_from)).received
        or counted.resolved
        or counted.fees_paid
    ]


async def read_dissatisfied(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
) -> list[DissatisfiedCount]:
    """Per lead agency (or receiving unit), the dossiers resolved in the period, as the report tree
    counts them (received, closed first by their result, closed on a day of the period, never before
    their receipt), that a ballot rated "not satisfied" or a feedback item, petition or complaint names.
    Every such ballot and item heard so far counts, whenever it came."""
    named = union(
        select(ballots.c.dossier_code.label("code")).where(
            ballots.c.dossier_code.is_not(None), ballots.c.answers[SATISFACTION].astext == UNSATISFIED
        ),
        select(feedback_items.c.dossier_code).where(feedback_items.c.dossier_code.is_not(None)),
    ).subquery("named")
    f = dossier_facts.c
    key = f.agency_code if by == "agency" else func.coalesce(f.unit_code, UNKNOWN_UNIT)
    closed = func.greatest(f.resolved_date, f.received_date)
    query = (
        select(key, func.count())
        .select_from(named.join(dossier_facts, f.code == named.c.code))
        .where(
            f.cell_id.is_not(None),
            f.received_date.is_not(None),
            f.due_date.is_not(None),
            f.resolved_date.is_not(None),
            or_(f.rejected_date.is_(None), f.rejected_date >= f.resolved_date),
            or_(f.withdrawn_date.is_(None), f.withdrawn_date >= f.resolved_date),
            and_(closed >= period_from, closed <= period_to),
        )
        .group_by(literal_column("1"))
    )
    if agency_code is not None and by == "agency":
        query = query.where(f.agency_code == agency_code)
    if units is not None:
        query = query.where(func.coalesce(f.unit_code, UNKNOWN_UNIT).in_(list(units)))
    rows = (await session.execute(query)).all()
    return [DissatisfiedCount(code, int(n)) for code, n in rows]
