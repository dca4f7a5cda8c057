"""Golden records of a write path (issue #17): what a run wrote, its made-up ids and codes replaced by
stable names, so a run of reworked code compares equal to one recorded from the code before it."""

import json
from typing import Any


class Names:
    """Every id, code and agency a run makes up, replaced by a stable name."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def name(self, value: Any, as_name: str) -> None:
        self._names[str(value)] = as_name

    def __call__(self, value: Any) -> Any:
        text = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
        for actual, as_name in sorted(self._names.items(), key=lambda item: -len(item[0])):
            text = text.replace(actual, as_name)
        return json.loads(text)
