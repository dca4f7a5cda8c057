"""The rule sets by date: the boundary of 1 July 2025, the file's checks, a deployment's own file."""

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.routing.app import SPEC
from shared import rule_sets as rs
from shared.app import create_service_app
from shared.rule_sets import RuleSets, rule_set, rule_set_on
from shared.settings import ServiceSettings


def test_the_day_of_receipt_chooses_the_set() -> None:
    assert rule_set_on(date(2021, 6, 18)).code == "nd61-2018"
    assert rule_set_on(date(2025, 6, 30)).code == "nd61-2018"
    assert rule_set_on(date(2025, 7, 1)).code == "nd118-2025"
    assert rule_set_on(date(2026, 12, 6)).code == "nd118-2025"
    # Before the first set: the oldest frame judges it.
    assert rule_set_on(date(2015, 1, 1)).code == "nd61-2018"


def test_an_instant_is_taken_as_its_vietnam_date() -> None:
    # 17:30 UTC on 30 June is 00:30 on 1 July in Vietnam.
    assert rule_set_on(datetime(2025, 6, 30, 17, 30, tzinfo=UTC)).code == "nd118-2025"
    assert rule_set_on(datetime(2025, 6, 30, 16, 59, tzinfo=UTC)).code == "nd61-2018"
    with pytest.raises(ValueError, match="naive"):
        rule_set_on(datetime(2025, 7, 1, 8, 0))


def test_each_set_prescribes_its_forms_and_scheme() -> None:
    old, new = rule_set("nd61-2018"), rule_set("nd118-2025")
    assert old.forms["receipt"].basis == "Thông tư số 01/2018/TT-VPCP"
    assert old.forms["apology"].label == "Mẫu số 04"
    assert "Nghị định số 61/2018/NĐ-CP" in old.legal_basis[0]
    assert "118/2025" in new.legal_basis[0]
    assert (old.online_scheme, new.online_scheme) == ("levels", "classes")
    with pytest.raises(KeyError):
        rule_set("nd43-2011")


def _data(**changes: object) -> Any:
    data = json.loads(rs._PACKAGED.read_text(encoding="utf-8"))
    data["rule_sets"][1].update(changes)
    return data


def test_sets_must_follow_each_other_without_gap_or_overlap() -> None:
    with pytest.raises(ValidationError, match="day after"):
        RuleSets.model_validate(_data(effective_from="2025-07-02"))
    with pytest.raises(ValidationError, match="day after"):
        RuleSets.model_validate(_data(effective_from="2025-06-30"))
    with pytest.raises(ValidationError, match="open"):
        RuleSets.model_validate(_data(effective_to="2030-12-31"))


def test_a_set_must_name_every_form() -> None:
    data = _data()
    del data["rule_sets"][1]["forms"]["apology"]
    with pytest.raises(ValidationError, match="apology"):
        RuleSets.model_validate(data)


def test_a_deployment_names_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(supplement_policy="restart")
    path = tmp_path / "sets.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("MOTCUA_RULE_SETS_FILE", str(path))
    assert rule_set_on(date(2026, 1, 5)).supplement_policy == "restart"
    monkeypatch.delenv("MOTCUA_RULE_SETS_FILE")
    assert rule_set_on(date(2026, 1, 5)).supplement_policy == "shift"


def test_a_service_with_a_broken_file_does_not_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sets.json"
    path.write_text(json.dumps(_data(effective_from="2025-07-02")), encoding="utf-8")
    monkeypatch.setenv("MOTCUA_RULE_SETS_FILE", str(path))
    with pytest.raises(ValidationError, match="day after"):
        create_service_app(SPEC, ServiceSettings(database_url="postgresql+asyncpg://motcua@127.0.0.1/none"))
