"""The processing and service-level reports as `Table`s, from the prefix sums the processing read
model holds (no I/O).

A report row is `arithmetic.row_counts` of its group's prefix sums (the sums of its cells: procedure x
field x lead agency; the counts are linear in them), and the totals sum the rows, so they always
reconcile: total = carried over + received = resolved + pending + withdrawn + rejected.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final, Literal

from services.reporting.percent import percent
from services.reporting.processing.arithmetic import LEVEL_FIELDS, add_rows, level_counts, row_counts
from services.reporting.processing.rule_periods import RuleSetPeriod
from services.reporting.tables import Column, Table
from shared.rule_sets import OnlineScheme

By = Literal["field", "agency", "procedure", "unit", "level"]
Sums = Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]]  # group -> (P(to), P(from - 1))

PROCESSING: Final = "processing"
PROCESSING_TITLE: Final = "Tình hình, kết quả giải quyết thủ tục hành chính"
GROUP_HEADINGS: Final[dict[str, tuple[str, str]]] = {
    "field": ("Mã lĩnh vực", "Lĩnh vực giải quyết"),
    "agency": ("Mã cơ quan", "Cơ quan chủ trì giải quyết"),
    "procedure": ("Mã thủ tục", "Thủ tục hành chính"),
    "unit": ("Mã đơn vị", "Đơn vị tiếp nhận"),
    "level": ("Cấp", "Cấp của cơ quan chủ trì giải quyết"),
}
# by=unit: the row of the dossiers counted before reporting kept their receiving unit (key "").
UNKNOWN_UNIT_NAME: Final = "Chưa rõ đơn vị tiếp nhận"
# by=level: the lead agency's level (catalog.agency.registered); "" for an agency not yet heard of.
LEVEL_NAMES: Final[dict[str, str]] = {
    "central": "Trung ương",
    "province": "Cấp tỉnh",
    "district": "Cấp huyện",
    "commune": "Cấp xã",
    "": "Chưa rõ cấp",
}
COUNT_HEADINGS: Final[dict[str, str]] = {
    "total": "Tổng số hồ sơ",
    "carried_over": "Số kỳ trước chuyển qua",
    "received": "Số mới tiếp nhận",
    "received_online": "Mới tiếp nhận: trực tuyến",
    "received_counter": "Mới tiếp nhận: trực tiếp, dịch vụ bưu chính",
    "received_across_boundary": "Mới tiếp nhận: không phụ thuộc địa giới hành chính",
    "resolved_total": "Đã giải quyết: tổng số",
    "resolved_early": "Đã giải quyết: trước hạn",
    "resolved_on_time": "Đã giải quyết: đúng hạn",
    "resolved_late": "Đã giải quyết: quá hạn",
    "pending_total": "Đang giải quyết: tổng số",
    "pending_within": "Đang giải quyết: chưa đến hạn",
    "pending_overdue": "Đang giải quyết: quá hạn",
    "withdrawn": "Rút hồ sơ",
    "rejected": "Từ chối, dừng giải quyết",
    "late_with_apology": "Quá hạn có văn bản xin lỗi",
    "late_without_apology": "Quá hạn không có văn bản xin lỗi",
}

PROCESSING_NOTES: Final = (
    "Ngày được tính theo giờ Việt Nam; kỳ báo cáo gồm cả ngày đầu và ngày cuối.",
    "Tổng số = kỳ trước chuyển qua + mới tiếp nhận = đã giải quyết + đang giải quyết + rút + từ chối.",
    "Trước hạn, đúng hạn, quá hạn: so ngày có kết quả với hạn trả ban đầu (thư xin lỗi không đổi hạn).",
    "Đang giải quyết tính đến hết ngày cuối kỳ; hồ sơ đang chờ bổ sung được tính là chưa đến hạn.",
)


def processing_table(
    *, period_from: date, period_to: date, by: By, sums: Sums, names: Mapping[str, str]
) -> Table:
    """One row per field, agency, procedure, receiving unit or lead agency level with a dossier in the
    period; totals = sum of rows.

    `sums` holds each group's P(to) and P(from - 1); `names` the name of each group (a procedure
    renamed keeps one row, under its name at the period's end: `names.py`)."""
    rows: list[dict[str, Any]] = []
    counted: list[dict[str, int]] = []
    for key in sorted(sums):
        counts = row_counts(*sums[key])
        if counts["total"]:
            counted.append(counts)
            rows.append({"key": key, "name": names.get(key, key), **counts})
    key_heading, name_heading = GROUP_HEADINGS[by]
    return Table(
        code=PROCESSING,
        title=PROCESSING_TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=[
            Column("key", key_heading, "text"),
            Column("name", name_heading, "text"),
            *(Column(k, heading) for k, heading in COUNT_HEADINGS.items()),
        ],
        rows=rows,
        totals={"key": None, "name": "Tổng cộng", **add_rows(counted)},
        notes=list(PROCESSING_NOTES),
    )


SERVICE_LEVELS: Final = "service_levels"
SERVICE_LEVELS_TITLE: Final = "Hồ sơ tiếp nhận và kết quả giải quyết theo mức độ dịch vụ công trực tuyến"
# Decree 42/2022's classes and the levels 1-4 they replaced (docs/rules.md, "Service levels"), in the
# order the classes section lists them.
CLASS_NAMES: Final[dict[str, str]] = {
    "full_online": "Dịch vụ công trực tuyến toàn trình",
    "partial_online": "Dịch vụ công trực tuyến một phần",
    "other": "Dịch vụ công khác",
}
CLASS_OF_LEVEL: Final[dict[int, str]] = {1: "other", 2: "other", 3: "partial_online", 4: "full_online"}
PENDING_FIELDS: Final = ("pending_total", "pending_within", "pending_overdue")
SERVICE_LEVEL_COLUMNS: Final = (
    Column("key", "Mã", "text"),
    Column("rule_set_name", "Bộ quy định", "text"),
    Column("name", "Mức độ / phân loại dịch vụ công", "text"),
    Column("count", "Số hồ sơ mới tiếp nhận"),
    Column("pct", "Tỷ lệ tiếp nhận trong bộ quy định (%)", "percent"),
    *(Column(k, COUNT_HEADINGS[k]) for k in LEVEL_FIELDS if k != "received"),
    Column("on_time_pct", "Tỷ lệ giải quyết đúng hạn (%)", "percent"),
)
# A part of the period and its prefix sums (P(end), P(start - 1)).
Section = tuple[RuleSetPeriod, tuple[Mapping[str, int], Mapping[str, int]]]


def scheme_counts(
    scheme: OnlineScheme, by_level: Mapping[int, Mapping[str, int]]
) -> list[tuple[str, str, dict[str, int]]]:
    """The rows of one rule set's template as (key, name, counts): the levels 1-4 of Decree 61/2018's
    time, or the classes of Decree 42/2022 that Decree 118/2025's time reports (4 -> full online,
    3 -> partial online, 1 and 2 -> other), a class's counts the sums of its levels'."""
    if scheme == "levels":
        return [(str(level), f"Mức độ {level}", dict(counts)) for level, counts in by_level.items()]
    classes = {key: dict.fromkeys(LEVEL_FIELDS, 0) for key in CLASS_NAMES}
    for level, counts in by_level.items():
        row = classes[CLASS_OF_LEVEL[level]]
        for field in LEVEL_FIELDS:
            row[field] += counts[field]
    return [(key, CLASS_NAMES[key], counts) for key, counts in classes.items()]


def _results(counts: Mapping[str, int | None]) -> dict[str, Any]:
    """A row's results as shown: resolved and pending (None where not counted), the on-time rate."""
    out: dict[str, Any] = {k: counts[k] for k in LEVEL_FIELDS if k != "received"}
    resolved = int(counts["resolved_total"] or 0)
    out["on_time_pct"] = percent(
        int(counts["resolved_early"] or 0) + int(counts["resolved_on_time"] or 0), resolved
    )
    return out


def service_levels_table(*, period_from: date, period_to: date, sections: Sequence[Section]) -> Table:
    """Dossiers received in the period and their results by online service, one section per rule set
    in force in the period (`rule_periods`): by levels 1-4 under Decree 61/2018, by the classes full
    online / partial online / other under Decree 118/2025.

    Each count is judged by the rule set in force on the day it counts: a receipt in the section of
    its receipt day, a result (resolved early / on time / late) in the section of its result day, a
    dossier pending at the end of `to` in the last section (the other sections' pending are None), all
    under the dossier's level or that level's class. `pct` is a row's receipts as a share of its
    section's, `on_time_pct` its resolved early or on time as a share of its resolved, both two
    decimals rounded half up from the counts (`percent`). The totals are the sums of the rows' counts,
    their percentages from those sums, never from rounded rows."""
    rows: list[dict[str, Any]] = []
    notes = [
        "Mỗi số liệu tính theo bộ quy định có hiệu lực vào ngày của nó: hồ sơ tiếp nhận theo ngày tiếp nhận, "
        "đã giải quyết theo ngày có kết quả, đang giải quyết tại ngày cuối kỳ (phần cuối của kỳ).",
        "Trước hạn, đúng hạn, quá hạn: so ngày có kết quả với hạn trả ban đầu; tỷ lệ đúng hạn gồm trước hạn.",
        "Tỷ lệ (%) làm tròn hai chữ số thập phân (từ 5 làm tròn lên), tính từ số hồ sơ của từng dòng; "
        "dòng tổng cộng tính từ số tổng cộng.",
    ]
    for index, (part, (at_to, before_from)) in enumerate(sections):
        rule_set = part.rule_set
        last = index == len(sections) - 1
        counts = scheme_counts(rule_set.online_scheme, level_counts(at_to, before_from))
        counted = sum(c["received"] for _, _, c in counts)
        for key, name, c in counts:
            shown: dict[str, int | None] = dict(c)
            if not last:  # pending is counted at the end of `to`, in the last section only
                shown.update(dict.fromkeys(PENDING_FIELDS))
            rows.append(
                {
                    "key": f"{rule_set.code}/{key}",
                    "rule_set": rule_set.code,
                    "rule_set_name": rule_set.name,
                    "scheme": rule_set.online_scheme,
                    "level": int(key) if rule_set.online_scheme == "levels" else None,
                    "class": key if rule_set.online_scheme == "classes" else CLASS_OF_LEVEL[int(key)],
                    "name": name,
                    "count": c["received"],
                    "pct": percent(c["received"], counted),
                    **_results(shown),
                }
            )
        span = f"{part.start:%d/%m/%Y} - {part.end:%d/%m/%Y}"
        notes.append(f"{span}: {rule_set.name}; tỷ lệ tiếp nhận tính trên {counted} hồ sơ của phần này.")
        received = int(at_to.get("received", 0)) - int(before_from.get("received", 0))
        if received != counted:
            notes.append(
                f"{span}: {received - counted} hồ sơ không ghi mức độ dịch vụ, không tính ở đây "
                "(cả kết quả giải quyết của chúng)."
            )
    totals: dict[str, Any] = {
        field: sum(row[field] or 0 for row in rows) for field in ("count", *LEVEL_FIELDS[1:])
    }
    return Table(
        code=SERVICE_LEVELS,
        title=SERVICE_LEVELS_TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=list(SERVICE_LEVEL_COLUMNS),
        rows=rows,
        totals={
            "key": None,
            "name": "Tổng cộng",
            "count": totals["count"],
            "pct": percent(totals["count"], totals["count"]),
            **_results(totals),
        },
        notes=notes,
    )
