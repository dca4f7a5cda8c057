"""The service-level report's counts per service bucket: per-day counters of the Fenwick tree for each
bucket's dossiers received, resolved early / on time / late, open, and open and overdue
(`arithmetic.BUCKET_SERIES`), filled here from the dossier rows already kept.

A dossier's bucket is fixed at receipt (`rule_periods.service_bucket`): the online scheme of the rule
set in force on its receipt day in Vietnam (`shared.rule_sets`, the deployment's file if it names one;
a day before the first set is the first set's) and its level under that scheme: levels_1 .. levels_4
under "levels", classes_full_online (4), classes_partial_online (3), classes_other (1, 2) under
"classes". Every count of the dossier, whatever its day, goes to that bucket.

The fill is `arithmetic.contributions` for those series written in SQL over `dossier_facts` (every
fact it needs is there: level, receipt day (`received_date`, the Vietnam date the counters use), due,
closes, the supplement waits), each day's counters added to the tree's nodes as
`rebuilder.tree_from_days_sql` does. Without it, a dossier received before the migration and closed
after would take its bucket's "open" counter below zero. A rebuild (`python -m
services.reporting.rebuild`) gives the same numbers from the events.

The buckets' receipts replace the per-level receipt counters level_1 .. level_4, dropped here; a
downgrade adds them back empty, and a rebuild at the older release refills them.

Revision ID: reporting_0010
Revises: reporting_0009
"""

import sqlalchemy as sa
from alembic import op

from shared.rule_sets import RuleSet, rule_sets

revision = "reporting_0010"
down_revision = "reporting_0009"
branch_labels = None
depends_on = None

# rule_periods.SCHEME_KEYS and CLASS_OF_LEVEL as they were when this revision was written.
SCHEME_KEYS = {
    "levels": ("1", "2", "3", "4"),
    "classes": ("full_online", "partial_online", "other"),
}
BUCKETS = tuple(f"{scheme}_{key}" for scheme, keys in SCHEME_KEYS.items() for key in keys)
KINDS = ("received", "early", "on_time", "late", "open", "overdue")
SERIES = tuple(f"{bucket}_{kind}" for bucket in BUCKETS for kind in KINDS)
EPOCH = "1990-01-01"  # arithmetic.EPOCH: day index 1
LEVEL_SERIES = ("level_1", "level_2", "level_3", "level_4")
SIZE = 1 << 15  # arithmetic.SIZE: days in the tree


def bucket_sql(
    sets: tuple[RuleSet, ...], received: str = "received_date", level: str = "service_level"
) -> str:
    """The service bucket of a dossier with a level 1-4, as `rule_periods.service_bucket` gives it: the
    scheme of the set in force on the receipt day (the sets are contiguous and in date order, so the
    first whose last day is on or after it; a day before the first set is the first's), then the
    level's key under that scheme."""

    def of_scheme(scheme: str) -> str:
        if scheme == "levels":
            return f"'levels_' || {level}"
        return f"CASE {level} WHEN 4 THEN 'classes_full_online' WHEN 3 THEN 'classes_partial_online' ELSE 'classes_other' END"

    whens = " ".join(
        f"WHEN {received} <= DATE '{s.effective_to.isoformat()}' THEN {of_scheme(s.online_scheme)}"
        for s in sets
        if s.effective_to is not None
    )
    return f"CASE {whens} ELSE {of_scheme(sets[-1].online_scheme)} END"


def backfill_sql(schema: str, sets: tuple[RuleSet, ...] | None = None) -> str:
    """Add the bucket series of every dossier in `schema`.dossier_facts to `schema`.report_tree, each
    dossier in the bucket of its receipt day under `sets` (the deployment's rule sets by default)."""
    bucket = bucket_sql(rule_sets() if sets is None else sets)
    columns = ", ".join(SERIES)
    pivot = ", ".join(f"sum(amount) FILTER (WHERE series = '{s}') AS {s}" for s in SERIES)
    sums = ", ".join(f"coalesce(sum(d.{s}), 0)" for s in SERIES)
    adds = ", ".join(f"{s} = t.{s} + excluded.{s}" for s in SERIES)
    q = "(((d.day_index - 1) >> k) + 1)"
    return f"""
    WITH f AS (
      SELECT cell_id, {bucket} AS lv, received_date AS r, due_date AS due, waiting,
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
      SELECT cell_id, r, lv || '_received', 1 FROM e
      UNION ALL SELECT cell_id, r, lv || '_open', 1 FROM e
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
    for name in LEVEL_SERIES:
        op.drop_column("report_tree", name, schema="reporting")


def downgrade() -> None:
    for name in LEVEL_SERIES:
        op.add_column(
            "report_tree",
            sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")),
            schema="reporting",
        )
    for name in reversed(SERIES):
        op.drop_column("report_tree", name, schema="reporting")
