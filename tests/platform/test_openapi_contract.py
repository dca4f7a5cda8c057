"""`shared.openapi_contract`: the documents say what the services send. Whether each answer matches is
the conformance test's (test_openapi_conformance.py); here, what the documents themselves promise."""

import importlib
import os
from typing import Any

import pytest

from shared.errors import PROBLEM_JSON
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
