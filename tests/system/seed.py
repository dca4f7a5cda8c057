"""The catalogue the load needs, registered through intake's admin API: a few agencies and
procedures, one of them routed through three agencies (VPDK → THUE → STNMT) and one with two
agencies working in parallel."""

from typing import Any

from tests.system.client import Api

AGENCIES = (
    {"code": "VPDK", "name": "Chi nhánh Văn phòng đăng ký đất đai", "sector": "Đất đai"},
    {"code": "THUE", "name": "Chi cục Thuế", "sector": "Thuế"},
    {"code": "STNMT", "name": "Sở Tài nguyên và Môi trường", "sector": "Tài nguyên và Môi trường"},
    {"code": "SXD", "name": "Sở Xây dựng", "sector": "Xây dựng"},
    {"code": "UBNDX", "name": "Ủy ban nhân dân xã", "sector": "Hành chính"},
)
OFFICER_AGENCIES = tuple(a["code"] for a in AGENCIES)

_DOCUMENTS = [
    {"code": "DON", "name": "Đơn đề nghị", "required": True, "original": True},
    {"code": "GIAY_TO", "name": "Bản sao giấy tờ liên quan", "required": True},
]
# In force long before today, so that the historical import finds them on its receipt dates.
_SINCE = "2020-01-01"

PROCEDURES: tuple[dict[str, Any], ...] = (
    {
        "code": "SOAK-DD01",
        "name": "Đăng ký biến động đất đai (thử tải)",
        "field_code": "SOAK_DAT_DAI",
        "field_name": "Đất đai (thử tải)",
        "agency_code": "VPDK",
        "processing_days": 10,
        "service_level": 3,
        "route": [
            {"agency_code": "VPDK", "days": 5},
            {"agency_code": "THUE", "days": 3},
            {"agency_code": "STNMT", "days": 2},
        ],
        "documents": _DOCUMENTS,
        "effective_from": _SINCE,
    },
    {
        "code": "SOAK-XD01",
        "name": "Cấp giấy phép xây dựng (thử tải)",
        "field_code": "SOAK_XAY_DUNG",
        "field_name": "Xây dựng (thử tải)",
        "agency_code": "SXD",
        "processing_days": 7,
        "service_level": 4,
        "route": [
            {"agency_code": "SXD", "days": 3, "group": 1},
            {"agency_code": "STNMT", "days": 2, "group": 1},
            {"agency_code": "UBNDX", "days": 4},
        ],
        "documents": _DOCUMENTS,
        "effective_from": _SINCE,
    },
    {
        "code": "SOAK-HT01",
        "name": "Chứng thực bản sao (thử tải)",
        "field_code": "SOAK_HO_TICH",
        "field_name": "Hộ tịch (thử tải)",
        "agency_code": "UBNDX",
        "processing_days": 2,
        "service_level": 2,
        "documents": _DOCUMENTS[:1],
        "effective_from": _SINCE,
    },
)
PROCEDURE_CODES = tuple(p["code"] for p in PROCEDURES)


async def seed_catalogue(api: Api) -> None:
    admin = api.token("admin", "soak-admin")
    for agency in AGENCIES:
        # The default catalogue may hold it already.
        answer = await api.call(
            "seed agency",
            "POST",
            "intake",
            "/v1/agencies",
            token=admin,
            json=agency,
            expected=("agency_exists",),
        )
        if not answer.ok and answer.code != "agency_exists":
            raise RuntimeError(f"agency {agency['code']}: {answer.status} {answer.body}")
    for procedure in PROCEDURES:
        answer = await api.call(
            "seed procedure", "POST", "intake", "/v1/procedures", token=admin, json=procedure
        )
        if not answer.ok:
            raise RuntimeError(f"procedure {procedure['code']}: {answer.status} {answer.body}")
