"""The intake schema's metadata and its service-wide tables; each package's own tables are in its
`models.py`, registered on this metadata (`shared.db.metadata.models_of` finds them all)."""

from shared.audit import audit_table
from shared.calendar_replica import overrides_table
from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("intake")
messaging = messaging_tables(metadata)
audit_log = audit_table(metadata)

# The calendar's admin overrides, replicated from the deadline service (shared.calendar_replica).
calendar_overrides = overrides_table(metadata)
