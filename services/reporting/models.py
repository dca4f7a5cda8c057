"""Tables of the reporting service, all in schema `reporting`."""

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("reporting")
messaging = messaging_tables(metadata)
