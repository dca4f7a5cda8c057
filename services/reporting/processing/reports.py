"""The processing and service-level reports as `Table`s, from the prefix sums the processing read
model holds (no I/O).

A report row is `arithmetic.row_counts` of its group's prefix sums (the sums of its cells: procedure x
field x lead agency; the counts are linear in them), and the totals sum the rows, so they always
reconcile: total = carried over + received = resolved + pending + withdrawn + rejected.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any, Final, Literal

from services.reporting.processing.arithmetic import add_rows, level_counts, row_counts
from services.reporting.shares import shares
from services.reporting.tables import Column, Table

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
    renamed keeps one row, under the name of its most recent receipt)."""
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
SERVICE_LEVELS_TITLE: Final = "Hồ sơ tiếp nhận theo mức độ dịch vụ công trực tuyến"
# Decree 42/2022's classes and the levels 1-4 they replaced (docs/rules.md, "Service levels").
CLASSES: Final[dict[int, tuple[str, str]]] = {
    1: ("other", "Dịch vụ công khác (mức độ 1, 2)"),
    2: ("other", "Dịch vụ công khác (mức độ 1, 2)"),
    3: ("partial_online", "Dịch vụ công trực tuyến một phần (mức độ 3)"),
    4: ("full_online", "Dịch vụ công trực tuyến toàn trình (mức độ 4)"),
}


def service_levels_table(
    *, period_from: date, period_to: date, sums: tuple[Mapping[str, int], Mapping[str, int]]
) -> Table:
    """Dossiers received in the period by online service level 1-4, with each level's class (Decree
    42/2022). `class_count` and `class_pct` stand on the first row of each class, so the totals stay
    the sum of the rows: both add up to the dossiers received with a level."""
    at_to, before_from = sums
    by_level = level_counts(at_to, before_from)
    received = int(at_to.get("received", 0)) - int(before_from.get("received", 0))
    total = sum(by_level.values())
    pct = dict(zip(by_level, shares(list(by_level.values()), total), strict=True))
    classes: dict[str, int] = {}
    for level, count in by_level.items():
        classes[CLASSES[level][0]] = classes.get(CLASSES[level][0], 0) + count
    class_pct = dict(zip(classes, shares(list(classes.values()), total), strict=True))
    rows = []
    shown: set[str] = set()
    for level, count in by_level.items():
        class_key, class_name = CLASSES[level]
        first = class_key not in shown
        shown.add(class_key)
        rows.append(
            {
                "key": str(level),
                "level": level,
                "name": f"Mức độ {level}",
                "class": class_key,
                "class_name": class_name,
                "count": count,
                "pct": pct[level],
                "class_count": classes[class_key] if first else None,
                "class_pct": class_pct[class_key] if first else None,
            }
        )
    notes = ["Hồ sơ mới tiếp nhận trong kỳ, theo mức độ dịch vụ công trực tuyến của hồ sơ khi tiếp nhận."]
    if received != total:
        notes.append(f"{received - total} hồ sơ không ghi mức độ dịch vụ công trực tuyến, không tính ở đây.")
    return Table(
        code=SERVICE_LEVELS,
        title=SERVICE_LEVELS_TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=[
            Column("key", "Mức độ", "text"),
            Column("name", "Tên mức độ", "text"),
            Column("class_name", "Phân loại theo Nghị định 42/2022/NĐ-CP", "text"),
            Column("count", "Số hồ sơ"),
            Column("pct", "Tỷ lệ (%)", "percent"),
            Column("class_count", "Số hồ sơ theo phân loại"),
            Column("class_pct", "Tỷ lệ theo phân loại (%)", "percent"),
        ],
        rows=rows,
        totals={
            "key": None,
            "name": "Tổng cộng",
            "count": total,
            "pct": 100.0 if total else None,
            "class_count": total,
            "class_pct": 100.0 if total else None,
        },
        notes=notes,
    )
