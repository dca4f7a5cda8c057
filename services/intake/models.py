"""Tables of the intake service, all in schema `intake`."""

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("intake")
messaging = messaging_tables(metadata)
