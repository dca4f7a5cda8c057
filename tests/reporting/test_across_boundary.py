"""Dossiers received regardless of administrative boundary (#15 item 4) in the processing report, on the
real PostgreSQL: `received_across_boundary` counts the dossiers received in the period at a unit other
than their lead agency's, per receiving unit, in JSON, CSV and XLSX; totals are the sum of the rows."""

import csv
import io
import uuid
from dataclasses import replace
from typing import Any

import openpyxl

from services.reporting.processing.reports import COUNT_HEADINGS
from tests.reporting.conftest import Reporting
from tests.reporting.test_units import PERIOD, Hierarchy, by_key, cell, counts, ok, report
from tests.reporting.timelines import Timeline, expected_rows, vn

HEADING = COUNT_HEADINGS["received_across_boundary"]


def received_at(unit: str, here: dict[str, Any], *, across: bool, month: int = 9) -> Timeline:
    return Timeline(**here, unit=unit, across=across, received=vn(2025, month, 2), due=vn(2025, month, 20))


async def test_the_processing_report_counts_dossiers_received_across_the_boundary_per_unit(
    reporting: Reporting,
) -> None:
    units = Hierarchy()
    here = cell()
    commune_a, commune_b = units.commune_1, units.commune_3
    timelines = [
        received_at(commune_a, here, across=True),  # a province agency's dossier received at a commune
        received_at(commune_a, here, across=True, month=10),
        received_at(commune_a, here, across=False),
        received_at(commune_b, here, across=True),
        received_at(units.province, here, across=False),
        # Received across before the period: carried over, not received across in it.
        replace(received_at(commune_b, here, across=True), received=vn(2025, 7, 20), due=vn(2025, 12, 30)),
    ]
    timelines = [replace(t, dossier_id=uuid.uuid4()) for t in timelines]
    await reporting.deliver(*units.registrations())
    await reporting.deliver(*[e for t in timelines for e in t.events()])
    body = await ok(reporting, by="unit", unit=units.province)
    rows = by_key(body)
    expected = expected_rows(timelines, *PERIOD)
    for unit in (commune_a, commune_b, units.province):
        assert counts(rows[unit]) == expected[(here["procedure"], here["field_code"], here["agency"], unit)]
    assert rows[commune_a]["received_across_boundary"] == 2
    assert (rows[commune_b]["received_across_boundary"], rows[commune_b]["carried_over"]) == (1, 1)
    assert rows[units.province]["received_across_boundary"] == 0
    assert body["totals"]["received_across_boundary"] == 3
    one = by_key(await ok(reporting, by="unit", unit=commune_a))
    assert one[commune_a]["received_across_boundary"] == 2

    as_csv = await report(reporting, by="unit", unit=units.province, format="csv")
    assert as_csv.status_code == 200, as_csv.text
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    heading_line = next(line for line in lines if HEADING in line)
    column = heading_line.index(HEADING)
    total_line = next(line for line in lines if "Tổng cộng" in line)
    assert total_line[column] == "3"

    as_xlsx = await report(reporting, by="unit", unit=units.province, format="xlsx")
    assert as_xlsx.status_code == 200, as_xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    heading_row = next(r for r in cells if HEADING in r)
    total_row = next(r for r in cells if "Tổng cộng" in r)
    assert total_row[heading_row.index(HEADING)] == 3
