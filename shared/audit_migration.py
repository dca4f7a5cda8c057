"""Creates the audit table in a service's Alembic revision (version 1 of its shape, `shared.audit`).

A later change to `audit_table` needs a new revision in every service that keeps one, not an edit here.
"""

from alembic import op

from shared.audit import audit_table
from shared.db.metadata import service_metadata


def create_audit_table_v1(schema: str) -> None:
    audit_table(service_metadata(schema)).create(op.get_bind())


def drop_audit_table_v1(schema: str) -> None:
    audit_table(service_metadata(schema)).drop(op.get_bind())
