"""A dossier's receipt in one statement: the unit's number for the day, and every row that carries the
code it makes (issue #17).

The day's counter row (`dossier_counters`) is what keeps codes gapless per unit and day: its upsert
locks the row until COMMIT, so concurrent receptions at one unit queue on it. Written the ordinary way,
the lock was held from the upsert across the dossier update, the timeline, outbox and audit inserts,
the response's reads and the Python between them: six round trips or more. Here everything the
receipt writes is staged first, with the code's number left as a placeholder unique to the request,
and one data-modifying statement (`RECEIVE`) takes the number, makes the code, and writes the dossier
row (code, look-up hash, status, times, version), its timeline row, its `dossier.received` outbox row
(the placeholder replaced in the CloudEvent's JSON) and its audit row. The lock is then held for that
statement and the COMMIT after it, and a receipt rolled back rolls its number back with it.

The look-up hash is `rules.hash_lookup_secret` computed by the database (sha256 of "<code>:<secret>",
hex), because the code is known only inside the statement; a test holds the two together.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.dossiers.models import dossier_counters, dossiers, timeline
from services.intake.models import audit_log, messaging
from shared.db.raw import driver

# The day's number for unit $1 on day $2, and the code it makes after prefix $3, as the first CTEs of a
# statement that writes the code (`coded`): zero-padded to four digits, as `rules.dossier_code`
# formats it, and never truncated. Reception at the counter writes its dossier with it too
# (`reception.repository.SUBMIT_AND_RECEIVE`).
NUMBERED: Final = f"""
WITH counter AS (
  INSERT INTO {dossier_counters.fullname} AS c (unit_code, day, last) VALUES ($1::text, $2::date, 1)
  ON CONFLICT (unit_code, day) DO UPDATE SET last = c.last + 1
  RETURNING last
), coded AS (
  SELECT $3::text || lpad(last::text, greatest(4, length(last::text)), '0') AS code FROM counter
)"""  # noqa: S608

# Built once, from this module's table names only.
RECEIVE: Final = f"""{NUMBERED}, dossier AS (
  UPDATE {dossiers.fullname} AS d
  SET code = coded.code,
      lookup_secret_hash = encode(sha256(convert_to(coded.code || ':' || $5::text, 'UTF8')), 'hex'),
      status = 'received', documents = $6::jsonb, received_at = $7, rule_set = $8,
      clock_started_at = $9, due_at = $10, version = $11, updated_at = $7
  FROM coded WHERE d.id = $4
), shown AS (
  INSERT INTO {timeline.fullname} (dossier_id, at, status, public_note) VALUES ($4, $7, 'received', $12)
), event AS (
  INSERT INTO {messaging.outbox.fullname} (event_id, event_type, topic, payload)
  SELECT $13, $14, $15, replace($16::text, $17::text, coded.code) FROM coded
), audit AS (
  INSERT INTO {audit_log.fullname} (at, actor, role, agency, action, entity, detail)
  SELECT $7, $18, $19, $20, 'dossier.received', 'dossier:' || coded.code, '{{}}'::jsonb FROM coded
)
SELECT code FROM coded
"""  # noqa: S608


EVENT: Final = ("event_id", "event_type", "topic", "payload")  # an outbox row's, in RECEIVE's order


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt writes, staged before the counter is touched; `placeholder` stands for
    the code wherever the outbox row's JSON carries it."""

    dossier_id: UUID
    unit_code: str
    day: date  # the receipt day in Vietnam
    code_prefix: str  # the code up to its number (`rules.dossier_code_prefix`)
    secret_key: str  # the look-up secret as hashed (`rules.secret_key`)
    documents_json: str
    received_at: datetime
    rule_set: str
    clock_started_at: datetime
    due_at: datetime
    version: int
    note: str  # the timeline's public note
    outbox_row: dict[str, Any]  # `Outbox.row`'s, its payload holding `placeholder` where the code goes
    placeholder: str
    actor: str
    role: str
    agency: str | None


async def receive(session: AsyncSession, receipt: Receipt) -> str:
    """Take the unit's next number for the day and write the receipt (`RECEIVE`): the dossier's code."""
    r, event = receipt, receipt.outbox_row
    code: str = await (await driver(session)).fetchval(
        RECEIVE,
        r.unit_code,
        r.day,
        r.code_prefix,
        r.dossier_id,
        r.secret_key,
        r.documents_json,
        r.received_at,
        r.rule_set,
        r.clock_started_at,
        r.due_at,
        r.version,
        r.note,
        *(event[column] for column in EVENT),
        r.placeholder,
        r.actor,
        r.role,
        r.agency,
    )
    return code
