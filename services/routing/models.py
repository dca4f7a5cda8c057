"""Tables of the routing service, all in schema `routing`."""

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("routing")
messaging = messaging_tables(metadata)
