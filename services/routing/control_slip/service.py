"""The control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05 of Circular 01/2018/TT-VPCP)
of a dossier, as data: its rows come from `rules.control_slip_rows`, this module reads the plan.

Names: routing knows only what `dossier.received` carried, and its procedure snapshot names the lead
agency alone (`agency_name`); the route's other agencies come as codes, and routing keeps no catalogue
of agencies. So the lead agency is printed by name and the others by code (`rules.agency_names`)."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.control_slip import rules
from services.routing.plans.lookup import visible_plan
from shared.auth import Principal
from shared.rule_sets import rule_set_on


async def control_slip(session: AsyncSession, code: str, *, now: datetime, who: Principal) -> dict[str, Any]:
    """The slip of dossier ``code``: one row per hand-off, each with the receiving agency's outcome;
    for those who may see the dossier (`shared.visibility`)."""
    plan, steps = await visible_plan(session, code, who)
    rows = rules.control_slip_rows(
        [
            rules.SlipStep(
                position=s.position,
                group=s.group_no,
                agency_code=s.agency_code,
                state=s.state,
                from_agency_code=s.from_agency_code,
                assigned_at=s.assigned_at,
                closed_at=s.closed_at,
                original_due_at=s.original_due_at,
                sla_due_at=s.sla_due_at,
                due_at=s.due_at,
                extension_granted=s.extension_decision == "granted",
                note=s.note,
            )
            for s in steps
        ],
        resolved_at=plan.closed_at if plan.state == "resolved" else None,
        now=now,
    )
    # The form of the receipt day's rule set, never today's: a reprint says what the first print said.
    form = rule_set_on(plan.received_at).forms["control_slip"]
    names = rules.agency_names(plan.lead_agency_code, plan.lead_agency_name)
    return {
        "form": form.number,
        "form_label": form.label,
        "form_title": form.title,
        "form_basis": form.basis_line,
        "code": plan.code,
        "procedure_code": plan.procedure_code,
        "procedure_name": plan.procedure_name,
        "lead_agency_code": plan.lead_agency_code,
        "lead_agency_name": plan.lead_agency_name,
        "coordinating_agencies": [
            {"code": code, "name": names.get(code)}
            for code in rules.coordinating_agencies(plan.lead_agency_code, [s.agency_code for s in steps])
        ],
        "applicant_name": plan.applicant_name,
        "received_at": plan.received_at,
        "due_at": plan.due_at,
        "state": plan.state,
        "rows": [
            {
                **asdict(row),
                "giving_name": rules.party_name(row.giving, names),
                "receiving_name": rules.party_name(row.receiving, names),
                "outcome_label": rules.OUTCOME_LABELS.get(row.outcome) if row.outcome else None,
            }
            for row in rows
        ],
    }
