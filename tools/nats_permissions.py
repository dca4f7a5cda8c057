"""NATS users and what each may do: one per motcua service, one per agency reading its own dossiers.

`render()` writes the server's `authorization` block (committed as deploy/nats/agencies.conf):

    python -m tools.nats_permissions --agencies VPDK THUE > deploy/nats/agencies.conf
    python -m tools.nats_permissions > deploy/nats/agencies.conf   # the default catalogue's agencies

A **service** user publishes events (`dossier.>`, `catalog.>`, `survey.>`), uses the JetStream API
and acks (`$JS.API.>`, `$JS.ACK.>`) and receives replies and pulled messages on `_INBOX.>`: what the
relay, the consumers and `ensure_streams` do.

An **agency** user (`agency_<AGENCY>`) may only
- core-subscribe to `dossier.<AGENCY>.>`;
- read durably through its one JetStream consumer `agency_<AGENCY>` on DOSSIERS, which it may create
  (or update) only through the filtered create subject
  `$JS.API.CONSUMER.CREATE.DOSSIERS.agency_<AGENCY>.dossier.<AGENCY>.>` (nats-server 2.10+ refuses
  such a request unless the consumer's filter is the one in the subject), fetch from, ack and look up;
- receive on its own inbox prefix `_INBOX.agency_<AGENCY>` (its client must be configured with it):
  a subscription to all of `_INBOX.>` would see every other client's JetStream deliveries.
Nothing else: no stream info, no direct or message get, no other consumer, no publishing of events.

Passwords are never written into the file: each user's is a `$VARIABLE` the server reads from its
environment (`NATS_SERVICE_PASSWORD_<SERVICE>`, `NATS_PASSWORD_<AGENCY>`). nats-server parses the
value of such a variable as a config value, so it must not look like a number or a size (`1234`,
`12e`), and must not be empty: a user with an empty password logs in with its name alone. Hex from
`openssl rand -hex 24` is fine (the services put theirs into a URL, so keep them URL-safe anyway).
"""

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.messaging.subjects import STREAMS, dossier_subject, token
from shared.services import SERVICES

DOSSIER_STREAM = "DOSSIERS"
DEFAULT_CATALOGUE = Path(__file__).resolve().parents[1] / "services" / "intake" / "seed" / "catalogue.json"
COMMAND = "python -m tools.nats_permissions"

_NOT_VARIABLE = re.compile(r"[^A-Z0-9_]")


def _variable(prefix: str, name: str) -> str:
    return prefix + _NOT_VARIABLE.sub("_", name.upper())


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


@dataclass(frozen=True)
class NatsUser:
    user: str
    password_variable: str
    permissions: Permissions
    comment: tuple[str, ...]


@dataclass(frozen=True)
class AgencyAccess:
    """How one agency's system connects and what it reads: everything derives from its subject token."""

    code: str

    @classmethod
    def of(cls, agency_code: str) -> "AgencyAccess":
        """The agency code sanitized exactly as events' subjects are (`subjects.token`)."""
        return cls(token(agency_code))

    @property
    def user(self) -> str:
        return f"agency_{self.code}"

    @property
    def consumer(self) -> str:
        """The one durable consumer on DOSSIERS this agency may create and read."""
        return self.user

    @property
    def filter_subject(self) -> str:
        return dossier_subject(self.code, ">")

    @property
    def inbox_prefix(self) -> str:
        """The client's inbox prefix (nats-py `inbox_prefix=`, nats.go `CustomInboxPrefix`)."""
        return f"_INBOX.{self.user}"

    @property
    def password_variable(self) -> str:
        return _variable("NATS_PASSWORD_", self.code)

    @property
    def consumer_create_subject(self) -> str:
        return f"$JS.API.CONSUMER.CREATE.{DOSSIER_STREAM}.{self.consumer}.{self.filter_subject}"

    def permissions(self) -> Permissions:
        consumer = f"{DOSSIER_STREAM}.{self.consumer}"
        return Permissions(
            publish=(
                self.consumer_create_subject,
                f"$JS.API.CONSUMER.INFO.{consumer}",
                f"$JS.API.CONSUMER.MSG.NEXT.{consumer}",
                f"$JS.ACK.{consumer}.>",
            ),
            subscribe=(self.filter_subject, f"{self.inbox_prefix}.>"),
        )

    def nats_user(self) -> NatsUser:
        return NatsUser(
            user=self.user,
            password_variable=self.password_variable,
            permissions=self.permissions(),
            comment=(
                f"Agency {self.code}: {self.filter_subject} only, core or through consumer {self.consumer};",
                f"its client's inbox prefix must be {self.inbox_prefix}.",
            ),
        )


def service_permissions() -> Permissions:
    """What the relay, the consumers and ensure_streams need (pull consumers only: no core subscribe)."""
    events = tuple(subject for spec in STREAMS for subject in spec.subjects)
    return Permissions(publish=(*events, "$JS.API.>", "$JS.ACK.>"), subscribe=("_INBOX.>",))


def service_user(service: str) -> NatsUser:
    name = token(service)
    if name != service:
        raise ValueError(f"service name {service!r} is not a plain token")
    return NatsUser(
        user=service,
        password_variable=_variable("NATS_SERVICE_PASSWORD_", service),
        permissions=service_permissions(),
        comment=(f"Service {service}: publishes events, uses the JetStream API, reads through its inboxes.",),
    )


def agencies(agency_codes: Iterable[str]) -> list[AgencyAccess]:
    """One entry per agency, in the given order; a repeated code counts once.

    Two different codes that end up as one subject token (or one password variable) would share
    events or a password: that is refused rather than silently merged.
    """
    seen_codes: dict[str, str] = {}
    seen_variables: dict[str, str] = {}
    result: list[AgencyAccess] = []
    for raw in agency_codes:
        access = AgencyAccess.of(raw)
        if access.code in seen_codes:
            if seen_codes[access.code] != raw:
                raise ValueError(
                    f"agency codes {seen_codes[access.code]!r} and {raw!r} are the same subject token"
                )
            continue
        if access.password_variable in seen_variables:
            raise ValueError(
                f"agency codes {seen_variables[access.password_variable]!r} and {raw!r} would share "
                f"the password variable {access.password_variable}"
            )
        seen_codes[access.code] = raw
        seen_variables[access.password_variable] = raw
        result.append(access)
    return result


def users(agency_codes: Iterable[str], services: Iterable[str] = SERVICES) -> list[NatsUser]:
    everyone = [service_user(service) for service in services] + [
        access.nats_user() for access in agencies(agency_codes)
    ]
    for attribute in ("user", "password_variable"):
        values = [getattr(user, attribute) for user in everyone]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ValueError(f"more than one NATS user with {attribute} {', '.join(duplicates)}")
    return everyone


def _quoted(value: str) -> str:
    # A quoted string is taken literally: `$JS.API.>` unquoted would be read as a variable reference.
    return json.dumps(value)


def _subject_list(subjects: Sequence[str], indent: str) -> str:
    one_line = f"[{', '.join(_quoted(subject) for subject in subjects)}]"
    if len(indent) + len(one_line) <= 80:
        return one_line
    inner = "".join(f"{indent}  {_quoted(subject)},\n" for subject in subjects)
    return f"[\n{inner}{indent}]"


def _user_block(user: NatsUser) -> str:
    i = "    "
    comment = "".join(f"{i}# {line}\n" for line in user.comment)
    return comment + (
        f"{i}{{\n"
        f"{i}  user: {_quoted(user.user)}\n"
        f"{i}  password: ${user.password_variable}\n"
        f"{i}  permissions: {{\n"
        f"{i}    publish: {{allow: {_subject_list(user.permissions.publish, i + '    ')}}}\n"
        f"{i}    subscribe: {{allow: {_subject_list(user.permissions.subscribe, i + '    ')}}}\n"
        f"{i}  }}\n"
        f"{i}}}\n"
    )


def render(agency_codes: Iterable[str], services: Iterable[str] = SERVICES, *, origin: str = "") -> str:
    """The `authorization { users = [...] }` block for nats.conf (which `include`s it)."""
    everyone = users(agency_codes, services)
    origin = " ".join(origin.split())  # one comment line, whatever the arguments held
    header = (
        "# NATS users of motcua: one per service, and one per agency that reads its own dossiers' events\n"
        "# (dossier.<AGENCY>.>) and nothing else.\n"
        f"# Generated by `{COMMAND}`, not to be edited by hand: render it again\n"
        '# when the agency list changes (docs/deploy.md, "Agency subscribers").\n'
        + (f"# Rendered for: {origin}.\n" if origin else "")
        + "#\n"
        "# Passwords come from the server's environment, one variable per user: never empty, never a\n"
        "# bare number (the server parses the value), e.g. `openssl rand -hex 24`.\n"
    )
    body = "".join(_user_block(user) for user in everyone)
    return f"{header}\nauthorization {{\n  users = [\n{body}  ]\n}}\n"


def catalogue_agencies(path: Path = DEFAULT_CATALOGUE) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [str(agency["code"]) for agency in data["agencies"]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description="Render the NATS authorization block: one user per service, one per agency.",
    )
    parser.add_argument(
        "--agencies", nargs="+", metavar="CODE", help="agency codes (default: the catalogue's)"
    )
    parser.add_argument(
        "--catalogue",
        type=Path,
        metavar="PATH",
        help="take the agency codes from this catalogue JSON (default: the seed catalogue)",
    )
    parser.add_argument("--services", nargs="+", metavar="NAME", default=list(SERVICES))
    parser.add_argument(
        "--variables", action="store_true", help="print the password variables the config reads, one a line"
    )
    args = parser.parse_args(argv)
    if args.agencies and args.catalogue:
        parser.error("give --agencies or --catalogue, not both")
    if args.agencies:
        codes = list(args.agencies)
        origin = f"--agencies {' '.join(codes)}"
    elif args.catalogue:
        codes = catalogue_agencies(args.catalogue)
        origin = f"the agencies of {args.catalogue}"
    else:
        codes = catalogue_agencies()
        origin = "the agencies of services/intake/seed/catalogue.json"
    if args.services != list(SERVICES):
        origin += f"; --services {' '.join(args.services)}"
    try:
        if args.variables:
            sys.stdout.write("".join(f"{user.password_variable}\n" for user in users(codes, args.services)))
        else:
            sys.stdout.write(render(codes, args.services, origin=origin))
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
