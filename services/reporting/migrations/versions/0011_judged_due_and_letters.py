"""The due the law recognises, and late letters apart from timely ones (issue #16).

`dossier_facts`:

* `original_due_date`: the receipt's due, copied here from `due_date` (every row's due so far).
* `appointment_resumed_at`: the end of the dossier's latest legitimate pause (a supplement, a financial
  obligation) as `dossier.appointment_changed` reports it; `due_date` becomes the due that event gives
  (the due the reports judge by) and stays the original due while there is none.
* `apology_timely`: one of the dossier's apology letters was sent in time (`dossier.apology_issued`
  `timely`).

`report_tree`: `late_with_timely_apology`, the dossiers resolved late with a letter sent in time.

No backfill is possible for either:

* The appointments: reporting never kept the pauses' dues (a financial obligation's pause not even its
  dates), and `dossier.appointment_changed` exists only from the deadline release that sends it, which
  sends it for new resumptions only. Every dossier already stored keeps its original due, so one
  paused and resolved within its moved due still counts late. Deploying this release changes the live
  consumer's subjects, so it reads the DOSSIERS stream again from its start (the inbox skips what it
  applied) and applies the appointments already on it; a rebuild (`python -m
  services.reporting.rebuild`) gives the same. Either way only the dossiers whose events deadline (or
  intake, for imports) has sent are judged right; the older ones stay judged by their original due.
* The timely letters: the stored facts know only that a letter exists. Each letter already stored
  counts as a late letter (as the events sent before `timely` existed always will, even after a
  rebuild); a rebuild moves to "timely" the dossiers whose letters' events say `timely: true`.

Revision ID: reporting_0011
Revises: reporting_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "reporting_0011"
down_revision = "reporting_0010"
branch_labels = None
depends_on = None

DUE_COMMENT = "the due reports judge by: the latest appointment's, else the original due"
OLD_DUE_COMMENT = "the original due (from dossier.received; else dossier.resolved)"


def upgrade() -> None:
    op.add_column(
        "dossier_facts",
        sa.Column(
            "original_due_date",
            sa.Date(),
            nullable=True,
            comment="the receipt's due (dossier.received; else dossier.resolved)",
        ),
        schema="reporting",
    )
    op.add_column(
        "dossier_facts",
        sa.Column(
            "appointment_resumed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the latest legitimate pause's end (dossier.appointment_changed); due_date is its due",
        ),
        schema="reporting",
    )
    op.add_column(
        "dossier_facts",
        sa.Column(
            "apology_timely",
            sa.Boolean(),
            nullable=False,
            server_default=sa.text("false"),
            comment="an apology letter was sent in time (dossier.apology_issued timely)",
        ),
        schema="reporting",
    )
    op.alter_column(
        "dossier_facts",
        "due_date",
        existing_type=sa.Date(),
        comment=DUE_COMMENT,
        existing_comment=OLD_DUE_COMMENT,
        schema="reporting",
    )
    op.execute("UPDATE reporting.dossier_facts SET original_due_date = due_date WHERE due_date IS NOT NULL")
    op.add_column(
        "report_tree",
        sa.Column("late_with_timely_apology", sa.Integer(), nullable=False, server_default=sa.text("0")),
        schema="reporting",
    )


def downgrade() -> None:
    # `due_date` keeps the moved dues: the counters were kept with them, and a fact row that disagreed
    # with its counters would move them wrong on its next event. A rebuild at the older release judges
    # by the original dues again.
    op.drop_column("report_tree", "late_with_timely_apology", schema="reporting")
    op.alter_column(
        "dossier_facts",
        "due_date",
        existing_type=sa.Date(),
        comment=OLD_DUE_COMMENT,
        existing_comment=DUE_COMMENT,
        schema="reporting",
    )
    op.drop_column("dossier_facts", "apology_timely", schema="reporting")
    op.drop_column("dossier_facts", "appointment_resumed_at", schema="reporting")
    op.drop_column("dossier_facts", "original_due_date", schema="reporting")
