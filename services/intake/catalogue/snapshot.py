"""A procedure version as the API shows it and events carry it (event-carried state)."""

from typing import Any

from services.intake.catalogue.rules import supplement_policy
from shared.calendar import Policy
from shared.events.catalog import ProcedureSnapshot
from shared.rule_sets import RuleSet


def procedure_snapshot(row: Any) -> ProcedureSnapshot:
    """A version as the catalogue holds it (a row of `repository.procedure_by_id`): the API's and
    `catalog.procedure.published`'s, its supplement policy null when left to each dossier's rule set."""
    return _snapshot(row, row.supplement_policy)


def received_snapshot(row: Any, rule_set: RuleSet) -> ProcedureSnapshot:
    """What `dossier.received` carries of the version, so no consumer has to ask intake: the supplement
    policy resolved for a dossier received under `rule_set`."""
    return _snapshot(row, supplement_policy(row.supplement_policy, rule_set))


def _snapshot(row: Any, policy: Policy | None) -> ProcedureSnapshot:
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
        supplement_policy=policy,
        fee=row.fee,
        fee_note=row.fee_note,
        route=row.route,
        documents=row.documents,
    )
