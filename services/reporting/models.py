"""The reporting service's metadata (schema `reporting`) and its messaging tables.

Each read model keeps its tables in its own package, on this metadata: the processing read model's in
`processing/models.py` (`processing/arithmetic.py` explains the design), the satisfaction read
model's in `satisfaction/models.py`. What a rebuild refills is each read model's ``tables``
(`readmodels.py`); the messaging tables and the rebuild's own record (`rebuild/models.py`) stay.
"""

from shared.db.metadata import service_metadata
from shared.messaging.tables import messaging_tables

metadata = service_metadata("reporting")
messaging = messaging_tables(metadata)
