"""Reports across the 2025 reform on the real PostgreSQL and NATS (issue #15 items 2 and 5): agencies
named as they were in each period, merged agencies rolled up into their successors on request
(`agencies=successors`), and each dossier's online service judged by the rule set of its receipt day.

Each test receives its dossiers at a fresh receiving unit and reads the reports with `unit=`, so no
other test's dossiers share its rows."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.reporting.processing.arithmetic import ROW_FIELDS
from shared.events.catalog import AgencyClosed, AgencyLevel, AgencyRegistered
from shared.messaging.envelope import CloudEvent
from tests.platform.toy import connected_link
from tests.reporting.conftest import Reporting, eventually, fresh
from tests.reporting.test_rebuild import wait_for_rebuild
from tests.reporting.test_satisfaction_e2e import ballot
from tests.reporting.test_two_tier_rules import (
    ACROSS,
    ACROSS_ROWS,
    ACROSS_TOTALS,
    H2_2025,
    H2_ROWS,
    across_the_reform,
    shown_results,
)
from tests.reporting.test_units import catalog, unit_closed, unit_registered
from tests.reporting.timelines import Timeline, vn

H1 = (date(2025, 1, 1), date(2025, 6, 30))
PENDING = ("pending_total", "pending_within", "pending_overdue")
H2 = (date(2025, 7, 1), date(2025, 12, 31))
OLD_NAME = "Phòng Tài nguyên và Môi trường huyện Phú Vang"
NEW_NAME = "Phòng Nông nghiệp và Môi trường xã Phú Vang"


def agency_registered(
    code: str, name: str, unit: str, level: AgencyLevel, effective_from: date, at: datetime
) -> CloudEvent:
    payload = AgencyRegistered(
        code=code, name=name, sector="", unit_code=unit, level=level, effective_from=effective_from
    )
    return catalog("catalog.agency.registered", payload, at)


def agency_closed(code: str, last_day: date, successor: str, at: datetime) -> CloudEvent:
    payload = AgencyClosed(code=code, effective_to=last_day, successor_code=successor)
    return catalog("catalog.agency.closed", payload, at)


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in body["rows"]}


class Merger:
    """A district agency closed on 2025-06-30 into a commune agency in force from 2025-07-01, with
    their dossiers received at a fresh unit: one resolved in H1, one received in June and resolved in
    July (carried over into H2), one received by the successor in August and still pending."""

    def __init__(self) -> None:
        self.unit, self.old, self.new = fresh("U"), fresh("PTNMT"), fresh("PNNMT")
        where: dict[str, Any] = {"unit": self.unit, "procedure": fresh("P"), "field_code": fresh("F")}
        old: dict[str, Any] = {**where, "agency": self.old, "agency_name": OLD_NAME}
        self.h1_only = Timeline(
            **old, received=vn(2025, 3, 3), due=vn(2025, 3, 17, 17), resolved=vn(2025, 3, 14)
        )
        self.carried = Timeline(
            **old, received=vn(2025, 6, 20), due=vn(2025, 7, 4, 17), resolved=vn(2025, 7, 3)
        )
        self.received = Timeline(
            **where, agency=self.new, agency_name=NEW_NAME, received=vn(2025, 8, 1), due=vn(2025, 8, 15, 17)
        )

    @property
    def timelines(self) -> list[Timeline]:
        return [self.h1_only, self.carried, self.received]

    def catalogue(self) -> list[CloudEvent]:
        """The catalogue's events, the closing first: heard in any order, they give the same rows."""
        return [
            agency_closed(self.old, date(2025, 6, 30), self.new, vn(2025, 6, 30, 17)),
            unit_registered(self.unit, "commune_centre", None, vn(2025, 1, 2, 7)),
            agency_registered(self.old, OLD_NAME, self.unit, "district", date(2019, 1, 1), vn(2025, 1, 2, 7)),
            agency_registered(
                self.new, NEW_NAME, self.unit, "commune", date(2025, 7, 1), vn(2025, 6, 30, 17)
            ),
        ]

    async def deliver(self, reporting: Reporting) -> None:
        await reporting.deliver(*self.catalogue(), *[e for t in self.timelines for e in t.events()])


async def test_an_agency_merged_on_1_july_2025_is_named_as_it_was_in_each_half_year(
    reporting: Reporting,
) -> None:
    merger = Merger()
    await merger.deliver(reporting)

    h1 = rows(await reporting.report(period=H1, by="agency", unit=merger.unit))
    assert {key: (row["name"], row["total"], row["resolved_total"]) for key, row in h1.items()} == {
        merger.old: (OLD_NAME, 2, 1)
    }
    # Closed on its last day of H1, not before it: rolling up changes nothing in H1.
    assert rows(await reporting.report(period=H1, by="agency", unit=merger.unit, agencies="successors")) == h1

    h2 = rows(await reporting.report(period=H2, by="agency", unit=merger.unit))
    assert {key: (row["name"], row["carried_over"], row["received"]) for key, row in h2.items()} == {
        merger.old: (OLD_NAME, 1, 0),  # the dossier carried over keeps the agency it was received by
        merger.new: (NEW_NAME, 0, 1),
    }


async def test_with_successors_the_carried_over_rows_fold_into_the_successor_and_the_totals_hold(
    reporting: Reporting,
) -> None:
    merger = Merger()
    await merger.deliver(reporting)

    as_registered = await reporting.report(period=H2, by="agency", unit=merger.unit)
    rolled = await reporting.report(period=H2, by="agency", unit=merger.unit, agencies="successors")
    (only,) = rolled["rows"]
    assert (only["key"], only["name"]) == (merger.new, NEW_NAME)
    assert (only["total"], only["carried_over"], only["received"]) == (2, 1, 1)
    assert (only["resolved_total"], only["pending_total"]) == (1, 1)
    assert rolled["totals"] == as_registered["totals"]
    for key in ROW_FIELDS:
        assert rolled["totals"][key] == sum(row[key] for row in rolled["rows"])

    # The whole province: every merged agency folds, and still nothing is gained or lost.
    everything = await reporting.report(period=H2, by="agency")
    everything_rolled = await reporting.report(period=H2, by="agency", agencies="successors")
    assert everything_rolled["totals"] == everything["totals"]
    assert merger.old not in rows(everything_rolled)


async def test_satisfaction_and_indicators_fold_the_old_agency_into_its_successor(
    reporting: Reporting,
) -> None:
    merger = Merger()
    await merger.deliver(reporting)
    await reporting.deliver(
        ballot(
            merger.old,
            vn(2025, 7, 5),
            "simple",
            "unsatisfied",
            channel="portal",
            dossier_code=merger.carried.code,
        ),
        ballot(merger.new, vn(2025, 8, 20), channel="portal", dossier_code=merger.received.code),
    )

    satisfaction = rows(await reporting.report("satisfaction", period=H2, unit=merger.unit))
    assert {key: (row["name"], row["ballots"]) for key, row in satisfaction.items()} == {
        merger.old: (OLD_NAME, 1),
        merger.new: (NEW_NAME, 1),
    }
    rolled = await reporting.report("satisfaction", period=H2, unit=merger.unit, agencies="successors")
    assert {key: (row["name"], row["ballots"]) for key, row in rows(rolled).items()} == {
        merger.new: (NEW_NAME, 2)
    }

    indicators = await reporting.report(
        "indicators", period=H2, unit=merger.unit, agencies="successors", agency=merger.new
    )
    (row,) = indicators["rows"]
    assert row["key"] == merger.new
    # the resolution was the old one's, and so is the unsatisfied ballot about it: both fold in
    assert (row["received"], row["resolved"], row["dissatisfied"], row["satisfaction_rate"]) == (1, 1, 1, 0.0)


async def test_a_renamed_agency_keeps_its_old_name_in_an_old_period(reporting: Reporting) -> None:
    unit, agency = fresh("U"), fresh("VPDK")
    here: dict[str, Any] = {"unit": unit, "agency": agency, "procedure": fresh("P"), "field_code": fresh("F")}
    await reporting.deliver(unit_registered(unit, "commune_centre", None, vn(2023, 1, 2, 7)))
    renamed = Timeline(**here, agency_name="Chi nhánh Văn phòng đăng ký đất đai", received=vn(2026, 2, 2))
    first = Timeline(**here, agency_name="Văn phòng đăng ký quyền sử dụng đất", received=vn(2023, 5, 2))
    await reporting.deliver(*renamed.events(), *first.events())  # the later receipt heard first

    def name_in(body: dict[str, Any]) -> str:
        name: str = rows(body)[agency]["name"]
        return name

    old = await reporting.report(period=(date(2023, 1, 1), date(2023, 12, 31)), by="agency", unit=unit)
    new = await reporting.report(period=(date(2026, 1, 1), date(2026, 6, 30)), by="agency", unit=unit)
    both = await reporting.report(period=(date(2023, 1, 1), date(2026, 6, 30)), by="agency", unit=unit)
    assert name_in(old) == "Văn phòng đăng ký quyền sử dụng đất"
    assert name_in(new) == name_in(both) == "Chi nhánh Văn phòng đăng ký đất đai"
    # A period before any receipt still names it: by its earliest name.
    early = await reporting.report(period=(date(2023, 6, 1), date(2023, 12, 31)), by="agency", unit=unit)
    assert name_in(early) == "Văn phòng đăng ký quyền sử dụng đất"


async def test_a_2021_and_a_2026_dossier_are_each_counted_by_their_own_era_s_template(
    reporting: Reporting,
) -> None:
    unit = fresh("U")
    await reporting.deliver(unit_registered(unit, "commune_centre", None, vn(2021, 1, 4, 7)))
    here: dict[str, Any] = {
        "unit": unit,
        "procedure": fresh("P"),
        "field_code": fresh("F"),
        "agency": fresh("A"),
    }
    in_2021 = Timeline(**here, received=vn(2021, 6, 18), due=vn(2021, 7, 2, 17), level=4)
    in_2026 = Timeline(**here, received=vn(2026, 3, 2), due=vn(2026, 3, 16, 17), level=3)
    await reporting.deliver(*in_2021.events(), *in_2026.events())

    body = await reporting.report("service-levels", period=(date(2021, 1, 1), date(2026, 12, 31)), unit=unit)
    shown = [(r["rule_set"], r["level"], r["class"], r["count"], r["pct"]) for r in body["rows"]]
    assert shown == [
        ("nd61-2018", 1, "other", 0, 0.0),
        ("nd61-2018", 2, "other", 0, 0.0),
        ("nd61-2018", 3, "partial_online", 0, 0.0),
        ("nd61-2018", 4, "full_online", 1, 100.0),
        ("nd118-2025", None, "full_online", 0, 0.0),
        ("nd118-2025", None, "partial_online", 1, 100.0),
        ("nd118-2025", None, "other", 0, 0.0),
    ]
    assert body["totals"]["count"] == 2

    csv = await reporting.http.get(
        "/v1/reports/service-levels",
        params={"from": "2021-01-01", "to": "2026-12-31", "unit": unit, "format": "csv"},
        headers=reporting.auth(),
    )
    assert csv.status_code == 200
    assert "Nghị định 118/2025" in csv.text
    assert "Mức độ 4" in csv.text


async def test_by_unit_with_successors_folds_a_closed_unit_into_the_unit_that_took_over(
    reporting: Reporting,
) -> None:
    parent, old, new = fresh("P"), fresh("UOLD"), fresh("UNEW")
    await reporting.deliver(
        unit_registered(parent, "provincial_centre", None, vn(2025, 1, 2, 7)),
        unit_registered(old, "district_centre", parent, vn(2025, 1, 2, 7), "Bộ phận một cửa huyện"),
        unit_registered(new, "commune_centre", parent, vn(2025, 6, 30, 17), "Trung tâm xã"),
        unit_closed(old, date(2025, 6, 30), new, vn(2025, 6, 30, 17)),
    )
    here: dict[str, Any] = {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A")}
    carried = Timeline(**here, unit=old, received=vn(2025, 6, 20), due=vn(2025, 7, 4, 17))
    received = Timeline(**here, unit=new, received=vn(2025, 8, 1), due=vn(2025, 8, 15, 17))
    await reporting.deliver(*carried.events(), *received.events())

    plain = rows(await reporting.report(period=H2, by="unit", unit=parent))
    assert {key: row["total"] for key, row in plain.items()} == {old: 1, new: 1}
    rolled = rows(await reporting.report(period=H2, by="unit", unit=parent, agencies="successors"))
    assert {key: (row["name"], row["total"]) for key, row in rolled.items()} == {new: ("Trung tâm xã", 2)}


async def test_an_unknown_agencies_option_is_a_422_problem(reporting: Reporting) -> None:
    for path in ("processing", "satisfaction", "indicators", "delays"):
        response = await reporting.http.get(
            f"/v1/reports/{path}",
            params={"from": "2025-07-01", "to": "2025-12-31", "agencies": "merged"},
            headers=reporting.auth(),
        )
        assert response.status_code == 422, path
        assert response.headers["content-type"] == "application/problem+json"
        assert "agencies" in response.text


async def test_the_six_month_document_cites_the_rule_set_in_force_on_its_last_day(
    reporting: Reporting,
) -> None:
    async def document(half: int) -> str:
        response = await reporting.http.get(
            "/v1/reports/six-month", params={"year": 2025, "half": half}, headers=reporting.auth()
        )
        assert response.status_code == 200, response.text
        return response.text

    first, second = await document(1), await document(2)
    assert "Căn cứ Nghị định số 61/2018/NĐ-CP" in first
    assert "118/2025" not in first.split("Biểu số 1")[0]
    assert "Căn cứ Nghị định số 118/2025/NĐ-CP" in second


async def test_a_rebuild_refills_the_successors_and_the_names_from_the_streams(reporting: Reporting) -> None:
    merger = Merger()

    async def streams_ready() -> bool:
        return bool(reporting.app.state.runtime.streams_ready)

    await eventually(streams_ready)
    async with connected_link(reporting.stack.nats_url) as link:
        for event in merger.catalogue():
            name = event.type.removeprefix("vn.motcua.").rsplit(".v", 1)[0]
            await link.jetstream.publish(
                name, event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )
    await reporting.publish(*[e for t in merger.timelines for e in t.events()])

    async def folded() -> bool:
        response = await reporting.http.get(
            "/v1/reports/processing",
            params={
                "from": "2025-07-01",
                "to": "2025-12-31",
                "by": "agency",
                "unit": merger.unit,
                "agencies": "successors",
            },
            headers=reporting.auth(),
        )
        if response.status_code != 200:  # the unit not heard of yet: 422 unknown_unit
            return False
        return [(r["key"], r["name"], r["total"]) for r in response.json()["rows"]] == [
            (merger.new, NEW_NAME, 2)
        ]

    await eventually(folded)
    h1_before = await reporting.report(period=H1, by="agency", unit=merger.unit)

    started = await reporting.http.post("/v1/rebuild", headers=reporting.auth("admin"))
    assert started.status_code == 202, started.text
    done = await wait_for_rebuild(reporting, started.json()["run"])
    assert done["state"] == "done", done

    assert await folded()
    assert await reporting.report(period=H1, by="agency", unit=merger.unit) == h1_before


def _as_json(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The pure test's expectations as JSON carries them: a percentage as a number."""
    return tuple(float(v) if isinstance(v, Decimal) else v for v in values)


async def test_service_levels_show_results_per_level_then_per_class_across_the_reform_and_after_a_rebuild(
    reporting: Reporting,
) -> None:
    """Received, resolved early / on time / late and pending per level for the dossiers received to
    30/06/2025 and per class for those received from 01/07/2025, whatever the day of the result,
    through the streams, the consumers and PostgreSQL: a report of the second half of 2025 still shows
    the June dossiers' July result and pending in the levels section. A rebuild refills the bucket
    series from the streams to the same numbers."""
    unit = fresh("U")
    here: dict[str, Any] = {
        "unit": unit,
        "procedure": fresh("P"),
        "field_code": fresh("F"),
        "agency": fresh("A"),
    }

    async def streams_ready() -> bool:
        return bool(reporting.app.state.runtime.streams_ready)

    await eventually(streams_ready)
    registered = unit_registered(unit, "commune_centre", None, vn(2025, 1, 2, 7))
    async with connected_link(reporting.stack.nats_url) as link:
        name = registered.type.removeprefix("vn.motcua.").rsplit(".v", 1)[0]
        await link.jetstream.publish(
            name, registered.to_json().encode(), headers={"Nats-Msg-Id": str(registered.id)}
        )
    await reporting.publish(*[e for t in across_the_reform(**here) for e in t.events()])
    expected = {key: _as_json(values) for key, values in ACROSS_ROWS.items()}

    async def levels(period: tuple[date, date] = ACROSS) -> dict[str, Any] | None:
        response = await reporting.http.get(
            "/v1/reports/service-levels",
            params={"from": period[0].isoformat(), "to": period[1].isoformat(), "unit": unit},
            headers=reporting.auth(),
        )
        if response.status_code != 200:  # the unit not heard of yet: 422 unknown_unit
            return None
        body: dict[str, Any] = response.json()
        return body

    async def applied() -> bool:
        body = await levels()
        return body is not None and {r["key"]: shown_results(r) for r in body["rows"]} == expected

    await eventually(applied)
    body = await levels()
    assert body is not None
    assert shown_results(body["totals"]) == _as_json(ACROSS_TOTALS)
    h2 = await levels(H2_2025)
    assert h2 is not None
    assert {r["key"]: shown_results(r) for r in h2["rows"]} == {k: _as_json(v) for k, v in H2_ROWS.items()}
    processing = await reporting.report(period=ACROSS, by="unit", unit=unit)
    for key in ("resolved_total", "resolved_early", "resolved_on_time", "resolved_late", *PENDING):
        assert body["totals"][key] == processing["totals"][key], key  # the same dossiers, all levelled
    headings = {c["key"]: c["heading"] for c in body["columns"]}
    assert (headings["resolved_early"], headings["pending_overdue"]) == (
        "Đã giải quyết: trước hạn",
        "Đang giải quyết: quá hạn",
    )

    csv = await reporting.http.get(
        "/v1/reports/service-levels",
        params={"from": ACROSS[0].isoformat(), "to": ACROSS[1].isoformat(), "unit": unit, "format": "csv"},
        headers=reporting.auth(),
    )
    for shown in (",33.33,", ",66.67,", ",0.00,", ",100.00,", ",75.00\r\n"):  # always two decimals
        assert shown in csv.text, shown

    started = await reporting.http.post("/v1/rebuild", headers=reporting.auth("admin"))
    assert started.status_code == 202, started.text
    done = await wait_for_rebuild(reporting, started.json()["run"])
    assert done["state"] == "done", done
    assert await levels() == body
    assert await levels(H2_2025) == h2
