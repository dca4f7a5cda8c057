"""The rebuild's own record, in schema `reporting`: not a read model, so a rebuild never refills it."""

from sqlalchemy import BigInteger, Column, DateTime, Identity, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from services.reporting.models import metadata

_TZ = DateTime(timezone=True)

# The runs of `python -m services.reporting.rebuild` and POST /v1/rebuild.
rebuild_runs = Table(
    "rebuild_runs",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("state", Text, nullable=False, comment="running, swapping, done or failed"),
    Column("requested_by", Text, nullable=False),
    Column("started_at", _TZ, nullable=False, server_default=func.now()),
    Column("finished_at", _TZ),
    Column("events", BigInteger, nullable=False, server_default=text("0"), comment="events applied"),
    Column("progress", JSONB, nullable=False, server_default=text("'{}'::jsonb"), comment="per stream"),
    Column("error", Text),
)
