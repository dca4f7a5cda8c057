"""What the receipt shows of a received dossier: its rows as a `ReceiptView`, the phone number masked."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from services.intake.receipt.document import ProcessingTime, ReceiptDocument, ReceiptView
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.rule_sets import rule_set_on


def receipt_view(
    settings: IntakeSettings,
    row: Any,
    procedure: Any,
    applicant: Any,
    unit: Any,
    secret: str,
    who: Principal,
    return_unit: Any = None,
) -> ReceiptView:
    """The dossier `row` with its `procedure`, `applicant` and receiving `unit` rows (the unit's name
    and address head the receipt; the setting's centre name stands in for a unit row missing), received
    by `who`; the look-up link carries the code and the `secret` the counter was shown. The form is
    that of the rule set of the receipt day.

    `return_unit` is the unit where the citizen collects the result (None: the receiving unit). The
    number of sets is not recorded on a dossier: the receipt prints one. The regulated processing time
    is the one the appointment was counted with (the online days of an online dossier, if any)."""
    provided = set(row.documents)
    online_days = procedure.online_processing_days if row.channel == "online" else None
    return ReceiptView(
        centre_name=unit.name if unit is not None else settings.centre_name,
        unit_address=unit.address if unit is not None else None,
        dossier_code=row.code,
        procedure_name=procedure.name,
        procedure_code=procedure.national_code or procedure.code,
        applicant_name=applicant.name,
        applicant_address=applicant.address,
        applicant_phone_masked=mask_phone(applicant.phone),
        applicant_email=applicant.email,
        received_at=row.received_at,
        appointment_at=row.due_at,
        documents=tuple(
            ReceiptDocument(name=d["name"], original=d.get("original", False), copies=d.get("copies", 1))
            for d in procedure.documents
            if d["code"] in provided
        ),
        received_by=who.sub,
        lookup_url=f"{settings.public_lookup_url}?{urlencode({'code': row.code, 'secret': secret})}",
        lookup_secret=secret,
        # The form of the receipt day's rule set, never today's: a reprint says what the original said.
        form=rule_set_on(row.received_at).forms["receipt"],
        sets=1,
        processing_time=ProcessingTime(
            days=Decimal(online_days or procedure.processing_days),
            kind=procedure.day_kind,
            same_day=procedure.same_day,
        ),
        return_unit_name=return_unit.name if return_unit is not None else None,
        return_unit_address=return_unit.address if return_unit is not None else None,
    )


def mask_phone(phone: str | None) -> str | None:
    """`0912345678` → `09******78`, for receipts and screens that must not show the whole number."""
    if not phone:
        return None
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
