"""`shared.openapi_contract`: the documents say what the services send. Whether each answer matches is
the conformance test's (test_openapi_conformance.py); here, what the documents themselves promise."""

import importlib
import json
import os
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from services.intake.reception.schemas import DossierIn, DossierOut, PublicStatus
from services.routing.steps.schemas import CompleteIn
from services.survey.ballots.schemas import BallotIn
from shared.errors import PROBLEM_JSON
from shared.inputs import Strict
from shared.openapi_contract import summary
from shared.services import SERVICES


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    os.environ.setdefault("MOTCUA_ENVIRONMENT", "development")  # building an app reads its settings
    return {s: importlib.import_module(f"services.{s}.app").create_app().openapi() for s in SERVICES}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_error_is_a_problem_and_fastapis_422_schema_is_gone(documents: dict[str, Any]) -> None:
    for service, document in documents.items():
        assert "HTTPValidationError" not in document["components"]["schemas"], service
        for path, method, operation in _operations(document):
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    content = response["content"]
                    assert content == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                        f"{service} {method} {path} {status}"
                    )
            if operation.get("parameters") or "requestBody" in operation:
                assert "422" in operation["responses"], f"{service} {method} {path}"


def test_each_operation_names_the_roles_it_admits(documents: dict[str, Any]) -> None:
    intake, survey, deadline = documents["intake"], documents["survey"], documents["deadline"]
    assert intake["paths"]["/v1/dossiers"]["post"]["security"] == [{"HTTPBearer": ["portal", "reception"]}]
    assert intake["paths"]["/v1/lookup"]["get"]["security"] == []
    assert "401" not in intake["paths"]["/v1/lookup"]["get"]["responses"]
    # A kiosk sends no token, the portal its own: optional.
    assert survey["paths"]["/v1/ballots"]["post"]["security"] == [{}, {"HTTPBearer": []}]
    # A path with a converter (`{letter_id:uuid}`) is documented without it, and still has its roles.
    letter = deadline["paths"]["/v1/apologies/{letter_id}"]["get"]
    assert letter["security"] == [{"HTTPBearer": ["reception", "officer", "leader", "admin", "auditor"]}]
    assert intake["components"]["securitySchemes"]["HTTPBearer"]["bearerFormat"] == "JWT"


def test_operation_ids_are_the_route_names_in_camel_case_and_unique(documents: dict[str, Any]) -> None:
    for service, document in documents.items():
        ids = [operation["operationId"] for _, _, operation in _operations(document)]
        assert len(ids) == len(set(ids)), service
        assert all(re.fullmatch(r"[a-z]+(?:[A-Z0-9][a-z0-9]*)*", i) for i in ids), (service, ids)
    intake = documents["intake"]
    assert intake["paths"]["/v1/dossiers"]["post"]["operationId"] == "submitDossier"
    assert (
        documents["routing"]["paths"]["/v1/steps/{step_id}/complete"]["post"]["operationId"] == "completeStep"
    )


def test_every_summary_is_a_sentence(documents: dict[str, Any]) -> None:
    for service, document in documents.items():
        for path, method, operation in _operations(document):
            said = operation["summary"]
            where = (service, method, path, said)
            assert said[0].isupper(), where
            assert said.endswith("."), where
            assert "\n" not in said, where
    assert documents["intake"]["paths"]["/v1/dossiers"]["post"]["summary"] == (
        "Hand in a dossier at the counter or submit it online."
    )


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("One receiving unit, open or closed.\n\nMore.", "One receiving unit, open or closed."),
        (
            "Make `day` a day off, with the reason (e.g. a storm). Then more.",
            "Make `day` a day off, with the reason (e.g. a storm).",
        ),
        ("No full stop at the end", "No full stop at the end."),
        (
            "The processing report (tình hình, kết quả giải quyết TTHC) for [from, to], dates in Vietnam, "
            "both included: per field, lead agency or procedure, the dossiers carried over and received.",
            "The processing report for [from, to], dates in Vietnam, both included.",
        ),
    ],
)
def test_a_summary_is_the_first_sentence_shortened(description: str, expected: str) -> None:
    assert summary(description) == expected


EXAMPLED = [DossierIn, DossierOut, PublicStatus, CompleteIn, BallotIn]


@pytest.mark.parametrize("model", EXAMPLED, ids=lambda model: model.__name__)
def test_the_main_examples_are_valid_and_in_vietnamese(model: type[BaseModel]) -> None:
    examples = model.model_json_schema()["examples"]
    assert examples, model
    for example in examples:
        model.model_validate(example)  # a client copying it gets no 422
        assert any(
            ch in json.dumps(example, ensure_ascii=False) for ch in "ăâđêôơưạảấầẩậắằẳặẹẻếềểệịọỏốồổộớờởợụủứừửự"
        )
    if issubclass(model, Strict):
        assert model.model_config["extra"] == "forbid"  # the example's config kept the base's


def test_the_documents_carry_the_examples(documents: dict[str, Any]) -> None:
    schemas = documents["intake"]["components"]["schemas"]
    assert schemas["DossierIn"]["examples"][0]["applicant"]["name"] == "Nguyễn Thị Hồng Nhung"
    assert schemas["DossierOut"]["examples"][0]["code"] == "000.00.12.H57-261207-0001"
    assert documents["survey"]["components"]["schemas"]["BallotIn"]["examples"]


def test_every_example_in_the_documents_is_valid_under_its_schema(documents: dict[str, Any]) -> None:
    for service, document in documents.items():
        assert document["servers"] == [{"url": "/", "description": "the service that serves this document"}]
        components = document["components"]
        for name, schema in components["schemas"].items():
            validator = Draft202012Validator(
                {"$ref": f"#/components/schemas/{name}", "components": components}
            )
            for example in schema.get("examples", ()):
                assert not list(validator.iter_errors(example)), (service, name)
    received = documents["intake"]["components"]["schemas"]["DossierOut"]["examples"][0]
    assert received["returned_at"] is None  # FastAPI drops nulls; the contract puts them back


def test_no_schema_carries_keys_json_schema_does_not_know(documents: dict[str, Any]) -> None:
    def keys(node: object) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for value in node.values() for k in keys(value)}
        if isinstance(node, list):
            return {k for value in node for k in keys(value)}
        return set()

    for service, document in documents.items():
        assert not keys(document["components"]) & {"ge", "le", "gt", "lt"}, (
            service
        )  # pydantic's, not JSON Schema's
        assert not keys(document["paths"]) & {"ge", "le", "gt", "lt"}, service
