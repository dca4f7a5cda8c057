"""Alembic for every service: one shared env, each service's revisions under its own `migrations/versions`.

    python -m shared.db.migrate                      # upgrade every service to head
    python -m shared.db.migrate intake routing       # just these
    python -m shared.db.migrate --revision intake -m "add receipts" [--autogenerate]

Each service migrates with its own login role (`MOTCUA_<SERVICE>_DATABASE_URL`, or `MOTCUA_DATABASE_URL`
when migrating one service) and its version table lives in its own schema.
"""

import argparse
import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.services import SERVICES

_HERE = Path(__file__).parent
_SERVICES_DIR = _HERE.parent.parent / "services"


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE / "alembic"))
    config.set_main_option("version_locations", str(_SERVICES_DIR / service / "migrations" / "versions"))
    config.set_main_option("path_separator", "os")
    config.attributes["service"] = service
    config.attributes["database_url"] = database_url
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def service_database_url(service: str, *, only_one: bool) -> str:
    specific = os.environ.get(f"MOTCUA_{service.upper()}_DATABASE_URL")
    general = os.environ.get("MOTCUA_DATABASE_URL") if only_one else None
    url = specific or general
    if not url:
        raise SystemExit(f"set MOTCUA_{service.upper()}_DATABASE_URL (the {service} role's URL)")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description="Migrate motcua's schemas")
    parser.add_argument("services", nargs="*", metavar="SERVICE", help=f"any of: {', '.join(SERVICES)}")
    parser.add_argument("--revision", action="store_true", help="create a new revision instead")
    parser.add_argument("-m", "--message", default="change")
    parser.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args()
    chosen = args.services or list(SERVICES)
    unknown = sorted(set(chosen) - set(SERVICES))
    if unknown:
        parser.error(f"unknown service(s): {', '.join(unknown)}")
    for service in chosen:
        url = service_database_url(service, only_one=len(chosen) == 1)
        if args.revision:
            command.revision(
                alembic_config(service, url), message=args.message, autogenerate=args.autogenerate
            )
        else:
            upgrade(service, url)
            print(f"{service}: migrated to head")


if __name__ == "__main__":
    main()
