"""`python -m tools.dev_token --role admin [--agency VPDK] [--unit 000.00.12.H57]` prints a local
HS256 token (`make token`)."""

import argparse
import os

from shared.auth import ROLES, issue_token
from shared.settings import ServiceSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--agency", default=None, help="agency code, for officers and leaders")
    parser.add_argument("--unit", default=None, help="receiving unit code, for reception and a unit's leader")
    parser.add_argument("--sub", default=None, help="user id (default: <role>-local)")
    parser.add_argument("--hours", type=int, default=8)
    args = parser.parse_args()
    # A tool of the local stack (`make run`), whose services run in development.
    settings = ServiceSettings(environment=os.environ.get("MOTCUA_ENVIRONMENT") or "development")
    print(
        issue_token(
            settings.jwt_secret,
            sub=args.sub or f"{args.role}-local",
            role=args.role,
            agency=args.agency or None,
            unit=args.unit or None,
            ttl_seconds=args.hours * 3600,
        )
    )


if __name__ == "__main__":
    main()
