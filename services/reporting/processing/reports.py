"""The processing and service-level reports as `Table`s, from the prefix sums the processing read
model holds (no I/O).

A report row is `arithmetic.row_counts` of its group's prefix sums (the sums of its cells: procedure x
field x lead agency; the counts are linear in them), and the totals sum the rows, so they always
reconcile: total = carried over + received = resolved + pending + withdrawn + rejected.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any, Final, Literal

from services.reporting.percent import percent
from services.reporting.processing.arithmetic import LEVEL_FIELDS, add_rows, bucket_counts, row_counts
from services.reporting.processing.rule_periods import CLASS_OF_LEVEL, SCHEME_KEYS, rule_set_periods
from services.reporting.tables import Column, Table
from shared.rule_sets import OnlineScheme, RuleSet, rule_sets

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
    "late_with_timely_apology": "Quá hạn có văn bản xin lỗi: gửi đúng thời hạn",
    "late_with_late_apology": "Quá hạn có văn bản xin lỗi: gửi muộn",
    "late_without_apology": "Quá hạn không có văn bản xin lỗi",
}

PROCESSING_NOTES: Final = (
    "Ngày được tính theo giờ Việt Nam; kỳ báo cáo gồm cả ngày đầu và ngày cuối.",
    "Tổng số = kỳ trước chuyển qua + mới tiếp nhận = đã giải quyết + đang giải quyết + rút + từ chối.",
    "Trước hạn, đúng hạn, quá hạn: so ngày có kết quả với hạn trả kết quả theo quy định: hạn ban đầu, "
    "lùi theo thời gian tạm dừng hợp lệ (bổ sung hồ sơ, thực hiện nghĩa vụ tài chính); văn bản xin lỗi "
    "không làm thay đổi hạn.",
    "Văn bản xin lỗi gửi đúng thời hạn: chậm nhất 01 ngày làm việc trước hạn trả kết quả; gửi muộn gồm "
    "cả văn bản không ghi nhận được thời điểm so với hạn (gửi trước khi hệ thống ghi nhận).",
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
SERVICE_LEVEL_COLUMNS: Final = (
    Column("key", "Mã", "text"),
    Column("rule_set_name", "Bộ quy định", "text"),
    Column("name", "Mức độ / phân loại dịch vụ công", "text"),
    Column("count", "Số hồ sơ mới tiếp nhận"),
    Column("pct", "Tỷ lệ tiếp nhận trong bộ quy định (%)", "percent"),
    *(Column(k, COUNT_HEADINGS[k]) for k in LEVEL_FIELDS if k != "received"),
    Column("on_time_pct", "Tỷ lệ giải quyết đúng hạn (%)", "percent"),
)
SERVICE_LEVELS_NOTES: Final = (
    "Mỗi hồ sơ tính theo bộ quy định có hiệu lực vào ngày tiếp nhận hồ sơ: số mới tiếp nhận, kết quả giải "
    "quyết (cả khi có kết quả sau khi bộ quy định mới có hiệu lực) và số đang giải quyết tại ngày cuối kỳ "
    "đều thuộc phần của bộ quy định đó.",
    "Trước hạn, đúng hạn, quá hạn: so ngày có kết quả với hạn trả kết quả theo quy định (hạn ban đầu, lùi "
    "theo thời gian tạm dừng hợp lệ); tỷ lệ đúng hạn gồm trước hạn.",
    "Tỷ lệ (%) làm tròn hai chữ số thập phân (từ 5 làm tròn lên), tính từ số hồ sơ của từng dòng; "
    "dòng tổng cộng tính từ số tổng cộng.",
)


def scheme_counts(
    scheme: OnlineScheme, by_bucket: Mapping[str, Mapping[str, int]]
) -> list[tuple[str, str, dict[str, int]]]:
    """The rows of one scheme's template as (key, name, counts), from the counts of its service buckets
    (`arithmetic.bucket_counts`): the levels 1-4 of Decree 61/2018's time, or the classes of Decree
    42/2022 that Decree 118/2025's time reports (4 -> full online, 3 -> partial online, 1 and 2 ->
    other), each of them the bucket its dossiers were fixed in at receipt."""
    rows = []
    for key in SCHEME_KEYS[scheme]:
        name = f"Mức độ {key}" if scheme == "levels" else CLASS_NAMES[key]
        rows.append((key, name, {f: int(by_bucket[f"{scheme}_{key}"][f]) for f in LEVEL_FIELDS}))
    return rows


def scheme_sections(period_from: date, period_to: date) -> list[tuple[OnlineScheme, RuleSet, bool]]:
    """Each online scheme of the rule sets, in the sets' order, with the rule set its section is named
    by and whether the period meets a day of that scheme's sets (its section is then always shown):
    the latest set of the scheme in force on or before `to` (else its first)."""
    out: list[tuple[OnlineScheme, RuleSet, bool]] = []
    met = {part.rule_set.online_scheme for part in rule_set_periods(period_from, period_to)}
    for scheme in dict.fromkeys(s.online_scheme for s in rule_sets()):
        mine = [s for s in rule_sets() if s.online_scheme == scheme]
        begun = [s for s in mine if s.effective_from <= period_to]
        out.append((scheme, (begun or mine)[-1], scheme in met))
    return out


def _receipt_days(scheme: OnlineScheme) -> str:
    """The receipt days a scheme governs, as the notes show them: "đến 30/06/2025", "từ 01/07/2025"."""
    sets = rule_sets()
    mine = [index for index, s in enumerate(sets) if s.online_scheme == scheme]
    first, last = sets[mine[0]], sets[mine[-1]]
    since = None if mine[0] == 0 else f"từ {first.effective_from:%d/%m/%Y}"
    until = None if last.effective_to is None else f"đến {last.effective_to:%d/%m/%Y}"
    return " ".join(part for part in (since, until) if part) or "mọi ngày"


def _results(counts: Mapping[str, int]) -> dict[str, Any]:
    """A row's results as shown: resolved and pending, the on-time rate."""
    out: dict[str, Any] = {k: counts[k] for k in LEVEL_FIELDS if k != "received"}
    resolved = int(counts["resolved_total"])
    out["on_time_pct"] = percent(int(counts["resolved_early"]) + int(counts["resolved_on_time"]), resolved)
    return out


def service_levels_table(
    *, period_from: date, period_to: date, sums: tuple[Mapping[str, int], Mapping[str, int]]
) -> Table:
    """Dossiers received in the period and their results by online service, from P(to) and P(from - 1)
    (`sums`), one section per online scheme: by levels 1-4 (Decree 61/2018), by the classes full online
    / partial online / other (Decree 118/2025).

    Every count of a dossier is in the section of the rule set in force on its RECEIPT day (its service
    bucket, `rule_periods.service_bucket`), under its level or that level's class: its receipt, its
    result (resolved early / on time / late in the period, whatever the day of the result) and its
    pending state at the end of `to`. So a section is shown when the period meets a day of its scheme
    (even with nothing to count), or when it has anything to count (dossiers received before 1 July
    2025 resolved in, or pending at the end of, a later period); a section with neither is left out.
    Every row has the same fields whatever the section. `pct` is a row's receipts as a share of its
    section's, `on_time_pct` its resolved early or on time as a share of its resolved, both two decimals
    rounded half up from the counts (`percent`). The totals are the sums of the rows' counts, their
    percentages from those sums, never from rounded rows."""
    at_to, before_from = sums
    by_bucket = bucket_counts(at_to, before_from)
    rows: list[dict[str, Any]] = []
    notes = list(SERVICE_LEVELS_NOTES)
    for scheme, rule_set, met in scheme_sections(period_from, period_to):
        counts = scheme_counts(scheme, by_bucket)
        if not met and not any(any(c.values()) for _, _, c in counts):
            continue
        counted = sum(c["received"] for _, _, c in counts)
        for key, name, c in counts:
            rows.append(
                {
                    "key": f"{rule_set.code}/{key}",
                    "rule_set": rule_set.code,
                    "rule_set_name": rule_set.name,
                    "scheme": scheme,
                    "level": int(key) if scheme == "levels" else None,
                    "class": key if scheme == "classes" else CLASS_OF_LEVEL[int(key)],
                    "name": name,
                    "count": c["received"],
                    "pct": percent(c["received"], counted),
                    **_results(c),
                }
            )
        notes.append(
            f"{rule_set.name} (hồ sơ tiếp nhận {_receipt_days(scheme)}): tỷ lệ tiếp nhận tính trên "
            f"{counted} hồ sơ mới tiếp nhận trong kỳ của phần này."
        )
    received = int(at_to.get("received", 0)) - int(before_from.get("received", 0))
    bucketed = sum(counts["received"] for counts in by_bucket.values())
    if received != bucketed:
        notes.append(
            f"{received - bucketed} hồ sơ mới tiếp nhận trong kỳ không ghi mức độ dịch vụ, không tính ở đây "
            "(cả kết quả giải quyết của chúng)."
        )
    totals: dict[str, Any] = {
        field: sum(row[field] for row in rows) for field in ("count", *LEVEL_FIELDS[1:])
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
