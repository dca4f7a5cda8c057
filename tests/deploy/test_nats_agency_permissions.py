"""Agency A's NATS credentials cannot read agency B's events: proven on a real nats-server.

The server runs the rendered authorization (tools/nats_permissions.py) for agencies A, B and
AB (a neighbouring code: `dossier.A.>` must not reach `dossier.AB.*`) and the five services. A
service creates the streams and publishes as the relay does; then agency A tries every way in that
it is not meant to have, and each is refused by the server (a permissions violation, or a JetStream
error for a create request that smuggles another filter in its body), while its own subjects and its
own filtered consumer work. The committed configs (compose, Kubernetes) are checked to be that same
rendering and to parse with the real server.
"""

import asyncio
import json
import re
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import nats
import pytest
import yaml
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import AckPolicy, ConsumerConfig

from shared.messaging.connection import NatsLink
from shared.messaging.consumer import Consumer, Subscription
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import dossier_subject, token
from shared.services import SERVICES
from tools.devstack.nats import binary
from tools.devstack.nats_cluster import (
    CA,
    Ports,
    Secrets,
    config_files,
    loopback_config,
    pod_environment,
    route_count,
)
from tools.nats_permissions import (
    AgencyAccess,
    agencies,
    main,
    render,
    service_permissions,
    users,
)

from .nats_auth import Server, authorized_nats

ROOT = Path(__file__).resolve().parents[2]
AGENCIES_CONF = ROOT / "deploy" / "nats" / "agencies.conf"
COMPOSE_NATS_CONF = ROOT / "deploy" / "nats" / "nats.conf"
K8S = ROOT / "deploy" / "k8s"

TEST_AGENCIES = ("A", "B", "AB")
TIMEOUT = 2  # every wait on the server is bounded; a refusal arrives in milliseconds

# Events in the stream before any agency looks: A's own, B's, and the neighbouring AB's.
EVENTS = (
    dossier_subject("A", "received"),
    dossier_subject("B", "received"),
    dossier_subject("AB", "received"),
    dossier_subject("A", "step.assigned"),
    dossier_subject("B", "step.assigned"),
    "catalog.agency.registered",
)


# --- the rendering -----------------------------------------------------------------------------


def test_an_agency_may_read_its_own_subjects_only() -> None:
    permissions = AgencyAccess.of("VPDK").permissions()
    assert permissions.subscribe == ("dossier.VPDK.>", "_INBOX.agency_VPDK.>")
    assert permissions.publish == (
        "$JS.API.CONSUMER.CREATE.DOSSIERS.agency_VPDK.dossier.VPDK.>",
        "$JS.API.CONSUMER.INFO.DOSSIERS.agency_VPDK",
        "$JS.API.CONSUMER.MSG.NEXT.DOSSIERS.agency_VPDK",
        "$JS.ACK.DOSSIERS.agency_VPDK.>",
    )


def test_no_agency_permission_opens_the_stream_or_other_subjects() -> None:
    for access in agencies(["VPDK", "THUE"]):
        allowed = [*access.permissions().publish, *access.permissions().subscribe]
        for subject in allowed:
            assert access.consumer in subject or subject == access.filter_subject, subject
            assert "STREAM" not in subject, subject
            assert "DIRECT" not in subject, subject
            assert not subject.startswith(("dossier.>", "_INBOX.>", ">", "*")), subject


def test_services_publish_every_stream_and_use_the_jetstream_api() -> None:
    permissions = service_permissions()
    assert set(permissions.publish) == {"dossier.>", "catalog.>", "survey.>", "$JS.API.>", "$JS.ACK.>"}
    assert permissions.subscribe == ("_INBOX.>",)


def test_agency_codes_become_the_same_token_as_in_event_subjects() -> None:
    access = AgencyAccess.of(" Sở TN.MT ")
    assert access.code == token(" Sở TN.MT ") == "S__TN_MT"
    assert access.filter_subject == dossier_subject(" Sở TN.MT ", ">")
    assert access.password_variable == "NATS_PASSWORD_S__TN_MT"
    assert AgencyAccess.of("so-tnmt").password_variable == "NATS_PASSWORD_SO_TNMT"


def test_codes_that_would_share_subjects_or_a_password_are_refused() -> None:
    with pytest.raises(ValueError, match="same subject token"):
        agencies(["SO TNMT", "SO.TNMT"])
    with pytest.raises(ValueError, match="password variable"):
        agencies(["SO-TNMT", "SO_TNMT"])
    with pytest.raises(ValueError, match="password variable"):
        agencies(["vpdk", "VPDK"])
    assert [a.code for a in agencies(["VPDK", "THUE", "VPDK"])] == ["VPDK", "THUE"]
    with pytest.raises(ValueError, match="more than one NATS user"):
        users([], services=["intake", "intake"])


def test_passwords_are_environment_variables_never_literals() -> None:
    rendered = render(["VPDK", "THUE"])
    passwords = re.findall(r"^\s*password:\s*(.+)$", rendered, re.MULTILINE)
    assert passwords == [
        *(f"$NATS_SERVICE_PASSWORD_{service.upper()}" for service in SERVICES),
        "$NATS_PASSWORD_VPDK",
        "$NATS_PASSWORD_THUE",
    ]


def test_cli_renders_the_given_agencies_and_lists_the_variables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--agencies", "VPDK", "SO TNMT"]) == 0
    out = capsys.readouterr().out
    assert out == render(["VPDK", "SO TNMT"], origin="--agencies VPDK SO TNMT")
    assert '"dossier.SO_TNMT.>"' in out
    assert main(["--agencies", "VPDK", "--variables"]) == 0
    assert capsys.readouterr().out.split() == [
        *(f"NATS_SERVICE_PASSWORD_{service.upper()}" for service in SERVICES),
        "NATS_PASSWORD_VPDK",
    ]


# --- the committed configuration --------------------------------------------------------------


def password_variables(conf: str) -> set[str]:
    return set(re.findall(r"^\s*password:\s*\$(\w+)\s*$", conf, re.MULTILINE))


def test_committed_agencies_conf_is_the_rendering_of_the_default_catalogue(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 0
    stale = "stale: render it again (python -m tools.nats_permissions > deploy/nats/agencies.conf)"
    assert AGENCIES_CONF.read_text(encoding="utf-8") == capsys.readouterr().out, stale
    assert "NATS_PASSWORD_VPDK" in password_variables(AGENCIES_CONF.read_text(encoding="utf-8"))


def test_both_nats_configs_include_the_same_users() -> None:
    assert re.search(
        r"^include \./agencies\.conf$", COMPOSE_NATS_CONF.read_text(encoding="utf-8"), re.MULTILINE
    )
    config_map = yaml.safe_load((K8S / "nats-config.yaml").read_text(encoding="utf-8"))
    assert re.search(r"^include \./agencies\.conf$", config_map["data"]["nats.conf"], re.MULTILINE)
    assert config_map["data"]["agencies.conf"] == AGENCIES_CONF.read_text(encoding="utf-8")


def compose() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8")))


COMPOSE_DEFAULT = re.compile(r"^\$\{(\w+):-([^}]+)\}$")


def test_compose_gives_nats_every_password_and_each_service_its_own() -> None:
    services = compose()["services"]
    # MOTCUA_ENVIRONMENT aside: the refusal of development passwords reads it before nats starts.
    nats_env: dict[str, str] = {
        name: value for name, value in services["nats"]["environment"].items() if name != "MOTCUA_ENVIRONMENT"
    }
    assert set(nats_env) == password_variables(AGENCIES_CONF.read_text(encoding="utf-8"))
    for value in nats_env.values():
        assert COMPOSE_DEFAULT.match(value), f"{value}: from .env, with a development default"
    assert "./deploy/nats/agencies.conf:/etc/nats/agencies.conf:ro" in services["nats"]["volumes"]
    for service in SERVICES:
        password = nats_env[f"NATS_SERVICE_PASSWORD_{service.upper()}"]
        assert password.startswith(f"${{MOTCUA_{service.upper()}_NATS_PASSWORD:-")
        url = services[service]["environment"]["MOTCUA_NATS_URL"]
        assert url == f"nats://{service}:{password}@nats:4222"


def k8s_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def test_k8s_nats_servers_get_every_password_and_each_service_its_own() -> None:
    documents = [
        document
        for path in sorted(K8S.glob("nats-*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    ]
    statefulset = next(d for d in documents if d["kind"] == "StatefulSet")
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    env = k8s_env(container)
    assert container["envFrom"] == [{"secretRef": {"name": "motcua-nats-agencies"}}]
    for service in SERVICES:
        key = f"MOTCUA_{service.upper()}_NATS_PASSWORD"
        ref = env[f"NATS_SERVICE_PASSWORD_{service.upper()}"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "motcua-secrets", "key": key}
        deployment = next(yaml.safe_load_all((K8S / f"{service}.yaml").read_text(encoding="utf-8")))
        (service_container,) = deployment["spec"]["template"]["spec"]["containers"]
        service_env = k8s_env(service_container)
        assert service_env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "motcua-secrets",
            "key": key,
        }
        assert service_env["MOTCUA_NATS_URL"]["value"] == f"nats://{service}:$(NATS_PASSWORD)@nats:4222"
    config_map = yaml.safe_load((K8S / "configmap.yaml").read_text(encoding="utf-8"))
    assert "MOTCUA_NATS_URL" not in config_map["data"], "each Deployment sets its own, with its user"


def check_config(conf: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [binary(), "-c", str(conf), "-t"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_configs_parse_with_the_real_server(tmp_path: Path) -> None:
    # compose: with the development defaults compose would pass
    defaults = {}
    for name, value in compose()["services"]["nats"]["environment"].items():
        match = COMPOSE_DEFAULT.match(value)
        assert match
        defaults[name] = match.group(2)
    check_config(COMPOSE_NATS_CONF, defaults)
    # Kubernetes: the ConfigMap's two files as pod nats-0 has them, with its environment and a
    # route certificate (rendered for loopback: tools/devstack/nats_cluster.py;
    # test_nats_cluster_routes.py runs them)
    tls_dir = CA.create("route CA").issue_route_certificate(tmp_path / "route-tls")
    ports = [Ports.free() for _ in range(route_count())]
    for name, text in config_files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "nats.conf").write_text(loopback_config(ports[0], tmp_path, tls_dir), encoding="utf-8")
    check_config(tmp_path / "nats.conf", pod_environment(0, Secrets.generate(), [p.cluster for p in ports]))
    # and a missing password is an error, not an open door
    missing = dict(defaults)
    del missing["NATS_PASSWORD_VPDK"]
    with pytest.raises(AssertionError, match="NATS_PASSWORD_VPDK"):
        check_config(COMPOSE_NATS_CONF, missing)


# --- a real server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with authorized_nats(tmp_path_factory.mktemp("nats-auth"), TEST_AGENCIES) as running:
        yield running


@dataclass
class Connection:
    nc: Client
    errors: "asyncio.Queue[Exception]" = field(default_factory=asyncio.Queue)

    async def expect_violation(self, kind: str, subject: str) -> None:
        """The server's -ERR for this very publish or subscription, within TIMEOUT."""
        wanted = f'permissions violation for {kind} to "{subject}"'.lower()
        async with asyncio.timeout(TIMEOUT):
            while True:
                error = await self.errors.get()
                if wanted in str(error).lower():
                    return

    async def assert_no_errors(self) -> None:
        await self.nc.flush(timeout=TIMEOUT)
        assert self.errors.empty(), self.errors.get_nowait()

    async def denied_request(self, subject: str, body: dict[str, Any] | None = None) -> None:
        """A request the server drops (and says so) instead of passing on: no reply can ever come."""
        inbox = self.nc.new_inbox()
        replies = await self.nc.subscribe(inbox)
        await self.nc.publish(subject, json.dumps(body or {}).encode(), reply=inbox)
        await self.expect_violation("publish", subject)
        await self.nc.flush(timeout=TIMEOUT)
        assert replies.pending_msgs == 0
        await replies.unsubscribe()


async def ignore(exc: Exception) -> None:
    """An error callback that keeps nats-py from logging an expected refusal."""


async def connect(server: Server, user: str, *, password: str | None = None) -> Connection:
    errors: asyncio.Queue[Exception] = asyncio.Queue()

    async def on_error(exc: Exception) -> None:
        errors.put_nowait(exc)

    options: dict[str, Any] = {}
    if user.startswith("agency_"):
        options["inbox_prefix"] = AgencyAccess(user.removeprefix("agency_")).inbox_prefix
    nc = await nats.connect(
        server.url,
        user=user,
        password=server.passwords[user] if password is None else password,
        allow_reconnect=False,
        connect_timeout=TIMEOUT,
        error_cb=on_error,
        **options,
    )
    return Connection(nc, errors)


@pytest.fixture(scope="module")
async def stream_events(server: Server) -> list[str]:
    """As intake's user: the streams (ensure_streams) and EVENTS, published the way the relay does."""
    intake = await connect(server, "intake")
    try:
        js = intake.nc.jetstream(timeout=TIMEOUT)
        await ensure_streams(js)
        acks = [
            await js.publish_async(subject, b"{}", headers={"Nats-Msg-Id": secrets.token_hex(8)})
            for subject in EVENTS
        ]
        async with asyncio.timeout(TIMEOUT):
            await asyncio.gather(*acks)
        await intake.assert_no_errors()
    finally:
        await intake.nc.close()
    return list(EVENTS)


@pytest.fixture
async def service(server: Server, stream_events: list[str]) -> AsyncIterator[Connection]:
    conn = await connect(server, "routing")
    yield conn
    await conn.nc.close()


@pytest.fixture
async def agency_a(server: Server, stream_events: list[str]) -> AsyncIterator[Connection]:
    conn = await connect(server, "agency_A")
    yield conn
    await conn.nc.close()


async def dossier_subjects_in_stream(service: Connection) -> list[str]:
    js = service.nc.jetstream(timeout=TIMEOUT)
    state = (await js.stream_info("DOSSIERS")).state
    return [
        (await js.get_msg("DOSSIERS", seq)).subject or ""
        for seq in range(state.first_seq, state.last_seq + 1)
    ]


async def test_a_service_runs_its_consumer_under_its_own_user(
    server: Server, stream_events: list[str]
) -> None:
    """The services' own code paths (ensure, bind, fetch, ack) work with the service permissions."""
    link = NatsLink(
        server.url.replace("nats://", f"nats://reporting:{server.passwords['reporting']}@"), "test"
    )
    async with asyncio.timeout(TIMEOUT * 5):
        await link.connect_forever()
        consumer = Consumer(
            service="reporting",
            subscription=Subscription(stream="DOSSIERS", subjects=("dossier.*.received",), handlers={}),
            sessions=cast(Any, None),
            tables=cast(Any, None),
            link=link,
        )
        await consumer.ensure()
        psub = await link.jetstream.pull_subscribe_bind(consumer.durable, "DOSSIERS")
        messages = await psub.fetch(3, timeout=TIMEOUT)
        for message in messages:
            await message.ack_sync(timeout=TIMEOUT)
        await link.close()
    assert sorted(m.subject for m in messages) == [
        "dossier.A.received",
        "dossier.AB.received",
        "dossier.B.received",
    ]


@pytest.mark.parametrize(
    "credentials",
    [{"user": "agency_A", "password": "agency_B"}, {"user": "agency_A"}, {}],
    ids=["another-agency-s-password", "no-password", "no-user"],
)
async def test_wrong_or_missing_credentials_are_refused(
    server: Server, stream_events: list[str], credentials: dict[str, str]
) -> None:
    if "password" in credentials:
        credentials = {**credentials, "password": server.passwords[credentials["password"]]}
    nc = Client()
    try:
        with pytest.raises(NatsError, match="Authorization Violation"):
            await nc.connect(
                server.url,
                allow_reconnect=False,
                connect_timeout=TIMEOUT,
                error_cb=ignore,
                **cast(dict[str, Any], credentials),
            )
    finally:
        await nc.close()


async def test_agency_a_core_subscribes_to_its_own_events_and_never_to_b_s(
    agency_a: Connection, service: Connection
) -> None:
    own = await agency_a.nc.subscribe("dossier.A.>")
    await agency_a.assert_no_errors()
    refused = {}
    for subject in ("dossier.B.>", "dossier.AB.>", "dossier.*.received", "dossier.>", ">", "_INBOX.>"):
        refused[subject] = await agency_a.nc.subscribe(subject)
        await agency_a.expect_violation("subscription", subject)

    # Live events: B's, AB's and a catalogue change, then A's. One publisher, one server: A's
    # connection gets them in this order, so once A's own event is in, any of the others that had
    # got through would be in already.
    for subject in (
        "dossier.B.received",
        "dossier.AB.received",
        "catalog.agency.registered",
        "dossier.A.received",
    ):
        await service.nc.publish(subject, b"{}")
    await service.assert_no_errors()
    received = await own.next_msg(timeout=TIMEOUT)
    assert received.subject == "dossier.A.received"
    assert {subject: sub.pending_msgs for subject, sub in refused.items()} == dict.fromkeys(refused, 0)
    assert own.pending_msgs == 0


async def test_agency_a_cannot_open_a_consumer_on_anything_but_its_own_subjects(agency_a: Connection) -> None:
    create = "$JS.API.CONSUMER.CREATE.DOSSIERS"
    # Not through the permissions: unfiltered, another filter, the legacy API, another name.
    for subject in (
        f"{create}.agency_A",
        f"{create}.agency_A.dossier.B.>",
        f"{create}.agency_A.dossier.*.>",
        f"{create}.agency_A.>",
        f"{create}.agency_B.dossier.B.>",
        f"{create}.agency_B.dossier.A.>",
        create,
        "$JS.API.CONSUMER.DURABLE.CREATE.DOSSIERS.agency_A",
    ):
        await agency_a.denied_request(
            subject, {"stream_name": "DOSSIERS", "config": {"durable_name": "agency_A"}}
        )

    # Through the permitted subject with another filter in the body: JetStream refuses the mismatch.
    allowed = f"{create}.agency_A.dossier.A.>"
    for config, err_code in (
        ({"filter_subject": "dossier.B.>"}, 10131),
        ({}, 10131),
        ({"filter_subjects": ["dossier.A.>", "dossier.B.>"]}, 10137),
        ({"filter_subject": "dossier.A.>", "name": "agency_B", "durable_name": "agency_B"}, 10017),
    ):
        body = {"name": "agency_A", "durable_name": "agency_A", "ack_policy": "explicit", **config}
        reply = await agency_a.nc.request(
            allowed, json.dumps({"stream_name": "DOSSIERS", "config": body}).encode(), timeout=TIMEOUT
        )
        assert json.loads(reply.data)["error"]["err_code"] == err_code, (config, reply.data)
    await agency_a.assert_no_errors()


async def test_agency_a_reads_exactly_its_own_events_through_its_own_consumer(
    agency_a: Connection, service: Connection
) -> None:
    in_stream = await dossier_subjects_in_stream(service)
    own = [subject for subject in in_stream if subject.startswith("dossier.A.")]
    assert own, in_stream
    assert len(own) < len(in_stream), in_stream  # B's and AB's are there too

    js = agency_a.nc.jetstream(timeout=TIMEOUT)
    access = AgencyAccess.of("A")
    # The plain client call: creates agency_A through the filtered create subject, then binds.
    psub = await js.pull_subscribe(
        access.filter_subject,
        durable=access.consumer,
        stream="DOSSIERS",
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT),
    )
    info = await psub.consumer_info()
    assert info.config.filter_subject == "dossier.A.>"
    assert info.num_pending == len(own)
    messages = await psub.fetch(len(own), timeout=TIMEOUT)
    assert [m.subject for m in messages] == own
    for message in messages:
        await message.ack_sync(timeout=TIMEOUT)
    info = await psub.consumer_info()
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    await agency_a.assert_no_errors()


async def test_agency_a_cannot_read_b_s_consumer_or_the_stream(server: Server, agency_a: Connection) -> None:
    agency_b = await connect(server, "agency_B")
    try:
        b_js = agency_b.nc.jetstream(timeout=TIMEOUT)
        b_sub = await b_js.pull_subscribe("dossier.B.>", durable="agency_B", stream="DOSSIERS")
        (b_message,) = await b_sub.fetch(1, timeout=TIMEOUT)  # left unacked: its ack subject is live
        await agency_b.assert_no_errors()

        for subject in (
            "$JS.API.CONSUMER.MSG.NEXT.DOSSIERS.agency_B",
            "$JS.API.CONSUMER.INFO.DOSSIERS.agency_B",
            "$JS.API.CONSUMER.DELETE.DOSSIERS.agency_B",
            "$JS.API.CONSUMER.LIST.DOSSIERS",
            "$JS.API.CONSUMER.NAMES.DOSSIERS",
            "$JS.API.STREAM.MSG.GET.DOSSIERS",
            "$JS.API.DIRECT.GET.DOSSIERS",
            "$JS.API.DIRECT.GET.DOSSIERS.dossier.B.received",
            "$JS.API.STREAM.INFO.DOSSIERS",
            "$JS.API.STREAM.LIST",
            "$JS.API.INFO",
            b_message.reply,
        ):
            await agency_a.denied_request(subject, {"batch": 10, "seq": 1})
        # B's pull requests deliver to B's own inbox prefix, which A cannot subscribe to.
        await agency_a.nc.subscribe("_INBOX.agency_B.>")
        await agency_a.expect_violation("subscription", "_INBOX.agency_B.>")

        info = await b_js.consumer_info("DOSSIERS", "agency_B")
        assert (info.num_ack_pending, info.delivered.consumer_seq) == (1, 1)  # A's ack and pull did nothing
    finally:
        await agency_b.nc.close()


async def test_agency_a_cannot_publish_any_event(agency_a: Connection, service: Connection) -> None:
    before = await dossier_subjects_in_stream(service)
    for subject in (
        "dossier.A.received",
        "dossier.B.received",
        "catalog.agency.registered",
        "survey.ballot.cast",
    ):
        await agency_a.nc.publish(subject, b"{}")
        await agency_a.expect_violation("publish", subject)
    assert await dossier_subjects_in_stream(service) == before
