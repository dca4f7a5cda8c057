"""Every query of the processing read model, in one schema: `reporting` (live) or `reporting_rebuild`
(a rebuild's copy).

The statements go through the asyncpg connection under the session's transaction with array
parameters (`unnest`), so a batch of any size is one round trip: the live handler writes one dossier
at a time, the rebuild thousands. The SQL is built from this module's names only, never from input.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from services.reporting.processing.arithmetic import BUCKET_SERIES, INDICATOR_SERIES, ROW_SERIES, TIME_SERIES
from services.reporting.processing.facts import UNKNOWN_UNIT, Cell, CellKey, Facts
from services.reporting.processing.models import TREE_SERIES, UNIT_TREE_SERIES
from services.reporting.processing.names import NAMED_KINDS, Span, SpanKey, names_on
from services.reporting.readmodels import LIVE_SCHEMA

FACT_COLUMNS: Final = (
    ("dossier_id", "uuid"),
    ("code", "text"),
    ("cell_id", "int"),
    ("procedure_code", "text"),
    ("procedure_name", "text"),
    ("field_code", "text"),
    ("field_name", "text"),
    ("agency_code", "text"),
    ("agency_name", "text"),
    ("unit_code", "text"),
    ("channel", "text"),
    ("service_level", "smallint"),
    ("regulated_tenths", "int"),
    ("day_kind", "text"),
    ("received_across_boundary", "boolean"),
    ("received_at", "timestamptz"),
    ("received_date", "date"),
    ("due_date", "date"),
    ("original_due_date", "date"),
    ("appointment_resumed_at", "timestamptz"),
    ("resolved_date", "date"),
    ("withdrawn_date", "date"),
    ("rejected_date", "date"),
    ("returned_date", "date"),
    ("apology", "boolean"),
    ("apology_timely", "boolean"),
    ("imported", "boolean"),
    ("supplement_waiting", "boolean"),
    ("digitized", "boolean"),
    ("documents_digitized", "int"),
    ("documents_reused", "int"),
    ("marks", "jsonb"),
    ("waiting", "datemultirange"),
)
_NAMES = [name for name, _ in FACT_COLUMNS]
# jsonb and multiranges travel as text, cast on the way in and out.
_WIRE = {"jsonb": "text", "datemultirange": "text"}


@dataclass(frozen=True)
class Stored:
    """A dossier's facts as stored, with the cell its counters are in."""

    facts: Facts
    cell_id: int | None


def _marks_json(facts: Facts) -> str:
    return json.dumps(
        {
            "pauses": sorted([step, at.isoformat()] for step, at in facts.pauses),
            "resumes": sorted([step, at.isoformat()] for step, at in facts.resumes),
            "supplied": sorted(at.isoformat() for at in facts.supplied),
            "payments": sorted([payment, day.isoformat(), online] for payment, day, online in facts.payments),
        },
        separators=(",", ":"),
    )


def _waiting_text(facts: Facts) -> str:
    ranges = [f"[{start},{'' if end is None else end})" for start, end in facts.waiting_intervals()]
    return "{" + ",".join(ranges) + "}"


def fact_record(facts: Facts, cell_id: int | None) -> tuple[Any, ...]:
    cell = facts.cell
    return (
        facts.dossier_id,
        facts.code,
        cell_id,
        cell and cell.procedure_code,
        cell and cell.procedure_name,
        cell and cell.field_code,
        cell and cell.field_name,
        cell and cell.agency_code,
        cell and cell.agency_name,
        cell and cell.unit_code,
        facts.channel,
        facts.service_level,
        facts.regulated_tenths,
        facts.day_kind,
        facts.received_across_boundary,
        facts.received_at,
        facts.received_date,
        facts.due_date,
        facts.original_due_date,
        None if facts.appointment is None else facts.appointment[0],
        facts.resolved_date,
        facts.withdrawn_date,
        facts.rejected_date,
        facts.returned_date,
        facts.apology,
        facts.apology_timely,
        facts.imported,
        facts.supplement_waiting,
        facts.digitized,
        facts.documents_digitized,
        facts.documents_reused,
        _marks_json(facts),
        _waiting_text(facts),
    )


def _facts_of(row: Mapping[str, Any]) -> Facts:
    marks = json.loads(row["marks"]) if row["marks"] else {}

    def instants(items: Iterable[Any]) -> frozenset[tuple[str, datetime]]:
        return frozenset((step, datetime.fromisoformat(at)) for step, at in items)

    resumed = row["appointment_resumed_at"]
    cell = None
    if row["procedure_code"] is not None:
        cell = Cell(
            procedure_code=row["procedure_code"],
            procedure_name=row["procedure_name"] or "",
            field_code=row["field_code"] or "",
            field_name=row["field_name"] or "",
            agency_code=row["agency_code"] or "",
            agency_name=row["agency_name"] or "",
            unit_code=row["unit_code"] or UNKNOWN_UNIT,
        )
    return Facts(
        dossier_id=row["dossier_id"],
        code=row["code"],
        cell=cell,
        channel=row["channel"],
        service_level=row["service_level"],
        regulated_tenths=row["regulated_tenths"],
        day_kind=row["day_kind"] or "working",
        received_across_boundary=row["received_across_boundary"],
        received_at=row["received_at"],
        received_date=row["received_date"],
        original_due_date=row["original_due_date"],
        # due_date holds the appointment's due when there is one (`fact_record`).
        appointment=None if resumed is None else (resumed, row["due_date"]),
        resolved_date=row["resolved_date"],
        withdrawn_date=row["withdrawn_date"],
        rejected_date=row["rejected_date"],
        returned_date=row["returned_date"],
        apology=row["apology"],
        apology_timely=row["apology_timely"],
        imported=row["imported"],
        digitized=row["digitized"],
        documents_digitized=row["documents_digitized"],
        documents_reused=row["documents_reused"],
        pauses=instants(marks.get("pauses", ())),
        resumes=instants(marks.get("resumes", ())),
        supplied=frozenset(datetime.fromisoformat(at) for at in marks.get("supplied", ())),
        payments=frozenset(
            (payment, date.fromisoformat(day), online) for payment, day, online in marks.get("payments", ())
        ),
    )


class Store:
    """The processing read model's tables in one schema."""

    def __init__(self, schema: str = LIVE_SCHEMA) -> None:
        self.schema = schema
        facts, cells, tree = (f"{schema}.{name}" for name in ("dossier_facts", "report_cells", "report_tree"))
        self.facts_table, self.cells_table, self.tree_table = facts, cells, tree
        self.unit_tree_table = unit_tree = f"{schema}.report_unit_tree"
        read = ", ".join(f"{name}::text" if kind in _WIRE else name for name, kind in FACT_COLUMNS)
        self._load = f"SELECT {read} FROM {facts} WHERE dossier_id = ANY($1::uuid[])"  # noqa: S608
        arrays = ", ".join(f"${i}::{_WIRE.get(kind, kind)}[]" for i, (_, kind) in enumerate(FACT_COLUMNS, 1))
        casts = ", ".join(f"{name}::{kind}" for name, kind in FACT_COLUMNS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in _NAMES[1:])
        self._save = (
            f"INSERT INTO {facts} ({', '.join(_NAMES)}) "  # noqa: S608
            f"SELECT {casts} FROM unnest({arrays}) AS t({', '.join(_NAMES)}) "
            f"ON CONFLICT (dossier_id) DO UPDATE SET {updates}"
        )
        newer = "excluded.named_at >= report_cells.named_at"
        self._cells = (
            f"INSERT INTO {cells} AS report_cells (procedure_code, field_code, agency_code, unit_code, "  # noqa: S608
            "procedure_name, field_name, agency_name, named_at) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
            "$7::text[], $8::timestamptz[]) "
            "ON CONFLICT (procedure_code, field_code, agency_code, unit_code) DO UPDATE SET "
            + ", ".join(
                f"{name} = CASE WHEN {newer} THEN excluded.{name} ELSE report_cells.{name} END"
                for name in ("procedure_name", "field_name", "agency_name")
            )
            + ", named_at = GREATEST(report_cells.named_at, excluded.named_at) "
            "RETURNING cell_id, procedure_code, field_code, agency_code, unit_code"
        )
        series_arrays = ", ".join(f"${i}::int[]" for i in range(3, 3 + len(TREE_SERIES)))
        self._tree = (
            f"INSERT INTO {tree} AS tree (node, cell_id, {', '.join(TREE_SERIES)}) "  # noqa: S608
            f"SELECT * FROM unnest($1::int[], $2::int[], {series_arrays}) "
            "ON CONFLICT (node, cell_id) DO UPDATE SET "
            + ", ".join(f"{s} = tree.{s} + excluded.{s}" for s in TREE_SERIES)
        )
        unit_arrays = ", ".join(f"${i}::int[]" for i in range(3, 3 + len(UNIT_TREE_SERIES)))
        self._unit_tree = (
            f"INSERT INTO {unit_tree} AS tree (node, unit_code, {', '.join(UNIT_TREE_SERIES)}) "  # noqa: S608
            f"SELECT * FROM unnest($1::int[], $2::text[], {unit_arrays}) "
            "ON CONFLICT (node, unit_code) DO UPDATE SET "
            + ", ".join(f"{s} = tree.{s} + excluded.{s}" for s in UNIT_TREE_SERIES)
        )
        sums = ", ".join(f"sum({s})" for s in TREE_SERIES)
        self._prefix = (
            f"SELECT 0 AS side, cell_id, {sums} FROM {tree} WHERE node = ANY($1::int[]) GROUP BY cell_id "  # noqa: S608
            f"UNION ALL SELECT 1, cell_id, {sums} FROM {tree} WHERE node = ANY($2::int[]) GROUP BY cell_id"
        )

        self.spans_table = f"{schema}.name_spans"
        self._spans = (
            f"INSERT INTO {self.spans_table} AS s (kind, code, name, first_at, last_at) "  # noqa: S608
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) "
            "ON CONFLICT (kind, code, name) DO UPDATE SET first_at = LEAST(s.first_at, excluded.first_at), "
            "last_at = GREATEST(s.last_at, excluded.last_at)"
        )
        self.levels_table = f"{schema}.agency_levels"
        self._grouped = {
            (by, scoped, series): self.group_sql(by, scoped=scoped, series=series)
            for by in (None, *KEYS)
            for scoped in (False, True)
            for series in REPORT_SERIES
        }

    def group_sql(self, by: str | None, *, scoped: bool, series: Sequence[str]) -> str:
        """Two prefix sums per group: the tree's rows of the nodes, joined to their cells (and for
        `level`, to the lead agency's level), `series` summed per group key. `scoped`: only the cells
        of the receiving units in $3. By unit, series the unit tree holds (the processing report's and
        the indicators') are read from it (`report_unit_tree`): 15 rows a unit, not 15 a cell."""
        if by == "unit" and set(series) <= set(UNIT_TREE_SERIES):
            sums = ", ".join(f"sum({s})" for s in series)
            scope = " AND unit_code = ANY($3::text[])" if scoped else ""
            one = (
                f"SELECT {{side}}, unit_code, {sums} FROM {self.unit_tree_table} "  # noqa: S608
                f"WHERE node = ANY(${{param}}::int[]){scope} GROUP BY 2"
            )
            return one.format(side=0, param=1) + " UNION ALL " + one.format(side=1, param=2)
        key = "''" if by is None else KEYS[by]
        sums = ", ".join(f"sum(t.{s})" for s in series)
        levels = f" LEFT JOIN {self.levels_table} a ON a.code = c.agency_code" if by == "level" else ""
        scope = " AND c.unit_code = ANY($3::text[])" if scoped else ""
        one = (
            f"SELECT {{side}}, {key}, {sums} FROM {self.tree_table} t "  # noqa: S608
            f"JOIN {self.cells_table} c USING (cell_id){levels} "
            f"WHERE t.node = ANY(${{param}}::int[]){scope} GROUP BY 2"
        )
        return one.format(side=0, param=1) + " UNION ALL " + one.format(side=1, param=2)

    async def lock(self, conn: Any, dossier_ids: Iterable[UUID]) -> None:
        """Serialise the handlers of each dossier (replicas may run several consumers); in one order
        for every writer, so two batches never wait for each other in a circle."""
        keys = sorted({dossier_lock_key(i) for i in dossier_ids})
        await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)

    async def load(self, conn: Any, ids: Sequence[UUID]) -> dict[UUID, Stored]:
        rows = await conn.fetch(self._load, list(ids))
        return {row["dossier_id"]: Stored(_facts_of(row), row["cell_id"]) for row in rows}

    async def save(self, conn: Any, records: Sequence[tuple[Any, ...]]) -> None:
        """Upsert whole fact rows (`fact_record`): the caller folded them under the dossier's lock."""
        if records:
            await conn.execute(self._save, *(list(column) for column in zip(*records, strict=True)))

    async def cells(self, conn: Any, named: Mapping[CellKey, tuple[Cell, datetime]]) -> dict[CellKey, int]:
        """The cell ids of these keys, created when new; a cell takes the names of its latest receipt."""
        if not named:
            return {}
        keys = sorted(named)  # one order for every writer: no deadlock between two batches
        rows = await conn.fetch(
            self._cells,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [k[3] for k in keys],
            [named[k][0].procedure_name for k in keys],
            [named[k][0].field_name for k in keys],
            [named[k][0].agency_name for k in keys],
            [named[k][1] for k in keys],
        )
        return {
            (r["procedure_code"], r["field_code"], r["agency_code"], r["unit_code"]): r["cell_id"]
            for r in rows
        }

    async def add_to_tree(
        self, conn: Any, changes: Mapping[tuple[int, int], Mapping[str, int]], units: Mapping[int, str]
    ) -> None:
        """Add per-(cell, node) amounts to the tree, and the same summed per receiving unit (`units`:
        each changed cell's unit code) to the unit tree, in (node, key) order for every writer: the
        cell tree first, then the unit tree, so two batches never wait for each other in a circle."""
        if not changes:
            return
        keys = sorted(changes, key=lambda k: (k[1], k[0]))
        columns: list[list[int]] = [[k[1] for k in keys], [k[0] for k in keys]]
        columns += [[int(changes[k].get(s, 0)) for k in keys] for s in TREE_SERIES]
        await conn.execute(self._tree, *columns)
        per_unit = unit_changes(changes, units)
        if not per_unit:
            return
        unit_keys = sorted(per_unit)
        await conn.execute(
            self._unit_tree,
            [k[0] for k in unit_keys],
            [k[1] for k in unit_keys],
            *([per_unit[k][i] for k in unit_keys] for i in range(len(UNIT_TREE_SERIES))),
        )

    async def prefix_sums(
        self, conn: Any, at_to: Sequence[int], before_from: Sequence[int]
    ) -> dict[int, tuple[dict[str, int], dict[str, int]]]:
        """Per cell, the prefix sums of every series over the two node sets: P(to) and P(from - 1)."""
        rows = await conn.fetch(self._prefix, list(at_to), list(before_from))
        sums: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
        for row in rows:
            pair = sums.setdefault(row[1], ({}, {}))
            pair[row[0]].update(zip(TREE_SERIES, row[2:], strict=True))
        return sums

    async def group_sums(
        self,
        conn: Any,
        by: str | None,
        at_to: Sequence[int],
        before_from: Sequence[int],
        *,
        units: Sequence[str] | None = None,
        series: tuple[str, ...] = ROW_SERIES,
    ) -> dict[str, tuple[dict[str, int], dict[str, int]]]:
        """Per field, agency, procedure, receiving unit or lead agency level (`by`; everything in one
        group "" when None), the prefix sums of `series` (one of `REPORT_SERIES`) over the two
        node sets: P(to) and P(from - 1); only the cells received at `units` when given. At most 15
        tree rows a cell and a set (by unit, of `ROW_SERIES`: a unit, from the unit tree), summed by the
        database (int4 sums: no numeric arithmetic)."""
        # A few thousand rows: a parallel plan only costs its workers' start-up (on 2 cores, a lot).
        await conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        args: list[Any] = [list(at_to), list(before_from)]
        if units is not None:
            args.append(list(units))
        rows = await conn.fetch(self._grouped[(by, units is not None, series)], *args)
        sums: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
        for row in rows:
            pair = sums.setdefault(row[1], ({}, {}))
            pair[row[0]].update(zip(series, row[2:], strict=True))
        return sums

    async def widen_names(self, conn: Any, spans: Mapping[SpanKey, tuple[datetime, datetime]]) -> None:
        """Widen each name's span to cover these receipts (in key order for every writer)."""
        if not spans:
            return
        keys = sorted(spans)
        await conn.execute(
            self._spans,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [spans[k][0] for k in keys],
            [spans[k][1] for k in keys],
        )

    async def group_names(self, conn: Any, by: str, on: date) -> dict[str, str]:
        """Each field, agency or procedure (`by`) named as it was on `on` (`names.name_on`)."""
        rows = await conn.fetch(
            f"SELECT code, name, first_at, last_at FROM {self.spans_table} WHERE kind = $1",  # noqa: S608
            by,
        )
        spans: dict[str, list[Span]] = {}
        for row in rows:
            spans.setdefault(row[0], []).append((row[1], row[2], row[3]))
        return names_on(spans, on)

    async def all_cells(self, conn: Any) -> dict[int, tuple[Cell, datetime]]:
        """Every cell with its names and the receipt they came from."""
        rows = await conn.fetch(
            "SELECT cell_id, procedure_code, procedure_name, field_code, field_name, agency_code, "  # noqa: S608
            f"agency_name, unit_code, named_at FROM {self.cells_table}"
        )
        return {
            row["cell_id"]: (
                Cell(
                    procedure_code=row["procedure_code"],
                    procedure_name=row["procedure_name"],
                    field_code=row["field_code"],
                    field_name=row["field_name"],
                    agency_code=row["agency_code"],
                    agency_name=row["agency_name"],
                    unit_code=row["unit_code"],
                ),
                row["named_at"],
            )
            for row in rows
        }

    async def naive_rows(self, conn: Any, period_from: date, period_to: date) -> dict[int, dict[str, int]]:
        """The baseline: the same counts by one GROUP BY over every dossier row (no tree)."""
        rows = await conn.fetch(naive_sql(self.facts_table), period_from, period_to)
        return {row["cell_id"]: {k: int(v) for k, v in row.items() if k != "cell_id"} for row in rows}


# What each report sums: the processing report's, the service-level report's, the indicators' and the
# processing times' series (`group_sums`: the statements are built once per kind).
REPORT_SERIES: Final = (ROW_SERIES, BUCKET_SERIES, INDICATOR_SERIES, TIME_SERIES)

# by -> the SQL of a group's key (`c` the cell, `a` its lead agency's level)
KEYS: Final = {
    **{by: f"c.{by}_code" for by in NAMED_KINDS},
    "unit": "c.unit_code",
    "level": "coalesce(a.level, '')",
}


def unit_changes(
    changes: Mapping[tuple[int, int], Mapping[str, int]], units: Mapping[int, str]
) -> dict[tuple[int, str], list[int]]:
    """Per-(cell, node) tree changes summed per (node, unit): the unit tree's rows they touch, each
    the amounts of `UNIT_TREE_SERIES` in order (rows that sum to nothing left out)."""
    rows: dict[tuple[int, str], list[int]] = {}
    for (cell_id, node), change in changes.items():
        row = rows.setdefault((node, units[cell_id]), [0] * len(UNIT_TREE_SERIES))
        for i, series in enumerate(UNIT_TREE_SERIES):
            row[i] += int(change.get(series, 0))
    return {key: row for key, row in rows.items() if any(row)}


def unit_tree_from_tree_sql(tree_table: str, cells_table: str, unit_tree_table: str) -> str:
    """Fill an empty unit tree from the cell tree: its rows summed per (node, receiving unit)."""
    sums = ", ".join(f"sum(t.{s})" for s in UNIT_TREE_SERIES)
    return (
        f"INSERT INTO {unit_tree_table} (node, unit_code, {', '.join(UNIT_TREE_SERIES)}) "  # noqa: S608
        f"SELECT t.node, c.unit_code, {sums} FROM {tree_table} t JOIN {cells_table} c USING (cell_id) "
        "GROUP BY 1, 2"
    )


def dossier_lock_key(dossier_id: UUID) -> int:
    return int.from_bytes(dossier_id.bytes[:8], "big", signed=True)


def naive_sql(facts_table: str) -> str:
    """One GROUP BY over the dossier rows: the definition of the rules in SQL ($1 from, $2 to)."""
    return f"""
    WITH f AS (
      SELECT cell_id, received_date AS r, due_date AS due, channel, received_across_boundary,
             apology, apology_timely, waiting,
             resolved_date, rejected_date, withdrawn_date,
             LEAST(resolved_date, rejected_date, withdrawn_date) AS closed
      FROM {facts_table}
      WHERE cell_id IS NOT NULL AND received_date <= $2
    ), e AS (
      SELECT *, CASE WHEN closed IS NOT NULL THEN GREATEST(closed, r) END AS c,  -- never before r
             CASE closed WHEN resolved_date THEN 'resolved' WHEN rejected_date THEN 'rejected'
               WHEN withdrawn_date THEN 'withdrawn' END AS kind
      FROM f
    ), g AS (
      SELECT *, c IS NOT NULL AND c <= $2 AS closed_in, c IS NULL OR c > $2 AS pending
      FROM e WHERE c IS NULL OR c >= $1
    )
    SELECT cell_id,
      count(*) AS total,
      count(*) FILTER (WHERE r < $1) AS carried_over,
      count(*) FILTER (WHERE r >= $1) AS received,
      count(*) FILTER (WHERE r >= $1 AND channel = 'online') AS received_online,
      count(*) FILTER (WHERE r >= $1 AND channel IN ('direct', 'post')) AS received_counter,
      count(*) FILTER (WHERE r >= $1 AND received_across_boundary) AS received_across_boundary,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved') AS resolved_total,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c < due) AS resolved_early,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c = due) AS resolved_on_time,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c > due) AS resolved_late,
      count(*) FILTER (WHERE pending) AS pending_total,
      count(*) FILTER (WHERE pending AND (due >= $2 OR waiting @> $2::date)) AS pending_within,
      count(*) FILTER (WHERE pending AND due < $2 AND NOT waiting @> $2::date) AS pending_overdue,
      count(*) FILTER (WHERE closed_in AND kind = 'withdrawn') AS withdrawn,
      count(*) FILTER (WHERE closed_in AND kind = 'rejected') AS rejected,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c > due AND apology) AS late_with_apology,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c > due AND apology_timely)
        AS late_with_timely_apology,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c > due AND apology AND NOT apology_timely)
        AS late_with_late_apology,
      count(*) FILTER (WHERE closed_in AND kind = 'resolved' AND c > due AND NOT apology)
        AS late_without_apology
    FROM g GROUP BY cell_id
    """  # noqa: S608
