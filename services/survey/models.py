"""Tables of the survey service, all in schema `survey`."""

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("survey")
messaging = messaging_tables(metadata)
