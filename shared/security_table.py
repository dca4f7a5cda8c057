"""`python -m shared.security_table > docs/security.md`: who may call every endpoint, read from the
routes' own dependencies, so the table cannot drift from the code (a test compares the two)."""

import importlib
import os
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from shared.auth import ROLES
from shared.route_roles import roles_of
from shared.services import SERVICE_PORTS, SERVICES

ANYONE = "anyone (no token)"
SIGNED_IN = "any signed-in role"

PREFACE = """# Who may call what

Generated from the code by `python -m shared.security_table > docs/security.md`; a test fails when
the two differ. Roles are the token's `role` claim; a route lists those its dependencies admit, so a
request with another role gets 403 `forbidden_role`, and one without a token 401.

**Who sees a dossier** (`shared/visibility.py`), for every route below that names one (`{code}`,
`{key}`): admin and auditor see every dossier; reception the dossiers received at its token's
`unit` or to be returned there (403 `not_your_unit` otherwise; in intake, routing's plan and control
slip, and deadline's clock), a dossier whose units are unknown (stored before units) and, with a
token without `unit`, every dossier (intake refuses such a token, 403 `unit_claim_missing`, to receive
or change a dossier while more than one unit is open); a portal account the dossiers it
submitted (another's is 404, so codes cannot be probed); officers and leaders the dossiers whose
route holds their agency, as lead or as a step's agency (403 `not_your_agency` otherwise). Lists of
an agency's work (queues, reminders, extensions, transfers, feedback, apology letters) show officers
and leaders their own agency's only; a survey invitation is read by reception and the submitting
portal account only. Personal data (ID and phone numbers) is in no event and no list.

**What is read of a request**: headers up to `MOTCUA_MAX_HEADER_BYTES` (431 past it), bodies up to
`MOTCUA_MAX_BODY_BYTES` (413), uploads and the import under limits of their own. The endpoints open
to anyone that take a body (`POST /v1/ballots`, `POST /v1/feedback`) judge the sender first, on the
request's head: its rate limits, its token and its role (`shared/head_checks.py`); a refused sender's
body is never read. An unexpected error is a problem+json 500 that keeps the connection open.
"""


def rows(service: str, app: FastAPI) -> Iterator[str]:
    for context in iter_route_contexts(app.router.routes):
        route = context.route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        roles = roles_of(route.dependant)
        if roles is None:
            who = ANYONE
        elif roles == set(ROLES):
            who = SIGNED_IN
        else:
            who = ", ".join(role for role in ROLES if role in roles)
        summary = (route.summary or (route.description or "").strip().split("\n")[0]).replace("|", "\\|")
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            yield f"| {service} | `{method} {context.path_format}` | {who} | {summary} |"


def table() -> str:
    lines = [PREFACE, "| service | endpoint | who may call it | what it does |", "|---|---|---|---|"]
    for service in SERVICES:
        app: FastAPI = importlib.import_module(f"services.{service}.app").create_app()
        lines.extend(rows(f"{service} ({SERVICE_PORTS[service]})", app))
    return "\n".join(lines) + "\n"


def main() -> None:
    # Building the apps reads settings; the table is the same in every environment.
    os.environ.setdefault("MOTCUA_ENVIRONMENT", "development")
    print(table(), end="")


if __name__ == "__main__":
    main()
