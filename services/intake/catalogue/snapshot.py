"""A procedure version as the API shows it and events carry it (event-carried state)."""

from typing import Any


def procedure_snapshot(row: Any) -> dict[str, Any]:
    """What events carry of a procedure, so no consumer has to ask intake (event-carried state)."""
    return {
        "code": row.code,
        "version": row.version,
        "effective_from": row.effective_from.isoformat(),
        "national_code": row.national_code,
        "name": row.name,
        "field_code": row.field_code,
        "field_name": row.field_name,
        "agency_code": row.agency_code,
        "agency_name": row.agency_name,
        "processing_days": str(row.processing_days),
        "day_kind": row.day_kind,
        "online_processing_days": None
        if row.online_processing_days is None
        else str(row.online_processing_days),
        "same_day": row.same_day,
        "cutoff": row.cutoff.strftime("%H:%M"),
        "service_level": row.service_level,
        "supplement_policy": row.supplement_policy,
        "fee": row.fee,
        "fee_note": row.fee_note,
        "route": row.route,
        "documents": row.documents,
    }
