"""Settings of the survey service, beyond what every service has (README, "Survey").

The invitation token is an HMAC of the dossier id under a secret of its own, not the JWT secret:
deployed, tokens are RS256 against a JWKS and `MOTCUA_JWT_SECRET` may be absent (or a placeholder),
and rotating the JWT secret after a leak must not void every invitation already handed to citizens.
"""

from pydantic import Field, model_validator

from shared.settings import ServiceSettings

# What `make run` uses when none is given: fine on a laptop, refused anywhere else.
DEVELOPMENT_TOKEN_SECRET = "motcua-development-survey-secret-change-me"  # noqa: S105


class SurveySettings(ServiceSettings):
    survey_token_secret: str = Field(
        default=DEVELOPMENT_TOKEN_SECRET,
        description="HMAC key of invitation tokens; at least 32 random characters outside development",
    )
    survey_invitation_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="an invitation expires this many days after the result was returned",
    )
    survey_comment_max_chars: int = Field(
        default=2000,
        ge=1,
        le=20_000,
        description="the longest comment, and the longest reason, a ballot may carry",
    )
    survey_device_ballots_per_minute: float = Field(
        default=10.0, gt=0, description="ballots one kiosk (X-Device-Id, else its IP) may send per minute"
    )
    survey_device_burst: int = Field(default=5, ge=1, description="ballots a device may send at once")
    survey_ip_ballots_per_minute: float = Field(
        default=120.0,
        gt=0,
        description="anonymous ballots all kiosks behind one IP may send per minute (and at once), so a "
        "script inventing device ids is still held back",
    )
    survey_account_ballots_per_minute: float = Field(
        default=2.0,
        gt=0,
        description="ballots one signed-in account (its token's sub) may send per minute beyond those its "
        "dossiers' invitations count: anonymous ones, and a token that does not open the dossier",
    )
    survey_account_burst: int = Field(default=3, ge=1, description="such ballots an account may send at once")
    survey_load_default_form: bool = Field(
        default=True, description="load the default survey form into an empty schema at first start"
    )
    # Feedback (`services.survey.feedback`): the agencies' deadline, and the senders' limits.
    feedback_answer_days: int = Field(
        default=10, ge=1, le=90, description="working days an agency has to answer feedback or a complaint"
    )
    feedback_per_minute: float = Field(
        default=5.0, gt=0, description="feedback items one device, IP or portal account may send per minute"
    )
    feedback_ip_per_minute: float = Field(
        default=60.0,
        gt=0,
        description="feedback items all anonymous senders behind one IP may send per minute",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_token_secret(self) -> "SurveySettings":
        weak = self.survey_token_secret == DEVELOPMENT_TOKEN_SECRET or len(self.survey_token_secret) < 32
        if self.environment != "development" and weak:
            raise ValueError(
                "MOTCUA_SURVEY_TOKEN_SECRET must be a random value of at least 32 characters "
                f"when MOTCUA_ENVIRONMENT={self.environment}"
            )
        return self
