"""Tables of the deadline service, all in schema `deadline`."""

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("deadline")
messaging = messaging_tables(metadata)
