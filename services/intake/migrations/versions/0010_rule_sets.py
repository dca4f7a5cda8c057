"""a dossier's rule set; a procedure version may leave its supplement policy to the rule set

Revision ID: intake_0010
Revises: intake_0009
Create Date: 2026-12-06 20:00:00.000000

Every received dossier gets the code of the rule set in force on its receipt day in Vietnam
(`shared.rule_sets`, the deployment's file if it names one), as reception and the import now set it;
a dossier never received (an online submission awaiting its check, or one answered with form 02 or 03)
has none. Procedure versions keep the policy they had; only new ones may leave it null.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.rule_sets import rule_sets

revision: str = "intake_0010"
down_revision: str | None = "intake_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RECEIPT_DAY = "(received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"


def backfill() -> list[sa.TextClause]:
    """One UPDATE a rule set: each received dossier gets the set of its receipt day in Vietnam."""
    statements = []
    for index, era in enumerate(rule_sets()):
        # A day before the first set is judged by the first, as `rule_set_on` judges it.
        bounds: dict[str, object] = {"code": era.code}
        where = "received_at IS NOT NULL"
        if index > 0:
            where += f" AND {_RECEIPT_DAY} >= :starts"
            bounds["starts"] = era.effective_from
        if era.effective_to is not None:
            where += f" AND {_RECEIPT_DAY} <= :ends"
            bounds["ends"] = era.effective_to
        update = f"UPDATE intake.dossiers SET rule_set = :code WHERE {where}"  # noqa: S608 - values bound
        statements.append(sa.text(update).bindparams(**bounds))
    return statements


def upgrade() -> None:
    op.add_column(
        "dossiers",
        sa.Column(
            "rule_set",
            sa.Text(),
            nullable=True,
            comment="the rule set of its receipt day (shared.rule_sets), set with received_at; "
            "null: not received (yet)",
        ),
        schema="intake",
    )
    for statement in backfill():
        op.execute(statement)
    op.alter_column(
        "procedures",
        "supplement_policy",
        existing_type=sa.Text(),
        nullable=True,
        server_default=None,
        comment="shift | restart; null: the default of the rule set of each dossier's receipt day",
        schema="intake",
    )


def downgrade() -> None:
    # A version without a policy gets that of the set in force on its first day, newest set first.
    sets = list(enumerate(rule_sets()))
    for index, era in reversed(sets):
        where = "supplement_policy IS NULL" + ("" if index == 0 else " AND effective_from >= :starts")
        statement = sa.text(f"UPDATE intake.procedures SET supplement_policy = :policy WHERE {where}")  # noqa: S608 - fixed SQL, values bound
        bounds: dict[str, object] = {"policy": era.supplement_policy}
        if index > 0:
            bounds["starts"] = era.effective_from
        op.execute(statement.bindparams(**bounds))
    op.alter_column(
        "procedures",
        "supplement_policy",
        existing_type=sa.Text(),
        nullable=False,
        server_default="shift",
        comment=None,
        schema="intake",
    )
    op.drop_column("dossiers", "rule_set", schema="intake")
