"""Decision 766's indicators (issue #16): online receipts by class, fee payments, processing times.

`dossier_facts`:

* `regulated_tenths`, `day_kind`: the processing time the dossier's procedure gives it (its online time
  when received online and the procedure has one), in tenths of a day, and whether those are working
  or calendar days (`dossier.received`'s procedure snapshot).

Fee payments (`dossier.fee_paid`) are kept in `marks` (`payments`), beside the supplement marks.

`report_tree` gains, per cell and node:

* `full_online_received`, `full_online_received_online`, `partial_online_received`,
  `partial_online_received_online`: dossiers received of procedures offered fully (level 4, "toàn
  trình") or partly (level 3, "một phần") online, and of them those received online;
* `fees_paid`, `fees_paid_online`: fee payments on the day paid, and of them those paid online;
* `resolved_timed`, `regulated_tenths`, `elapsed_tenths`: the dossiers resolved whose regulated time is
  known, their regulated time and the time they took, in tenths of a day.

`report_unit_tree` gains the first six (the indicators read them by unit).

No backfill: the stored facts never kept the procedure's processing time, and no payment was recorded
before this release. Every new column starts at 0, and the counters stay consistent with the facts (a
stored dossier's facts give no time and no payment; its receipt's online class cancels out of every
later change), so old dossiers count in no indicator of these until a rebuild (`python -m
services.reporting.rebuild`) folds their events again: the rebuild fills all of them, the online classes
and the times of every dossier whose `dossier.received` is on the stream.

Revision ID: reporting_0013
Revises: reporting_0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "reporting_0013"
down_revision = "reporting_0012"
branch_labels = None
depends_on = None

UNIT_SERIES = (
    "full_online_received",
    "full_online_received_online",
    "partial_online_received",
    "partial_online_received_online",
    "fees_paid",
    "fees_paid_online",
)
TIME_SERIES = ("resolved_timed", "regulated_tenths", "elapsed_tenths")
MARKS_COMMENT = "supplement pauses and resumptions, fee payments: {pauses, resumes, supplied, payments}"
OLD_MARKS_COMMENT = "supplement pauses and resumptions heard: {pauses, resumes, supplied}"


def _marks_comment(comment: str, existing: str) -> None:
    op.alter_column(
        "dossier_facts",
        "marks",
        existing_type=postgresql.JSONB(),
        existing_nullable=False,
        comment=comment,
        existing_comment=existing,
        schema="reporting",
    )


def _counter(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0"))


def upgrade() -> None:
    op.add_column(
        "dossier_facts",
        sa.Column(
            "regulated_tenths",
            sa.Integer(),
            nullable=True,
            comment="the procedure's processing time for it, tenths of a day",
        ),
        schema="reporting",
    )
    op.add_column(
        "dossier_facts",
        sa.Column(
            "day_kind",
            sa.Text(),
            nullable=True,
            comment="working or calendar: the kind of days of regulated_tenths",
        ),
        schema="reporting",
    )
    _marks_comment(MARKS_COMMENT, OLD_MARKS_COMMENT)
    for name in (*UNIT_SERIES, *TIME_SERIES):
        op.add_column("report_tree", _counter(name), schema="reporting")
    for name in UNIT_SERIES:
        op.add_column("report_unit_tree", _counter(name), schema="reporting")


def downgrade() -> None:
    for name in UNIT_SERIES:
        op.drop_column("report_unit_tree", name, schema="reporting")
    for name in (*UNIT_SERIES, *TIME_SERIES):
        op.drop_column("report_tree", name, schema="reporting")
    _marks_comment(OLD_MARKS_COMMENT, MARKS_COMMENT)
    op.drop_column("dossier_facts", "day_kind", schema="reporting")
    op.drop_column("dossier_facts", "regulated_tenths", schema="reporting")
