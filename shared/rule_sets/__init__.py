"""The rule sets (bộ quy định) a dossier is judged by, chosen by the Vietnam day it was received.

RULES.md, "The legal frame changes": forms, deadline policies and report templates are data with
effective dates, and a dossier keeps the rule set in force when it was received. Until 2025-06-30 that
is Decree 61/2018 and 107/2021 with Circular 01/2018's forms and online levels 1-4; from 2025-07-01
Decree 118/2025, its forms and the full / partial online classes of Decree 42/2022.

The sets are data (`rule_sets.json`); a deployment whose verified texts differ names its own file in
`MOTCUA_RULE_SETS_FILE`. Every service reads the same file, so all of them judge a dossier alike.

    rule_set_on(date(2021, 6, 18)).forms["receipt"].basis   # "Thông tư số 01/2018/TT-VPCP"
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.calendar import Policy
from shared.clock import VIETNAM

FormKind = Literal["receipt", "supplement", "refusal", "apology", "control_slip", "tracking_book"]
OnlineScheme = Literal["levels", "classes"]

_PACKAGED = Path(__file__).with_name("rule_sets.json")
_ENV = "MOTCUA_RULE_SETS_FILE"


class Form(BaseModel):
    """A printed form of the set: its number (Mẫu số), title and the text that prescribes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str = Field(min_length=1)
    title: str = Field(min_length=1)
    basis: str = Field(min_length=1)

    @property
    def label(self) -> str:
        """What the form prints in its corner: "Mẫu số 01"."""
        return f"Mẫu số {self.number}"

    @property
    def basis_line(self) -> str:
        """What the form prints under its label: the text that prescribes it."""
        return f"(Ban hành kèm theo {self.basis})"


class RuleSet(BaseModel):
    """One legal frame: the days it governs receipts on and what it prescribes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None
    legal_basis: tuple[str, ...] = Field(min_length=1)
    forms: dict[FormKind, Form]
    # For a procedure version that names no supplement policy of its own.
    supplement_policy: Policy
    # How the service-level report classifies online service: levels 1-4, or full / partial / other.
    online_scheme: OnlineScheme

    @model_validator(mode="after")
    def _complete(self) -> RuleSet:
        missing = set(FormKind.__args__) - set(self.forms)  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"rule set {self.code} lacks the forms {sorted(missing)}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"rule set {self.code} ends before it starts")
        return self

    def governs(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class RuleSets(BaseModel):
    """The sets in date order, each starting the day after the previous one ends, the last open."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    rule_sets: tuple[RuleSet, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _contiguous(self) -> RuleSets:
        sets = self.rule_sets
        for earlier, later in pairwise(sets):
            if earlier.effective_to is None or (later.effective_from - earlier.effective_to).days != 1:
                raise ValueError(f"rule set {later.code} must start the day after {earlier.code} ends")
        if sets[-1].effective_to is not None:
            raise ValueError("the last rule set must be open (effective_to null)")
        if len({s.code for s in sets}) != len(sets):
            raise ValueError("rule set codes must be unique")
        return self


@cache
def _load(path: str) -> RuleSets:
    return RuleSets.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def rule_sets() -> tuple[RuleSet, ...]:
    """Every rule set, oldest first (the deployment's file, else the packaged one)."""
    return _load(os.environ.get(_ENV) or str(_PACKAGED)).rule_sets


def rule_set_on(day: date | datetime) -> RuleSet:
    """The set in force on ``day`` (an aware instant is taken as its Vietnam date). A day before the
    first set is judged by the first: the oldest frame is the closest there is."""
    if isinstance(day, datetime):
        if day.tzinfo is None:
            raise ValueError("a naive datetime has no Vietnam date")
        day = day.astimezone(VIETNAM).date()
    sets = rule_sets()
    for candidate in sets:
        if candidate.governs(day):
            return candidate
    return sets[0]


def rule_set(code: str) -> RuleSet:
    """The set with this code; KeyError for one the deployment does not have."""
    for candidate in rule_sets():
        if candidate.code == code:
            return candidate
    raise KeyError(code)
