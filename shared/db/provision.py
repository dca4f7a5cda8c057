"""Create the database, one schema and one login role per service, each role granted its own schema only.

    MOTCUA_ADMIN_DATABASE_URL=postgresql://postgres@host/motcua \\
    MOTCUA_INTAKE_DB_PASSWORD=... (one per service) python -m shared.db.provision

Idempotent: run it on every deploy; it also resets the passwords to the given ones.
"""

import asyncio
import os

import asyncpg
from sqlalchemy import make_url

from shared.db.engine import asyncpg_dsn
from shared.services import EXTRA_SCHEMAS, SERVICES, role_name


async def provision(admin_url: str, passwords: dict[str, str]) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        database = await conn.fetchval("SELECT current_database()")
        async with conn.transaction():
            # Nobody gets to create objects in public; each role lives in its own schema.
            await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            await conn.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
            for service in SERVICES:
                role = role_name(service)
                password = passwords[service].replace("'", "''")
                exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
                verb = "ALTER" if exists else "CREATE"
                await conn.execute(f"{verb} ROLE {role} LOGIN PASSWORD '{password}'")
                await conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {role}")
                await conn.execute(f"ALTER ROLE {role} SET search_path = {service}")
                await conn.execute(f"REVOKE ALL ON SCHEMA {service} FROM PUBLIC")
                for extra in EXTRA_SCHEMAS.get(service, ()):
                    await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {extra} AUTHORIZATION {role}")
                    await conn.execute(f"REVOKE ALL ON SCHEMA {extra} FROM PUBLIC")
    finally:
        await conn.close()


async def ensure_database(admin_url: str) -> None:
    """Create the target database if missing (connecting to the server's `postgres` database)."""

    url = make_url(admin_url)
    target = url.database or "motcua"
    conn = await asyncpg.connect(asyncpg_dsn(url.set(database="postgres")))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", target):
            await conn.execute(f"CREATE DATABASE \"{target}\" ENCODING 'UTF8' TEMPLATE template0")
    finally:
        await conn.close()


def passwords_from_env() -> dict[str, str]:
    missing = [s for s in SERVICES if not os.environ.get(f"MOTCUA_{s.upper()}_DB_PASSWORD")]
    if missing:
        names = ", ".join(f"MOTCUA_{s.upper()}_DB_PASSWORD" for s in missing)
        raise SystemExit(f"set {names}")
    return {s: os.environ[f"MOTCUA_{s.upper()}_DB_PASSWORD"] for s in SERVICES}


def main() -> None:
    admin_url = os.environ.get("MOTCUA_ADMIN_DATABASE_URL")
    if not admin_url:
        raise SystemExit("set MOTCUA_ADMIN_DATABASE_URL (a superuser's URL)")
    asyncio.run(ensure_database(admin_url))
    asyncio.run(provision(admin_url, passwords_from_env()))
    print("provisioned: " + ", ".join(f"{s} (role {role_name(s)})" for s in SERVICES))


if __name__ == "__main__":
    main()
