"""A procedure version as the API shows it and events carry it (event-carried state)."""

from typing import Any

from shared.events.catalog import ProcedureSnapshot


def procedure_snapshot(row: Any) -> ProcedureSnapshot:
    """What events carry of a procedure (a row of `repository.procedure_by_id`), so no consumer has to
    ask intake (event-carried state)."""
    return ProcedureSnapshot(
        code=row.code,
        version=row.version,
        effective_from=row.effective_from,
        national_code=row.national_code,
        name=row.name,
        field_code=row.field_code,
        field_name=row.field_name,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        processing_days=row.processing_days,
        day_kind=row.day_kind,
        online_processing_days=row.online_processing_days,
        same_day=row.same_day,
        cutoff=row.cutoff,
        service_level=row.service_level,
        supplement_policy=row.supplement_policy,
        fee=row.fee,
        fee_note=row.fee_note,
        route=row.route,
        documents=row.documents,
    )
