"""Creates the replicated calendar overrides table in a service's Alembic revision (version 1 of its
shape, `shared.calendar_replica`). A later change to `overrides_table` needs a new revision in every
service that keeps one, not an edit here."""

from alembic import op

from shared.calendar_replica import overrides_table
from shared.db.metadata import service_metadata


def create_calendar_overrides_v1(schema: str) -> None:
    overrides_table(service_metadata(schema)).create(op.get_bind())


def drop_calendar_overrides_v1(schema: str) -> None:
    overrides_table(service_metadata(schema)).drop(op.get_bind())
