"""Reading feedback: one item, the agency's list and the period's summary, each judged by date in
Vietnam. The citizen's contact is shown to the responsible agency's officers and leaders and to
administrators only."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.feedback import repository, rules
from services.survey.feedback.desk import not_yours
from shared.auth import Principal
from shared.clock import VIETNAM
from shared.cursors import decode_uuid_cursor, encode_cursor
from shared.errors import Problem


def start_of(day: date) -> datetime:
    """00:00 of ``day`` in Vietnam, as an aware instant."""
    return datetime.combine(day, time(0, 0), tzinfo=VIETNAM)


def _may_see(who: Principal, agency_code: str) -> bool:
    return who.role in ("admin", "auditor") or who.agency == agency_code


def _shows_contact(who: Principal, agency_code: str) -> bool:
    return who.role == "admin" or (who.role in ("officer", "leader") and who.agency == agency_code)


def summary_view(row: Row[Any], on: date) -> dict[str, Any]:
    """An item as a list shows it: no contact, no answer text."""
    answered_at = row.answered_at
    return {
        **row._mapping,
        "state": "open" if answered_at is None else "answered",
        "overdue": rules.overdue(row.answer_due_at, answered_at, on),
        "on_time": None if answered_at is None else rules.answered_on_time(answered_at, row.answer_due_at),
    }


async def view(session: AsyncSession, who: Principal, item: Row[Any], on: date) -> dict[str, Any]:
    """One item with its answer and forwards; the contact only for those who may see it."""
    shown = summary_view(item, on)
    if not _shows_contact(who, item.agency_code):
        shown["contact"] = None
    shown["forwards"] = [dict(f._mapping) for f in await repository.forwards(session, item.id)]
    return shown


async def get(session: AsyncSession, who: Principal, item_id: uuid.UUID, on: date) -> dict[str, Any]:
    """One item, for the responsible agency's staff, administrators and auditors."""
    item = await repository.item(session, item_id)
    if item is None:
        raise Problem(404, "feedback_not_found", f"No feedback item {item_id}.")
    if not _may_see(who, item.agency_code):
        raise not_yours(who, item.agency_code)
    return await view(session, who, item, on)


def scope(who: Principal, agency: str | None) -> str | None:
    """The agency a list or summary may cover: officers and leaders see their own agency only."""
    if who.role in ("admin", "auditor"):
        return agency
    if agency is not None and agency != who.agency:
        raise Problem(403, "not_your_agency", f"Your token is for agency {who.agency}, not {agency}.")
    return who.agency


async def page(
    session: AsyncSession,
    who: Principal,
    *,
    agency: str | None,
    state: rules.State | None,
    overdue: bool | None,
    cursor: str | None,
    limit: int,
    on: date,
) -> dict[str, Any]:
    """Items oldest due first, of the agencies `who` may list, judged on day `on`; keyset-paged: the
    page's `next_cursor` is the next page's `cursor`."""
    rows = await repository.page(
        session,
        agency_code=scope(who, agency),
        state=state,
        overdue=overdue,
        today_starts=start_of(on),
        after=decode_uuid_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return {
        "items": [summary_view(row, on) for row in rows],
        "limit": limit,
        "next_cursor": encode_cursor(last.answer_due_at, last.id) if last is not None else None,
    }


async def summary(
    session: AsyncSession, *, agency: str | None, start: date, end: date, on_day: date
) -> dict[str, Any]:
    """Items received from ``start`` to ``end`` (Vietnam dates, both included), per agency: answered
    on time or late, or open within or past the deadline, as it stands on `as_of`."""
    if end < start:
        raise Problem(422, "invalid_period", "`to` is before `from`.")
    groups = await repository.summary_groups(
        session, starts=start_of(start), ends=start_of(end + timedelta(days=1)), agency_code=agency
    )
    as_of = rules.as_of(end, on_day)
    result = rules.summarise(groups, on=as_of)
    return {
        "from": start,
        "to": end,
        "as_of": as_of,
        "rows": [{"agency_code": code, **vars(c)} for code, c in sorted(result.rows.items())],
        "totals": vars(result.totals),
    }
