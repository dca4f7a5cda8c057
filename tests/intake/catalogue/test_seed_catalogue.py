"""The default procedure catalogue that intake loads on first start (services/intake/seed/catalogue.json).

Plain checks of the data file with the standard library only: no server, no database, no fixtures.
"""

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parents[3] / "services" / "intake" / "seed" / "catalogue.json"

# The fields (lĩnh vực) of the district centre's report, spelled exactly as the report spells them.
REPORT_FIELDS = [
    "An toàn thực phẩm và dinh dưỡng",
    "Bảo trợ xã hội",
    "Chứng thực",
    "Đất đai",
    "Đầu tư xây dựng",
    "Giao dịch bảo đảm",
    "Giáo dục Đào tạo",
    "Hộ tịch",
    "Hoạt động xây dựng",
    "Hội tổ chức phi chính phủ",
    "Kinh doanh khí",
    "Lưu thông hàng hóa",
    "Môi trường",
    "Quy hoạch",
    "Tài chính đầu tư",
    "Thành lập và hoạt động của hộ kinh doanh",
    "Thi đua - Khen thưởng",
    "TTHC liên thông đăng ký hộ kinh doanh/HTX và mã số thuế",
    "Văn hoá",
]

PROCEDURE_KEYS = {
    "code",
    "national_code",
    "name",
    "field_code",
    "field_name",
    "agency_code",
    "processing_days",
    "day_kind",
    "online_processing_days",
    "same_day",
    "cutoff",
    "service_level",
    "supplement_policy",
    "fee",
    "fee_note",
    "route",
    "documents",
}
DOCUMENT_KEYS = {"code", "name", "required", "original", "copies"}
AGENCY_KEYS = {"code", "name", "sector", "unit_code", "level"}

SUBJECT_TOKEN = re.compile(r"^[A-Z0-9_-]{1,40}$")
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
PROCEDURE_CODE = re.compile(r"^[A-Z]+-[0-9]{2}$")
DOCUMENT_CODE = re.compile(r"^[A-Z0-9_]{1,40}$")
NATIONAL_CODE = re.compile(r"^[0-9]\.[0-9]{6}$")
UNIT_CODE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)+$")
HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@cache
def _raw() -> bytes:
    return CATALOGUE.read_bytes()


def catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_raw().decode("utf-8"))
    return data


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def procedures() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = catalogue()["procedures"]
    return found


def agency_codes() -> set[str]:
    return {a["code"] for a in catalogue()["agencies"]}


def route_agencies(procedure: dict[str, Any]) -> list[str]:
    return [step["agency_code"] for step in procedure.get("route") or []]


def all_strings(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from all_strings(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key} (key)", key
            yield from all_strings(item, f"{path}.{key}")


def test_the_file_is_utf8_json_with_the_documented_top_level_keys() -> None:
    data = catalogue()
    assert {"note", "centre", "fields", "agencies", "procedures"} <= set(data)
    assert set(data["centre"]) == {"name", "unit_code"}
    assert data["centre"]["name"].strip()


def test_the_note_says_national_codes_are_illustrative_and_must_be_checked() -> None:
    note = catalogue()["note"].lower()
    assert "illustrative" in note
    assert "national procedure database" in note


def test_fields_are_exactly_the_nineteen_of_the_district_report() -> None:
    names = [nfc(f["name"]) for f in catalogue()["fields"]]
    assert len(names) == 19
    assert names == [nfc(n) for n in REPORT_FIELDS]


def test_field_codes_are_unique_upper_snake_ascii() -> None:
    codes = [f["code"] for f in catalogue()["fields"]]
    assert len(codes) == len(set(codes))
    assert all(UPPER_SNAKE.match(code) for code in codes), codes


def test_agencies_have_the_documented_keys_and_a_known_level() -> None:
    for agency in catalogue()["agencies"]:
        assert set(agency) == AGENCY_KEYS, agency["code"]
        assert agency["level"] in {"district", "province", "commune"}
        assert agency["name"].strip()
        assert agency["sector"].strip()


def test_agency_codes_are_unique_valid_nats_subject_tokens() -> None:
    codes = [a["code"] for a in catalogue()["agencies"]]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert SUBJECT_TOKEN.match(code), code
        assert not {".", "*", ">", " "} & set(code)


def test_the_expected_agencies_are_present() -> None:
    expected = {"VPDK", "THUE", "TNMT", "TUPHAP", "TCKH", "KTHT"}
    expected |= {"LDTBXH", "GDDT", "VHTT", "NOIVU", "YTE", "KINHTE"}
    assert expected <= agency_codes()


def test_agencies_belong_to_the_centre_a_receiving_unit_of_the_province() -> None:
    centre_unit = catalogue()["centre"]["unit_code"]
    assert UNIT_CODE.match(centre_unit)
    province = centre_unit.rsplit(".", 1)[1]
    assert province == "H57"
    # An agency's unit must be a registered receiving unit: the loader registers the centre first.
    for agency in catalogue()["agencies"]:
        assert agency["unit_code"] == centre_unit, agency["code"]


def test_catalogue_has_at_least_forty_procedures() -> None:
    assert len(procedures()) >= 40


def test_procedure_codes_are_unique() -> None:
    counts = Counter(p["code"] for p in procedures())
    assert [code for code, n in counts.items() if n > 1] == []
    assert all(PROCEDURE_CODE.match(code) for code in counts), list(counts)


def test_procedures_use_only_the_documented_keys() -> None:
    for p in procedures():
        assert set(p) <= PROCEDURE_KEYS, (p["code"], set(p) - PROCEDURE_KEYS)
        assert {"code", "national_code", "name", "field_code", "agency_code", "processing_days"} <= set(p)


def test_every_procedure_belongs_to_an_existing_field_with_its_name() -> None:
    fields = {f["code"]: f["name"] for f in catalogue()["fields"]}
    for p in procedures():
        assert p["field_code"] in fields, p["code"]
        if "field_name" in p:
            assert nfc(p["field_name"]) == nfc(fields[p["field_code"]]), p["code"]


def test_every_procedure_refers_to_existing_lead_and_route_agencies() -> None:
    known = agency_codes()
    for p in procedures():
        assert p["agency_code"] in known, p["code"]
        for code in route_agencies(p):
            assert code in known, (p["code"], code)


def test_every_field_has_at_least_one_procedure() -> None:
    used = {p["field_code"] for p in procedures()}
    assert {f["code"] for f in catalogue()["fields"]} - used == set()


def test_route_step_days_add_up_to_processing_days() -> None:
    for p in procedures():
        route = p.get("route") or []
        if route:
            assert all(step["days"] > 0 for step in route), p["code"]
            assert sum(step["days"] for step in route) == p["processing_days"], p["code"]


def test_a_route_starts_with_the_lead_agency() -> None:
    for p in procedures():
        steps = route_agencies(p)
        if steps:
            assert steps[0] == p["agency_code"], p["code"]


def test_the_land_chain_vpdk_thue_tnmt_exists() -> None:
    chains = [
        p
        for p in procedures()
        if p["field_code"] == "DAT_DAI"
        and [(s["agency_code"], s["days"]) for s in p["route"]] == [("VPDK", 5), ("THUE", 3), ("TNMT", 2)]
    ]
    assert chains, "no land procedure routed VPDK (5) -> THUE (3) -> TNMT (2)"
    assert any("biến động" in nfc(p["name"]) and p["processing_days"] == 10 for p in chains)


def test_at_least_three_inter_agency_procedures_including_business_registration_with_tax() -> None:
    inter_agency = [p for p in procedures() if len(set(route_agencies(p))) >= 2]
    assert len(inter_agency) >= 3
    assert any(route_agencies(p) == ["TCKH", "THUE"] for p in inter_agency)
    assert sum(route_agencies(p)[:3] == ["VPDK", "THUE", "TNMT"] for p in inter_agency) >= 2


def test_procedure_attributes_take_allowed_values() -> None:
    for p in procedures():
        code = p["code"]
        assert NATIONAL_CODE.match(p["national_code"]), code
        days = p["processing_days"]
        assert type(days) in {int, float}, code
        assert 1 <= days <= 30, code
        assert p["day_kind"] in {"working", "calendar"}, code
        online = p["online_processing_days"]
        assert online is None or 0 < online <= days, code
        assert type(p["same_day"]) is bool, code
        assert HH_MM.match(p["cutoff"]), code
        assert p["cutoff"] in {"15:00", "16:00"}, code
        assert p["service_level"] in {2, 3, 4}, code
        assert p["supplement_policy"] in {"shift", "restart"}, code
        assert type(p["fee"]) is int, code
        assert p["fee"] >= 0, code
        assert p.get("fee_note") is None or p["fee_note"].strip(), code


def test_same_day_procedures_take_at_most_one_working_day() -> None:
    same_day = [p for p in procedures() if p["same_day"]]
    assert same_day
    for p in same_day:
        assert p["processing_days"] <= 1, p["code"]
        assert p["day_kind"] == "working", p["code"]
    certification = [p for p in procedures() if nfc("bản sao từ bản chính") in nfc(p["name"])]
    assert certification
    for p in certification:
        assert p["same_day"], p["code"]
        assert p["fee"] == 2000, p["code"]
        assert p.get("fee_note"), p["code"]


def test_individual_house_building_permit_takes_fifteen_days() -> None:
    name = nfc("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ")
    permits = [p for p in procedures() if nfc(p["name"]) == name]
    assert len(permits) == 1
    assert permits[0]["processing_days"] == 15
    assert permits[0]["agency_code"] == "KTHT"


def test_document_codes_are_unique_within_a_procedure() -> None:
    for p in procedures():
        codes = [d["code"] for d in p["documents"]]
        assert len(codes) == len(set(codes)), p["code"]
        assert all(DOCUMENT_CODE.match(c) for c in codes), p["code"]


def test_documents_have_the_documented_keys_and_types() -> None:
    for p in procedures():
        for d in p["documents"]:
            assert set(d) == DOCUMENT_KEYS, (p["code"], d["code"])
            assert type(d["required"]) is bool, (p["code"], d["code"])
            assert type(d["original"]) is bool, (p["code"], d["code"])
            assert type(d["copies"]) is int, (p["code"], d["code"])
            assert d["copies"] >= 1, (p["code"], d["code"])
            assert d["name"].strip(), (p["code"], d["code"])


def test_every_procedure_has_at_least_one_required_document() -> None:
    for p in procedures():
        assert any(d["required"] for d in p["documents"]), p["code"]


def test_all_text_is_nfc_without_surrounding_whitespace() -> None:
    for path, text in all_strings(catalogue()):
        assert text == unicodedata.normalize("NFC", text), path
        assert text == text.strip(), path
    raw = _raw()
    assert raw.decode("utf-8").encode("utf-8") == raw
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
