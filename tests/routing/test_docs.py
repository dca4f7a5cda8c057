"""Routing's events stay documented: every one it emits or consumes is in the catalogue and AsyncAPI."""

from pathlib import Path

import yaml

from services.routing.events import EMITTED
from services.routing.inbound.handlers import SUBJECTS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_event_routing_emits_is_in_the_catalogue_and_the_asyncapi_document() -> None:
    catalogue = (DOCS / "events.md").read_text()
    asyncapi = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    messages = {m["name"] for m in asyncapi["components"]["messages"].values()}
    for name in EMITTED:
        assert f"`vn.motcua.{name}.v1`" in catalogue, name
        assert f"vn.motcua.{name}.v1" in messages, name


def test_every_subject_routing_consumes_is_named_in_the_catalogue_and_its_receive_operation() -> None:
    catalogue = (DOCS / "events.md").read_text()
    asyncapi = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    receive = asyncapi["operations"]["routingReceivesDossierEvents"]["summary"]
    for subject in SUBJECTS:
        assert f"`{subject}`" in catalogue, subject
        assert subject in receive, subject
