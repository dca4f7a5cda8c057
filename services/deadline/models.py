"""The deadline service's MetaData, and the tables every sub-domain shares: messaging and the audit log.

Each sub-domain keeps its own tables in its package's `models.py` (`clocks`, `extensions`, `calendar`,
`apology`), registered on this `metadata`; `shared.db.metadata.models_of` gathers them for Alembic.
"""

from shared.audit import audit_table
from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("deadline")
messaging = messaging_tables(metadata)
audit_log = audit_table(metadata)
