"""The survey's pure rules: a form's shape, a ballot's answers against its form, the invitation token."""

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.survey.ballots import rules as ballot_rules
from services.survey.forms import default_form
from services.survey.forms import rules as form_rules
from services.survey.invitations import tokens
from services.survey.settings import DEVELOPMENT_TOKEN_SECRET, SurveySettings
from services.survey.violations import Violation

FORM = form_rules.Form(1, "satisfaction", 1, date(2000, 1, 1), default_form.TITLE, default_form.QUESTIONS)
SECRET = "s" * 40


def codes(violations: list[Violation]) -> list[str]:
    return [v.code for v in violations]


def check(answers: dict[str, str], reason: str | None = None, comment: str | None = None) -> list[str]:
    return codes(ballot_rules.ballot_violations(FORM, answers, reason=reason, comment=comment, max_chars=20))


def test_the_default_form_asks_complexity_and_satisfaction_in_vietnamese() -> None:
    complexity, satisfaction = FORM.questions
    assert [(o.code, o.label) for o in complexity.options] == [
        ("simple", "Thủ tục đơn giản"),
        ("fewer_papers", "Cần giảm bớt giấy tờ"),
        ("complex", "Thủ tục phức tạp"),
    ]
    assert [(o.code, o.label, o.requires_reason) for o in satisfaction.options] == [
        ("very_satisfied", "Rất hài lòng", False),
        ("satisfied", "Hài lòng", False),
        ("unsatisfied", "Không hài lòng", True),
    ]
    assert (
        form_rules.form_violations(FORM.questions, effective_from=date(2021, 1, 1), today=date(2021, 1, 1))
        == []
    )


def test_a_complete_ballot_has_no_violation() -> None:
    assert check({"complexity": "simple", "satisfaction": "very_satisfied"}) == []


def test_unsatisfied_requires_a_reason_and_then_opens_feedback() -> None:
    answers = {"complexity": "complex", "satisfaction": "unsatisfied"}
    assert check(answers) == ["reason_required"]
    assert check(answers, reason="Chờ quá lâu") == []
    assert ballot_rules.reason_required(FORM, answers)
    assert not ballot_rules.reason_required(FORM, {"complexity": "complex", "satisfaction": "satisfied"})


def test_unknown_question_unknown_option_and_missing_answer_are_each_named() -> None:
    assert check({"complexity": "simple", "satisfaction": "happy"}) == ["unknown_option"]
    assert check({"complexity": "simple", "satisfaction": "satisfied", "speed": "fast"}) == [
        "unknown_question"
    ]
    assert check({"satisfaction": "satisfied"}) == ["answer_missing"]


def test_every_violation_is_listed_at_once() -> None:
    found = check({"complexity": "easy", "satisfaction": "unsatisfied"}, reason=None, comment="x" * 21)
    assert found == ["unknown_option", "reason_required", "comment_too_long"]


def test_comment_and_reason_are_limited_to_the_configured_length() -> None:
    answers = {"complexity": "simple", "satisfaction": "unsatisfied"}
    assert check(answers, reason="x" * 20, comment="y" * 20) == []
    assert check(answers, reason="x" * 21, comment="y" * 20) == ["reason_too_long"]
    assert check(answers, reason="x" * 20, comment="y" * 21) == ["comment_too_long"]


def test_an_optional_question_may_be_left_unanswered() -> None:
    optional = form_rules.Question(
        "speed", "Nhanh?", (form_rules.Option("yes", "Có"), form_rules.Option("no", "Không")), False
    )
    form = form_rules.Form(2, "satisfaction", 2, date(2030, 1, 1), "t", (*FORM.questions, optional))
    answers = {"complexity": "simple", "satisfaction": "satisfied"}
    assert ballot_rules.ballot_violations(form, answers, reason=None, comment=None, max_chars=10) == []


@given(
    complexity=st.sampled_from(["simple", "fewer_papers", "complex"]),
    satisfaction=st.sampled_from(["very_satisfied", "satisfied", "unsatisfied"]),
    reason=st.one_of(st.none(), st.text(min_size=1, max_size=20)),
)
def test_any_choice_of_offered_options_counts_exactly_when_a_needed_reason_is_given(
    complexity: str, satisfaction: str, reason: str | None
) -> None:
    found = check({"complexity": complexity, "satisfaction": satisfaction}, reason=reason)
    assert found == (["reason_required"] if satisfaction == "unsatisfied" and not reason else [])


def test_a_new_form_version_must_be_well_formed_and_not_in_the_past() -> None:
    one = (form_rules.Option("a", "A"),)
    two = (form_rules.Option("a", "A"), form_rules.Option("a", "B"))
    questions = (form_rules.Question("q", "Q", one), form_rules.Question("q", "Q", two))
    found = form_rules.form_violations(questions, effective_from=date(2021, 1, 1), today=date(2021, 1, 2))
    assert codes(found) == [
        "effective_from_past",
        "too_few_options",
        "duplicate_question",
        "duplicate_option",
    ]
    assert codes(form_rules.form_violations((), effective_from=date(2021, 1, 2), today=date(2021, 1, 2))) == [
        "no_questions"
    ]


def test_a_form_survives_its_stored_json() -> None:
    assert form_rules.questions_from_json(form_rules.questions_to_json(FORM.questions)) == FORM.questions


@pytest.mark.parametrize(
    ("channel", "dossier", "token", "agency", "expected"),
    [
        ("kiosk", None, None, "THUE", None),
        ("kiosk", None, None, None, "agency_required"),
        ("portal", None, None, "THUE", "dossier_required"),
        ("counter", None, None, "THUE", "dossier_required"),
        ("kiosk", None, "ABCDEFGHIJ", "THUE", "dossier_required"),
        ("portal", "X-210618-0001", None, None, "token_required"),
        ("portal", "X-210618-0001", "ABCDEFGHIJ", None, None),
        ("kiosk", "X-210618-0001", "ABCDEFGHIJ", None, None),
    ],
)
def test_only_a_kiosk_votes_without_a_dossier_and_a_dossier_needs_its_token(
    channel: str, dossier: str | None, token: str | None, agency: str | None, expected: str | None
) -> None:
    found = ballot_rules.channel_violation(channel, dossier_code=dossier, token=token, agency_code=agency)
    assert (found.code if found else None) == expected


def test_the_token_is_ten_base32_characters_of_the_dossier_and_the_secret() -> None:
    dossier = uuid.uuid4()
    token = tokens.invitation_token(SECRET, dossier)
    assert len(token) == tokens.TOKEN_LENGTH
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert tokens.invitation_token(SECRET, dossier) == token
    assert tokens.invitation_token(SECRET, uuid.uuid4()) != token
    assert tokens.invitation_token("t" * 40, dossier) != token


def test_the_token_may_be_typed_in_lower_case_with_spaces_and_look_alike_digits() -> None:
    dossier = uuid.uuid4()
    token = tokens.invitation_token(SECRET, dossier)
    typed = f" {token[:5].lower()}-{token[5:]} ".replace("O", "0").replace("I", "1")
    assert tokens.token_matches(SECRET, dossier, typed)
    assert not tokens.token_matches(SECRET, dossier, token[:-1])
    assert not tokens.token_matches(SECRET, dossier, "Ồ" * 10)  # not ASCII: refused, no error


def test_the_token_secret_placeholder_is_refused_outside_development() -> None:
    assert SurveySettings(environment="development").survey_token_secret == DEVELOPMENT_TOKEN_SECRET
    for environment in ("test", "production"):
        with pytest.raises(ValueError, match="MOTCUA_SURVEY_TOKEN_SECRET"):
            SurveySettings(environment=environment, jwt_secret="j" * 40)
        with pytest.raises(ValueError, match="MOTCUA_SURVEY_TOKEN_SECRET"):
            SurveySettings(environment=environment, jwt_secret="j" * 40, survey_token_secret="short")
    assert SurveySettings(
        environment="production", jwt_secret="j" * 40, survey_token_secret=SECRET
    ).environment
