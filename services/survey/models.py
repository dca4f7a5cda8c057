"""The survey service's metadata (schema `survey`) and its service-wide tables: messaging, the audit
log and the calendar's overrides replicated from the deadline service. Each package's tables are in its
own `models.py`, registered on this metadata."""

from shared.audit import audit_table
from shared.calendar_replica import overrides_table
from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("survey")
messaging = messaging_tables(metadata)
# Who published a form, who received, answered or forwarded a feedback item (migration survey_0002).
audit_log = audit_table(metadata)
# The centre's days off and working Saturdays, which an answer's due counts (shared.calendar_replica).
calendar_overrides = overrides_table(metadata)
