"""The service-level report's results per online service level: per-day counters of the Fenwick tree
for each level 1-4's dossiers resolved early / on time / late, open, and open and overdue
(`arithmetic.LEVEL_SERIES`), filled here from the dossier rows already kept.

The fill is `arithmetic.contributions` for those series written in SQL over `dossier_facts` (every
fact it needs is there: level, receipt, due, closes, the supplement waits), each day's counters added
to the tree's nodes as `rebuilder.tree_from_days_sql` does. Without it, a dossier received before the
migration and closed after would take its level's "open" counter below zero. A rebuild
(`python -m services.reporting.rebuild`) gives the same numbers from the events.

Revision ID: reporting_0010
Revises: reporting_0009
"""

import sqlalchemy as sa
from alembic import op

revision = "reporting_0010"
down_revision = "reporting_0009"
branch_labels = None
depends_on = None

LEVELS = (1, 2, 3, 4)
KINDS = ("early", "on_time", "late", "open", "overdue")
SERIES = tuple(f"level_{level}_{kind}" for level in LEVELS for kind in KINDS)
EPOCH = "1990-01-01"  # arithmetic.EPOCH: day index 1
SIZE = 1 << 15  # arithmetic.SIZE: days in the tree


def backfill_sql(schema: str) -> str:
    """Add the level series of every dossier in `schema`.dossier_facts to `schema`.report_tree."""
    columns = ", ".join(SERIES)
    pivot = ", ".join(f"sum(amount) FILTER (WHERE series = '{s}') AS {s}" for s in SERIES)
    sums = ", ".join(f"coalesce(sum(d.{s}), 0)" for s in SERIES)
    adds = ", ".join(f"{s} = t.{s} + excluded.{s}" for s in SERIES)
    q = "(((d.day_index - 1) >> k) + 1)"
    return f"""
    WITH f AS (
      SELECT cell_id, 'level_' || service_level AS lv, received_date AS r, due_date AS due, waiting,
             resolved_date, rejected_date, LEAST(resolved_date, rejected_date, withdrawn_date) AS closed
      FROM {schema}.dossier_facts
      WHERE cell_id IS NOT NULL AND received_date IS NOT NULL AND due_date IS NOT NULL
        AND service_level BETWEEN 1 AND 4
    ), e AS (
      SELECT cell_id, lv, r, due, waiting,
             CASE WHEN closed IS NOT NULL THEN GREATEST(closed, r) END AS c,  -- never before r
             closed IS NOT NULL AND closed = resolved_date AS resolved,  -- a tie: resolved first
             GREATEST(r, due + 1) AS overdue_from
      FROM f
    ), o AS (  -- open and overdue on [overdue_from, c)
      SELECT * FROM e WHERE c IS NULL OR overdue_from < c
    ), w AS (  -- less the supplement waits (kept merged and cut at the close)
      SELECT o.cell_id, o.lv, GREATEST(lower(span), o.overdue_from) AS start, upper(span) AS finish
      FROM o CROSS JOIN LATERAL unnest(o.waiting) AS span
    ), counters (cell_id, day, series, amount) AS (
      SELECT cell_id, r, lv || '_open', 1 FROM e
      UNION ALL SELECT cell_id, c, lv || '_open', -1 FROM e WHERE c IS NOT NULL
      UNION ALL SELECT cell_id, c,
          lv || CASE WHEN c < due THEN '_early' WHEN c = due THEN '_on_time' ELSE '_late' END, 1
        FROM e WHERE resolved
      UNION ALL SELECT cell_id, overdue_from, lv || '_overdue', 1 FROM o
      UNION ALL SELECT cell_id, c, lv || '_overdue', -1 FROM o WHERE c IS NOT NULL
      UNION ALL SELECT cell_id, start, lv || '_overdue', -1 FROM w WHERE finish IS NULL OR start < finish
      UNION ALL SELECT cell_id, finish, lv || '_overdue', 1 FROM w WHERE finish IS NOT NULL AND start < finish
    ), days AS (  -- per cell and day index (days before the epoch on its first day, after it nowhere)
      SELECT cell_id, GREATEST(1, (day - DATE '{EPOCH}') + 1) AS day_index, {pivot}
      FROM counters WHERE (day - DATE '{EPOCH}') + 1 <= {SIZE}
      GROUP BY 1, 2
    )
    INSERT INTO {schema}.report_tree AS t (node, cell_id, {columns})
    SELECT {q} << k, d.cell_id, {sums} FROM days d
    CROSS JOIN generate_series(0, {SIZE.bit_length() - 1}) AS k
    WHERE {q} % 2 = 1 AND ({q} << k) <= {SIZE}
    GROUP BY 1, 2
    ON CONFLICT (node, cell_id) DO UPDATE SET {adds}
    """  # noqa: S608


def upgrade() -> None:
    for name in SERIES:
        op.add_column(
            "report_tree",
            sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")),
            schema="reporting",
        )
    op.execute(backfill_sql("reporting"))


def downgrade() -> None:
    for name in reversed(SERIES):
        op.drop_column("report_tree", name, schema="reporting")
