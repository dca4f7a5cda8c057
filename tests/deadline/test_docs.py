"""Deadline's events and settings stay documented: the catalogue, the AsyncAPI document, the README."""

from pathlib import Path

import yaml

from services.deadline.calendar.handlers import CATALOG_SUBJECTS
from services.deadline.clocks.handlers import DOSSIER_SUBJECTS
from services.deadline.events import EMITTED
from services.deadline.settings import DeadlineSettings
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def test_every_event_deadline_emits_is_in_the_catalogue_and_the_asyncapi_document() -> None:
    catalogue = (DOCS / "events.md").read_text()
    asyncapi = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    messages = {m["name"] for m in asyncapi["components"]["messages"].values()}
    for name in EMITTED:
        assert f"`vn.motcua.{name}.v1`" in catalogue, name
        assert f"vn.motcua.{name}.v1" in messages, name


def test_every_subject_deadline_consumes_is_named_in_the_catalogue_and_its_receive_operation() -> None:
    catalogue = (DOCS / "events.md").read_text()
    asyncapi = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    operations = asyncapi["operations"]
    for operation, subjects in (
        ("deadlineReceivesDossierEvents", DOSSIER_SUBJECTS),
        ("deadlineReceivesProcedures", CATALOG_SUBJECTS),
    ):
        for subject in subjects:
            assert f"`{subject}`" in catalogue, subject
            assert subject in operations[operation]["summary"], subject


def test_every_deadline_setting_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    own = set(DeadlineSettings.model_fields) - set(ServiceSettings.model_fields)
    assert own, "the deadline service has settings of its own"
    assert [
        f"MOTCUA_{name.upper()}" for name in sorted(own) if f"`MOTCUA_{name.upper()}`" not in readme
    ] == []
