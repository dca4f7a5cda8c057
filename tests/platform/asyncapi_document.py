"""docs/asyncapi.yaml as the tests read it, and its `$ref`s followed."""

from pathlib import Path
from typing import Any

import yaml

DOCUMENT: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
)


def follow(node: dict[str, Any], root: dict[str, Any] = DOCUMENT) -> dict[str, Any]:
    """`node`, its `$ref`s (`#/components/...`, within `root`) followed to what they name."""
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node
