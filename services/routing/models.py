"""The routing service's metadata (schema `routing`) and its service-wide tables: messaging, the audit
log, and the calendar's overrides replicated from the deadline service.

Each sub-domain keeps its tables in its own `models.py` on this metadata: `plans/` (plans, steps,
supplement requests), `inbound/` (facts that arrived early), `transfers/` (paper transfer batches),
`payments/` (fees paid against a step's financial obligation).
"""

from shared.audit import audit_table
from shared.calendar_replica import overrides_table
from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("routing")
messaging = messaging_tables(metadata)
audit_log = audit_table(metadata)
# The calendar's admin overrides, replicated from the deadline service (shared.calendar_replica).
calendar_overrides = overrides_table(metadata)
