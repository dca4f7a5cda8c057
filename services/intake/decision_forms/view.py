"""What forms 02 and 03 show of a dossier not received: its rows as a `DecisionFormView`."""

from typing import Any, Literal

from services.intake.decision_forms.document import DecisionFormView, MissingItem
from services.intake.receipt.view import mask_phone
from services.intake.settings import IntakeSettings
from shared.printing.form import Applicant, Line
from shared.rule_sets import rule_set_on

# Reception stores its answer as "02" / "03" whatever the rule set (docs/rules.md, "Rule sets").
STORED_FORMS: dict[Literal["supplement", "refusal"], str] = {"supplement": "02", "refusal": "03"}


def decision_form_view(
    kind: Literal["supplement", "refusal"],
    settings: IntakeSettings,
    row: Any,
    decision: Any,
    procedure: Any,
    applicant: Any,
    unit: Any,
) -> DecisionFormView:
    """The dossier `row` answered by reception's `decision` (form 02 or 03), with its `procedure`,
    `applicant` and receiving `unit` rows (the setting's centre name stands in for a unit row missing).

    A dossier not received has no receipt day, so the form is that of the rule set in force on the day
    the decision was issued (`decision.issued_at`), the day printed on it: a reprint says the same.
    A dossier not received has no code either: the form names it by the portal's id of an online
    submission, else by its own id (what `GET /v1/dossiers/{key}` takes)."""
    reference = (
        Line("Mã hồ sơ trực tuyến: ", row.portal_id) if row.portal_id else Line("Số phiếu: ", str(row.id))
    )
    return DecisionFormView(
        kind=kind,
        form=rule_set_on(decision.issued_at).forms[kind],
        unit_name=unit.name if unit is not None else settings.centre_name,
        unit_address=unit.address if unit is not None else None,
        reference=reference,
        applicant=Applicant(
            name=applicant.name,
            address=applicant.address,
            phone_masked=mask_phone(applicant.phone),
            email=applicant.email,
        ),
        procedure_name=procedure.name,
        procedure_code=procedure.national_code or procedure.code,
        issued_at=decision.issued_at,
        issued_by=decision.issued_by,
        missing=tuple(
            MissingItem(name=d["name"], original=d.get("original", False), copies=d.get("copies", 1))
            for d in decision.missing_documents
        ),
        reason=decision.reason,
    )
